import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadSpec } from '../../src/spec/load-spec.js';
import { listOperations } from '../../src/spec/operations.js';
import { generateRules } from '../../src/rules/generate.js';
import { escapeRegex, promDuration, quote } from '../../src/rules/promql.js';
import { generated, promtool, said, withoutPromtool } from './promtool.js';
import { GITHUB_SPEC } from '../helpers.js';

type ParsedRule = { record?: string; alert?: string; expr: string; for?: string; labels: Record<string, string>; annotations?: Record<string, string> };
type Rules = { groups: Array<{ name: string; interval?: string; rules: ParsedRule[] }> };
const rulesOf = async (spec: string): Promise<Rules> => parse(await generated([spec])) as Rules;

describe('PromQL building blocks', () => {
  it('quotes strings and escapes regexes so an id matches itself only', () => {
    expect(quote('GET /a"b\\c\n')).toBe('"GET /a\\"b\\\\c\\n"');
    expect(escapeRegex('GET /pets/{id}.json|x*(y)?+[z]^$\\')).toBe('GET /pets/\\{id\\}\\.json\\|x\\*\\(y\\)\\?\\+\\[z\\]\\^\\$\\\\');
  });

  it('writes windows the way PromQL and the record names read them', () => {
    expect([300_000, 3_600_000, 5_400_000, 86_400_000 * 3, 86_400_000 * 14, 250].map(promDuration)).toEqual(['5m', '1h', '1h30m', '3d', '14d', '250ms']);
    expect(() => promDuration(0)).toThrow(/cannot be a Prometheus range/);
  });
});

describe('sworn rules: what is generated', () => {
  it('records every name of the fleet contract for the petstore', async () => {
    const text = await generated(['specs/petstore.yaml']);
    const records = new Set((parse(text) as Rules).groups.flatMap((g) => g.rules.map((r) => r.record)).filter(Boolean));
    for (const w of ['5m', '30m', '1h', '6h', '3d']) {
      for (const name of ['slo_events', 'slo_allowance', 'slo_latency_within', 'slo_valid_events']) expect(records).toContain(`sworn:${name}:increase${w}`);
      expect(records).toContain(`sworn:slo_burn_rate:${w}`);
    }
    for (const name of ['sworn:request_duration_seconds_bucket:increase5m', 'sworn:slo_events:window_total', 'sworn:slo_allowance:window_total', 'sworn:slo_latency_within:window_total', 'sworn:slo_error_budget_remaining:ratio', 'sworn:slo_availability:ratio', 'sworn:slo_latency_within:ratio']) expect(records).toContain(name);
    const alerts = new Set((parse(text) as Rules).groups.flatMap((g) => g.rules.map((r) => r.alert)).filter(Boolean));
    expect([...alerts].sort()).toEqual(['SwornConsumerBreaksContract', 'SwornErrorBudgetBurn', 'SwornErrorBudgetSpent', 'SwornLatencyObjectiveMissed', 'SwornMetricsAbsent', 'SwornProviderBreaksContract', 'SwornUnknownRoutes']);
    // The per-pod gauges are a pod's view: no rule reads them.
    expect(text).not.toMatch(/sworn_slo_(burn_rate|alert_firing|error_budget_remaining_ratio|availability_percent|objective_met)\b/);
  });

  it('puts 5m slices, window totals and ratios in a 5m group, and sums slices for the promise window', async () => {
    const { groups } = await rulesOf('test/rules/fixtures/shop.yaml');
    const [fiveMinutes, slo] = groups as [Rules['groups'][number], Rules['groups'][number]];
    expect(fiveMinutes.interval).toBe('5m');
    expect(slo.interval).toBeUndefined();
    const expr = (g: Rules['groups'][number], record: string) => g.rules.find((r) => r.record === record)?.expr;
    expect(expr(fiveMinutes, 'sworn:slo_events:increase5m')).toBe('sum by (service, operation, outcome) (increase(sworn_slo_events_total{service="shop"}[5m]))');
    expect(expr(fiveMinutes, 'sworn:slo_events:window_total')).toBe('sum_over_time(sworn:slo_events:increase5m{service="shop"}[2h])');
    expect(expr(fiveMinutes, 'sworn:slo_error_budget_remaining:ratio')).toBe('1 - (\n    sum by (service, operation) (sworn:slo_events:window_total{service="shop", outcome="bad"})\n  /\n    sum by (service, operation) (sworn:slo_allowance:window_total{service="shop"})\n)');
    expect(expr(slo, 'sworn:slo_burn_rate:1h')).toBe('sum by (service, operation) (sworn:slo_events:increase1h{service="shop", outcome="bad"})\n  /\nsum by (service, operation) (sworn:slo_allowance:increase1h{service="shop"})');
    // The 5m burn rate reads the raw counters: fresh at each evaluation, not every 5m.
    expect(expr(slo, 'sworn:slo_burn_rate:5m')).toBe('sum by (service, operation) (increase(sworn_slo_events_total{service="shop", outcome="bad"}[5m]))\n  /\nsum by (service, operation) (increase(sworn_slo_error_budget_allowance_total{service="shop"}[5m]))');
    // Recording rules come before the alerts that read them, in the same group.
    const kinds = slo.rules.map((r) => (r.record ? 'record' : 'alert'));
    expect(kinds.lastIndexOf('record')).toBeLessThan(kinds.indexOf('alert'));
  });

  it('computes windows over 1h from the 5m slices, shorter ones from the raw counters', async () => {
    const { groups } = await rulesOf('specs/petstore.yaml');
    const slo = groups[1]!;
    const expr = (record: string) => slo.rules.find((r) => r.record === record)?.expr;
    expect(expr('sworn:slo_events:increase1h')).toBe('sum by (service, operation, outcome) (increase(sworn_slo_events_total{service="petstore"}[1h]))');
    expect(expr('sworn:slo_events:increase6h')).toBe('sum_over_time(sworn:slo_events:increase5m{service="petstore"}[6h])');
    expect(expr('sworn:slo_events:increase3d')).toBe('sum_over_time(sworn:slo_events:increase5m{service="petstore"}[3d])');
  });

  it('matches operations with the same promise by one escaped regex, and different ones by branches of one rule', async () => {
    const { groups } = await rulesOf('specs/petstore.yaml');
    const latency = groups[1]!.rules.filter((r) => r.alert === 'SwornLatencyObjectiveMissed');
    // /pets overrides p99 (600ms) for listPets and createPet; the calendar-month operation is apart.
    expect(latency.map((r) => [r.labels.objective, r.labels.threshold, r.labels.window, r.expr])).toEqual([
      ['fast', '0.3', '28d', 'sworn:slo_latency_within:ratio{service="petstore", operation=~"listPets|listMyPets|showPetById", objective="fast"} < 0.99'],
      ['fast', '0.5', '28d', 'sworn:slo_latency_within:ratio{service="petstore", operation="createPet", objective="fast"} < 0.99'],
      ['fast', '0.3', 'calendar month Europe/Berlin', 'sworn:slo_latency_within:ratio{service="petstore", operation="DELETE /pets/{petId}", objective="fast"} < 0.99'],
      ['p99', '0.6', '28d', 'histogram_quantile(0.99, sworn:request_duration_seconds_bucket:window_total{service="petstore", operation=~"listPets|createPet"}) > 0.6'],
      ['p99', '0.8', '28d', 'histogram_quantile(0.99, sworn:request_duration_seconds_bucket:window_total{service="petstore", operation=~"listMyPets|showPetById"}) > 0.8'],
      ['p99', '0.8', 'calendar month Europe/Berlin', 'histogram_quantile(0.99, sworn:request_duration_seconds_bucket:window_total{service="petstore", operation="DELETE /pets/{petId}"}) > 0.8'],
      ['p50', '0.1', 'calendar month Europe/Berlin', 'histogram_quantile(0.5, sworn:request_duration_seconds_bucket:window_total{service="petstore", operation="DELETE /pets/{petId}"}) > 0.1'],
    ]);
  });

  it('leaves out the low-traffic guard when minEventsPerHour is 0, and the maintenance clause without suppressAlerts windows', async () => {
    const burn = (await rulesOf('test/rules/fixtures/calendar.yaml')).groups[1]!.rules.find((r) => r.alert === 'SwornErrorBudgetBurn')!;
    expect(burn.expr).toBe('(\n    sworn:slo_burn_rate:1h{service="calendar"} > 14.4\n  and on (service, operation)\n    sworn:slo_burn_rate:5m{service="calendar"} > 14.4\n)');
  });

  it('is deterministic', async () => {
    const specs = ['specs/petstore.yaml', 'test/rules/fixtures/calendar.yaml'];
    for (const format of ['prometheus', 'prometheus-operator', 'openslo'] as const) expect(await generated(specs, format)).toBe(await generated(specs, format));
  });
});

describe('sworn rules on GitHub\'s REST description (1,200+ operations)', () => {
  it.skipIf(withoutPromtool)('stays small and quick: operations with one promise share each rule', { timeout: 120_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sworn-rules-github-'));
    try {
      const doc = JSON.parse(await readFile(GITHUB_SPEC, 'utf8')) as { info: Record<string, unknown>; paths: Record<string, Record<string, unknown>> };
      doc.info['x-slo'] = {
        service: 'github',
        availability: 99.9,
        latency: [{ name: 'fast', threshold: '300ms', target: 99 }, { name: 'p99', percentile: 99, max: '1s' }],
        alerting: { minEventsPerHour: 60 },
        budgetPolicy: { freezeBelow: 0 },
      };
      // Two paths promise more: their operations get branches of their own.
      doc.paths['/repos/{owner}/{repo}/issues']!['x-slo'] = { availability: 99.95, latency: { p99: '500ms' } };
      doc.paths['/search/code']!['x-slo'] = { window: '7d' };
      const file = join(dir, 'github.json');
      await writeFile(file, JSON.stringify(doc));
      const started = performance.now();
      const spec = await loadSpec(file);
      const loaded = performance.now();
      const out = generateRules([spec], { format: 'prometheus' });
      const done = performance.now();
      const openslo = generateRules([spec], { format: 'openslo' });
      const rules = parse(out.combined) as Rules;
      const count = rules.groups.reduce((n, g) => n + g.rules.length, 0);
      process.stdout.write(`sworn rules on GitHub's spec (${listOperations(spec).length} operations): load ${Math.round(loaded - started)} ms, generate ${Math.round(done - loaded)} ms, ${count} rules, ${(out.combined.length / 1024).toFixed(1)} KiB; OpenSLO ${(openslo.combined.length / 1024 / 1024).toFixed(1)} MiB\n`);
      expect(done - loaded).toBeLessThan(5_000);
      expect(out.combined.length).toBeLessThan(64 * 1024);
      expect(count).toBeLessThan(80);
      const result = await promtool(['check', 'rules', 'github.rules.yaml'], { 'github.rules.yaml': out.combined });
      expect(result.code, said(result)).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
