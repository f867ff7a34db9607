import { escapeRegex } from '../rules/promql.js';

/**
 * PromQL text for Grafana panels: string literals, regex literals and label
 * selectors. Literals never contain `$` or `[`, so Grafana's variable
 * interpolation (`$name`, `${name}`, `[[name]]`) leaves them alone.
 */

/** A PromQL double-quoted string whose value is `value`. */
export function promString(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '$' || ch === '[' || code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `"${out}"`;
}

/** An RE2 pattern (Prometheus anchors it) that matches exactly one of `values`. */
export function alternation(values: readonly string[]): string {
  return values.map(escapeRegex).join('|');
}

/** `name="value"`, `name=~"regex"`. */
export function equals(label: string, value: string): string {
  return `${label}=${promString(value)}`;
}

export function matchesOneOf(label: string, values: readonly string[]): string {
  return `${label}=~${promString(alternation(values))}`;
}

/** `metric{m1, m2}`. */
export function selector(metric: string, matchers: readonly string[]): string {
  return `${metric}{${matchers.join(', ')}}`;
}

/** The Grafana variables the expressions use, as they are written in them. */
export const VARIABLES = {
  datasource: '${datasource}',
  service: '$service',
  operation: '$operation',
  rateInterval: '$__rate_interval',
} as const;

/**
 * The service matcher: `service="$service"` (the dashboard's constant), or
 * the name itself when Grafana's interpolation would garble it (quotes,
 * backslashes, `$`, brackets, control characters).
 */
export function serviceMatcher(service: string): string {
  return /^[^'"\\$[\]\x00-\x1f\x7f]+$/.test(service) ? `service="${VARIABLES.service}"` : equals('service', service);
}

/** `operation=~"$operation"`: the operations picked in the dashboard's drop-down (all by default). */
export const OPERATION_PICKED = `operation=~"${VARIABLES.operation}"`;
