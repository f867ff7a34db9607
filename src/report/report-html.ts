import type { Report, BurnDown } from './report.js';
import { availabilityText, budgetLeft, latencyText } from './report-text.js';
import { escapeXml } from './style.js';

/** An inline SVG line chart of the budget left (1 = untouched, 0 = spent, below 0 = overspent). */
function chart(points: BurnDown): string {
  const width = 360;
  const height = 120;
  const values = points.map((p) => p.remaining);
  const known = values.filter((v): v is number => v !== null);
  if (known.length === 0) return '<p class="dim">no data</p>';
  const low = Math.min(0, ...known);
  const high = Math.max(1, ...known);
  const y = (v: number) => height - 6 - ((v - low) / (high - low)) * (height - 12);
  const x = (i: number) => 4 + (i / Math.max(1, points.length - 1)) * (width - 8);
  const path = values.map((v, i) => (v === null ? '' : `${x(i).toFixed(1)},${y(v).toFixed(1)}`)).filter(Boolean).join(' ');
  const last = known[known.length - 1]!;
  const colour = last < 0 ? '#c62828' : last < 0.25 ? '#ef6c00' : '#2e7d32';
  return `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="error budget burn-down">
<line x1="0" x2="${width}" y1="${y(0).toFixed(1)}" y2="${y(0).toFixed(1)}" class="zero"/><line x1="0" x2="${width}" y1="${y(1).toFixed(1)}" y2="${y(1).toFixed(1)}" class="full"/>
<polyline points="${path}" fill="none" stroke="${colour}" stroke-width="2"/>
<text x="4" y="12" class="axis">${escapeXml(points[0]!.at.slice(0, 16))}</text><text x="${width - 4}" y="12" text-anchor="end" class="axis">${escapeXml(points[points.length - 1]!.at.slice(0, 16))}</text>
</svg>`;
}

/**
 * One self-contained HTML file (no scripts, no external assets): each
 * operation's figures with a burn-down chart of its error budget, then a
 * table per consumer.
 */
export function formatReportHtml(report: Report): string {
  const window = report.window.kind === 'explicit' ? `window ${report.window.since} to ${report.window.until}` : `each promise's window, ending ${report.until}; counts since ${report.since}`;
  const operations = report.operations
    .filter((o) => o.requests > 0 || o.slo !== null)
    .map((o) => {
      const firing = o.slo?.alerts.filter((a) => a.firing) ?? [];
      const missed = o.slo && (o.slo.availability?.met === false || o.slo.latency.some((l) => l.met === false));
      return `<section class="op${missed ? ' missed' : ''}">
<h2><code>${escapeXml(o.operationId)}</code> <span class="dim">${escapeXml(o.method)} ${escapeXml(o.path)}</span></h2>
<div class="row"><div>${o.burnDown ? chart(o.burnDown) : '<p class="dim">no error budget to chart</p>'}</div>
<table><tr><th>requests</th><td>${o.requests}</td></tr>
<tr><th>availability</th><td>${escapeXml(availabilityText(o.slo))}</td></tr>
<tr><th>error budget left</th><td>${escapeXml(budgetLeft(o.slo))}</td></tr>
<tr><th>latency</th><td>${escapeXml(latencyText(o.slo))}</td></tr>
<tr><th>burn rates</th><td>${escapeXml(Object.entries(o.slo?.burnRates ?? {}).map(([w, r]) => `${w} ${r}`).join(', ') || '-')}</td></tr>
<tr><th>alerts</th><td>${firing.length > 0 ? `<strong class="bad">firing: ${escapeXml(firing.map((a) => a.severity).join(', '))}</strong>` : 'none firing'}</td></tr>
<tr><th>maintenance excluded</th><td>${o.slo?.maintenanceExcluded ?? 0}</td></tr>
<tr><th>violations (request / response)</th><td>${o.violations.request} / ${o.violations.response}</td></tr></table></div>
</section>`;
    })
    .join('\n');
  const consumers = report.consumers
    .map((c) => {
      const rows = c.operations
        .map((o) => `<tr><td><code>${escapeXml(o.operationId)}</code></td><td class="n">${o.requests}</td><td>${escapeXml(availabilityText(o.slo))}</td><td>${escapeXml(budgetLeft(o.slo))}</td><td>${escapeXml(latencyText(o.slo))}</td><td class="n">${o.violations.request}</td><td class="n">${o.violations.response}</td></tr>`)
        .join('');
      return `<h3>${escapeXml(c.consumer)} <span class="dim">tier ${escapeXml(c.tier)} · ${c.requests} requests · consumer breaches ${c.breaches.consumer} · provider breaches ${c.breaches.provider}</span></h3>
<table class="grid"><tr><th>operation</th><th>requests</th><th>availability (tier)</th><th>budget left</th><th>latency</th><th>request violations</th><th>response violations</th></tr>${rows}</table>`;
    })
    .join('\n');
  const s = report.summary;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(report.spec.title)} · sworn report</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222}h1{margin:0}.dim{color:#777;font-weight:normal}
.op{border:1px solid #ddd;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}.op.missed{border-color:#c62828}
.row{display:flex;gap:2rem;flex-wrap:wrap}th{text-align:left;padding-right:1rem;font-weight:600}td.n{text-align:right}
.grid{border-collapse:collapse}.grid td,.grid th{border-bottom:1px solid #eee;padding:.2rem .6rem}
.zero{stroke:#c62828;stroke-dasharray:4 3}.full{stroke:#ccc}.axis{font-size:10px;fill:#777}.bad{color:#c62828}
</style></head><body>
<h1>${escapeXml(report.spec.title)} ${escapeXml(report.spec.version)}</h1>
<p class="dim">${escapeXml(window)}</p>
<p>${s.missed.length === 0 ? 'Every objective met.' : `<strong class="bad">${s.missed.length} objective(s) missed</strong>`} · ${s.alertsFiring.length} alert(s) firing · violations: ${s.violations.request} request, ${s.violations.response} response, ${s.violations.unknownRoutes} unknown route</p>
<h2>Operations</h2>
${operations || '<p class="dim">no operations with traffic or promises</p>'}
<h2>Consumers</h2>
${consumers || '<p class="dim">no consumers yet</p>'}
</body></html>
`;
}
