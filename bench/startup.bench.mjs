// Start-up benchmark: `sworn proxy` on GitHub's REST description (13 MB, 1,200+ operations).
// Spawns the built proxy in front of a tiny upstream answering 204 and measures, from spawn:
//   1. the first request forwarded (the upstream saw it) and the proxy's RSS then;
//   2. one request to each of ~50 different operations (first-use compile cost), time and RSS after.
//   3. in a fresh process, what each start-up step costs with validators compiled on first use
//      (load spec, listOperations, resolveSlos, compileRouter, lazyValidators and the walks a proxy
//      makes at start), and the first request's validation.
// Builds nothing itself (`npm run bench` builds first). Not a test: targets printed, no assertions.
// BENCH_RUNS (default 3) spawns; medians printed. BENCH_SWORN=<path to a dist/cli/main.js> measures another build.
import http from 'node:http';
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { request } from 'undici';
import { freePort, rssMb } from './measure.mjs';

/** Step 3, run in a child process of its own (cold, like a proxy's start). */
async function steps() {
  const dist = new URL('../dist/', import.meta.url);
  const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024;
  const rows = [];
  let last = performance.now();
  const lap = (label) => {
    const now = performance.now();
    rows.push({ label, ms: now - last, rss: rss() });
    last = now;
  };
  const { loadSpec, listOperations } = await import(new URL('spec/index.js', dist).href);
  const { resolveSlos } = await import(new URL('slo/index.js', dist).href);
  const { compileRouter } = await import(new URL('router/index.js', dist).href);
  const { lazyValidators, validateRequest } = await import(new URL('validate/index.js', dist).href);
  lap('import spec, slo, router, validate');
  const spec = await loadSpec(specFile);
  lap('loadSpec');
  const operations = listOperations(spec);
  lap('listOperations');
  resolveSlos(spec, operations);
  lap('resolveSlos');
  const router = compileRouter(operations);
  lap('compileRouter');
  const validators = lazyValidators(spec, operations);
  lap('lazyValidators (construct)');
  validators.allSecretNames();
  lap('allSecretNames()');
  validators.secretPathOperations();
  lap('secretPathOperations()');
  validators.unsupportedPatterns();
  lap('unsupportedPatterns()');
  const match = router.resolve('GET', FIRST_PATH).match;
  lap(`router.resolve (first GET)`);
  const compiled = validators.get(match.operation);
  lap(`get(${match.operation.id})`);
  await validateRequest(compiled, { params: match.params, query: '', headers: {}, body: undefined, bodyTooLarge: false });
  lap('first validateRequest (compiles)');
  process.stdout.write(JSON.stringify(rows));
}

const require = createRequire(import.meta.url);
const specFile = require.resolve('@octokit/openapi/generated/api.github.com.json');
const bin = process.env.BENCH_SWORN ?? fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const OPERATIONS = 50;
const FIRST_PATH = '/repos/octo/hello/issues';

if (process.argv[2] === '--steps') {
  await steps();
  process.exit(0);
}

/** ~50 GET operations spread over the document, path parameters filled in (`{owner}` -> `p1`). */
function samplePaths() {
  const document = JSON.parse(readFileSync(specFile, 'utf8'));
  const candidates = Object.entries(document.paths).filter(([, item]) => item.get).map(([path]) => path);
  const step = candidates.length / OPERATIONS;
  const paths = [];
  for (let i = 0; i < OPERATIONS; i++) {
    let n = 0;
    paths.push(candidates[Math.floor(i * step)].replace(/\{[^}]+\}/g, () => `p${++n}`));
  }
  return paths;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const seen = new Set();
const upstream = http.createServer((req, res) => {
  seen.add(req.url);
  res.writeHead(204).end();
});
upstream.listen(0, '127.0.0.1');
await once(upstream, 'listening');
const upstreamUrl = `http://127.0.0.1:${upstream.address().port}`;

/** GETs `path` through the proxy until the upstream saw it; false when the proxy answered but did not forward. */
async function forwarded(url, path) {
  seen.delete(path);
  const res = await request(url + path, { headers: { accept: 'application/json' } });
  await res.body.dump();
  return seen.has(path);
}

async function run(paths) {
  const port = freePort();
  const adminPort = freePort();
  const url = `http://127.0.0.1:${port}`;
  const start = performance.now();
  const child = spawn(process.execPath, [bin, 'proxy', specFile, '--upstream', upstreamUrl, '--port', String(port), '--admin-port', String(adminPort), '--store', ':memory:', '--log-level', 'silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = once(child, 'exit').then(([code]) => { throw new Error(`the proxy exited (${code}) before forwarding`); });
  exited.catch(() => {});
  try {
    let first;
    while (first === undefined) {
      const ok = await Promise.race([forwarded(url, FIRST_PATH).catch(() => false), exited]);
      if (ok) first = performance.now() - start;
      else await new Promise((r) => setTimeout(r, 20));
    }
    const firstRss = await rssMb(child.pid);
    let missed = 0;
    for (const path of paths) if (!(await forwarded(url, path))) missed++;
    const all = performance.now() - start;
    const allRss = await rssMb(child.pid);
    return { first, firstRss, all, allRss, missed };
  } finally {
    child.kill('SIGKILL');
    await once(child, 'exit').catch(() => {});
  }
}

const stepRows = JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--steps'], { encoding: 'utf8', maxBuffer: 1 << 20 }));
const paths = samplePaths();
const results = [];
for (let i = 0; i < RUNS; i++) results.push(await run(paths));
upstream.close();

const size = readFileSync(specFile).length;
const m = (key) => median(results.map((r) => r[key]));
const sec = (ms) => `${(ms / 1000).toFixed(2).padStart(6)} s`;
const mb = (n) => `${n.toFixed(0).padStart(5)} MB`;
console.log(`sworn start-up benchmark · node ${process.version} · ${process.platform}/${process.arch} · ${RUNS} spawns, medians`);
console.log(`input: @octokit/openapi api.github.com.json, ${(size / 1e6).toFixed(1)} MB · upstream answers 204 · first request GET ${FIRST_PATH}`);
console.log('');
console.log(`spawn -> first forwarded request      ${sec(m('first'))}   target < 2 s      (runs: ${results.map((r) => (r.first / 1000).toFixed(2)).join(', ')})`);
console.log(`RSS at first forwarded request        ${mb(m('firstRss'))}   target < 200 MB   (runs: ${results.map((r) => r.firstRss.toFixed(0)).join(', ')})`);
console.log(`spawn -> ${OPERATIONS} operations forwarded     ${sec(m('all'))}   (first use of each: ${((m('all') - m('first')) / OPERATIONS).toFixed(1)} ms/operation)`);
console.log(`RSS after ${OPERATIONS} operations              ${mb(m('allRss'))}`);
const missed = Math.max(...results.map((r) => r.missed));
if (missed > 0) console.log(`warning: ${missed} of ${OPERATIONS} sample requests were not forwarded`);
console.log('');
console.log('start-up steps with validators compiled on first use (one fresh process, this build):');
let total = 0;
for (const row of stepRows) {
  total += row.ms;
  console.log(`  ${row.label.padEnd(40)} ${row.ms.toFixed(0).padStart(6)} ms   RSS ${row.rss.toFixed(0).padStart(4)} MB`);
}
console.log(`  ${'total'.padEnd(40)} ${total.toFixed(0).padStart(6)} ms   (the CLI's other imports, the store and the servers come on top)`);
