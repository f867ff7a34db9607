import { describe, expect, it } from 'vitest';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { SwornError } from '../../src/errors.js';
import { formatGameday } from '../../src/gameday/format.js';
import type { GamedayResult, PhaseFigures, StepResult } from '../../src/gameday/types.js';

const SCOPE = 'consumer checkout on createOrder (tier gold), this proxy';

/** Figures of one phase: availability target 99.9, a threshold objective `fast` (200 ms, 99%) and a percentile `p99` (500 ms). */
function figures(o: { availability?: number | null; withoutInjected?: number | null; fast?: number | null; p99?: number | null; burn?: number | null; requests?: number; injected?: number; misses?: string[]; scope?: string }): PhaseFigures {
  const availability = o.availability === undefined ? 99.95 : o.availability;
  const fast = o.fast === undefined ? 99.5 : o.fast;
  const p99 = o.p99 === undefined ? 99.6 : o.p99;
  const misses = o.misses ?? [];
  return {
    scope: o.scope ?? SCOPE,
    requests: o.requests ?? 6000,
    injected: o.injected ?? 0,
    availability: { target: 99.9, achieved: availability, met: availability === null ? null : availability >= 99.9, withoutInjected: o.withoutInjected === undefined ? availability : o.withoutInjected },
    latency: [
      { operationId: 'createOrder', objective: 'fast', kind: 'threshold', limitMs: 200, target: 99, achieved: fast, met: fast === null ? null : fast >= 99 },
      { operationId: 'createOrder', objective: 'p99', kind: 'percentile', limitMs: 500, target: 99, achieved: p99, met: p99 === null ? null : p99 >= 99 },
    ],
    burnRate: o.burn === undefined ? 0.5 : o.burn,
    held: misses.length === 0,
    misses,
  };
}

const healthy = () => [figures({})];

function step(index: number, summary: string, verdict: StepResult['verdict'], extra: Partial<StepResult> = {}): StepResult {
  const measured = verdict !== 'skipped';
  return {
    index,
    summary,
    faults: [`${summary} on createPayment for 10% of checkout's calls`],
    durationMs: 120_000,
    verdict,
    before: measured ? healthy() : null,
    during: measured ? healthy() : null,
    after: measured ? healthy() : null,
    ...extra,
  };
}

function run(extra: Partial<GamedayResult>): GamedayResult {
  return {
    gameday: 'payments degradation, checkout canary',
    plan: 'gamedays/payments.yaml',
    verdict: 'held',
    breakingStep: null,
    abortedBy: null,
    breakingPoint: null,
    startedAt: '2026-12-02T10:00:00.000Z',
    finishedAt: '2026-12-02T10:09:30.000Z',
    baseline: healthy(),
    steps: [],
    cleanup: { removed: 2, errors: [] },
    ...extra,
  };
}

const HELD = run({
  steps: [step(1, 'latency +200ms', 'held', { sent: 6000, during: [figures({ injected: 600, fast: 99.2, p99: 99.2, burn: 0.8 })] }), step(2, 'latency 5x, error 2%', 'held', { sent: 6000 })],
});

const MISS = "checkout's fast objective fell to 93.1% < 99%";
const BREAKING = `broke at step 2: latency 5x, error 2% on createPayment for 10% of checkout's calls; ${MISS}`;
const BROKE = run({
  verdict: 'broke',
  breakingStep: 2,
  breakingPoint: BREAKING,
  steps: [
    step(1, 'latency +200ms', 'held'),
    step(2, 'latency 5x, error 2%', 'broke', { during: [figures({ availability: 99.12, withoutInjected: 99.96, injected: 612, fast: 93.1, p99: 91.3, burn: 3.2, misses: [MISS, "checkout's p99 objective rose to 1480ms > 500ms"] })] }),
    step(3, 'error 20%, reset 1%', 'skipped'),
  ],
  cleanup: { removed: 4, errors: [] },
});

const ESC = '\u001b';
/** The consumer's command output: colours, a progress line rewritten with \r, and XML's special characters. */
const NOISY = [
  ...Array.from({ length: 30 }, (_, i) => `ok ${i + 1} - case ${i + 1}`),
  `progress 10%\rprogress 50%\rprogress 100%`,
  `${ESC}[31mFAIL${ESC}[39m checkout <Order id="7"> & 'payments' ]]> failed`,
  `${ESC}]8;;http://x${ESC}\\link${ESC}]8;;${ESC}\\ done\u0007\u0000`,
  '',
].join('\n');

const ABORT = 'burn rate 20.1x over 14.4x (window 5m)';
const ABORTED = run({
  verdict: 'aborted',
  abortedBy: ABORT,
  steps: [
    step(1, 'latency +200ms', 'held', { command: { exitCode: 0, signal: null, output: 'all 31 tests passed\n', durationMs: 42_000 } }),
    step(2, 'error 20%', 'aborted', { abortedBy: ABORT, after: null, during: [figures({ availability: 80.5, injected: 1200, burn: 20.1, misses: ["checkout's availability fell to 80.5% < 99.9%"] })], command: { exitCode: 1, signal: null, output: NOISY, durationMs: 51_000 } }),
    step(3, 'unavailable', 'skipped'),
  ],
  cleanup: { removed: 1, errors: ['DELETE /faults/f-2: connect ECONNREFUSED 127.0.0.1:9474'] },
});

const BROKEN_START = run({
  verdict: 'aborted',
  abortedBy: 'the steady state did not hold before step 1',
  baseline: [figures({ availability: 98.2, misses: ["checkout's availability fell to 98.2% < 99.9%"] })],
  steps: [step(1, 'latency +200ms', 'skipped'), step(2, 'error 20%', 'skipped')],
  cleanup: { removed: 0, errors: [] },
});

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'testcase' || name === 'testsuite' });

function junit(result: GamedayResult) {
  const xml = formatGameday(result, 'junit');
  expect(XMLValidator.validate(xml)).toBe(true);
  const doc = parser.parse(xml) as { testsuites: { testsuite: Array<Record<string, unknown> & { testcase: Array<Record<string, unknown>> }> } };
  expect(doc.testsuites.testsuite).toHaveLength(1);
  return { xml, suite: doc.testsuites.testsuite[0] as Record<string, unknown> & { testcase: Array<Record<string, never>> } };
}

describe('formatGameday json', () => {
  it('is the result itself, indented, and round-trips', () => {
    for (const result of [HELD, BROKE, ABORTED, BROKEN_START]) {
      const text = formatGameday(result, 'json');
      expect(text.endsWith('}\n')).toBe(true);
      expect(text).toBe(JSON.stringify(result, null, 2) + '\n');
      expect(JSON.parse(text)).toEqual(result);
    }
  });
});

describe('formatGameday text', () => {
  it('a run that held: the verdict in the header, every step held, the closing sentence and the cleanup', () => {
    const text = formatGameday(HELD, 'text');
    const lines = text.split('\n');
    expect(lines[0]).toBe('gameday: payments degradation, checkout canary · held through every step · 9m30s');
    expect(text).toContain('baseline (steady state before step 1)');
    expect(text).toMatch(/^step 1 {2}latency \+200ms {2}· 2m · held$/m);
    expect(text).toMatch(/^step 2 {2}latency 5x, error 2% {2}· 2m · held$/m);
    expect(text).toContain("  faults   latency +200ms on createPayment for 10% of checkout's calls");
    expect(text).toContain('  load     6000 requests sent');
    expect(text).toContain('the hypothesis held through every step\ncleanup: 2 faults removed, no errors\n');
    expect(text).not.toContain('missed');
    expect(text).not.toContain(ESC);
  });

  it('shows each phase with availability, the latency objectives, burn rate, injected requests and availability without them', () => {
    const text = formatGameday(HELD, 'text');
    const block = text.slice(text.indexOf('step 1'), text.indexOf('step 2'));
    const row = (phase: string) => block.split('\n').find((l) => l.trimStart().startsWith(`${phase} `)) as string;
    expect(block).toContain(`  ${SCOPE}\n`);
    expect(block).toMatch(/requests {2}injected {2}availability +without injected {2}burn rate {2}latency/);
    expect(row('before')).toMatch(/6000 +0 {2}99\.95% of 99\.9% ✓ {2}99\.95% +0\.5x {2}fast \(200ms\) 99\.5% ≥ 99% ✓, p99 99.6% within 500ms, needs 99% ✓$/);
    expect(row('during')).toMatch(/6000 {2}600 \(10%\) {2}99\.95% of 99\.9% ✓ {2}99\.95% +0\.8x {2}fast \(200ms\) 99\.2% ≥ 99% ✓, p99 99.2% within 500ms, needs 99% ✓$/);
    expect(row('after')).toBeDefined();
  });

  it('a run that broke at step 2: the header, the misses in words with their phase, the breaking point, the step after skipped', () => {
    const text = formatGameday(BROKE, 'text');
    expect(text.split('\n')[0]).toBe('gameday: payments degradation, checkout canary · broke at step 2 · 9m30s');
    expect(text).toMatch(/^step 2 {2}latency 5x, error 2% {2}· 2m · broke$/m);
    expect(text).toContain(`  missed\n    during: ${MISS}\n    during: checkout's p99 objective rose to 1480ms > 500ms\n`);
    expect(text).toMatch(/during +6000 {2}612 \(10\.2%\) {2}99\.12% of 99\.9% ✗ {2}99\.96% +3\.2x {2}fast \(200ms\) 93\.1% < 99% ✗, p99 91.3% within 500ms, needs 99% ✗/);
    expect(text).toMatch(/^step 3 {2}error 20%, reset 1% {2}· 2m · skipped\n\n/m);
    expect(text).toContain(`\n${BREAKING}\ncleanup: 4 faults removed, no errors\n`);
    expect(text).not.toContain('the hypothesis held');
  });

  it('without a breaking-point sentence, says the step and its misses', () => {
    const text = formatGameday({ ...BROKE, breakingPoint: null }, 'text');
    expect(text).toContain(`\nbroke at step 2: latency 5x, error 2%; ${MISS}; checkout's p99 objective rose to 1480ms > 500ms\n`);
  });

  it('an aborted run: the criterion, the command exit code and the end of its output without escape sequences, the cleanup errors', () => {
    const text = formatGameday(ABORTED, 'text');
    expect(text.split('\n')[0]).toBe(`gameday: payments degradation, checkout canary · aborted at step 2: ${ABORT} · 9m30s`);
    expect(text).toMatch(/^step 2 {2}error 20% {2}· 2m · aborted$/m);
    expect(text).toContain(`  aborted: ${ABORT}\n`);
    expect(text).toMatch(/ {2}after +not measured\n/);
    expect(text).toContain('  command  exit 0 after 42s\n    all 31 tests passed\n');
    expect(text).toContain('  command  exit 1 after 51s\n    (13 earlier lines not shown)\n    ok 14 - case 14\n');
    expect(text).toContain(`    ok 30 - case 30\n    progress 100%\n    FAIL checkout <Order id="7"> & 'payments' ]]> failed\n    link done\n`);
    expect(text).not.toContain(ESC);
    expect(text).not.toContain('\u0007');
    expect(text).not.toContain('\u0000');
    expect(text).not.toContain('\r');
    expect(text).not.toContain('    ok 13 - case 13');
    expect(text).toContain(`\naborted at step 2: ${ABORT}\ncleanup: 1 fault removed, 1 error (a fault left behind removes itself when its TTL ends)\n  DELETE /faults/f-2: connect ECONNREFUSED 127.0.0.1:9474\n`);
  });

  it('an aborted run before step 1 says so', () => {
    const text = formatGameday(BROKEN_START, 'text');
    expect(text.split('\n')[0]).toContain('aborted before step 1: the steady state did not hold before step 1');
    expect(text).toMatch(/baseline +6000 +0 {2}98\.2% of 99\.9% ✗/);
  });

  it('colours only when asked', () => {
    expect(formatGameday(BROKE, 'text', { color: false })).not.toContain(ESC);
    const coloured = formatGameday(BROKE, 'text', { color: true });
    expect(coloured).toContain(`${ESC}[31mbroke at step 2${ESC}[39m`);
    expect(coloured.replace(/\u001b\[\d+m/g, '')).toBe(formatGameday(BROKE, 'text'));
  });

  it('rounds to two decimals, but never so that a miss looks met or a loss looks like 100%', () => {
    const close = run({ baseline: [figures({ availability: 99.896, withoutInjected: 99.9996, fast: 98.996, p99: 98.996 })] });
    const text = formatGameday(close, 'text');
    expect(text).toContain('99.896% of 99.9% ✗  99.9996%');
    expect(text).toContain('fast (200ms) 98.996% < 99% ✗');
    expect(text).toContain('p99 98.996% within 500ms, needs 99% ✗');
    const plain = formatGameday(run({ baseline: [figures({ availability: 99.91234, fast: 99.456, p99: 99.456, burn: 14.43 })] }), 'text');
    expect(plain).toContain('99.91% of 99.9% ✓');
    expect(plain).toContain('fast (200ms) 99.46% ≥ 99% ✓, p99 99.46% within 500ms, needs 99% ✓');
    expect(plain).toContain('14.4x');
  });

  it('a phase judging several scopes gets a scope column', () => {
    const text = formatGameday(run({ baseline: [figures({}), figures({ scope: 'consumer search on listOrders (tier free), this proxy' })] }), 'text');
    expect(text).toMatch(/^ {2} +scope +requests/m);
    expect(text.match(/^ {2}baseline {2}consumer (checkout|search) on/gm)).toHaveLength(2);
  });
});

describe('formatGameday markdown', () => {
  it('a table per step with a row per phase, the misses, the breaking point', () => {
    const md = formatGameday(BROKE, 'markdown');
    expect(md.startsWith('## Game day: payments degradation, checkout canary\n\n**❌ broke at step 2** · 9m30s · plan `gamedays/payments.yaml`')).toBe(true);
    const sections = md.split(/^### /m).slice(1);
    expect(sections.map((s) => s.split('\n')[0])).toEqual(['Baseline (steady state before step 1)', 'Step 1: latency +200ms — ✅ held', 'Step 2: latency 5x, error 2% — ❌ broke', 'Step 3: error 20%, reset 1% — ⏭️ skipped']);
    const rows = (section: string) => section.split('\n').filter((l) => l.startsWith('| '));
    expect(rows(sections[0] as string).map((r) => r.split(' | ')[0])).toEqual(['| phase', '| baseline']);
    for (const s of sections.slice(1, 3)) expect(rows(s).map((r) => r.split(' | ')[0])).toEqual(['| phase', '| before', '| during', '| after']);
    expect(rows(sections[3] as string)).toEqual([]);
    expect(md).toContain('| during | 6000 | 612 (10.2%) | 99.12% of 99.9% ❌ | 99.96% | 3.2x | fast (200ms) 93.1% &lt; 99% ❌, p99 91.3% within 500ms, needs 99% ❌ | ❌ |');
    expect(md).toContain(`**Missed**\n\n- during: ${MISS.replace('<', '&lt;')}\n- during: checkout's p99 objective rose to 1480ms &gt; 500ms\n`);
    expect(md).toContain(`**Breaking point:** ${BREAKING.replace('<', '&lt;')}\n`);
    expect(md.endsWith('**Cleanup:** 4 faults removed, no errors\n')).toBe(true);
  });

  it('a held run, and an aborted one with the command output fenced and HTML escaped outside it', () => {
    expect(formatGameday(HELD, 'markdown')).toContain('**Result:** the hypothesis held through every step\n');
    const md = formatGameday(ABORTED, 'markdown');
    expect(md).toContain(`- **Aborted:** ${ABORT}`);
    expect(md).toContain('| after | _not measured_ |');
    expect(md).toContain('<details><summary>consumer command: exit 1 after 51s (last 20 lines)</summary>\n\n```text\nok 14 - case 14\n');
    expect(md).toContain(`FAIL checkout <Order id="7"> & 'payments' ]]> failed\nlink done\n\`\`\`\n\n</details>`);
    expect(md).not.toContain(ESC);
    const hostile = formatGameday(run({ gameday: '<img src=x onerror=alert(1)> | pipe', steps: [step(1, 'a `tick` <b>', 'held', { command: { exitCode: 0, signal: null, output: '```\n</details><script>', durationMs: 10 } })] }), 'markdown');
    expect(hostile).toContain('## Game day: &lt;img src=x onerror=alert(1)&gt; \\| pipe\n');
    expect(hostile).toContain('### Step 1: a `tick` &lt;b&gt;');
    expect(hostile).toContain('````text\n```\n</details><script>\n````');
  });
});

describe('formatGameday junit', () => {
  it('a held run: one passing testcase per step, named and timed', () => {
    const { suite } = junit(HELD);
    expect(suite.name).toBe('gameday: payments degradation, checkout canary');
    expect([suite.tests, suite.failures, suite.skipped, suite.time]).toEqual(['2', '0', '0', '570']);
    expect(suite.testcase.map((c) => [c.name, c.classname, c.time])).toEqual([
      ['step 1: latency +200ms', 'payments degradation, checkout canary', '120'],
      ['step 2: latency 5x, error 2%', 'payments degradation, checkout canary', '120'],
    ]);
    for (const c of suite.testcase) expect(c.failure).toBeUndefined();
    expect(String(suite.testcase[0]?.['system-out'])).toContain('fast (200ms) 99.2% ≥ 99% ✓');
  });

  it('a run that broke at step 2: a failure with the misses as its message and the figures in its body, then a skipped step', () => {
    const { suite } = junit(BROKE);
    expect([suite.tests, suite.failures, suite.skipped]).toEqual(['3', '1', '1']);
    const [first, second, third] = suite.testcase as Array<Record<string, { message: string; type: string; '#text': string } | string | undefined>>;
    expect(first?.failure).toBeUndefined();
    const failure = second?.failure as { message: string; type: string; '#text': string };
    expect(failure.message).toBe(`${MISS}; checkout's p99 objective rose to 1480ms > 500ms`);
    expect(failure.type).toBe('broke');
    expect(failure['#text']).toContain('99.12% of 99.9% ✗');
    expect(failure['#text']).toContain(`during: ${MISS}`);
    expect(third?.skipped).toBe('');
    expect(third?.time).toBe('0');
  });

  it('an aborted run: type aborted with the criterion, the command output escaped in system-out, no control characters in the XML', () => {
    const { xml, suite } = junit(ABORTED);
    expect([suite.tests, suite.failures, suite.skipped]).toEqual(['3', '1', '1']);
    const aborted = suite.testcase[1] as Record<string, unknown>;
    expect(aborted.failure).toMatchObject({ type: 'aborted', message: `aborted: ${ABORT}` });
    const out = String(aborted['system-out']);
    expect(out).toContain(`FAIL checkout <Order id="7"> & 'payments' ]]> failed`);
    expect(out).toContain('ok 1 - case 1\n');
    expect(out.startsWith('exit 1 after 51s\n')).toBe(true);
    expect(xml).toContain('FAIL checkout &lt;Order id=&quot;7&quot;&gt; &amp; &apos;payments&apos; ]]&gt; failed');
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    expect(String((suite.testcase[0] as Record<string, unknown>)['system-out'])).toContain('exit 0 after 42s\nall 31 tests passed');
    expect(String(suite['system-err'])).toContain('DELETE /faults/f-2: connect ECONNREFUSED 127.0.0.1:9474');
  });

  it('a run aborted before step 1 fails a testcase of its own, so CI does not show it green', () => {
    const { suite } = junit(BROKEN_START);
    expect([suite.tests, suite.failures, suite.skipped]).toEqual(['3', '1', '2']);
    expect(suite.testcase[0]).toMatchObject({ name: 'steady state before step 1', failure: { type: 'aborted', message: 'aborted: the steady state did not hold before step 1' } });
  });

  it('escapes names with XML-special characters', () => {
    const { suite } = junit(run({ gameday: 'a <b> & "c"', steps: [step(1, "x' & <y>", 'held')] }));
    expect(suite.name).toBe('gameday: a <b> & "c"');
    expect(suite.testcase[0]).toMatchObject({ name: "step 1: x' & <y>", classname: 'a <b> & "c"' });
  });
});

describe('formatGameday', () => {
  it('refuses an unknown format with a usage error', () => {
    expect(() => formatGameday(HELD, 'yaml' as never)).toThrow(SwornError);
    try {
      formatGameday(HELD, 'yaml' as never);
    } catch (error) {
      expect((error as SwornError).code).toBe('SWORN_ERR_USAGE');
      expect((error as SwornError).hint).toContain('text, json, junit, markdown');
    }
  });
});
