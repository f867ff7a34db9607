// Proxy benchmark: a tiny upstream measured directly, through a bare undici pass-through proxy,
// through sworn (observe mode, full request and response validation) and through Stoplight Prism's
// proxy, on loopback, in one run, in alternating order. Prints req/s, p50/p99 and the ratios.
// Not a test: no thresholds. BENCH_SECONDS (default 5), BENCH_CONNECTIONS (default 32).
// BENCH_SWORN_BEFORE=<path to another build's dist/cli/main.js> also measures that build ("before"),
// to see what a change costs in the same run.
import { fork, spawn } from 'node:child_process';
import { once } from 'node:events';
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



async function forked(script, args, name) {
  const child = fork(here(script), args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  children.push(child);
  if (name) pids[name] = child.pid;
  const [message] = await once(child, 'message');
  return `http://127.0.0.1:${message.port}`;
}

async function waitFor(url, headers = {}) {
  for (let i = 0; i < 300; i++) {
    try {
      const res = await request(url, { headers });
      await res.body.dump();
      if (res.statusCode < 500) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}


async function spawned(command, args, url, name) {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  pids[name] = child.pid;
  await waitFor(`${url}/v1/pets?limit=10`, { 'x-api-key': 'demo-key-mobile' });
  return url;
}

const requests = {
  GET: { method: 'GET', path: '/v1/pets?limit=10', headers: { 'x-api-key': 'demo-key-mobile' } },
  POST: { method: 'POST', path: '/v1/pets', headers: { 'x-api-key': 'demo-key-mobile', 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Rex', tag: 'dog', status: 'available' }) },
};

async function measure(url, kind, name) {
  const r = requests[kind];
  const cpuBefore = pids[name] ? await cpuMicros(pids[name]) : Number.NaN;
  const result = await autocannon({ url: url + r.path, method: r.method, headers: r.headers, body: r.body, connections: CONNECTIONS, duration: SECONDS, pipelining: 1 });
  if (result.non2xx > 0 || result.errors > 0) console.error(`  warning: ${url} ${kind}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  const cpu = pids[name] ? ((await cpuMicros(pids[name])) - cpuBefore) / result.requests.total : Number.NaN;
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, cpu };
}

try {
  const upstream = await forked('./servers/upstream.mjs', []);
  const bare = await forked('./servers/bare-proxy.mjs', [upstream], 'bare');
  const swornPort = freePort();
  const sworn = await spawned(process.execPath, [here('../dist/cli/main.js'), 'proxy', spec, '--upstream', upstream, '--port', String(swornPort), '--admin-port', 'off', '--store', ':memory:', '--log-level', 'silent'], `http://127.0.0.1:${swornPort}`, 'sworn');
  const before = process.env.BENCH_SWORN_BEFORE;
  const beforePort = freePort();
  const swornBefore = before ? await spawned(process.execPath, [before, 'proxy', spec, '--upstream', upstream, '--port', String(beforePort), '--admin-port', 'off', '--store', ':memory:', '--log-level', 'silent'], `http://127.0.0.1:${beforePort}`, 'before') : undefined;
  const prismPort = freePort();
  const prismBin = require.resolve('@stoplight/prism-cli/dist/index.js');
  const prism = await spawned(process.execPath, [prismBin, 'proxy', spec, upstream, '--port', String(prismPort), '--host', '127.0.0.1', '--errors', 'false'], `http://127.0.0.1:${prismPort}`, 'prism');

  const rssBefore = Object.fromEntries(await Promise.all(Object.entries(pids).map(async ([n, pid]) => [n, await rssMb(pid)])));
  const targets = { upstream, bare, sworn, ...(swornBefore ? { before: swornBefore } : {}), prism };
  const names = Object.keys(targets);
  const results = {};
  for (const kind of ['GET', 'POST']) {
    results[kind] = Object.fromEntries(names.map((n) => [n, []]));
    // Warm up each target, then two rounds in alternating order.
    for (const name of names) await autocannon({ url: targets[name] + requests[kind].path, method: requests[kind].method, headers: requests[kind].headers, body: requests[kind].body, connections: CONNECTIONS, duration: 1 });
    for (const order of [names, [...names].reverse()]) for (const name of order) results[kind][name].push(await measure(targets[name], kind, name));
  }

  const avg = (xs, k) => xs.reduce((s, x) => s + x[k], 0) / xs.length;
  console.log(`sworn proxy benchmark · node ${process.version} · ${process.platform}/${process.arch} · ${CONNECTIONS} connections · ${SECONDS}s per run · 2 runs per target, alternating order`);
  console.log('spec: specs/petstore.yaml; sworn in observe mode validating requests and responses; prism 5.12 proxy with validation');
  for (const kind of ['GET', 'POST']) {
    console.log(`\n${kind} ${requests[kind].path}${kind === 'POST' ? ' (JSON body)' : ''}`);
    console.log('target      req/s       p50 ms   p99 ms   CPU us/request (the proxy process)');
    const row = Object.fromEntries(names.map((n) => [n, { rps: avg(results[kind][n], 'rps'), p50: avg(results[kind][n], 'p50'), p99: avg(results[kind][n], 'p99'), cpu: avg(results[kind][n], 'cpu') }]));
    for (const n of names) console.log(`${n.padEnd(10)} ${row[n].rps.toFixed(0).padStart(8)}   ${row[n].p50.toFixed(2).padStart(7)}  ${row[n].p99.toFixed(2).padStart(7)}   ${Number.isNaN(row[n].cpu) ? '' : row[n].cpu.toFixed(0).padStart(6)}`);
    console.log(`CPU per request: sworn ${(row.sworn.cpu / row.bare.cpu).toFixed(2)}x the bare proxy's, ${(row.prism.cpu / row.sworn.cpu).toFixed(1)}x less than prism's`);
    if (row.before) console.log(`this build against the one before: req/s ${(row.sworn.rps / row.before.rps).toFixed(3)}x, CPU per request ${(row.sworn.cpu / row.before.cpu).toFixed(3)}x`);
    console.log(`ratios: sworn/bare ${(row.sworn.rps / row.bare.rps).toFixed(2)}x (target >= 0.9)   sworn/prism ${(row.sworn.rps / row.prism.rps).toFixed(1)}x (target >= 10)   p99 sworn - bare ${(row.sworn.p99 - row.bare.p99).toFixed(2)} ms (target <= 1)`);
  }
  const rssAfter = Object.fromEntries(await Promise.all(Object.entries(pids).map(async ([n, pid]) => [n, await rssMb(pid)])));
  console.log('\nresident memory (MB) after start -> after all runs');
  for (const n of Object.keys(pids)) console.log(`${n.padEnd(10)} ${rssBefore[n].toFixed(0).padStart(6)} -> ${rssAfter[n].toFixed(0)}`);
} finally {
  for (const child of children) child.kill('SIGTERM');
}

