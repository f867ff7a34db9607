import { SwornError } from '../errors.js';

/**
 * Small PromQL building blocks: string literals, label matchers, regex
 * escaping and durations. Everything a rule interpolates passes through
 * here, so an operation id such as `GET /pets/{petId}` or a service named
 * `a"b` can never break out of its string or its regex.
 */

/** A label matcher: `name="value"`, `name=~"regex"`, ... */
export interface Matcher {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

/**
 * A PromQL double-quoted string literal (Go escapes).
 *
 * @example
 * quote('GET /a"b'); // "GET /a\"b" (with the quotes)
 */
export function quote(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}

/** Escapes RE2 metacharacters so the text matches itself, and only itself (Prometheus anchors label regexes). */
export function escapeRegex(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/**
 * A matcher selecting exactly these label values: `=` for one,
 * `=~"a|b|c"` (escaped) for several.
 */
export function anyOf(name: string, values: readonly string[]): Matcher {
  if (values.length === 0) throw new Error(`anyOf(${name}): no values`);
  if (values.length === 1) return { name, op: '=', value: values[0] as string };
  return { name, op: '=~', value: values.map(escapeRegex).join('|') };
}

/** A matcher excluding exactly these label values: `!=` for one, `!~"a|b|c"` (escaped) for several. */
export function noneOf(name: string, values: readonly string[]): Matcher {
  if (values.length === 0) throw new Error(`noneOf(${name}): no values`);
  if (values.length === 1) return { name, op: '!=', value: values[0] as string };
  return { name, op: '!~', value: values.map(escapeRegex).join('|') };
}

/** `metric{a="x", b=~"y|z"}`; matchers that are `undefined` are left out. */
export function selector(metric: string, matchers: ReadonlyArray<Matcher | undefined>): string {
  const parts = matchers.filter((m): m is Matcher => m !== undefined).map((m) => `${m.name}${m.op}${quote(m.value)}`);
  return parts.length === 0 ? metric : `${metric}{${parts.join(', ')}}`;
}

/** `=` matcher shorthand. */
export const eq = (name: string, value: string): Matcher => ({ name, op: '=', value });

/** `=~` matcher shorthand (the value is a regex, not escaped). */
export const re = (name: string, value: string): Matcher => ({ name, op: '=~', value });

const UNITS: ReadonlyArray<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000], ['ms', 1]];

/**
 * A duration in PromQL's compound form, largest units first, days at most
 * (`5400000` -> `1h30m`, `2w` -> `14d`). It is also the suffix of the
 * recording rules' names (`sworn:slo_burn_rate:1h30m`), so one window has one
 * name however the spec spells it.
 */
export function promDuration(ms: number): string {
  const whole = Math.round(ms);
  if (!(whole > 0)) throw new SwornError('SWORN_ERR_SLO_INVALID', `a window of ${ms} ms cannot be a Prometheus range`, { hint: 'Alert and promise windows must be longer than 0 (e.g. 5m, 1h, 28d).' });
  let rest = whole;
  let text = '';
  for (const [unit, size] of UNITS) {
    if (rest >= size) {
      text += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return text;
}

/** A number as PromQL reads it, without float noise (`0.1 + 0.2` -> `0.3`). */
export function promNumber(n: number): string {
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(Number(n.toPrecision(12)));
}

/**
 * Text from the spec inside an alert's labels or annotations, which
 * Prometheus expands as Go templates: `{{` becomes a template that prints
 * `{{`, so a name like `{{ y }}` stays text.
 */
export function templateLiteral(text: string): string {
  return text.replace(/\{\{/g, '{{ "{{" }}');
}
