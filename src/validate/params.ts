/**
 * OpenAPI parameter serialization, read back: `style` and `explode` for path,
 * query, header and cookie parameters (OpenAPI 3.x, "Style Values").
 */

export type ParamIn = 'path' | 'query' | 'header' | 'cookie';
export type ValueShape = 'primitive' | 'array' | 'object';

export interface ParamShape {
  name: string;
  in: ParamIn;
  style: string;
  explode: boolean;
  shape: ValueShape;
  /** Property names of an object parameter (form/explode reads them as separate query keys). */
  properties: string[];
}

export function defaultStyle(location: ParamIn): string {
  return location === 'query' || location === 'cookie' ? 'form' : 'simple';
}

/** A record without a prototype: a key `__proto__`, `constructor` or `prototype` is an ordinary own property. */
function record(): Record<string, string> {
  return Object.create(null) as Record<string, string>;
}

function pairs(items: string[]): Record<string, string> {
  const object = record();
  for (let i = 0; i + 1 < items.length; i += 2) object[items[i] as string] = items[i + 1] as string;
  return object;
}

function keyValues(items: string[], separator = '='): Record<string, string> {
  const object = record();
  for (const item of items) {
    const at = item.indexOf(separator);
    if (at > 0) object[item.slice(0, at)] = item.slice(at + 1);
  }
  return object;
}

/** Reads a path, header or cookie value (already percent-decoded where the transport decodes). */
export function deserializeScalar(raw: string, p: ParamShape): unknown {
  let text = raw;
  if (p.style === 'label') {
    text = text.startsWith('.') ? text.slice(1) : text;
    if (p.shape === 'array') return text === '' ? [] : text.split(p.explode ? '.' : ',');
    if (p.shape === 'object') return p.explode ? keyValues(text.split('.')) : pairs(text.split(','));
    return text;
  }
  if (p.style === 'matrix') {
    const prefix = `;${p.name}`;
    if (p.shape === 'array') {
      if (p.explode) return text.split(';').filter(Boolean).map((part) => part.slice(part.indexOf('=') + 1));
      return text.startsWith(`${prefix}=`) ? text.slice(prefix.length + 1).split(',') : [];
    }
    if (p.shape === 'object') {
      if (p.explode) return keyValues(text.split(';').filter(Boolean));
      return text.startsWith(`${prefix}=`) ? pairs(text.slice(prefix.length + 1).split(',')) : {};
    }
    return text.startsWith(`${prefix}=`) ? text.slice(prefix.length + 1) : text.startsWith(prefix) ? '' : text;
  }
  // simple (path, header) and form (cookie)
  if (p.shape === 'array') return text === '' ? [] : text.split(',').map((s) => s.trim());
  if (p.shape === 'object') return p.explode ? keyValues(text.split(',')) : pairs(text.split(','));
  return text;
}

/** Reads a query parameter from the parsed query string; `undefined` when absent. */
export function deserializeQuery(query: URLSearchParams, p: ParamShape): unknown {
  const style = p.style;
  if (style === 'deepObject') {
    const object = record();
    let found = false;
    for (const [key, value] of query) {
      if (key.startsWith(`${p.name}[`) && key.endsWith(']')) {
        object[key.slice(p.name.length + 1, -1)] = value;
        found = true;
      }
    }
    return found ? object : undefined;
  }
  if (p.shape === 'object' && style === 'form' && p.explode) {
    const object = record();
    let found = false;
    for (const name of p.properties) {
      const value = query.get(name);
      if (value !== null) {
        object[name] = value;
        found = true;
      }
    }
    return found ? object : undefined;
  }
  const values = query.getAll(p.name);
  if (values.length === 0) return undefined;
  if (p.shape === 'array') {
    if (style === 'form' && p.explode) return values;
    const separator = style === 'spaceDelimited' ? ' ' : style === 'pipeDelimited' ? '|' : ',';
    return values.flatMap((v) => (v === '' ? [] : v.split(separator)));
  }
  if (p.shape === 'object') return pairs((values[0] as string).split(','));
  return values.length === 1 ? values[0] : values;
}

/** Parses a Cookie header into name -> value (first occurrence wins, values percent-decoded). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at <= 0) continue;
    const name = part.slice(0, at).trim();
    if (cookies.has(name)) continue;
    let value = part.slice(at + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      cookies.set(name, decodeURIComponent(value));
    } catch {
      cookies.set(name, value);
    }
  }
  return cookies;
}
