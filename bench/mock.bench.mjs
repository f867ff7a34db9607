// Mock benchmark: `sworn mock` (plain, and --behave slo with delays and errors switched off by chaos, to
// measure the bookkeeping alone) against `prism mock` on the same spec, on loopback, in one run, in
// alternating order. Prints req/s, p50/p99, CPU per request and the ratios. Not a test: no thresholds.
// BENCH_SECONDS (default 5), BENCH_CONNECTIONS (default 32).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import autocannon from 'autocannon';
import { request } from 'undici';
import { cpuMicros, freePort, rssMb } from './measure.mjs';

const require = createRequire(import.meta.url);
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const spec = here('../specs/petstore.yaml');
const children = [];
const pids = {};


// Prism serves paths without the servers' base path; sworn serves them under it (and without).
const BASE = { sworn: '/v1', 'sworn-slo': '/v1', 'sworn-log': '/v1', prism: '' };

async function spawned(args, name) {
  const port = freePort();
  const child = spawn(process.execPath, [...args, '--port', String(port)], { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  pids[name] = child.pid;
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try {
      const res = await request(`${url}${BASE[name]}/pets?limit=10`, { headers: { 'x-api-key': 'k' } });
      await res.body.dump();
      if (res.statusCode === 200) return url;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not come up`);
}

const requests = {
  GET: { method: 'GET', path: '/pets?limit=10', headers: { 'x-api-key': 'k' } },
  POST: { method: 'POST', path: '/pets', headers: { 'x-api-key': 'k', 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Rex', tag: 'dog', status: 'available' }) },
};

async function measure(url, kind, name) {
  const r = requests[kind];
  const before = await cpuMicros(pids[name]);
  const result = await autocannon({ url: url + BASE[name] + r.path, method: r.method, headers: r.headers, body: r.body, connections: CONNECTIONS, duration: SECONDS });
  if (result.non2xx > 0 || result.errors > 0) console.error(`  warning: ${name} ${kind}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, cpu: ((await cpuMicros(pids[name])) - before) / result.requests.total };
}

try {
  const cli = here('../dist/cli/main.js');
  const targets = {
    sworn: await spawned([cli, 'mock', spec, '--admin-port', 'off', '--log-level', 'silent', '--quiet'], 'sworn'),
    'sworn-slo': await spawned([cli, 'mock', spec, '--admin-port', 'off', '--log-level', 'silent', '--quiet', '--behave', 'slo', '--chaos', 'latency=0x,error=0x'], 'sworn-slo'),
    // The request log on (one line per request, written to a discarded stdout): what it costs.
    'sworn-log': await spawned([cli, 'mock', spec, '--admin-port', 'off', '--log-level', 'silent'], 'sworn-log'),
    // Prism without its per-request info logging, as sworn runs.
    prism: await spawned([require.resolve('@stoplight/prism-cli/dist/index.js'), 'mock', spec, '--host', '127.0.0.1', '--verboseLevel', 'warn'], 'prism'),
  };
  const names = Object.keys(targets);
  const rssBefore = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await rssMb(pids[n])])));
  console.log(`sworn mock benchmark · node ${process.version} · ${CONNECTIONS} connections · ${SECONDS}s per run · 2 runs per target, alternating order`);
  console.log('spec: specs/petstore.yaml, answers from examples, request validation on; sworn-slo = --behave slo with latency=0x,error=0x (the bookkeeping, no waiting); sworn and sworn-slo run --quiet, sworn-log with the request log');
  for (const kind of ['GET', 'POST']) {
    const results = Object.fromEntries(names.map((n) => [n, []]));
    for (const name of names) await autocannon({ url: targets[name] + BASE[name] + requests[kind].path, method: requests[kind].method, headers: requests[kind].headers, body: requests[kind].body, connections: CONNECTIONS, duration: 1 });
    for (const order of [names, [...names].reverse()]) for (const name of order) results[name].push(await measure(targets[name], kind, name));
    const avg = (n, k) => results[n].reduce((s, x) => s + x[k], 0) / results[n].length;
    console.log(`\n${kind} ${requests[kind].path}`);
    console.log('target       req/s      p50 ms   p99 ms   CPU us/request');
    for (const n of names) console.log(`${n.padEnd(10)} ${avg(n, 'rps').toFixed(0).padStart(8)}   ${avg(n, 'p50').toFixed(2).padStart(7)}  ${avg(n, 'p99').toFixed(2).padStart(7)}   ${avg(n, 'cpu').toFixed(0).padStart(6)}`);
    console.log(`ratios: sworn/prism ${(avg('sworn', 'rps') / avg('prism', 'rps')).toFixed(2)}x req/s (target >= 3), ${(avg('prism', 'cpu') / avg('sworn', 'cpu')).toFixed(2)}x less CPU per request; --behave slo bookkeeping: ${(avg('sworn-slo', 'cpu') - avg('sworn', 'cpu')).toFixed(1)} us/request (${((avg('sworn-slo', 'cpu') / avg('sworn', 'cpu') - 1) * 100).toFixed(1)}%); request log: ${(avg('sworn-log', 'cpu') - avg('sworn', 'cpu')).toFixed(1)} us/request`);
  }
  console.log('\nresident memory (MB) after start -> after all runs');
  for (const n of names) console.log(`${n.padEnd(10)} ${rssBefore[n].toFixed(0).padStart(6)} -> ${(await rssMb(pids[n])).toFixed(0)}`);
} finally {
  for (const child of children) child.kill('SIGTERM');
}
