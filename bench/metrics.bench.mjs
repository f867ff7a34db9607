// /metrics cardinality and render time at scale, and `sworn rules` on the same spec.
// GitHub's REST description (1,200+ operations) with a document-level promise (availability,
// a threshold and a percentile objective, two tiers), behind `sworn proxy`; 500 consumers send
// requests to every operation (each operation several consumers, some 5xx, some violations).
// Then: the number of series /metrics exposes and the time it takes to render (median of
// BENCH_RUNS scrapes), against the targets (< 30,000 series, < 200 ms), the dashboard page's build
// time on the same proxy (also < 200 ms: it runs on the proxy's event loop), and the time
// `sworn rules` takes for the spec. Not a test: targets printed, no assertions.
import http from 'node:http';
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { Agent, request } from 'undici';
import { freePort } from './measure.mjs';

const require = createRequire(import.meta.url);
const githubFile = require.resolve('@octokit/openapi/generated/api.github.com.json');
const bin = process.env.BENCH_SWORN ?? fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CONSUMERS = 500;
const TARGET_SERIES = 30_000;
const TARGET_RENDER_MS = 200;

const dir = mkdtempSync(join(tmpdir(), 'sworn-metrics-bench-'));
const document = JSON.parse(readFileSync(githubFile, 'utf8'));
document.info['x-slo'] = {
  service: 'github',
  availability: { target: 99.9 },
  latency: [{ name: 'fast', threshold: '300ms', target: 99 }, { name: 'p99', percentile: 99, max: '800ms' }],
  consumers: { identify: [{ header: 'X-Consumer-Id' }], defaultTier: 'free', maxTracked: 1000, tiers: { free: { availability: 99 }, enterprise: { availability: 99.95 } } },
};
const specFile = join(dir, 'github.json');
writeFileSync(specFile, JSON.stringify(document));

/** One request per operation: its method and a path with the parameters filled in. */
const targets = [];
for (const [path, item] of Object.entries(document.paths)) {
  for (const method of ['get', 'put', 'post', 'delete', 'patch']) {
    if (!item[method]) continue;
    let n = 0;
    targets.push({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, () => `p${++n}`) });
  }
}

let served = 0;
const upstream = http.createServer((req, res) => {
  req.resume();
  served++;
  if (served % 50 === 0) res.writeHead(503).end();
  else res.writeHead(204).end();
});
upstream.listen(0, '127.0.0.1');
await once(upstream, 'listening');
const upstreamUrl = `http://127.0.0.1:${upstream.address().port}`;

const port = freePort();
const adminPort = freePort();
const proxyUrl = `http://127.0.0.1:${port}`;
const adminUrl = `http://127.0.0.1:${adminPort}`;
const child = spawn(process.execPath, [...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean), bin, 'proxy', specFile, '--upstream', upstreamUrl, '--port', String(port), '--admin-port', String(adminPort), '--store', ':memory:', '--log-level', 'silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
const exited = once(child, 'exit').then(([code]) => { throw new Error(`the proxy exited (${code})`); });
exited.catch(() => {});

const dispatcher = new Agent({ connections: 16 });
async function get(url) {
  const res = await request(url, { dispatcher });
  return res.body.text();
}
for (let i = 0; i < 600; i++) {
  try {
    await get(`${adminUrl}/healthz`);
    break;
  } catch {
    await Promise.race([new Promise((r) => setTimeout(r, 100)), exited]);
  }
}

// Every operation gets requests from four consumers; every consumer reaches some ten operations.
const sends = [];
targets.forEach((t, i) => {
  for (let k = 0; k < 4; k++) sends.push({ ...t, consumer: `consumer-${(i * 4 + k) % CONSUMERS}` });
});
let next = 0;
await Promise.all(Array.from({ length: 16 }, async () => {
  while (next < sends.length) {
    const s = sends[next++];
    const res = await request(proxyUrl + s.path, { method: s.method, headers: { 'x-consumer-id': s.consumer, accept: 'application/json' }, dispatcher });
    await res.body.dump();
  }
}));

const times = [];
let text = '';
for (let i = 0; i < RUNS; i++) {
  const start = performance.now();
  text = await get(`${adminUrl}/metrics`);
  times.push(performance.now() - start);
}
// The dashboard page on the same proxy: each run a new query, so none is served from the page cache.
const pageTimes = [];
let page = '';
for (let i = 0; i < RUNS; i++) {
  const start = performance.now();
  page = await get(`${adminUrl}/?run=${i}`);
  pageTimes.push(performance.now() - start);
}
const reportTimes = [];
for (let i = 0; i < RUNS; i++) {
  const start = performance.now();
  await get(`${adminUrl}/report`);
  reportTimes.push(performance.now() - start);
}
const reportMedian = [...reportTimes].sort((a, b) => a - b)[Math.floor(reportTimes.length / 2)];
const pageMedian = [...pageTimes].sort((a, b) => a - b)[Math.floor(pageTimes.length / 2)];
const series = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
const byMetric = new Map();
for (const line of series) {
  const name = line.slice(0, line.search(/[{ ]/)).replace(/_(bucket|sum|count)$/, '');
  byMetric.set(name, (byMetric.get(name) ?? 0) + 1);
}
const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
child.kill('SIGTERM');
await once(child, 'exit').catch(() => {});
upstream.close();
await dispatcher.close();

let rulesMs;
let rulesBytes;
try {
  const start = performance.now();
  const out = execFileSync(process.execPath, [bin, 'rules', specFile], { maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] });
  rulesMs = performance.now() - start;
  rulesBytes = out.length;
} catch (error) {
  rulesMs = undefined;
  rulesBytes = String(error.stderr ?? error.message).trim().split('\n')[0];
}
rmSync(dir, { recursive: true, force: true });

const ok = (pass) => (pass ? 'met' : 'MISSED');
console.log(`\n/metrics at scale: GitHub's description (${targets.length} operations), ${CONSUMERS} consumers, ${sends.length} requests`);
console.log(`  series                 ${series.length}   (target < ${TARGET_SERIES}: ${ok(series.length < TARGET_SERIES)})`);
console.log(`  render (median of ${RUNS})    ${median.toFixed(1)} ms   (target < ${TARGET_RENDER_MS} ms: ${ok(median < TARGET_RENDER_MS)})`);
console.log(`  size                   ${(Buffer.byteLength(text) / 1024 / 1024).toFixed(2)} MB; each scrape (ms): ${times.map((t) => t.toFixed(0)).join(", ")}`);
console.log(`  dashboard GET / (median of ${RUNS}) ${pageMedian.toFixed(1)} ms (target < ${TARGET_RENDER_MS} ms: ${ok(pageMedian < TARGET_RENDER_MS)}), ${(Buffer.byteLength(page) / 1024).toFixed(0)} KB; each (ms): ${pageTimes.map((t) => t.toFixed(0)).join(', ')}`);
console.log(`  GET /report (median of ${RUNS}) ${reportMedian.toFixed(1)} ms: what the page is built on`);
console.log('  series by metric:');
for (const [name, n] of [...byMetric].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`    ${name.padEnd(48)} ${n}`);
console.log(rulesMs === undefined ? `  sworn rules            failed: ${rulesBytes}` : `  sworn rules            ${rulesMs.toFixed(0)} ms (whole process), ${(rulesBytes / 1024).toFixed(0)} KB of rules`);
