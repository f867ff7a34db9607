import type { MockExchange, MockRoute } from '../mock/mock.js';

export type LogFormat = 'pretty' | 'json';

/** The mock's start: one line, then (pretty) the route table, or (json) one record per route. */
export function formatStart(format: LogFormat, start: { title: string; version: string; url: string; summary: string; adminUrl: string | undefined }, routes: MockRoute[] | undefined): string {
  if (format === 'json') {
    const lines = [JSON.stringify({ msg: 'start', at: new Date().toISOString(), spec: { title: start.title, version: start.version }, url: start.url, admin: start.adminUrl ?? null, routes: routes?.length ?? null })];
    for (const route of routes ?? []) lines.push(JSON.stringify({ msg: 'route', method: route.method, path: route.path, operation: route.operationId }));
    return `${lines.join('\n')}\n`;
  }
  const head = `sworn mock of ${start.title} ${start.version} on ${start.url} · ${start.summary} · admin ${start.adminUrl ?? 'off'}`;
  if (!routes) return `${head}\n`;
  const methodWidth = Math.max(0, ...routes.map((r) => r.method.length));
  const pathWidth = Math.min(60, Math.max(0, ...routes.map((r) => r.path.length)));
  const table = routes.map((r) => `  ${r.method.padEnd(methodWidth)}  ${start.url}${r.path.padEnd(pathWidth)}  ${r.operationId}`);
  return `${head}\n${routes.length} route${routes.length === 1 ? '' : 's'}:\n${table.join('\n')}\n`;
}

/** One line per exchange: pretty for people, one JSON object for machines. */
export function formatExchange(format: LogFormat, exchange: MockExchange): string {
  if (format === 'json') return `${JSON.stringify({ msg: 'exchange', ...exchange })}\n`;
  const time = exchange.at.slice(11, 23);
  const parts = [`${time} ${exchange.method} ${clip(exchange.url, 120)} → ${exchange.complete ? exchange.status : `${exchange.status} (cut off)`}`, exchange.operation ?? 'no operation', `${exchange.durationMs} ms`];
  if (exchange.behaviour) parts.push(`delay ${exchange.behaviour.delayMs} ms, fault ${exchange.behaviour.fault}`);
  const count = exchange.violations.length;
  if (count > 0) {
    const named = exchange.violations.slice(0, 3).map((v) => `${v.location}${v.pointer ? ` ${v.pointer}` : ''}: ${clip(v.message, 80)}`);
    parts.push(`${count} violation${count === 1 ? '' : 's'}: ${named.join('; ')}${count > 3 ? `; and ${count - 3} more` : ''}`);
  }
  return `${parts.join(' · ')}\n`;
}

function clip(text: string, max: number): string {
  const flat = text.replace(/[\x00-\x1f\x7f]/g, '?');
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
