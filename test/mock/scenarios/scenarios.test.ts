/**
 * End-to-end mock scenarios in the format of Prism's test harness: each
 * `cases/**.txt` holds a spec, the mock's command line, a curl request and
 * the expected answer; each runs against the built CLI (`dist/cli/main.js`,
 * which `npm test` builds first). Cases with the same spec and server line
 * share one mock process. See README.md in this folder.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { differences, parseCurl, parseExpected, parseScenario, send, serverArgs, specFileName, startMockProcess, type MockProcess, type Scenario } from './harness.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CASES = fileURLToPath(new URL('./cases', import.meta.url));
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
/** At most this many mock processes alive at once (the next groups start while one group runs). */
const LIVE = 3;
const START_TIMEOUT_MS = 90_000;

const files = readdirSync(CASES, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.txt'))
  .map((f) => f.split(sep).join('/'))
  .sort();
const scenarios = files.map((f) => parseScenario(f, readFileSync(join(CASES, f), 'utf8')));

interface Group {
  spec: string;
  server: string;
  cases: Scenario[];
  started?: Promise<MockProcess>;
  dir?: string;
  finished?: boolean;
}
const byKey = new Map<string, Group>();
for (const s of scenarios) {
  const key = `${s.server.replace(/\s+/g, ' ')}\0${s.spec.trim()}`;
  const group = byKey.get(key) ?? { spec: s.spec, server: s.server, cases: [] };
  group.cases.push(s);
  byKey.set(key, group);
}
const groups = [...byKey.values()];

// A FIFO of process slots: groups take them in file order and give them back when done.
let live = 0;
const waiting: Array<() => void> = [];
const acquire = (): Promise<void> => {
  if (live < LIVE) {
    live++;
    return Promise.resolve();
  }
  return new Promise((resolve) => waiting.push(resolve));
};
const release = (): void => {
  const next = waiting.shift();
  if (next) next();
  else live--;
};
/** Every process alive, for the exit handler. */
const running = new Set<MockProcess>();

function ensure(index: number): Promise<MockProcess> | undefined {
  const group = groups[index];
  if (!group) return undefined;
  if (!group.started) {
    group.started = acquire().then(async () => {
      if (!existsSync(CLI)) throw new Error(`${relative(ROOT, CLI)} is missing: build first with \`npx tsc -p tsconfig.build.json\` (\`npm test\` builds before running vitest)`);
      group.dir = mkdtempSync(join(tmpdir(), 'sworn-scenario-'));
      const document = join(group.dir, specFileName(group.spec));
      writeFileSync(document, group.spec);
      const mock = await startMockProcess(CLI, serverArgs(group.server, document), ROOT, START_TIMEOUT_MS);
      running.add(mock);
      return mock;
    });
    group.started.catch(() => undefined); // reported by each of the group's cases
  }
  return group.started;
}

/** Stops a group's process and gives its slot back (once; a group never started holds none). */
async function finish(group: Group): Promise<void> {
  if (!group.started || group.finished) return;
  group.finished = true;
  const mock = await group.started.catch(() => undefined);
  if (mock) {
    await mock.stop();
    running.delete(mock);
  }
  if (group.dir) rmSync(group.dir, { recursive: true, force: true });
  release();
}

afterAll(async () => {
  // In file order, so each start still waiting for a slot gets one and is stopped too.
  for (const group of groups) await finish(group);
}, 300_000);
// Should the worker end without its hooks, no mock outlives it.
process.once('exit', () => {
  for (const mock of running) mock.child.kill('SIGKILL');
});

it('finds the scenarios', () => {
  expect(scenarios.length).toBeGreaterThan(0);
});

groups.forEach((group, index) => {
  describe(`mock process ${index + 1}: ${group.server.replace(/\s+/g, ' ')} (${group.cases[0]!.file.split('/')[0]}, ${group.cases.length} case${group.cases.length === 1 ? '' : 's'})`, () => {
    beforeAll(async () => {
      // Groups run in file order: an earlier one still holding a slot was skipped (vitest -t) and is done.
      for (const earlier of groups.slice(0, index)) await finish(earlier);
      for (let j = index; j < index + LIVE; j++) ensure(j);
    }, 120_000);
    afterAll(() => finish(group), 60_000);
    for (const scenario of group.cases) {
      it(`${scenario.file}: ${scenario.test.split('\n')[0]!.slice(0, 90)}`, async () => {
        const mock = await ensure(index)!;
        const request = parseCurl(scenario.command);
        const expected = parseExpected(scenario.expect);
        const answer = await send(mock.url, request);
        const problems = differences(answer, expected, scenario.loose);
        const shown = Object.entries(answer.headers).filter(([n]) => !['date', 'connection', 'keep-alive'].includes(n)).map(([n, v]) => `${n}: ${v}`).join('\n');
        expect(problems, `${scenario.test}\n\n${scenario.command}\n\nHTTP ${answer.status}\n${shown}\n\n${answer.body.slice(0, 1500)}`).toEqual([]);
      }, START_TIMEOUT_MS + 30_000);
    }
  });
});
