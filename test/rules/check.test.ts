import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { generated, promtool, said, withoutPromtool } from './promtool.js';

/** Every generated rule file passes `promtool check rules` (its lint included: no duplicate rules). */

const SPECS = ['specs/petstore.yaml', 'test/rules/fixtures/shop.yaml', 'test/rules/fixtures/odd-ids.yaml', 'test/rules/fixtures/calendar.yaml'];

async function checkRules(files: Record<string, string>): Promise<string> {
  const result = await promtool(['check', 'rules', ...Object.keys(files)], files);
  expect(result.code, said(result)).toBe(0);
  return result.stdout;
}

describe('promtool check rules', () => {
  it.skipIf(withoutPromtool)('accepts the Prometheus rule file of each spec', async () => {
    const files: Record<string, string> = {};
    for (const [i, spec] of SPECS.entries()) files[`rules-${i}.yaml`] = await generated([spec]);
    const out = await checkRules(files);
    expect(out.match(/SUCCESS/g)).toHaveLength(SPECS.length);
  });

  it.skipIf(withoutPromtool)('keeps template text from the spec as text: a service, an objective and a path with {{ }} (Prometheus expands alert labels and annotations)', async () => {
    const text = await generated(['test/rules/fixtures/templ{{x}}/templates.yaml']);
    await checkRules({ 'templates.yaml': text });
    const alerts = (parse(text) as { groups: Array<{ rules: Array<{ alert?: string; labels?: Record<string, string> }> }> }).groups.flatMap((g) => g.rules).filter((r) => r.alert);
    for (const a of alerts) expect(a.labels!.service).toBe('we"ird\\svc $x {{ "{{" }} y }}');
  });

  it.skipIf(withoutPromtool)('accepts several specs in one file (one group set per spec, rules distinct by their service label)', async () => {
    const text = await generated(SPECS);
    const groups = (parse(text) as { groups: Array<{ name: string }> }).groups.map((g) => g.name);
    expect(groups).toEqual(['petstore', 'shop', 'odd', 'calendar'].flatMap((s) => [`sworn-${s}-slo-5m`, `sworn-${s}-slo`, `sworn-${s}-contract`]));
    await checkRules({ 'all.yaml': text });
  });

  it.skipIf(withoutPromtool)('accepts the groups of each PrometheusRule (prometheus-operator)', async () => {
    const text = await generated(SPECS, 'prometheus-operator');
    const docs = parseAllDocuments(text).map((d) => d.toJS() as { apiVersion: string; kind: string; metadata: { name: string; labels: Record<string, string> }; spec: { groups: unknown[] } });
    expect(docs.map((d) => [d.apiVersion, d.kind, d.metadata.name])).toEqual(['petstore', 'shop', 'odd', 'calendar'].map((s) => ['monitoring.coreos.com/v1', 'PrometheusRule', `sworn-${s}`]));
    for (const d of docs) expect(d.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
    const files = Object.fromEntries(docs.map((d, i) => [`operator-${i}.yaml`, JSON.stringify({ groups: d.spec.groups })]));
    await checkRules(files);
    // The same groups as the plain rule file.
    expect(docs[0]!.spec.groups).toEqual((parse(await generated([SPECS[0]!])) as { groups: unknown[] }).groups);
  });

  it.skipIf(withoutPromtool)('accepts every PromQL query of the OpenSLO output', async () => {
    const queries: string[] = [];
    for (const doc of parseAllDocuments(await generated(SPECS, 'openslo'))) {
      const o = doc.toJS() as { kind: string; spec: { indicator?: { spec: { ratioMetric: Record<string, { metricSource: { spec: { query: string } } }> } } } };
      if (o.kind !== 'SLO') continue;
      for (const side of ['good', 'total']) queries.push(o.spec.indicator!.spec.ratioMetric[side]!.metricSource.spec.query);
    }
    expect(queries.length).toBeGreaterThan(10);
    const rules = { groups: [{ name: 'openslo-queries', rules: queries.map((expr, i) => ({ record: `openslo:query${i}`, expr })) }] };
    await checkRules({ 'openslo-queries.yaml': JSON.stringify(rules) });
  });

  it.skipIf(withoutPromtool)('rejects what is not a rule file (the check itself works)', async () => {
    const result = await promtool(['check', 'rules', 'bad.yaml'], { 'bad.yaml': 'groups:\n  - name: x\n    rules:\n      - record: a\n        expr: sum(\n' });
    expect(result.code).not.toBe(0);
  });
});
