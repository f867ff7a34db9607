// Diff benchmark: two versions of GitHub's REST description (GHES 3.17 -> 3.19, ~1,000 operations each;
// api.github.com -> GHEC), loaded and diffed in-process. Not a test: no thresholds.
import { fileURLToPath } from 'node:url';
import { loadSpec } from '../dist/spec/index.js';
import { diffSpecs } from '../dist/diff/diff.js';

const generated = (name) => fileURLToPath(new URL(`../node_modules/@octokit/openapi/generated/${name}`, import.meta.url));
console.log(`sworn diff benchmark · node ${process.version}`);
for (const [a, b] of [['ghes-3.17.json', 'ghes-3.19.json'], ['api.github.com.json', 'ghec.json']]) {
  const t0 = performance.now();
  const [base, head] = await Promise.all([loadSpec(generated(a)), loadSpec(generated(b))]);
  const t1 = performance.now();
  const result = diffSpecs(base, head);
  const t2 = performance.now();
  console.log(`${a} -> ${b}: load both ${(t1 - t0).toFixed(0)} ms, diff ${(t2 - t1).toFixed(0)} ms; ${result.summary.breaking} breaking, ${result.summary.warning} warnings, ${result.summary.safe} safe`);
}
