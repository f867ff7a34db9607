import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSpec, listOperations } from '../../src/spec/index.js';
import { metricServiceName, resolveSlos, type ResolvedPromise } from '../../src/slo/index.js';
import { dashboardForSpec, GridLayout, type GrafanaDashboard } from '../../src/dashboard/index.js';
import { rejection, ROOT } from '../helpers.js';
import { checkWithPromtool, expressionsOf, interpolate, PROMTOOL, unquote } from './promtool.js';

const PETSTORE = 'specs/petstore.yaml';

/** Promises that differ per operation: other targets, factors, freeze lines, windows; an id with regex characters; a service name Grafana would garble. */
const ORDERS = `openapi: 3.1.0
info:
  title: Orders
  version: 2.0.0
  x-slo:
    service: 'orders "eu" $[west]'
    window: 7d
    availability: 99.9
    alerting:
      burnRates:
        - {severity: page, long: 1h, short: 5m, factor: 14.4}
        - {severity: ticket, long: 1.5h, short: 10m, factor: 3}
      minEventsPerHour: 30
    budgetPolicy: {freezeBelow: 0.25}
paths:
  /orders:
    get:
      operationId: listOrders
      responses: {'200': {description: ok}}
    post:
      operationId: createOrder
      x-slo:
        availability: 99.99
        alerting:
          burnRates:
            - {severity: page, long: 60m, short: 5m, factor: 10}
        budgetPolicy: {freezeBelow: 0}
      responses: {'201': {description: created}}
  /orders/{id}:
    get:
      x-slo:
        window: {calendar: month, timeZone: Europe/Berlin}
        latency: [{name: fast, threshold: 250ms, target: 95}, {name: p90, percentile: 90, max: 1s}]
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: ok}}
  /health:
    get:
      operationId: health
      x-slo: false
      responses: {'200': {description: ok}}
`;

async function withSpec<T>(text: string, use: (file: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'sworn-dashboard-spec-'));
  try {
    const file = join(dir, 'orders.yaml');
    writeFileSync(file, text);
    return await use(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Loaded {
  dashboard: GrafanaDashboard;
  service: string;
  promises: Array<{ id: string; promise: ResolvedPromise }>;
}

async function load(file: string, options: { title?: string; datasource?: string } = {}): Promise<Loaded> {
  const spec = await loadSpec(file, { cwd: ROOT });
  const slo = resolveSlos(spec, listOperations(spec));
  const promises = slo.operations.flatMap((o) => (o.enabled && o.promise ? [{ id: o.id, promise: o.promise }] : []));
  return { dashboard: dashboardForSpec(spec, options), service: metricServiceName(slo, spec.file), promises };
}

const both = async (): Promise<Array<[string, Loaded]>> => [
  ['petstore', await load(PETSTORE)],
  ['orders (promises differ per operation)', await withSpec(ORDERS, (file) => load(file))],
];

interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: Array<{ refId: string; expr: string; legendFormat: string }>;
  fieldConfig?: { defaults: { unit?: string; thresholds?: { steps: Array<{ color: string; value: number | null }> } } };
}

const panelsOf = (d: GrafanaDashboard): Panel[] => d.panels as unknown as Panel[];
const charts = (d: GrafanaDashboard): Panel[] => panelsOf(d).filter((p) => p.type !== 'row');
const exprs = (p: Panel): string[] => (p.targets ?? []).map((t) => t.expr);
const lines = (p: Panel): Array<{ color: string; value: number }> => (p.fieldConfig?.defaults.thresholds?.steps ?? []).filter((s): s is { color: string; value: number } => s.value !== null);

/** Whether a panel's queries select the operation: every literal `operation=~"..."` matcher (not the `$operation` pick) must match it. */
function selects(panel: Panel, operation: string): boolean {
  return exprs(panel).every((expr) => {
    const filters = [...expr.matchAll(/operation=~"((?:[^"\\]|\\.)*)"/g)].map((m) => unquote(m[1] as string)).filter((re) => !re.includes('$operation'));
    return filters.every((re) => new RegExp(`^(?:${re})$`).test(operation));
  });
}

/**
 * A window as `sworn rules` names it: compound, largest units first, days at most
 * (`60m` -> `1h`, `1.5h` -> `1h30m`, `2w` -> `14d`).
 */
function canonical(ms: number): string {
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    const n = Math.floor(ms / size);
    if (n > 0) parts.push(`${n}${unit}`);
    ms -= n * size;
  }
  return parts.join('');
}

/** The contract's recording-rule names (.scratch/fleet-contract.md) for the given alert windows. */
function contractRuleNames(windows: string[]): Set<string> {
  const names = new Set([
    'sworn:request_duration_seconds_bucket:increase5m',
    'sworn:slo_events:window_total', 'sworn:slo_allowance:window_total', 'sworn:slo_latency_within:window_total',
    'sworn:slo_error_budget_remaining:ratio', 'sworn:slo_availability:ratio', 'sworn:slo_latency_within:ratio',
  ]);
  for (const w of new Set([...windows, '5m'])) {
    for (const family of ['slo_events:increase', 'slo_allowance:increase', 'slo_latency_within:increase', 'slo_valid_events:increase']) names.add(`sworn:${family}${w}`);
    names.add(`sworn:slo_burn_rate:${w}`);
  }
  return names;
}

const CONTRACT_METRICS = ['sworn_slo_events_total', 'sworn_slo_error_budget_allowance_total', 'sworn_slo_latency_within_total', 'sworn_request_duration_seconds_bucket', 'sworn_slo_objective_info', 'sworn_slo_maintenance_active', 'sworn_violations_total', 'sworn_requests_total', 'sworn_consumer_events_total', 'sworn_consumer_error_budget_allowance_total', 'sworn_consumer_violations_total'];

describe('the PromQL of the dashboard', () => {
  it.skipIf(!PROMTOOL && !process.env.CI)('parses with Prometheus\' own parser (promtool check rules), for every panel, annotation and variable', async () => {
    expect(PROMTOOL, 'promtool is needed: install Prometheus (apt-get install prometheus) or set PROMTOOL').toBeDefined();
    for (const [name, { dashboard, service }] of await both()) {
      const expressions = expressionsOf(dashboard);
      expect(expressions.length, name).toBeGreaterThan(20);
      const { ok, output } = checkWithPromtool(expressions, service);
      expect(ok, `${name}:\n${output}`).toBe(true);
      // Two operations picked, one with regex characters, as Grafana's Prometheus data source writes them.
      const picked = checkWithPromtool(expressions, service, String.raw`(listPets|DELETE /pets/\\{petId\\})`);
      expect(picked.ok, `${name}, two operations picked:\n${picked.output}`).toBe(true);
    }
  });

  it.skipIf(!PROMTOOL && !process.env.CI)('the check is not blind: promtool rejects a broken expression', () => {
    expect(checkWithPromtool([{ where: 'broken', expr: 'sum by (le (rate(x[5m]))' }], 'petstore').ok).toBe(false);
  });

  it('uses only the Grafana variables it declares, and no literal that Grafana would interpolate', async () => {
    for (const [name, { dashboard, service }] of await both()) {
      for (const { where, expr } of expressionsOf(dashboard)) {
        const used = [...expr.matchAll(/\$(\w+)/g)].map((m) => m[1]);
        expect(used.every((v) => ['service', 'operation', '__rate_interval'].includes(v as string)), `${name} ${where}: ${expr}`).toBe(true);
        expect(() => interpolate(expr, service)).not.toThrow();
      }
    }
  });

  it('reads only the contract\'s recording rules, for the windows the spec declares, and every declared window\'s burn rate', async () => {
    for (const [name, { dashboard, promises }] of await both()) {
      const ruleWindows = promises.flatMap((p) => (p.promise.availability ? p.promise.alerting.burnRates.flatMap((b) => [canonical(b.long.ms), canonical(b.short.ms)]) : []));
      const allowed = contractRuleNames(ruleWindows);
      const all = expressionsOf(dashboard).map((e) => e.expr).join('\n');
      const rules = new Set(all.match(/sworn:[a-zA-Z0-9_:]+/g));
      expect([...rules].filter((r) => !allowed.has(r)), name).toEqual([]);
      for (const w of ruleWindows) expect(rules.has(`sworn:slo_burn_rate:${w}`), `${name}: burn rate over ${w}`).toBe(true);
      const metrics = new Set(all.match(/\bsworn_[a-z_]+/g));
      expect([...metrics].filter((m) => !CONTRACT_METRICS.includes(m)), name).toEqual([]);
    }
  });

  it('puts the service into every series selector: as the $service constant, or inlined when Grafana would garble the name', async () => {
    const { dashboard } = await load(PETSTORE);
    const service = dashboard.templating.list.find((v) => v.name === 'service');
    expect(service).toMatchObject({ type: 'constant', query: 'petstore', hide: 2 });
    for (const { where, expr } of expressionsOf(dashboard)) {
      for (const sel of expr.match(/[a-zA-Z_:][a-zA-Z0-9_:]*\{[^}]*\}/g) ?? []) expect(sel, where).toContain('service="$service"');
    }
    const orders = (await withSpec(ORDERS, (file) => load(file))).dashboard;
    for (const { where, expr } of expressionsOf(orders)) {
      expect(expr, where).not.toContain('$service');
      expect(expr, where).toContain(String.raw`service="orders \"eu\" \x24\x5bwest]"`);
    }
  });
});

describe('what the panels promise', () => {
  it('draws each burn-rate alert\'s factor as a red line on a panel of its long and short windows, for every operation that promises it, and on no other', async () => {
    for (const [name, { dashboard, promises }] of await both()) {
      const burnPanels = charts(dashboard).filter((p) => exprs(p).some((e) => e.includes('sworn:slo_burn_rate:')));
      for (const { id, promise } of promises) {
        if (!promise.availability) continue;
        for (const alert of promise.alerting.burnRates) {
          const [long, short] = [canonical(alert.long.ms), canonical(alert.short.ms)];
          const shown = burnPanels.filter((p) => selects(p, id) && exprs(p).some((e) => e.startsWith(`sworn:slo_burn_rate:${long}{`)) && exprs(p).some((e) => e.startsWith(`sworn:slo_burn_rate:${short}{`)));
          const withFactor = shown.filter((p) => lines(p).some((l) => l.value === alert.factor && l.color === 'red'));
          expect(withFactor.length, `${name}: ${id} ${alert.severity} ${long}/${short} at ${alert.factor}`).toBe(1);
          expect(withFactor[0]?.title).toContain(alert.severity);
        }
      }
      for (const panel of burnPanels) {
        const factor = lines(panel)[0]?.value;
        for (const { id, promise } of promises) {
          if (!selects(panel, id) || !promise.availability) continue;
          expect(promise.alerting.burnRates.some((b) => b.factor === factor && exprs(panel).some((e) => e.startsWith(`sworn:slo_burn_rate:${canonical(b.long.ms)}{`))), `${name}: panel "${panel.title}" shows ${id}, which promises no such alert`).toBe(true);
        }
      }
    }
  });

  it('draws each operation\'s availability target, and only its own, as the red line of its availability panel', async () => {
    for (const [name, { dashboard, promises }] of await both()) {
      const panels = charts(dashboard).filter((p) => exprs(p).some((e) => e.startsWith('sworn:slo_availability:ratio{')));
      for (const { id, promise } of promises) {
        const showing = panels.filter((p) => selects(p, id));
        if (!promise.availability) {
          expect(showing, `${name}: ${id} has no availability target`).toEqual([]);
          continue;
        }
        expect(showing.map((p) => lines(p)), `${name}: ${id}`).toEqual([[{ color: 'red', value: promise.availability.target / 100 }]]);
        expect(showing[0]?.fieldConfig?.defaults.unit).toBe('percentunit');
      }
    }
  });

  it('draws the error budget burn-down with a line at 0 and one at budgetPolicy.freezeBelow when declared', async () => {
    for (const [name, { dashboard, promises }] of await both()) {
      const panels = charts(dashboard).filter((p) => p.type === 'timeseries' && exprs(p).some((e) => e.startsWith('sworn:slo_error_budget_remaining:ratio{')));
      for (const { id, promise } of promises) {
        if (!promise.availability) continue;
        const showing = panels.filter((p) => selects(p, id));
        expect(showing.length, `${name}: ${id}`).toBe(1);
        const values = lines(showing[0] as Panel).map((l) => l.value);
        expect(values).toContain(0);
        const freeze = promise.budgetPolicy.freezeBelow;
        if (freeze !== undefined) expect(values, `${name}: ${id} freezeBelow`).toContain(freeze);
        expect(values.length).toBe(freeze === undefined || freeze === 0 ? 1 : 2);
        expect(showing[0]?.fieldConfig?.defaults.unit).toBe('percentunit');
      }
      // The stat panels colour by the same lines.
      const stats = panelsOf(dashboard).filter((p) => p.type === 'stat' && exprs(p).some((e) => e.includes('sworn:slo_error_budget_remaining:ratio')));
      expect(stats.length).toBe(panels.length);
    }
  });

  it('draws each latency objective against its own target (threshold objectives) or maximum (percentile objectives)', async () => {
    for (const [name, { dashboard, promises }] of await both()) {
      const within = charts(dashboard).filter((p) => exprs(p).some((e) => e.startsWith('sworn:slo_latency_within:ratio{')));
      const quantiles = charts(dashboard).filter((p) => exprs(p).some((e) => e.startsWith('histogram_quantile(')));
      for (const { id, promise } of promises) {
        for (const o of promise.latency) {
          if (o.kind === 'threshold') {
            const showing = within.filter((p) => selects(p, id) && exprs(p).some((e) => e.includes(`objective="${o.name}"`)));
            expect(showing.map(lines), `${name}: ${id} ${o.name}`).toEqual([[{ color: 'red', value: o.target / 100 }]]);
            expect(showing[0]?.title).toContain(o.threshold.text);
          } else {
            const showing = quantiles.filter((p) => selects(p, id) && exprs(p).some((e) => e.startsWith(`histogram_quantile(${o.percentile / 100},`)));
            expect(showing.map(lines), `${name}: ${id} ${o.name}`).toEqual([[{ color: 'red', value: o.max.ms / 1000 }]]);
            expect(showing[0]?.fieldConfig?.defaults.unit).toBe('s');
          }
        }
      }
      // Every operation has a duration histogram, so the quantile panels must leave out those without the objective (the
      // within-threshold ratio exists only for operations with the objective).
      for (const p of quantiles) expect(selects(p, 'health'), `${name}: ${p.title} shows health, which promises nothing`).toBe(false);
    }
  });

  it('shows events by outcome, violations by side and by consumer, and the firing sworn alerts', async () => {
    const { dashboard } = await load(PETSTORE);
    const all = charts(dashboard).flatMap((p) => exprs(p).map((e) => ({ title: p.title, type: p.type, expr: e, legend: p.targets?.find((t) => t.expr === e)?.legendFormat })));
    expect(all.find((e) => e.expr.startsWith('sum by (outcome) (rate(sworn_slo_events_total{'))).toBeDefined();
    const sides = all.filter((e) => e.expr.startsWith('sum by (direction) (rate(sworn_violations_total{'));
    expect(sides.map((e) => e.legend)).toEqual(["request: the consumer's breach", "response: the provider's breach"]);
    // By consumer from the consumer-level series (sworn_violations_total has no consumer label), which carry no operation label either.
    const consumers = all.filter((e) => e.expr.startsWith('topk(10, sum by (consumer) (rate(sworn_consumer_violations_total{'));
    expect(consumers.map((e) => /direction="(\w+)"/.exec(e.expr)?.[1])).toEqual(['request', 'response']);
    for (const c of consumers) expect(c.expr).not.toContain('operation');
    const firing = all.find((e) => e.type === 'stat' && e.expr.includes('ALERTS{'));
    expect(firing?.expr).toBe('count(ALERTS{alertname=~"Sworn.*", service="$service", operation=~"$operation|", alertstate="firing"}) or vector(0)');
  });

  it('explains every panel in words, naming where its figures come from', async () => {
    for (const [name, { dashboard }] of await both()) {
      for (const p of charts(dashboard)) {
        expect(p.description?.length ?? 0, `${name}: ${p.title}`).toBeGreaterThan(120);
        const source = exprs(p).flatMap((e) => e.match(/sworn:[a-zA-Z0-9_:]+|sworn_[a-z_]+?(?=_bucket|\{)|ALERTS/g) ?? []);
        expect(source.some((s) => p.description?.includes(s)), `${name}: "${p.title}" names none of ${source.join(', ')}`).toBe(true);
      }
    }
  });

  it('says which operations a panel shows when their promises differ', async () => {
    const { dashboard } = await withSpec(ORDERS, (file) => load(file));
    const create = charts(dashboard).find((p) => p.title.startsWith('Burn rate 1h / 5m · page at 10×'));
    expect(create?.title).toBe('Burn rate 1h / 5m · page at 10× · createOrder');
    expect(create?.description).toContain('Shows only the operation that promises this: `createOrder`.');
    expect(create?.description).toContain('Operations that promise other values have panels of their own.');
    const others = charts(dashboard).find((p) => p.title.startsWith('Burn rate 1h / 5m · page at 14.4×'));
    expect(others?.description).toContain('`listOrders`, `GET /orders/{id}`');
    expect(others?.description).toContain('at least 30 valid requests per hour');
  });
});

describe('the dashboard', () => {
  it('lays out every panel on the 24-column grid without overlaps, rows across the whole width', async () => {
    for (const [name, { dashboard }] of await both()) {
      const panels = panelsOf(dashboard);
      for (const p of panels) {
        expect(p.gridPos.x >= 0 && p.gridPos.w > 0 && p.gridPos.x + p.gridPos.w <= 24 && p.gridPos.h > 0, `${name}: ${p.title}`).toBe(true);
        if (p.type === 'row') expect(p.gridPos).toMatchObject({ x: 0, w: 24, h: 1 });
      }
      for (const [i, a] of panels.entries()) {
        for (const b of panels.slice(i + 1)) {
          const apart = a.gridPos.x + a.gridPos.w <= b.gridPos.x || b.gridPos.x + b.gridPos.w <= a.gridPos.x || a.gridPos.y + a.gridPos.h <= b.gridPos.y || b.gridPos.y + b.gridPos.h <= a.gridPos.y;
          expect(apart, `${name}: "${a.title}" ${JSON.stringify(a.gridPos)} overlaps "${b.title}" ${JSON.stringify(b.gridPos)}`).toBe(true);
        }
      }
      // Grafana reads panels after a row as the row's: they must come below it, before the next row.
      const rows = panels.filter((p) => p.type === 'row');
      for (const p of panels.filter((x) => x.type !== 'row')) {
        const row = [...rows].reverse().find((r) => panels.indexOf(r) < panels.indexOf(p));
        const next = rows.find((r) => panels.indexOf(r) > panels.indexOf(p));
        expect(p.gridPos.y >= (row?.gridPos.y ?? 0) + 1 && (next === undefined || p.gridPos.y + p.gridPos.h <= next.gridPos.y), `${name}: ${p.title}`).toBe(true);
      }
    }
  });

  it('the layout never overlaps, whatever the panel sizes', () => {
    const layout = new GridLayout();
    const placed = [layout.row(), ...[5, 13, 24, 1, 12, 12, 30, 7].map((w, i) => layout.place({ w, h: 1 + (i % 4) })), layout.row(), layout.place({ w: 9, h: 2 })];
    for (const [i, a] of placed.entries()) {
      expect(a.x + a.w).toBeLessThanOrEqual(24);
      for (const b of placed.slice(i + 1)) expect(a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y).toBe(true);
    }
  });

  it('is deterministic: stable ids in order, the same JSON for the same spec', async () => {
    const first = JSON.stringify((await load(PETSTORE)).dashboard);
    const second = JSON.stringify((await load(PETSTORE)).dashboard);
    expect(second).toBe(first);
    const { dashboard } = await load(PETSTORE);
    expect(panelsOf(dashboard).map((p) => p.id)).toEqual(panelsOf(dashboard).map((_, i) => i + 1));
    expect(dashboard).toMatchObject({ uid: 'sworn-petstore', schemaVersion: 39, title: 'petstore · promises (sworn)' });
    const orders = (await withSpec(ORDERS, (file) => load(file))).dashboard;
    expect(orders.uid).toMatch(/^sworn-orders-eu-west-[0-9a-f]{8}$/);
    expect(orders.uid.length).toBeLessThanOrEqual(40);
  });

  it('has the datasource, operation and service variables; --datasource and --title are used', async () => {
    const { dashboard } = await load(PETSTORE, { datasource: 'prom-main', title: 'Pets' });
    expect(dashboard.title).toBe('Pets');
    const [datasource, service, operation] = dashboard.templating.list;
    expect(datasource).toMatchObject({ name: 'datasource', type: 'datasource', query: 'prometheus', current: { value: 'prom-main' } });
    expect(service).toMatchObject({ name: 'service', type: 'constant', query: 'petstore' });
    expect(operation).toMatchObject({
      name: 'operation', type: 'query', multi: true, includeAll: true, allValue: '.*',
      definition: 'label_values(sworn_slo_events_total{service="$service"}, operation)',
      datasource: { type: 'prometheus', uid: '${datasource}' },
    });
    for (const p of panelsOf(dashboard).filter((x) => x.type !== 'row')) expect((p as unknown as { datasource: unknown }).datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
    expect((await load(PETSTORE)).dashboard.templating.list[0]?.current).toEqual({});
  });

  it('marks maintenance windows as annotations when the spec declares them', async () => {
    const petstore = (await load(PETSTORE)).dashboard.annotations as { list: Array<{ name: string; expr?: string }> };
    expect(petstore.list.map((a) => a.name)).toEqual(['Annotations & Alerts', 'Maintenance windows']);
    const orders = (await withSpec(ORDERS, (file) => load(file))).dashboard.annotations as { list: Array<{ name: string }> };
    expect(orders.list.map((a) => a.name)).toEqual(['Annotations & Alerts']);
  });

  it('refuses a spec without promises, saying what to add', async () => {
    const bare = `openapi: 3.1.0
info: {title: Bare, version: 1.0.0}
paths:
  /x:
    get:
      x-slo: {window: 7d}
      responses: {'200': {description: ok}}
`;
    const error = await withSpec(bare, (file) => rejection(load(file)));
    expect(error.code).toBe('SWORN_ERR_USAGE');
    expect(error.message).toMatch(/makes no promise to chart/);
    expect(error.hint).toMatch(/x-slo/);
  });

  it('refuses a spec whose x-slo is invalid rather than chart a wrong promise', async () => {
    const broken = ORDERS.replace('availability: 99.99', 'availability: lots');
    const error = await withSpec(broken, (file) => rejection(load(file)));
    expect(error.code).toBe('SWORN_ERR_SLO_INVALID');
    expect(error.hint).toMatch(/sworn lint/);
  });
});
