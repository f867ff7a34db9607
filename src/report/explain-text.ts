import { DateTime } from 'luxon';
import type { ExplainedPromise, Explanation } from '../slo/explain.js';
import { plainStyle, type Style } from './style.js';

const LABEL = 14;

/** The resolved promises as a readable page, one block per operation. */
export function formatExplainText(e: Explanation, style: Style = plainStyle): string {
  const out: string[] = [];
  out.push(style('bold', `${e.spec.title} ${e.spec.version}`) + style('dim', ` · ${e.spec.file} · OpenAPI ${e.spec.openapi} · ${e.spec.operations} operations`));
  const tiers = e.consumers.tiers.map((t) => (t === e.consumers.defaultTier ? `${t} (default)` : t));
  const head = [
    e.service !== undefined ? `service ${e.service}` : undefined,
    e.tier !== undefined ? `policy tier ${e.tier}` : undefined,
    tiers.length > 0 ? `consumer tiers ${tiers.join(', ')}` : undefined,
    e.consumerTier !== undefined ? `showing the promise to tier ${e.consumerTier}` : undefined,
    `at ${e.at}`,
  ].filter(Boolean);
  out.push(style('dim', head.join(' · ')));
  for (const op of e.operations) {
    out.push('');
    const title = op.id === `${op.method} ${op.path}` ? style('bold', op.id) : `${style('bold', op.id)}  ${op.method} ${op.path}`;
    out.push(`${title}  ${style('dim', op.location)}`);
    if (!op.enabled) {
      out.push(row('promise', 'none: opted out with x-slo: false'));
      continue;
    }
    if (!op.promise) {
      out.push(row('promise', 'none: no x-slo applies to this operation'));
      continue;
    }
    out.push(...promiseRows(op.promise, style));
    for (const [name, tier] of Object.entries(op.tiers)) out.push(row(`tier ${name}`, tierDifference(op.promise, tier)));
  }
  return out.join('\n') + '\n';
}

function row(label: string, text: string): string {
  return `  ${label.length >= LABEL ? `${label} ` : label.padEnd(LABEL)}${text}`;
}

function continuation(text: string): string {
  return `  ${''.padEnd(LABEL)}${text}`;
}

function promiseRows(p: ExplainedPromise, style: Style): string[] {
  const rows: string[] = [];
  const src = (key: string) => (p.sources[key] ? style('dim', `  ← ${p.sources[key]}`) : '');
  const w = p.window;
  rows.push(row('window', `${w.rolling !== undefined ? `${w.rolling} rolling` : `calendar ${w.calendar} (${w.timeZone})`}: ${short(w.start)} → ${short(w.end)}${src(w.rolling !== undefined ? 'window.rolling' : 'window.calendar')}`));
  if (p.availability) {
    const a = p.availability;
    const bad = [...a.bad.status, ...(a.bad.timeout ? [`no response within ${a.bad.timeout}`] : [])].join(', ');
    const excluded = [...a.exclude.status, ...(a.exclude.clientAbort ? ['client aborts'] : [])].join(', ') || 'nothing';
    rows.push(row('availability', `${a.target}% of valid events good (error budget ${a.errorBudgetPercent}%)${src('availability.target')}`));
    rows.push(continuation(style('dim', `bad: ${bad} · not counted: ${excluded}`)));
  } else {
    rows.push(row('availability', 'no objective'));
  }
  if (p.latency.length === 0) rows.push(row('latency', 'no objective'));
  p.latency.forEach((o, i) => {
    const text = o.kind === 'threshold' ? `${o.name}: ${o.target}% of good events within ${o.threshold}` : `${o.name}: p${o.percentile} at most ${o.max}`;
    const key = o.kind === 'threshold' ? `latency[${o.name}].threshold` : `latency[${o.name}].max`;
    rows.push(i === 0 ? row('latency', text + src(key)) : continuation(text + src(key)));
  });
  const rates = p.alerting.burnRates.map((r) => `${r.severity} ${r.long}/${r.short} ×${r.factor}`).join(' · ');
  rows.push(row('alerts', `${rates || 'none'}${p.alerting.minEventsPerHour > 0 ? ` · silent below ${p.alerting.minEventsPerHour} events/h` : ''}`));
  const freeze = p.budgetPolicy.freezeBelow;
  if (freeze !== undefined) rows.push(row('budget policy', freeze === 0 ? 'freeze deploys once the error budget is spent' : freeze < 0 ? `freeze deploys once the budget is overspent by ${-freeze * 100}%` : `freeze deploys when less than ${freeze * 100}% of the error budget is left`));
  if (p.maintenance.length === 0) rows.push(row('maintenance', 'none'));
  p.maintenance.forEach((m, i) => {
    const effect = m.effect.exclude ? 'not counted' : m.effect.availability !== undefined ? `judged against ${m.effect.availability}%` : 'counted';
    const alerts = m.effect.suppressAlerts && !m.effect.exclude ? ', alerts silenced' : '';
    const text = `${m.name}: ${m.schedule}${m.duration ? ` for ${m.duration}` : ''} (${m.timeZone}) · ${effect}${alerts}${m.active ? style('yellow', ' · ACTIVE NOW') : ''}`;
    rows.push(i === 0 ? row('maintenance', text) : continuation(text));
    const next = m.next.map((o) => `${local(o.start, m.timeZone)} → ${local(o.end, m.timeZone)}`).join('; ');
    rows.push(continuation(style('dim', `  next: ${next || 'no further occurrence'}`)));
  });
  return rows;
}

/** What a tier changes relative to the operation's own promise. */
function tierDifference(base: ExplainedPromise, tier: ExplainedPromise): string {
  const parts: string[] = [];
  if (tier.availability?.target !== base.availability?.target) parts.push(`availability ${tier.availability ? `${tier.availability.target}%` : 'none'}`);
  for (const o of tier.latency) {
    const b = base.latency.find((x) => x.name === o.name);
    if (JSON.stringify(b) !== JSON.stringify(o)) parts.push(o.kind === 'threshold' ? `${o.name}: ${o.target}% within ${o.threshold}` : `${o.name}: p${o.percentile} at most ${o.max}`);
  }
  if (JSON.stringify(tier.window) !== JSON.stringify(base.window)) parts.push(`window ${tier.window.rolling ?? tier.window.calendar}`);
  if (JSON.stringify(tier.maintenance.map((m) => m.name)) !== JSON.stringify(base.maintenance.map((m) => m.name))) parts.push(`maintenance ${tier.maintenance.map((m) => m.name).join(', ') || 'none'}`);
  return parts.length > 0 ? parts.join(' · ') : 'same as above';
}

function short(iso: string): string {
  return iso.replace(/:00\.000Z$/, 'Z').replace('T', ' ');
}

function local(iso: string, zone: string): string {
  return DateTime.fromISO(iso, { zone }).toFormat('yyyy-MM-dd HH:mm ZZ');
}
