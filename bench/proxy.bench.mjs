// Proxy benchmark: a tiny upstream measured directly, through nginx (a reference line, when nginx is
// installed), through a bare undici pass-through proxy, through sworn (observe mode, full request and
// response validation) and through Stoplight Prism's proxy, on loopback, in one run, in alternating
// order. Prints req/s, p50/p99 and CPU per request of each, then sworn's targets against the same
// run's bare and Prism lines, each `met` or `MISSED`. Not a test: it exits 0 whatever the numbers.
//   BENCH_SECONDS (default 5) per measured run, BENCH_CONNECTIONS (default 32), BENCH_ROUNDS (default 2,
//   each one pass over all targets, in alternating order), BENCH_WARMUP (default 3: seconds of load on each
//   target before each kind's rounds; node servers take a few seconds of traffic to reach steady
//   speed, and a cold first round would charge that to whichever target came first),
//   BENCH_NGINX_WORKERS (default 1), BENCH_NGINX (a path to the nginx binary, or `off`; default: nginx on
//   PATH or /usr/sbin/nginx, and the line is skipped with a note when there is none).
//   BENCH_SWORN_BEFORE=<path to another build's dist/cli/main.js> also measures that build ("before"),
//   to see what a change costs in the same run.
// Latency percentiles are computed from every 2xx response's own time (sub-millisecond), over all
// rounds together; CPU per request is the serving process tree's user + system time (/proc) over the
// run, divided by the responses: sworn's and bare's node process, nginx's master + workers, Prism's
// process (and its worker, if it forks one); the upstream's own CPU per request is shown beside it.
import { fork, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync, chmodSync, readFileSync, existsSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import autocannon from 'autocannon';
import { request } from 'undici';
import { freePort, treeCpuMicros, treeRssMb } from './measure.mjs';

const require = createRequire(import.meta.url);
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));
const WARMUP = Math.max(1, Number(process.env.BENCH_WARMUP ?? 3));
const NGINX_WORKERS = Math.max(1, Number(process.env.BENCH_NGINX_WORKERS ?? 1));
const spec = here('../specs/petstore.yaml');
const children = [];
const pids = {};
const tempDirs = [];

const requests = {
  GET: { method: 'GET', path: '/v1/pets?limit=10', headers: { 'x-api-key': 'demo-key-mobile' } },
  POST: { method: 'POST', path: '/v1/pets', headers: { 'x-api-key': 'demo-key-mobile', 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Rex', tag: 'dog', status: 'available' }) },
};

async function forked(script, args, name) {
  const child = fork(here(script), args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  children.push(child);
  if (name) pids[name] = child.pid;
  const [message] = await once(child, 'message');
  return `http://127.0.0.1:${message.port}`;
}

/** Resolves once `url` answers below 500; rejects when `child` exits first or after 30 s. */
async function waitFor(url, headers, child, name) {
  let exited;
  const onExit = (code, signal) => (exited = signal ?? `code ${code}`);
  const onError = (error) => (exited = error.message);
  child.once('exit', onExit);
  child.once('error', onError);
  try {
    for (let i = 0; i < 300 && !exited; i++) {
      try {
        const res = await request(url, { headers });
        await res.body.dump();
        if (res.statusCode < 500) return;
      } catch {}
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(exited ? `${name} exited (${exited}) before answering ${url}` : `${name}: ${url} did not come up`);
  } finally {
    child.off('exit', onExit);
    child.off('error', onError);
  }
}

async function spawned(command, args, url, name) {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  pids[name] = child.pid;
  await waitFor(`${url}${requests.GET.path}`, requests.GET.headers, child, name);
  return url;
}

function findNginx() {
  const chosen = process.env.BENCH_NGINX;
  if (chosen === 'off') return undefined;
  if (chosen) return chosen;
  for (const dir of [...(process.env.PATH ?? '').split(':').filter(Boolean), '/usr/sbin']) {
    try {
      accessSync(join(dir, 'nginx'), constants.X_OK);
      return join(dir, 'nginx');
    } catch {}
  }
  return undefined;
}

/** nginx as a child: a generated nginx.conf in a temp dir, proxying to the same upstream with keepalive. */
async function startNginx(bin, upstream) {
  const dir = mkdtempSync(join(tmpdir(), 'sworn-bench-nginx-'));
  tempDirs.push(dir);
  chmodSync(dir, 0o755); // run as root, the workers run as nobody and need to reach the temp paths
  const port = freePort();
  const upstreamPort = new URL(upstream).port;
  const conf = join(dir, 'nginx.conf');
  const errorLog = join(dir, 'error.log');
  writeFileSync(conf, `# generated by bench/proxy.bench.mjs
daemon off;
master_process on;
worker_processes ${NGINX_WORKERS};
pid ${join(dir, 'nginx.pid')};
error_log ${errorLog} warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'client_body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  # The node servers keep client connections for as many requests as come; so does nginx here.
  keepalive_requests 1000000;
  keepalive_timeout 65s;
  upstream u {
    server 127.0.0.1:${upstreamPort};
    keepalive 64;
    keepalive_requests 1000000;
    keepalive_timeout 65s;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://u;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`);
  const url = `http://127.0.0.1:${port}`;
  try {
    // -e: the error log from the start, before the conf is read (the compiled-in one may not be writable).
    return await spawned(bin, ['-c', conf, '-p', dir, '-e', errorLog], url, 'nginx');
  } catch (error) {
    const log = existsSync(errorLog) ? readFileSync(errorLog, 'utf8').trim().split('\n').slice(-3).join(' | ') : '';
    throw new Error(`${error.message}${log ? `; error.log: ${log}` : ''}`);
  }
}

function load(url, kind, duration) {
  const r = requests[kind];
  return autocannon({ url: url + r.path, method: r.method, headers: r.headers, body: r.body, connections: CONNECTIONS, duration, pipelining: 1 });
}

async function measure(url, kind, name) {
  const cpuBefore = pids[name] ? await treeCpuMicros(pids[name]) : Number.NaN;
  const upstreamBefore = await treeCpuMicros(pids.upstream);
  const latencies = [];
  const run = load(url, kind, SECONDS);
  run.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
  });
  const result = await run;
  // Let work the server does after answering (deferred bookkeeping) land before reading its CPU.
  await new Promise((r) => setTimeout(r, 250));
  if (result.non2xx > 0 || result.errors > 0) console.error(`  warning: ${name} ${kind}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  const total = result.requests.total;
  const cpu = pids[name] ? ((await treeCpuMicros(pids[name])) - cpuBefore) / total : Number.NaN;
  const upstreamCpu = ((await treeCpuMicros(pids.upstream)) - upstreamBefore) / total;
  return { rps: total / result.duration, latencies, cpu, upstreamCpu, requests: total };
}

function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function summarize(runs) {
  const rpss = runs.map((r) => r.rps);
  const mean = rpss.reduce((s, x) => s + x, 0) / rpss.length;
  const all = Float64Array.from(runs.flatMap((r) => r.latencies)).sort();
  const requestsTotal = runs.reduce((s, r) => s + r.requests, 0);
  // CPU per request over all rounds: weighted by each round's responses.
  const weighted = (k) => runs.reduce((s, r) => s + r[k] * r.requests, 0) / requestsTotal;
  return { rps: mean, spread: rpss.length > 1 ? (Math.max(...rpss) - Math.min(...rpss)) / mean : 0, p50: percentile(all, 50), p99: percentile(all, 99), cpu: weighted('cpu'), upstreamCpu: weighted('upstreamCpu') };
}

async function stopAll() {
  await Promise.all(
    children.map(async (child) => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }),
  );
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
}

process.once('SIGINT', () => stopAll().finally(() => process.exit(130)));

const fmt = (x, digits, width) => (Number.isFinite(x) ? x.toFixed(digits) : '-').padStart(width);

try {
  const upstream = await forked('./servers/upstream.mjs', [], 'upstream');
  const notes = [];
  const nginxBin = findNginx();
  let nginx;
  if (nginxBin) {
    const version = (spawnSync(nginxBin, ['-v'], { encoding: 'utf8' }).stderr ?? '').trim().replace(/^nginx version: /, '');
    try {
      nginx = await startNginx(nginxBin, upstream);
      notes.push(`nginx: ${version} at ${nginxBin}, master + ${NGINX_WORKERS} worker process${NGINX_WORKERS === 1 ? ' (one worker: the fair match for a single-threaded node proxy; BENCH_NGINX_WORKERS to change)' : 'es'}, upstream keepalive 64, access_log off`);
    } catch (error) {
      notes.push(`nginx: skipped, ${version ? `${version} ` : ''}at ${nginxBin} did not start: ${error.message}`);
    }
  } else {
    notes.push(process.env.BENCH_NGINX === 'off' ? 'nginx: skipped (BENCH_NGINX=off)' : 'nginx: skipped, not found on PATH nor at /usr/sbin/nginx (apt-get install nginx for the reference line)');
  }
  const bare = await forked('./servers/bare-proxy.mjs', [upstream], 'bare');
  const swornArgs = (cli, port) => [cli, 'proxy', spec, '--upstream', upstream, '--port', String(port), '--admin-port', 'off', '--store', ':memory:', '--log-level', 'silent'];
  const swornPort = freePort();
  const sworn = await spawned(process.execPath, swornArgs(here('../dist/cli/main.js'), swornPort), `http://127.0.0.1:${swornPort}`, 'sworn');
  const before = process.env.BENCH_SWORN_BEFORE;
  const beforePort = freePort();
  const swornBefore = before ? await spawned(process.execPath, swornArgs(before, beforePort), `http://127.0.0.1:${beforePort}`, 'before') : undefined;
  const prismPort = freePort();
  const prismBin = require.resolve('@stoplight/prism-cli/dist/index.js');
  // Prism without its per-request info logging, as sworn runs (--log-level silent) and as the mock benchmark runs it.
  const prism = await spawned(process.execPath, [prismBin, 'proxy', spec, upstream, '--port', String(prismPort), '--host', '127.0.0.1', '--errors', 'false', '--verboseLevel', 'warn'], `http://127.0.0.1:${prismPort}`, 'prism');

  const targets = { direct: upstream, ...(nginx ? { nginx } : {}), bare, sworn, ...(swornBefore ? { before: swornBefore } : {}), prism };
  const names = Object.keys(targets);
  const rssBefore = Object.fromEntries(await Promise.all(Object.entries(pids).map(async ([n, pid]) => [n, await treeRssMb(pid)])));
  const results = {};
  for (const kind of ['GET', 'POST']) {
    results[kind] = Object.fromEntries(names.map((n) => [n, []]));
    // Warm up each target, then the rounds, each in the order opposite to the one before.
    for (const name of names) await load(targets[name], kind, WARMUP);
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? names : [...names].reverse();
      for (const name of order) results[kind][name].push(await measure(targets[name], kind, name));
    }
  }

  console.log(`sworn proxy benchmark · node ${process.version} · ${process.platform}/${process.arch} · ${cpus().length} cores (shared by the load generator, the proxy and the upstream) · ${CONNECTIONS} connections · ${SECONDS}s per run · ${ROUNDS} runs per target, alternating order, after ${WARMUP}s of warm-up each`);
  console.log('spec: specs/petstore.yaml; direct = the tiny upstream itself; bare = node:http + undici pass-through; sworn in observe mode validating requests and responses; prism 5.12 proxy with validation');
  for (const note of notes) console.log(note);
  const verdicts = [];
  for (const kind of ['GET', 'POST']) {
    console.log(`\n${kind} ${requests[kind].path}${kind === 'POST' ? ' (JSON body)' : ''}`);
    console.log(`target        req/s spread  ${'each run'.padEnd(Math.max(8, ROUNDS * 6))}  p50 ms   p99 ms   CPU us/request   upstream CPU us/request`);
    const row = Object.fromEntries(names.map((n) => [n, summarize(results[kind][n])]));
    for (const n of names) {
      const r = row[n];
      const each = results[kind][n].map((x) => x.rps.toFixed(0).padStart(5)).join(' ');
      console.log(`${n.padEnd(10)} ${fmt(r.rps, 0, 8)}  ${fmt(r.spread * 100, 0, 4)}%  ${each.padEnd(Math.max(8, ROUNDS * 6))}  ${fmt(r.p50, 2, 7)}  ${fmt(r.p99, 2, 7)}   ${fmt(r.cpu, 0, 14)}   ${fmt(r.upstreamCpu, 0, 23)}`);
    }
    const s = row.sworn;
    const b = row.bare;
    const targetRows = [
      ['sworn/bare req/s >= 0.9x', `${(s.rps / b.rps).toFixed(2)}x`, s.rps / b.rps >= 0.9],
      ['CPU per request sworn/bare <= 1.15x', `${(s.cpu / b.cpu).toFixed(2)}x (${s.cpu.toFixed(0)} vs ${b.cpu.toFixed(0)} us)`, s.cpu / b.cpu <= 1.15],
      ['p99 <= bare p99 + 1 ms', `${s.p99 - b.p99 >= 0 ? '+' : ''}${(s.p99 - b.p99).toFixed(2)} ms (${s.p99.toFixed(2)} vs ${b.p99.toFixed(2)})`, s.p99 <= b.p99 + 1],
      ['sworn/Prism req/s >= 10x', `${(s.rps / row.prism.rps).toFixed(1)}x`, s.rps / row.prism.rps >= 10],
    ];
    console.log(`targets (${kind}; sworn against this run's bare and Prism lines)`);
    for (const [label, value, met] of targetRows) {
      console.log(`  ${label.padEnd(37)} ${value.padEnd(32)} ${met ? 'met' : 'MISSED'}`);
      verdicts.push(met);
    }
    if (row.nginx) console.log(`reference: nginx/bare req/s ${(row.nginx.rps / b.rps).toFixed(2)}x, CPU per request ${(row.nginx.cpu / b.cpu).toFixed(2)}x; sworn/nginx req/s ${(s.rps / row.nginx.rps).toFixed(2)}x, CPU per request ${(s.cpu / row.nginx.cpu).toFixed(2)}x`);
    if (row.before) console.log(`this build against the one before: req/s ${(s.rps / row.before.rps).toFixed(3)}x, CPU per request ${(s.cpu / row.before.cpu).toFixed(3)}x, p99 ${(s.p99 - row.before.p99).toFixed(2)} ms`);
  }
  console.log(`\ntargets met: ${verdicts.filter(Boolean).length} of ${verdicts.length} (a benchmark: reported, not enforced)`);
  const rssAfter = Object.fromEntries(await Promise.all(Object.entries(pids).map(async ([n, pid]) => [n, await treeRssMb(pid)])));
  console.log('\nresident memory (MB, process tree) after start -> after all runs');
  for (const n of Object.keys(pids)) console.log(`${n.padEnd(10)} ${rssBefore[n].toFixed(0).padStart(6)} -> ${rssAfter[n].toFixed(0)}`);
} finally {
  await stopAll();
}
