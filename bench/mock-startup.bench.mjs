// Mock start-up at scale: `sworn mock` on GitHub's REST description (13 MB, 1,200+ operations, recursive
// schemas). From spawn to the first answered request, and the process's RSS then and after one request
// to each of ~50 operations. BENCH_RUNS (default 3) spawns; medians printed. Not a test: no thresholds.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { request } from 'undici';
import { freePort, rssMb } from './measure.mjs';

const require = createRequire(import.meta.url);
const specFile = require.resolve('@octokit/openapi/generated/api.github.com.json');
const bin = process.env.BENCH_SWORN ?? fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const document = JSON.parse(readFileSync(specFile, 'utf8'));
const gets = Object.entries(document.paths).filter(([, item]) => item.get).map(([path]) => path);
const paths = Array.from({ length: 50 }, (_v, i) => {
  let n = 0;
  return gets[Math.floor((i * gets.length) / 50)].replace(/\{[^}]+\}/g, () => `p${++n}`);
});
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function run() {
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const start = performance.now();
  const child = spawn(process.execPath, [bin, 'mock', specFile, '--port', String(port), '--admin-port', '0'], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    let first;
    for (let i = 0; i < 1200 && first === undefined && child.exitCode === null; i++) {
      try {
        const res = await request(`${url}/repos/octo/hello/issues`, { headers: { accept: 'application/json' } });
        await res.body.dump();
        if (res.statusCode === 200) first = performance.now() - start;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    if (first === undefined) throw new Error(`the mock did not answer (exit ${child.exitCode})`);
    const rssFirst = await rssMb(child.pid);
    const t = performance.now();
    for (const p of paths) await (await request(url + p, { headers: { accept: 'application/json' } })).body.dump();
    return { first, rssFirst, fifty: performance.now() - t, rssAfter: await rssMb(child.pid) };
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

const runs = [];
for (let i = 0; i < RUNS; i++) runs.push(await run());
console.log(`\nsworn mock on GitHub's description (${Object.keys(document.paths).length} paths), median of ${RUNS} spawns`);
console.log(`  first answer after spawn   ${(median(runs.map((r) => r.first)) / 1000).toFixed(2)} s, RSS ${median(runs.map((r) => r.rssFirst)).toFixed(0)} MB`);
console.log(`  50 more operations         ${median(runs.map((r) => r.fifty)).toFixed(0)} ms, RSS after ${median(runs.map((r) => r.rssAfter)).toFixed(0)} MB`);
