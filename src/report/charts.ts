import { scaleLinear, scaleUtc } from 'd3-scale';
import { line } from 'd3-shape';
import { utcDay, utcMinute, utcMonth, utcYear } from 'd3-time';
import { utcFormat } from 'd3-time-format';
import { escapeXml } from './style.js';

/**
 * Charts as SVG text, drawn on the server: the same markup in the live
 * dashboard and in the HTML report file (which has no script and may be
 * read offline or attached to a ticket). d3-scale chooses the ticks and
 * their labels (time in UTC), d3-shape draws the lines with their gaps.
 */

export interface Line {
  label: string;
  /** One value per time, null for a gap. */
  values: Array<number | null>;
  colour: string;
  dashed?: boolean;
}

export interface Reference {
  value: number;
  label: string;
  colour: string;
}

export interface LineChart {
  /** `data-chart` of the figure, for readers and tests. */
  kind: string;
  title: string;
  /** Epoch ms of each value. */
  times: number[];
  /** The time axis; default: the first and last time. */
  span?: [number, number];
  lines: Line[];
  references?: Reference[];
  /** The y axis: the domain is widened to hold every value and reference. */
  y: { min: number; max: number; format: (v: number) => string; unit: string };
  /** Shade below this value (e.g. a budget below 0: overspent). */
  below?: { value: number; colour: string; label: string };
  note?: string;
}

export const COLOURS = { good: '#2e7d32', warn: '#ef6c00', bad: '#c62828', line: '#1565c0', second: '#6a1b9a', third: '#00838f', grid: '#e6e6e6', axis: '#666', target: '#444' } as const;
const SERIES = [COLOURS.line, COLOURS.second, COLOURS.third, '#ad1457', '#4e342e'];
export const seriesColour = (i: number): string => SERIES[i % SERIES.length]!;

const W = 340;
const H = 170;
const M = { top: 8, right: 12, bottom: 22, left: 48 };

/** A time-series line chart with axes, grid, reference lines and a legend. */
export function lineChart(c: LineChart): string {
  const span = c.span ?? [c.times[0] ?? 0, c.times[c.times.length - 1] ?? 0];
  const [t0, t1] = span[0] === span[1] ? [span[0] - 60_000, span[1]] : span;
  const known = c.lines.flatMap((l) => l.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  const lo = Math.min(c.y.min, ...known, ...(c.references ?? []).map((r) => r.value));
  const hi = Math.max(c.y.max, ...known, ...(c.references ?? []).map((r) => r.value));
  const x = scaleUtc().domain([t0, t1]).range([M.left, W - M.right]);
  const y = scaleLinear().domain([lo, hi === lo ? lo + 1 : hi]).range([H - M.bottom, M.top]).nice(4);
  const xTicks = x.ticks(4);
  const xLabel = timeLabel;
  const yTicks = y.ticks(4);
  const grid = [
    ...yTicks.map((v) => `<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${r(y(v))}" y2="${r(y(v))}"/><text class="tick" x="${M.left - 4}" y="${r(y(v) + 3)}" text-anchor="end">${escapeXml(c.y.format(v))}</text>`),
    ...xTicks.map((t) => `<line class="grid" x1="${r(x(t))}" x2="${r(x(t))}" y1="${M.top}" y2="${H - M.bottom}"/><text class="tick" x="${r(x(t))}" y="${H - M.bottom + 14}" text-anchor="middle">${escapeXml(xLabel(t))}</text>`),
  ].join('');
  const shade = c.below && lo < c.below.value ? `<rect class="below" x="${M.left}" width="${W - M.left - M.right}" y="${r(y(c.below.value))}" height="${r(H - M.bottom - y(c.below.value))}" fill="${c.below.colour}" fill-opacity="0.08"/>` : '';
  const refs = (c.references ?? []).map((ref) => `<line class="ref" x1="${M.left}" x2="${W - M.right}" y1="${r(y(ref.value))}" y2="${r(y(ref.value))}" stroke="${ref.colour}" stroke-dasharray="5 3"/>`).join('');
  const draw = line<[number, number | null]>()
    .defined((d) => d[1] !== null && Number.isFinite(d[1]))
    .x((d) => x(d[0]))
    .y((d) => y(d[1]!));
  const paths = c.lines
    .map((l) => {
      const pairs = c.times.map((t, i): [number, number | null] => [t, l.values[i] ?? null]);
      const isolated = pairs.filter((p, i) => p[1] !== null && (pairs[i - 1]?.[1] ?? null) === null && (pairs[i + 1]?.[1] ?? null) === null);
      // A point with no neighbour draws no line: a dot shows it (day one, or a lone step between gaps).
      const dots = isolated.map((p) => `<circle cx="${r(x(p[0]))}" cy="${r(y(p[1]!))}" r="3" fill="${l.colour}"/>`).join('');
      return `<path data-values="${escapeXml(JSON.stringify(l.values.map((v) => (v === null ? null : Number(v.toFixed(6))))))}" d="${draw(pairs) ?? ''}" fill="none" stroke="${l.colour}" stroke-width="2"${l.dashed ? ' stroke-dasharray="4 2"' : ''}/>${dots}`;
    })
    .join('');
  const axes = `<line class="axis" x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}"/><line class="axis" x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}"/>`;
  const legend = [
    ...c.lines.map((l) => {
      const last = [...l.values].reverse().find((v): v is number => v !== null && Number.isFinite(v));
      return `<li><span class="swatch" style="background:${l.colour}"></span>${escapeXml(l.label)}${last === undefined ? '' : ` <b data-last="${last}">${escapeXml(c.y.format(last))}</b>`}</li>`;
    }),
    ...(c.references ?? []).map((ref) => `<li><span class="swatch ref" style="border-color:${ref.colour}"></span>${escapeXml(ref.label)}</li>`),
    ...(shade && c.below ? [`<li><span class="swatch" style="background:${c.below.colour};opacity:.25"></span>${escapeXml(c.below.label)}</li>`] : []),
  ].join('');
  return `<figure class="chart" data-chart="${escapeXml(c.kind)}" data-times="${escapeXml(JSON.stringify(c.times))}"><figcaption>${escapeXml(c.title)}${c.y.unit ? ` <span class="dim">(${escapeXml(c.y.unit)})</span>` : ''}</figcaption>
<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeXml(c.title)}">${shade}${grid}${axes}${refs}${paths}</svg>
<ul class="legend">${legend}</ul>${c.note ? `<p class="note dim">${escapeXml(c.note)}</p>` : ''}</figure>`;
}

export interface Bar {
  label: string;
  /** The rate over the window, and the factor it is compared with. */
  long: { window: string; rate: number };
  short: { window: string; rate: number };
  factor: number;
  state: 'firing' | 'quiet' | 'silenced';
  reason: string;
}

/** Burn rates of each alert's long and short window against its factor: horizontal bars with the factor marked. */
export function burnRateChart(title: string, bars: Bar[]): string {
  if (bars.length === 0) return '';
  const rowH = 44;
  const h = bars.length * rowH + 16;
  const max = Math.max(...bars.flatMap((b) => [b.factor * 1.25, b.long.rate, b.short.rate]));
  const x = scaleLinear().domain([0, max]).range([34, W - M.right - 40]).nice(4);
  const ticks = x.ticks(4);
  const rows = bars
    .map((b, i) => {
      const top = 4 + i * rowH;
      const bar = (w: { window: string; rate: number }, dy: number, cls: string) =>
        `<rect class="${cls}" x="${r(x(0))}" y="${top + dy}" width="${r(Math.max(1, x(Math.min(max, Math.max(0, w.rate))) - x(0)))}" height="11" fill="${w.rate >= b.factor ? COLOURS.bad : COLOURS.good}" fill-opacity="${cls === 'long' ? 0.9 : 0.55}"/><text class="tick" x="${r(x(Math.min(max, Math.max(0, w.rate))) + 3)}" y="${top + dy + 9}">${escapeXml(rate(w.rate))}</text><text class="tick" x="${r(x(0) - 4)}" y="${top + dy + 9}" text-anchor="end">${escapeXml(w.window)}</text>`;
      return `<g data-alert="${escapeXml(b.label)}" data-state="${b.state}"><text class="label" x="4" y="${top + 10}">${escapeXml(b.label)}${b.state === 'firing' ? ' · FIRING' : ''}</text>${bar(b.long, 14, 'long')}${bar(b.short, 27, 'short')}<line class="ref" x1="${r(x(b.factor))}" x2="${r(x(b.factor))}" y1="${top + 12}" y2="${top + 40}" stroke="${COLOURS.target}" stroke-dasharray="3 2"/></g>`;
    })
    .join('');
  const axis = ticks.map((t) => `<text class="tick" x="${r(x(t))}" y="${h - 4}" text-anchor="middle">${escapeXml(`${t}×`)}</text>`).join('');
  const states = bars.map((b) => `<li data-alert="${escapeXml(b.label)}" class="${b.state}"><b>${escapeXml(b.label)}</b>: ${escapeXml(b.reason)}</li>`).join('');
  return `<figure class="chart" data-chart="burn-rates"><figcaption>${escapeXml(title)} <span class="dim">(× the rate that spends the budget exactly over the window)</span></figcaption>
<svg viewBox="0 0 ${W} ${h}" role="img" aria-label="${escapeXml(title)}">${rows}${axis}</svg>
<ul class="legend"><li><span class="swatch" style="background:${COLOURS.good}"></span>long window</li><li><span class="swatch" style="background:${COLOURS.good};opacity:.55"></span>short window</li><li><span class="swatch ref" style="border-color:${COLOURS.target}"></span>alert factor</li></ul>
<ul class="alerts">${states}</ul></figure>`;
}

const formats = { second: utcFormat('%H:%M:%S'), minute: utcFormat('%H:%M'), day: utcFormat('%b %d'), month: utcFormat('%B'), year: utcFormat('%Y') };
/** A time tick in UTC on a 24-hour clock, as coarse as the tick allows: 21:30, Dec 02, December, 2026. */
function timeLabel(date: Date): string {
  if (utcMinute(date) < date) return formats.second(date);
  if (utcDay(date) < date) return formats.minute(date);
  if (utcMonth(date) < date) return formats.day(date);
  if (utcYear(date) < date) return formats.month(date);
  return formats.year(date);
}

const r = (v: number) => (Math.round(v * 10) / 10).toString();
export const rate = (v: number): string => (v >= 100 ? `${Math.round(v)}×` : v >= 10 ? `${v.toFixed(1)}×` : `${v.toFixed(2)}×`);
