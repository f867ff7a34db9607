// Mock start-up at scale: `sworn mock` on GitHub's REST description (13 MB, 1,200+ operations, recursive
// schemas). Per spawn: from spawn to the start line (listening: CLI, spec and prism-http loaded), to the
// first answered request (GET /repos/{owner}/{repo}/issues) and the process's RSS then; the first request to a big operation (GET /repos/{owner}/{repo}/pulls); one request
// to each of ~50 other operations (each converted on first use); the same 50 again (steady state); RSS
// after. Then the reading of prism-http's operations alone, in a fresh process each: the whole-document
// path (prism-http's getHttpOperationsFromSpec, what the mock did before) against one operation made on
// first use (src/mock/operations.ts), as a ratio. BENCH_RUNS (default 3) of each; medians printed.
// BENCH_PRISM=1 also spawns Prism's own CLI (`prism mock`, a devDependency) to its first answer (slow).
// Not a test: no thresholds.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { request } from 'undici';
import { freePort, rssMb } from './measure.mjs';

const require = createRequire(import.meta.url);
const specFile = require.resolve('@octokit/openapi/generated/api.github.com.json');
const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const bin = process.env.BENCH_SWORN ?? `${dist}cli/main.js`;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const document = JSON.parse(readFileSync(specFile, 'utf8'));
const gets = Object.entries(document.paths).filter(([, item]) => item.get).map(([path]) => path);
const paths = Array.from({ length: 50 }, (_v, i) => {
  let n = 0;
  return gets[Math.floor((i * gets.length) / 50)].replace(/\{[^}]+\}/g, () => `p${++n}`);
});
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const accept = { accept: 'application/json' };

async function timed(url) {
  const t = performance.now();
  const res = await request(url, { headers: accept });
  await res.body.dump();
  return { ms: performance.now() - t, status: res.statusCode };
}

/** Asks a spawned server's `probe` until it answers 200 (bounded); the time from `start` (its spawn). */
async function firstAnswer(child, probe, start = performance.now()) {
  for (let i = 0; i < 2400 && child.exitCode === null; i++) {
    try {
      const res = await request(probe, { headers: accept });
      await res.body.dump();
      if (res.statusCode === 200) return performance.now() - start;
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  throw new Error(`no answer from ${probe} (exit ${child.exitCode})`);
}

async function run() {
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const spawned = performance.now();
  const child = spawn(process.execPath, [bin, 'mock', specFile, '--port', String(port), '--admin-port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let listening = Number.NaN;
  child.stdout.on('data', (chunk) => {
    if (Number.isNaN(listening) && String(chunk).includes(url)) listening = performance.now() - spawned; // the start line names the URL
  });
  try {
    const first = await firstAnswer(child, `${url}/repos/octo/hello/issues`, spawned);
    const rssFirst = await rssMb(child.pid);
    const pulls = await timed(`${url}/repos/octo/hello/pulls`);
    if (pulls.status !== 200) throw new Error(`GET /repos/{owner}/{repo}/pulls answered ${pulls.status}`);
    const pullsAgain = await timed(`${url}/repos/octo/hello/pulls`);
    let t = performance.now();
    for (const p of paths) await timed(url + p);
    const fifty = performance.now() - t;
    t = performance.now();
    for (const p of paths) await timed(url + p);
    const steady = performance.now() - t;
    return { listening, first, rssFirst, pulls: pulls.ms, pullsAgain: pullsAgain.ms, fifty, steady, rssAfter: await rssMb(child.pid) };
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

// The reading of prism-http's operations alone, in a fresh process: `whole` as the mock did before
// (getHttpOperationsFromSpec on a copy of the document), `first` one operation on first use.
const reading = `
  const [dist, file, mode] = process.argv.slice(1);
  const { loadSpec } = await import(dist + 'spec/load-spec.js');
  const { listOperations } = await import(dist + 'spec/operations.js');
  const { createRequire } = await import('node:module');
  const prismHttp = createRequire(dist)('@stoplight/prism-http');
  const { prismOperationsOf } = await import(dist + 'mock/operations.js');
  const spec = await loadSpec(file);
  const operation = listOperations(spec).find((o) => o.id === 'issues/list-for-repo');
  const rssBefore = process.memoryUsage().rss;
  const t = performance.now();
  if (mode === 'whole') await prismHttp.getHttpOperationsFromSpec(structuredClone(spec.document));
  else await (await prismOperationsOf(spec)).of(operation);
  const ms = performance.now() - t;
  console.log(JSON.stringify({ ms, before: rssBefore / 1048576, mb: process.memoryUsage().rss / 1048576 }));
`;
async function readingOf(mode) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', reading, dist, specFile, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`the ${mode} reading exited ${code}`);
  return JSON.parse(out);
}

async function prismCli() {
  const port = freePort();
  const cli = require.resolve('@stoplight/prism-cli/dist/index.js');
  const child = spawn(process.execPath, [cli, 'mock', specFile, '--port', String(port), '-h', '127.0.0.1'], { stdio: ['ignore', 'ignore', 'ignore'] });
  try {
    const first = await firstAnswer(child, `http://127.0.0.1:${port}/repos/octo/hello/issues`);
    return { first, rss: await rssMb(child.pid) };
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

const runs = [];
for (let i = 0; i < RUNS; i++) runs.push(await run());
const whole = [];
const first = [];
for (let i = 0; i < RUNS; i++) {
  whole.push(await readingOf('whole'));
  first.push(await readingOf('first'));
}
const m = (list, key) => median(list.map((r) => r[key]));
console.log(`\nsworn mock on GitHub's description (${Object.keys(document.paths).length} paths), median of ${RUNS} spawns`);
console.log(`  start line after spawn     ${(m(runs, 'listening') / 1000).toFixed(2)} s (CLI, spec and prism-http loaded; listening)`);
console.log(`  first answer after spawn   ${(m(runs, 'first') / 1000).toFixed(2)} s, RSS ${m(runs, 'rssFirst').toFixed(0)} MB`);
console.log(`  first GET .../pulls        ${m(runs, 'pulls').toFixed(0)} ms (then ${m(runs, 'pullsAgain').toFixed(1)} ms)`);
console.log(`  50 more operations         ${m(runs, 'fifty').toFixed(0)} ms (first use of each)`);
console.log(`  the same 50 again          ${m(runs, 'steady').toFixed(0)} ms (steady state), RSS after ${m(runs, 'rssAfter').toFixed(0)} MB`);
console.log(`prism-http's reading of the operations, fresh process each, median of ${RUNS}`);
console.log(`  spec and prism-http loaded RSS ${m(whole, 'before').toFixed(0)} MB`);
console.log(`  whole document (before)    ${m(whole, 'ms').toFixed(0)} ms, RSS after ${m(whole, 'mb').toFixed(0)} MB`);
console.log(`  one operation, first use   ${m(first, 'ms').toFixed(0)} ms, RSS after ${m(first, 'mb').toFixed(0)} MB   (${(m(whole, 'ms') / m(first, 'ms')).toFixed(0)}x faster)`);
if (process.env.BENCH_PRISM === '1') {
  const prism = await prismCli();
  console.log(`prism mock (Prism's CLI)     first answer after spawn ${(prism.first / 1000).toFixed(2)} s, RSS ${prism.rss.toFixed(0)} MB (${(prism.first / m(runs, 'first')).toFixed(1)}x sworn's)`);
}
