// Spec loading benchmark: GitHub's REST API description (13 MB, 1,200+ operations).
// Prints the Node version, a baseline measured in the same run (bare JSON.parse of the
// same file), and sworn's times as absolute numbers and ratios. Not a test: no thresholds.
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { loadSpec, listOperations, resolveSlos, lintSpec } from '../dist/index.js';
import { compileValidators } from '../dist/validate/index.js';
import { compileRouter } from '../dist/router/index.js';

const require = createRequire(import.meta.url);
const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
const bin = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function time(fn) {
  const samples = [];
  for (let i = 0; i < RUNS; i++) {
    globalThis.gc?.();
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples) };
}

function cold(args) {
  const samples = [];
  for (let i = 0; i < Math.min(RUNS, 5); i++) {
    const start = performance.now();
    try {
      execFileSync(process.execPath, [bin, ...args], { stdio: 'ignore' });
    } catch {
      // lint exits 1 on findings; the time still counts
    }
    samples.push(performance.now() - start);
  }
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples) };
}

const size = readFileSync(file).length;
let operations = 0;
const baseline = await time(() => JSON.parse(readFileSync(file, 'utf8')));
const load = await time(() => loadSpec(file));
const spec = await loadSpec(file);
const list = await time(() => { operations = listOperations(spec).length; });
const ops = listOperations(spec);
const resolve = await time(() => resolveSlos(spec, ops));
// The same 1,223 operations carrying the petstore's full x-slo (tiers, three maintenance windows, alerts).
const petstore = await loadSpec(fileURLToPath(new URL('../specs/petstore.yaml', import.meta.url)));
spec.document.info['x-slo'] = petstore.document.info['x-slo'];
const resolveFull = await time(() => resolveSlos(spec, ops));
delete spec.document.info['x-slo'];
const loadAndCompile = await time(async () => { const s = await loadSpec(file); resolveSlos(s, listOperations(s)); });
const lint = await time(async () => lintSpec(await loadSpec(file)));
const router = await time(() => compileRouter(ops));
const validators = await time(() => compileValidators(spec, ops));
const nodeStart = cold(['--version']);
const coldLint = cold(['lint', file, '--format', 'json']);

const fmt = (t) => `${t.median.toFixed(1).padStart(8)} ms  (min ${t.min.toFixed(1)}, max ${t.max.toFixed(1)})`;
const ratio = (t, base) => `${(t.median / base.median).toFixed(2)}x`;
console.log(`sworn spec-load benchmark · node ${process.version} · ${process.platform}/${process.arch} · ${RUNS} runs, medians`);
console.log(`input: @octokit/openapi api.github.com.json, ${(size / 1e6).toFixed(1)} MB, ${operations} operations`);
console.log('');
console.log(`baseline  JSON.parse(readFileSync)          ${fmt(baseline)}`);
console.log(`sworn     loadSpec                          ${fmt(load)}   ${ratio(load, baseline)} baseline`);
console.log(`sworn     listOperations                    ${fmt(list)}`);
console.log(`sworn     resolveSlos (x-slo, all ops)      ${fmt(resolve)}`);
console.log(`sworn     resolveSlos, petstore x-slo on all${fmt(resolveFull)}`);
console.log(`sworn     load + list + resolve             ${fmt(loadAndCompile)}   ${ratio(loadAndCompile, baseline)} baseline   target < 2000 ms`);
console.log(`sworn     lintSpec (incl. OpenAPI schema)   ${fmt(lint)}   ${ratio(lint, baseline)} baseline`);
console.log(`sworn     compileRouter (proxy start)           ${fmt(router)}`);
console.log(`sworn     compileValidators (proxy start)       ${fmt(validators)}`);
console.log('');
console.log(`cold      sworn --version (process start)   ${fmt(nodeStart)}`);
console.log(`cold      sworn lint <github> --format json ${fmt(coldLint)}`);
