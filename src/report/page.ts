import { createHash } from 'node:crypto';
import type { SloFigures } from '../engine/engine.js';
import type { ViolationSample } from '../store/store.js';
import { burnRateChart, COLOURS, lineChart, rate, seriesColour, type Bar } from './charts.js';
import type { Report } from './report.js';
import { alertText, alertWhy, availabilityText, budgetLeft, latencyText, percent } from './report-text.js';
import { escapeXml } from './style.js';
import { rankOperations, spanText, type Panel } from './timeline.js';

/** One fault in force, as the page lists it. */
export interface PageFault {
  id: string;
  /** "latency +200ms ± 20ms on createPet for 10% of checkout's calls". */
  text: string;
  /** The operations it touches; null: every operation. */
  operations: string[] | null;
  expiresAt: string;
}

/** Exchanges with injected faults, per operation × consumer (the live report's `injected`). */
export interface PageInjected {
  operationId: string;
  consumer: string;
  requests: number;
  injected: number;
  availability: number | null;
  availabilityWithoutInjected: number | null;
}

/** Everything the page shows: the report, and what only some sources have. */
export interface PageInput {
  report: Report;
  /** Per operation: its own promise and each tier's, with timelines for the charted ones (none: figures only). */
  panels?: Map<string, Panel[]>;
  /** The latest redacted violation samples per operation. */
  samples?: Map<string, ViolationSample[]>;
  maintenance?: Array<{ operationId: string; window: string; effects: string[]; active: boolean }>;
  faults?: PageFault[];
  injected?: PageInjected[];
  /** Whose traffic the figures judge, in words (a sidecar sees one pod). */
  scope: string;
  /** The live dashboard: refresh every so many seconds (none: a static report file). */
  live?: { refreshSeconds: number };
  /** Several services behind one proxy: links to each one's page. */
  services?: Array<{ name: string; href: string; current: boolean }>;
  now: number;
}

/**
 * The live dashboard's refresh: fetches the page again, swaps `<main>`
 * (keeping which details are open and the scroll position), and says when
 * the proxy cannot be reached. Its hash is allowed by the page's CSP.
 */
const SCRIPT = `(() => {
  const every = Number(document.body.dataset.refresh) * 1000;
  const status = document.getElementById('refresh');
  const tick = async () => {
    try {
      const res = await fetch(location.href, { cache: 'no-store', credentials: 'same-origin' });
      if (!res.ok) throw new Error('HTTP ' + res.status);
      const next = new DOMParser().parseFromString(await res.text(), 'text/html').querySelector('main');
      const open = new Set([...document.querySelectorAll('details[open][id]')].map((d) => d.id));
      if (next) {
        document.querySelector('main').replaceWith(next);
        for (const id of open) document.getElementById(id)?.setAttribute('open', '');
      }
      status.textContent = 'live · refreshed ' + new Date().toISOString().slice(11, 19) + ' UTC';
      status.className = 'live';
    } catch (error) {
      status.textContent = 'cannot reach the proxy (' + error.message + '): retrying';
      status.className = 'lost';
    }
    setTimeout(tick, every);
  };
  setTimeout(tick, every);
})();`;

/** The Content-Security-Policy the live page is served with: nothing but itself, its own style and this script. */
export const PAGE_CSP = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${createHash('sha256').update(SCRIPT).digest('base64')}'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

/** Rows of the operations table, and operation sections, at most: a page for 1,200 operations stays readable and cheap. */
const MAX_ROWS = 100;
const MAX_SECTIONS = 12;

const STYLE = `
:root{color-scheme:light}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d1d1f;background:#f6f7f9}
header.top{background:#fff;border-bottom:1px solid #ddd;padding:.8rem 1.5rem}header.top h1{margin:0;font-size:1.3rem}
main{padding:1rem 1.5rem;max-width:1500px}.dim{color:#6b6b6b;font-weight:normal}code{font-size:.95em}
.cards{display:flex;gap:.8rem;flex-wrap:wrap;margin:.5rem 0 1rem}.card{background:#fff;border:1px solid #ddd;border-radius:8px;padding:.5rem .9rem;min-width:9rem}
.card b{display:block;font-size:1.5rem}.card.bad{border-color:${COLOURS.bad}}.card.bad b{color:${COLOURS.bad}}
table{border-collapse:collapse;background:#fff}th,td{padding:.25rem .6rem;border-bottom:1px solid #eee;text-align:left;vertical-align:top}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.op{background:#fff;border:1px solid #ddd;border-radius:8px;padding:.6rem 1rem;margin:1rem 0}.op.missed{border-left:5px solid ${COLOURS.bad}}.op.ok{border-left:5px solid ${COLOURS.good}}
.op h2{font-size:1.1rem;margin:.2rem 0}.panel{border-top:1px solid #eee;padding:.4rem 0}.panel h3{font-size:.95rem;margin:.3rem 0}details.panel>summary{cursor:pointer;padding:.3rem 0;font-size:.95rem}
dl.figures{display:flex;flex-wrap:wrap;gap:.3rem 1.6rem;margin:.3rem 0}dl.figures div{min-width:8rem}dt{color:#6b6b6b;font-size:.8rem}dd{margin:0;font-weight:600;font-variant-numeric:tabular-nums}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(330px,1fr));gap:.6rem 1rem}.chart{margin:0}.chart figcaption{font-size:.85rem;font-weight:600}
.chart svg{width:100%;height:auto;display:block}.grid{stroke:${COLOURS.grid}}.axis{stroke:#999}.tick{font-size:9.5px;fill:${COLOURS.axis}}.label{font-size:10px;fill:#333}
.legend,.alerts{list-style:none;padding:0;margin:.2rem 0;font-size:.8rem;display:flex;flex-wrap:wrap;gap:.1rem 1rem}.alerts{display:block}.alerts .firing{color:${COLOURS.bad}}
.swatch{display:inline-block;width:.9rem;height:.55rem;margin-right:.3rem;vertical-align:middle}.swatch.ref{height:0;border-top:2px dashed;background:none}
.bad{color:${COLOURS.bad}}ul.missed{margin:.2rem 0 1rem;color:${COLOURS.bad}}ul.missed a{color:inherit}.good{color:${COLOURS.good}}.note{font-size:.8rem;margin:.1rem 0}
details{margin:.3rem 0}pre{background:#f3f3f3;padding:.5rem;overflow:auto;max-height:18rem;font-size:.8rem;white-space:pre-wrap;word-break:break-all}
#refresh.live{color:${COLOURS.good}}#refresh.lost{color:${COLOURS.bad};font-weight:600}nav.services a{margin-right:1rem}nav.services a.current{font-weight:700}
`;

/**
 * The page: the live dashboard on the admin port's `/` (with `live`) and
 * `sworn report --format html` (without: a self-contained file, no script).
 * Every text that came from traffic or a spec is escaped.
 */
export function renderPage(input: PageInput): string {
  const { report } = input;
  const ranked = rankOperations(report).filter((o) => o.requests > 0 || o.slo !== null);
  const s = report.summary;
  const violations = s.violations;
  const firing = s.alertsFiring.length;
  const history = historyLine(input);
  const cards = [
    card('objectives missed', String(s.missed.length), s.missed.length > 0, 'missed'),
    card('alerts firing', String(firing), firing > 0, 'firing'),
    card('request violations (consumers\' side)', String(violations.request), violations.request > 0, 'request-violations'),
    card('response violations (provider\'s side)', String(violations.response), violations.response > 0, 'response-violations'),
    card('requests to unknown routes', String(violations.unknownRoutes), violations.unknownRoutes > 0, 'unknown-routes'),
    ...(input.faults ? [card('faults in force', String(input.faults.length), input.faults.length > 0, 'faults')] : []),
  ].join('');
  const rows = ranked.slice(0, MAX_ROWS);
  const more = ranked.length - rows.length;
  const overview = ranked.length === 0 ? '<p class="dim">No traffic yet, and no operation promises anything.</p>' : `<table class="overview"><tr><th>operation</th><th class="n">requests</th><th>availability</th><th>budget left</th><th>latency</th><th>alerts</th></tr>${rows
    .map((o) => `<tr data-operation="${escapeXml(o.operationId)}"><td><a href="#op-${escapeXml(o.operationId)}"><code>${escapeXml(o.operationId)}</code></a></td><td class="n" data-figure="requests">${o.requests}</td><td data-figure="availability">${escapeXml(availabilityText(o.slo))}</td><td data-figure="budget">${escapeXml(budgetLeft(o.slo))}</td><td>${escapeXml(latencyText(o.slo))}</td><td>${firingOf(o.slo)}</td></tr>`)
    .join('')}</table>${more > 0 ? `<p class="dim">and ${more} more operations, quieter: ?operation=ID shows one.</p>` : ''}`;
  // Sections for the operations given panels (the first in the table's order), or the first few when there are none (a fleet report).
  const sectioned = input.panels ? [...ranked.filter((o) => input.panels!.has(o.operationId)), ...ranked.filter((o) => o.slo === null && o.requests > 0)].slice(0, MAX_SECTIONS) : ranked.slice(0, MAX_SECTIONS);
  const hidden = ranked.length - sectioned.length;
  const sections = sectioned.map((o) => operationSection(input, o)).join('\n') + (hidden > 0 ? `<p class="dim">${hidden} operation(s) without a section here: open one with ?operation=ID (or sworn report --operation ID).</p>` : '');
  const services = input.services && input.services.length > 1 ? `<nav class="services">services: ${input.services.map((x) => `<a href="${escapeXml(x.href)}"${x.current ? ' class="current"' : ''}>${escapeXml(x.name)}</a>`).join('')}</nav>` : '';
  const refresh = input.live ? `<span id="refresh" class="live">live · refreshes every ${input.live.refreshSeconds} s</span>` : `<span class="dim">report made ${escapeXml(new Date(input.now).toISOString().slice(0, 16).replace('T', ' '))} UTC</span>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeXml(report.spec.title)} · sworn</title>
<style>${STYLE}</style></head><body${input.live ? ` data-refresh="${input.live.refreshSeconds}"` : ''}>
<header class="top"><h1>${escapeXml(report.spec.title)} <span class="dim">${escapeXml(report.spec.version)}</span></h1>
<div class="dim">${escapeXml(input.scope)} · ${refresh}</div>${services}</header>
<main>
<p class="history" data-history-ms="${historyMs(input)}">${escapeXml(history)}</p>
<div class="cards">${cards}</div>
${missedList(report)}${overview}
${sections}
</main>${input.live ? `<script>${SCRIPT}</script>` : ''}
</body></html>
`;
}

/** Every objective missed, the operation's and each consumer's against its tier, linked to the operation. */
function missedList(report: Report): string {
  const missed = report.summary.missed;
  if (missed.length === 0) return '';
  const shown = missed.slice(0, 20);
  const kinds = new Map<string, string>();
  for (const o of report.operations) for (const l of o.slo?.latency ?? []) kinds.set(`${o.operationId} latency ${l.name}`, l.kind);
  for (const c of report.consumers) for (const o of c.operations) for (const l of o.slo?.latency ?? []) kinds.set(`${o.operationId} latency ${l.name}`, l.kind);
  const ms = (m: Report['summary']['missed'][number]) => kinds.get(`${m.operationId} ${m.objective}`) === 'percentile';
  const value = (m: Report['summary']['missed'][number], v: number | null) => (v === null ? 'no data' : ms(m) ? `${v} ms` : `${Number(v.toFixed(3))}%`);
  return `<ul class="missed">${shown.map((m) => `<li data-operation="${escapeXml(m.operationId)}"${m.consumer === undefined ? '' : ` data-consumer="${escapeXml(m.consumer)}"`}><a href="#op-${escapeXml(m.operationId)}"><code>${escapeXml(m.operationId)}</code></a>${m.consumer === undefined ? '' : ` for consumer <b>${escapeXml(m.consumer)}</b>`}: ${escapeXml(m.objective)} at ${escapeXml(value(m, m.achieved))}, objective ${ms(m) ? '≤' : '≥'} ${escapeXml(value(m, m.target))}</li>`).join('')}${missed.length > shown.length ? `<li class="dim">and ${missed.length - shown.length} more</li>` : ''}</ul>`;
}

function card(label: string, value: string, bad: boolean, key: string): string {
  return `<div class="card${bad ? ' bad' : ''}" data-card="${key}"><b>${escapeXml(value)}</b>${escapeXml(label)}</div>`;
}

function firingOf(slo: SloFigures | null): string {
  const firing = (slo?.alerts ?? []).filter((a) => a.firing);
  return firing.length > 0 ? `<strong class="bad">${escapeXml(firing.map(alertText).join(', '))}</strong>` : '<span class="dim">none firing</span>';
}

function historyMs(input: PageInput): number {
  let ms = 0;
  for (const panels of input.panels?.values() ?? []) for (const p of panels) ms = Math.max(ms, p.timeline?.historyMs ?? 0);
  return ms;
}

/** "3 minutes of history, of each promise's 28-day window" / "the window 2026-11-01 to 2026-11-08". */
function historyLine(input: PageInput): string {
  const { report } = input;
  const ms = historyMs(input);
  const windowText = report.window.kind === 'explicit' ? `the window ${report.window.since?.slice(0, 16)} to ${report.window.until?.slice(0, 16)} UTC` : 'each promise\'s own window';
  if (!input.panels) return `Figures over ${windowText}; counts since ${report.since.slice(0, 16).replace('T', ' ')} UTC.`;
  if (ms === 0) return `No history yet: the charts start with the first request. Figures over ${windowText}.`;
  return `${spanText(ms)} of history, charted over ${windowText}.`;
}

type Operation = Report['operations'][number];

function operationSection(input: PageInput, o: Operation): string {
  const missed = o.slo && (o.slo.availability?.met === false || o.slo.latency.some((l) => l.met === false));
  const verdict = o.slo === null ? '' : missed ? ' missed' : ' ok';
  const panels = input.panels?.get(o.operationId) ?? (o.slo ? [{ tier: null, consumers: [], slo: o.slo }] : []);
  const panelHtml = panels.map((p) => panelSection(o, p)).join('');
  return `<section class="op${verdict}" id="op-${escapeXml(o.operationId)}" data-operation="${escapeXml(o.operationId)}">
<h2><code>${escapeXml(o.operationId)}</code> <span class="dim">${escapeXml(o.method)} ${escapeXml(o.path)} · ${o.requests} requests</span></h2>
${o.slo === null ? '<p class="dim">No promise (x-slo) on this operation: counted, not judged.</p>' : ''}${panelHtml}
${violationsBlock(input, o)}${maintenanceBlock(input, o)}${faultsBlock(input, o)}
</section>`;
}

function panelSection(o: Operation, p: Panel): string {
  const who = p.tier === null ? `every consumer, against the operation's promise` : `tier ${p.tier} (${p.consumers.slice(0, 6).join(', ')}${p.consumers.length > 6 ? `, +${p.consumers.length - 6}` : ''}), against the tier's promise`;
  const slo = p.slo;
  const figures = [
    figure('availability', availabilityText(slo)),
    figure('budget', budgetLeft(slo), 'error budget left'),
    ...slo.latency.map((l, i) => figure(`latency-${i}`, l.kind === 'percentile' ? `${l.achieved === null ? 'no data' : `${l.achieved} ms`} ${l.achieved !== null && l.achieved > l.target ? '>' : '≤'} ${l.target} ms${mark(l.met)}` : `${percent(l.achieved)} ${l.achieved !== null && l.achieved < l.target ? '<' : '≥'} ${l.target}%${mark(l.met)}`, `latency ${l.name}`)),
    figure('valid', String(slo.availability?.valid ?? 0), 'events judged'),
    ...(slo.maintenanceExcluded > 0 ? [figure('maintenance', String(slo.maintenanceExcluded), 'in maintenance, not judged')] : []),
  ].join('');
  const judged = (slo.availability?.valid ?? 0) > 0 || p.timeline?.points.some((x) => x.valid > 0) === true;
  const charts = p.timeline && judged ? chartsOf(p) : '';
  const bars = judged ? burnRateChart('burn rates per alert window', slo.alerts.map(barOf)) : '';
  const heading = `${escapeXml(who)} <span class="dim">· window ${escapeXml(slo.window.start.slice(0, 16).replace('T', ' '))} to ${escapeXml(slo.window.end.slice(0, 16).replace('T', ' '))} UTC</span>`;
  const body = `<dl class="figures">${figures}</dl>${judged ? `<div class="charts">${charts}${bars}</div>` : '<p class="dim">No events judged in this window yet: nothing to chart.</p>'}`;
  if (p.tier === null) return `<div class="panel" data-tier="*"><h3>${heading}</h3>${body}</div>`;
  // A tier's panel opens by itself when the tier misses an objective.
  const missed = slo.availability?.met === false || slo.latency.some((l) => l.met === false);
  return `<details class="panel" data-tier="${escapeXml(p.tier)}" id="tier-${escapeXml(o.operationId)}-${escapeXml(p.tier)}"${missed ? ' open' : ''}><summary><b>${heading}</b> ${missed ? '<strong class="bad">misses an objective</strong>' : ''}</summary>${body}</details>`;
}

const mark = (met: boolean | null) => (met === null ? '' : met ? ' ✓' : ' ✗');

function figure(key: string, value: string, label = key): string {
  return `<div><dt>${escapeXml(label)}</dt><dd data-figure="${escapeXml(key)}">${escapeXml(value)}</dd></div>`;
}

function barOf(a: SloFigures['alerts'][number]): Bar {
  return {
    label: `${a.severity} ${a.long}/${a.short} at ${a.factor}x`,
    long: { window: a.long, rate: a.longBurnRate },
    short: { window: a.short, rate: a.shortBurnRate },
    factor: a.factor,
    state: a.firing ? 'firing' : a.silencedBy ? 'silenced' : 'quiet',
    reason: `${alertWhy(a)} (long ${rate(a.longBurnRate)}, short ${rate(a.shortBurnRate)})`,
  };
}

function chartsOf(p: Panel): string {
  const t = p.timeline!;
  const times = t.points.map((x) => x.at);
  const span: [number, number] = [t.from, t.to];
  const step = spanText(t.stepMs).replace(/^1 /, '');
  const stepLength = spanText(t.stepMs);
  const slo = p.slo;
  const out: string[] = [];
  const remaining = t.points.map((x) => (x.remaining === null ? null : x.remaining * 100));
  const last = [...remaining].reverse().find((v): v is number => v !== null);
  const budgetColour = last === undefined ? COLOURS.line : last < 0 ? COLOURS.bad : last < 25 ? COLOURS.warn : COLOURS.good;
  if (slo.errorBudget) {
    out.push(lineChart({
      kind: 'burn-down',
      title: 'error budget left',
      times,
      span,
      lines: [{ label: 'budget left', values: remaining, colour: budgetColour }],
      references: [{ value: 0, label: 'spent (0%)', colour: COLOURS.bad }],
      below: { value: 0, colour: COLOURS.bad, label: 'overspent' },
      y: { min: 0, max: 100, format: (v) => `${fmt(v)}%`, unit: '% of the window\'s budget' },
      note: `at each step's end, of the promise's window ending there; steps of ${stepLength}`,
    }));
  }
  if (slo.availability) {
    const values = t.points.map((x) => x.availability);
    const target = slo.availability.target;
    out.push(lineChart({
      kind: 'availability',
      title: 'availability per step',
      times,
      span,
      lines: [{ label: 'achieved', values, colour: COLOURS.line }],
      references: [{ value: target, label: `objective ${target}%`, colour: COLOURS.target }],
      y: { min: Math.max(0, target - Math.max(0.5, (100 - target) * 4)), max: 100, format: (v) => `${fmt(v)}%`, unit: '%' },
      note: `per ${step}, each on its own; gaps: no events`,
    }));
  }
  slo.latency.forEach((l, i) => {
    const values = t.points.map((x) => x.latency[i] ?? null);
    out.push(lineChart({
      kind: `latency-${i}`,
      title: l.kind === 'percentile' ? `latency ${l.name}` : `latency ${l.name}: share within the threshold`,
      times,
      span,
      lines: [{ label: l.name, values, colour: seriesColour(i + 1) }],
      references: [{ value: l.target, label: `objective ${l.kind === 'percentile' ? `≤ ${l.target} ms` : `≥ ${l.target}%`}`, colour: COLOURS.target }],
      y: l.kind === 'percentile' ? { min: 0, max: l.target, format: (v) => `${fmt(v)}`, unit: 'ms' } : { min: Math.max(0, l.target - Math.max(1, (100 - l.target) * 4)), max: 100, format: (v) => `${fmt(v)}%`, unit: '%' },
      note: l.kind === 'percentile' ? `per ${step}; percentiles are kept per hour (per day for a tier): a step shows its hour's (day's)` : `per ${step}, each on its own`,
    }));
  });
  return out.join('');
}

const fmt = (v: number) => String(Number(v.toFixed(Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2)));

function violationsBlock(input: PageInput, o: Operation): string {
  const rows = input.report.consumers
    .map((c) => ({ c, op: c.operations.find((x) => x.operationId === o.operationId) }))
    .filter((x) => x.op !== undefined)
    .sort((a, b) => b.op!.violations.request + b.op!.violations.response - (a.op!.violations.request + a.op!.violations.response) || b.op!.requests - a.op!.requests);
  if (rows.length === 0 && o.violations.request + o.violations.response === 0) return '';
  const table = `<table class="violations"><tr><th>consumer</th><th>tier</th><th class="n">requests</th><th class="n">request violations <span class="dim">(consumer's side)</span></th><th class="n">response violations <span class="dim">(provider's side)</span></th><th>tier's availability</th></tr>${rows
    .slice(0, 50)
    .map(({ c, op }) => `<tr data-consumer="${escapeXml(c.consumer)}"><td>${escapeXml(c.consumer)}</td><td>${escapeXml(c.tier)}</td><td class="n">${op!.requests}</td><td class="n" data-figure="request-violations">${op!.violations.request}</td><td class="n" data-figure="response-violations">${op!.violations.response}</td><td>${escapeXml(availabilityText(op!.slo))}</td></tr>`)
    .join('')}</table>${rows.length > 50 ? `<p class="dim">and ${rows.length - 50} more consumers</p>` : ''}`;
  const samples = input.samples?.get(o.operationId) ?? [];
  const sampleHtml = samples.length === 0 ? '' : `<details id="samples-${escapeXml(o.operationId)}"><summary>latest ${samples.length} violation sample(s), redacted</summary>${samples
    .map((x) => `<div class="sample" data-code="${escapeXml(x.code)}"><p><b>${escapeXml(x.code)}</b> · ${escapeXml(x.direction)} · consumer ${escapeXml(x.consumer)} · ${escapeXml(x.at)} · request ${escapeXml(x.requestId)}</p><pre>${escapeXml(JSON.stringify(x.sample, null, 2))}</pre></div>`)
    .join('')}</details>`;
  return `<h3>violations by consumer <span class="dim">· request ${o.violations.request}, response ${o.violations.response}</span></h3>${table}${sampleHtml}`;
}

function maintenanceBlock(input: PageInput, o: Operation): string {
  const windows = (input.maintenance ?? []).filter((m) => m.operationId === o.operationId);
  if (windows.length === 0) return '';
  return `<h3>maintenance windows</h3><ul class="maintenance">${windows.map((m) => `<li data-window="${escapeXml(m.window)}" data-active="${m.active}">${m.active ? '<strong>active now</strong>' : 'not active'}: <code>${escapeXml(m.window)}</code> <span class="dim">(${escapeXml(m.effects.join(', ') || 'no effect')})</span></li>`).join('')}</ul>`;
}

function faultsBlock(input: PageInput, o: Operation): string {
  const faults = (input.faults ?? []).filter((f) => f.operations === null || f.operations.includes(o.operationId));
  const injected = (input.injected ?? []).filter((x) => x.operationId === o.operationId);
  if (faults.length === 0 && injected.length === 0) return '';
  const list = faults.length === 0 ? '' : `<ul class="faults">${faults.map((f) => `<li data-fault="${escapeXml(f.id)}"><code>${escapeXml(f.id)}</code> ${escapeXml(f.text)} <span class="dim">· removes itself at ${escapeXml(f.expiresAt.slice(11, 19))} UTC</span></li>`).join('')}</ul>`;
  const table = injected.length === 0 ? '' : `<table class="injected"><tr><th>consumer</th><th class="n">requests</th><th class="n">with a fault injected</th><th>availability</th><th>without the injected ones</th></tr>${injected.map((x) => `<tr data-consumer="${escapeXml(x.consumer)}"><td>${escapeXml(x.consumer)}</td><td class="n">${x.requests}</td><td class="n" data-figure="injected">${x.injected}</td><td>${escapeXml(percent(x.availability))}</td><td>${escapeXml(percent(x.availabilityWithoutInjected))}</td></tr>`).join('')}</table>`;
  return `<h3>injected faults</h3>${list}${table}`;
}
