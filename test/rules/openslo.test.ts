import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { generated } from './promtool.js';

/**
 * The OpenSLO output, checked against the OpenSLO v1 specification's
 * structure (README "Specification"; no validator ships with Node):
 * names are RFC 1123 labels, every reference resolves, durations are
 * shorthands, targets are fractions, one condition per alert policy.
 */

type Doc = { apiVersion: string; kind: string; metadata: { name: string; displayName?: string; annotations?: Record<string, string> }; spec: Record<string, any> };

const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const SHORTHAND = /^\d+[mhdwMQY]$/;

/** Every structural problem found, as text (empty when valid). */
function validate(docs: Doc[]): string[] {
  const problems: string[] = [];
  const names = new Map<string, Set<string>>();
  for (const d of docs) {
    if (d.apiVersion !== 'openslo/v1') problems.push(`${d.metadata?.name}: apiVersion ${d.apiVersion}`);
    if (!['Service', 'SLO', 'SLI', 'AlertPolicy', 'AlertCondition', 'AlertNotificationTarget', 'DataSource'].includes(d.kind)) problems.push(`${d.metadata?.name}: kind ${d.kind}`);
    if (!NAME.test(d.metadata?.name ?? '')) problems.push(`${d.kind} name ${JSON.stringify(d.metadata?.name)} is not an RFC 1123 label`);
    const set = names.get(d.kind) ?? new Set<string>();
    if (set.has(d.metadata.name)) problems.push(`two ${d.kind} objects named ${d.metadata.name}`);
    names.set(d.kind, set.add(d.metadata.name));
    if (typeof d.spec !== 'object' || d.spec === null) problems.push(`${d.metadata.name}: no spec`);
  }
  const has = (kind: string, name: unknown) => typeof name === 'string' && (names.get(kind)?.has(name) ?? false);
  for (const d of docs) {
    const at = `${d.kind} ${d.metadata.name}`;
    const s = d.spec;
    if (d.kind === 'SLO') {
      if (!has('Service', s.service)) problems.push(`${at}: service ${s.service} is not a Service`);
      if (!Array.isArray(s.timeWindow) || s.timeWindow.length !== 1) problems.push(`${at}: timeWindow must have exactly one item`);
      const w = s.timeWindow?.[0];
      if (!SHORTHAND.test(w?.duration ?? '')) problems.push(`${at}: timeWindow duration ${w?.duration}`);
      if (typeof w?.isRolling !== 'boolean') problems.push(`${at}: isRolling must be a boolean`);
      if (w?.isRolling === false && !(w.calendar && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(w.calendar.startTime) && typeof w.calendar.timeZone === 'string')) problems.push(`${at}: a calendar window needs calendar.startTime (YYYY-MM-DD hh:mm:ss) and timeZone`);
      if (!['Occurrences', 'Timeslices', 'RatioTimeslices'].includes(s.budgetingMethod)) problems.push(`${at}: budgetingMethod ${s.budgetingMethod}`);
      if ((s.indicator === undefined) === (s.indicatorRef === undefined)) problems.push(`${at}: exactly one of indicator and indicatorRef`);
      const ratio = s.indicator?.spec?.ratioMetric;
      if (!NAME.test(s.indicator?.metadata?.name ?? '')) problems.push(`${at}: indicator name ${s.indicator?.metadata?.name}`);
      if (!ratio || typeof ratio.counter !== 'boolean') problems.push(`${at}: ratioMetric.counter must be a boolean`);
      for (const side of ['good', 'total']) {
        const source = ratio?.[side]?.metricSource;
        if (source?.type !== 'Prometheus' || typeof source?.spec?.query !== 'string' || source.spec.query.length === 0) problems.push(`${at}: ratioMetric.${side} needs a Prometheus query`);
      }
      if (!Array.isArray(s.objectives) || s.objectives.length === 0) problems.push(`${at}: no objectives`);
      for (const o of s.objectives ?? []) if (!(typeof o.target === 'number' && o.target >= 0 && o.target <= 1)) problems.push(`${at}: objective target ${o.target} is not a fraction`);
      for (const p of s.alertPolicies ?? []) if (!has('AlertPolicy', p)) problems.push(`${at}: alertPolicies names ${p}, which is not an AlertPolicy`);
      if ((s.description ?? '').length > 1050) problems.push(`${at}: description over 1050 characters`);
    }
    if (d.kind === 'AlertPolicy') {
      for (const flag of ['alertWhenNoData', 'alertWhenBreaching', 'alertWhenResolved']) if (typeof s[flag] !== 'boolean') problems.push(`${at}: ${flag} must be a boolean`);
      if (!Array.isArray(s.conditions) || s.conditions.length !== 1) problems.push(`${at}: exactly one condition`);
      for (const c of s.conditions ?? []) if (!has('AlertCondition', c.conditionRef)) problems.push(`${at}: conditionRef ${c.conditionRef} is not an AlertCondition`);
      if (!Array.isArray(s.notificationTargets) || s.notificationTargets.length === 0) problems.push(`${at}: notificationTargets is required`);
      for (const t of s.notificationTargets ?? []) if (!has('AlertNotificationTarget', t.targetRef)) problems.push(`${at}: targetRef ${t.targetRef} is not an AlertNotificationTarget`);
    }
    if (d.kind === 'AlertCondition') {
      if (typeof s.severity !== 'string' || s.severity === '') problems.push(`${at}: severity is required`);
      const c = s.condition ?? {};
      if (c.kind !== 'burnrate') problems.push(`${at}: condition.kind ${c.kind}`);
      if (typeof c.threshold !== 'number') problems.push(`${at}: threshold must be a number`);
      if (!SHORTHAND.test(c.lookbackWindow ?? '') || !SHORTHAND.test(c.alertAfter ?? '')) problems.push(`${at}: lookbackWindow and alertAfter must be duration shorthands`);
    }
    if (d.kind === 'AlertNotificationTarget' && typeof s.target !== 'string') problems.push(`${at}: target is required`);
  }
  return problems;
}

async function openslo(specs: string[]): Promise<Doc[]> {
  return parseAllDocuments(await generated(specs, 'openslo')).map((d) => d.toJS() as Doc);
}

describe('sworn rules --format openslo', () => {
  it('writes valid OpenSLO v1 documents for every spec', async () => {
    const docs = await openslo(['specs/petstore.yaml', 'test/rules/fixtures/shop.yaml', 'test/rules/fixtures/odd-ids.yaml', 'test/rules/fixtures/calendar.yaml']);
    expect(validate(docs)).toEqual([]);
  });

  it('catches what it checks (the validator itself)', () => {
    const bad: Doc[] = [{ apiVersion: 'openslo/v1', kind: 'SLO', metadata: { name: 'Bad_Name' }, spec: { service: 'nope', timeWindow: [{ duration: '1h30m', isRolling: true }], budgetingMethod: 'Occurrences', indicator: { metadata: { name: 'x' }, spec: { ratioMetric: { counter: true, good: {}, total: {} } } }, objectives: [{ target: 99.9 }], alertPolicies: ['missing'] } }];
    expect(validate(bad)).toEqual(expect.arrayContaining([
      expect.stringContaining('not an RFC 1123 label'),
      expect.stringContaining('is not a Service'),
      expect.stringContaining('timeWindow duration 1h30m'),
      expect.stringContaining('not a fraction'),
      expect.stringContaining('not an AlertPolicy'),
      expect.stringContaining('ratioMetric.good needs a Prometheus query'),
    ]));
  });

  it('has one SLO per operation objective, good over total events, the promise window and Occurrences budgeting', async () => {
    const docs = await openslo(['test/rules/fixtures/shop.yaml']);
    const slos = docs.filter((d) => d.kind === 'SLO');
    expect(slos.map((d) => d.metadata.name)).toEqual(['shop-getitem-availability', 'shop-getitem-fast', 'shop-getitem-p99']);
    const [availability, fast, p99] = slos as [Doc, Doc, Doc];
    expect(availability.spec).toMatchObject({
      service: 'shop',
      timeWindow: [{ duration: '2h', isRolling: true }],
      budgetingMethod: 'Occurrences',
      objectives: [{ target: 0.99 }],
      alertPolicies: ['shop-burn-page-1h-5m-14-4-min60'],
    });
    const query = (d: Doc, side: 'good' | 'total') => d.spec.indicator.spec.ratioMetric[side].metricSource.spec.query as string;
    expect(query(availability, 'good')).toBe('sum(increase(sworn_slo_events_total{service="shop", operation="getItem", outcome="good"}[5m]))');
    expect(query(availability, 'total')).toBe('sum(increase(sworn_slo_events_total{service="shop", operation="getItem", outcome=~"good|bad"}[5m]))');
    expect(query(fast, 'good')).toBe('sum(increase(sworn_slo_latency_within_total{service="shop", operation="getItem", objective="fast"}[5m]))');
    expect(query(fast, 'total')).toBe('sum(increase(sworn_slo_events_total{service="shop", operation="getItem", outcome="good"}[5m]))');
    // p99 <= 800ms exactly when at least 99% of good events fall in the 0.8s bucket (written `0.8` by the proxies, kept so by Prometheus 3).
    expect(query(p99, 'good')).toBe('sum(increase(sworn_request_duration_seconds_bucket{service="shop", operation="getItem", le=~"0\\\\.8"}[5m]))');
    expect(query(p99, 'total')).toBe('sum(increase(sworn_request_duration_seconds_bucket{service="shop", operation="getItem", le="+Inf"}[5m]))');
    expect(p99.spec.objectives).toEqual([{ displayName: 'p99 of good events at most 800ms over 2h', target: 0.99 }]);
    const condition = docs.find((d) => d.kind === 'AlertCondition')!;
    expect(condition.spec).toEqual({
      description: expect.stringContaining('also require it over 5m, at least 60 valid events an hour and no suppressAlerts maintenance window'),
      severity: 'page',
      condition: { kind: 'burnrate', threshold: 14.4, lookbackWindow: '1h', alertAfter: '0m' },
    });
  });

  it('writes calendar windows as calendar-aligned OpenSLO windows, and keeps names unique and short', async () => {
    const docs = await openslo(['test/rules/fixtures/calendar.yaml', 'test/rules/fixtures/odd-ids.yaml']);
    const windows = Object.fromEntries(docs.filter((d) => d.kind === 'SLO' && d.metadata.annotations?.['sworn/objective'] === 'availability').map((d) => [d.metadata.annotations!['sworn/operation'], d.spec.timeWindow[0]]));
    expect(windows.listReports).toEqual({ duration: '1M', calendar: { startTime: '2024-01-01 00:00:00', timeZone: 'Europe/Berlin' }, isRolling: false });
    expect(windows.createReport).toEqual({ duration: '1Q', calendar: { startTime: '2024-01-01 00:00:00', timeZone: 'America/New_York' }, isRolling: false });
    expect(windows.listExports).toEqual({ duration: '1w', calendar: { startTime: '2024-01-01 00:00:00', timeZone: 'UTC' }, isRolling: false });
    const odd = docs.filter((d) => d.kind === 'SLO' && d.spec.service === 'odd').map((d) => d.metadata.name);
    // "list|all" and "list-all" make the same slug: the second gets a hash of its own text.
    expect(odd).toEqual(['odd-get-a-b-id-availability', 'odd-get-axb-id-availability', 'odd-list-all-availability', 'odd-list-availability', 'odd-all-availability', 'odd-listall-availability', expect.stringMatching(/^odd-list-all-availability-[0-9a-f]{8}$/), 'odd-back-slash-quote-availability']);
    expect(validate(docs)).toEqual([]);
  });
});
