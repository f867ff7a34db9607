/**
 * The scenario harness: Prism's test-harness format (spec + mock command +
 * curl + expected raw HTTP answer), run against the built CLI. See README.md
 * in this folder for the format.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { createInterface } from 'node:readline';
import { XMLParser } from 'fast-xml-parser';

export interface Scenario {
  /** File name, relative to the cases folder. */
  file: string;
  test: string;
  spec: string;
  server: string;
  command: string;
  /** The expected answer, and whether its body is compared loosely (`====expect-loose====`). */
  expect: string;
  loose: boolean;
}

const SECTION = /^====(test|spec|server|command|expect|expect-loose)====[ \t]*\r?\n/gm;

/** Splits a scenario file into its sections; throws naming what is missing. */
export function parseScenario(file: string, text: string): Scenario {
  const parts = text.split(SECTION);
  const sections = new Map<string, string>();
  for (let i = 1; i + 1 < parts.length; i += 2) {
    const name = parts[i] as string;
    if (sections.has(name)) throw new Error(`${file}: section ====${name}==== appears twice`);
    sections.set(name, parts[i + 1] as string);
  }
  for (const name of ['test', 'spec', 'server', 'command']) {
    if (!sections.has(name)) throw new Error(`${file}: no ====${name}==== section`);
  }
  const exact = sections.get('expect');
  const loose = sections.get('expect-loose');
  if ((exact === undefined) === (loose === undefined)) throw new Error(`${file}: give exactly one of ====expect==== and ====expect-loose====`);
  return {
    file,
    test: (sections.get('test') as string).trim(),
    spec: sections.get('spec') as string,
    server: (sections.get('server') as string).trim(),
    command: (sections.get('command') as string).trim(),
    expect: (exact ?? loose) as string,
    loose: loose !== undefined,
  };
}

/** The file name the spec is written to: Postman collections and JSON keep `.json`, the rest `.yaml`. */
export function specFileName(spec: string): string {
  const text = spec.trim();
  if (!text.startsWith('{')) return 'spec.yaml';
  try {
    const doc = JSON.parse(text) as Record<string, unknown>;
    if (doc.openapi === undefined && doc.swagger === undefined && (doc.item !== undefined || doc.info !== undefined)) return 'spec.postman_collection.json';
  } catch {
    // not JSON after all: YAML flow style
    return 'spec.yaml';
  }
  return 'spec.json';
}

/**
 * The arguments of `sworn` for a `====server====` line: `mock ${document}
 * [flags]` (`${file}` and `{document}` too; a line without the placeholder
 * gets the document after `mock`). Prism's `-p 4010` / `--port N` are
 * dropped: the mock always takes a free port, no admin port, and `--quiet`.
 */
export function serverArgs(server: string, document: string): string[] {
  const words = server.split(/\s+/).filter((w) => w !== '');
  if (words[0] !== 'mock') throw new Error(`====server==== must start with "mock", not ${JSON.stringify(server)}`);
  const out: string[] = [];
  let placed = false;
  for (let i = 1; i < words.length; i++) {
    const word = words[i] as string;
    if (word === '-p' || word === '--port' || word === '--admin-port') {
      i++;
      continue;
    }
    if (/^(-p|--port|--admin-port)=/.test(word)) continue;
    if (/^(\$\{document\}|\$\{file\}|\{document\})$/.test(word)) {
      out.push(document);
      placed = true;
      continue;
    }
    out.push(word);
  }
  if (!placed) out.unshift(document);
  return ['mock', ...out, '--port', '0', '--admin-port', 'off', ...(out.includes('--quiet') ? [] : ['--quiet'])];
}

/** Shell-like words: single quotes literal, double quotes with `\` escapes, backslash-newline continuations. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unclosed ' in ${line}`);
      word += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      i++;
      for (; i < line.length && line[i] !== '"'; i++) {
        if (line[i] === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1] as string)) i++;
        word += line[i];
      }
      if (i >= line.length) throw new Error(`unclosed " in ${line}`);
      inWord = true;
    } else if (c === '\\' && line[i + 1] === '\n') {
      i++;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

export interface CurlRequest {
  method: string;
  /** Path and query exactly as written after the authority. */
  path: string;
  headers: Array<[string, string]>;
  body: string | undefined;
}

/**
 * The request a `curl` line sends, as curl would send it: `-X/--request`,
 * `-H/--header`, `-d/--data/--data-raw/--data-binary` (several joined by
 * `&`; POST and `application/x-www-form-urlencoded` unless said otherwise),
 * `--data-urlencode`, `-u user:pass` (Basic), `-I/--head`, `--url`; `-i`,
 * `-s`, `-v`, `-S`, `-f`, `-L` and `--compressed` change nothing here. Any
 * other flag is an error, so a scenario never silently means something else.
 */
export function parseCurl(command: string): CurlRequest {
  const words = shellWords(command);
  if (words[0] !== 'curl') throw new Error(`====command==== must be a curl line, not ${JSON.stringify(command)}`);
  let method: string | undefined;
  let url: string | undefined;
  const headers: Array<[string, string]> = [];
  const data: string[] = [];
  const value = (i: number, flag: string): string => {
    const v = words[i];
    if (v === undefined) throw new Error(`curl ${flag} needs a value`);
    return v;
  };
  for (let i = 1; i < words.length; i++) {
    const word = words[i] as string;
    if (['-i', '--include', '-s', '--silent', '-S', '--show-error', '-v', '--verbose', '-f', '--fail', '-L', '--location', '--compressed', '-is', '-si', '-sS'].includes(word)) continue;
    if (word === '-X' || word === '--request') method = value(++i, word);
    else if (word === '-H' || word === '--header') {
      const h = value(++i, word);
      const colon = h.indexOf(':');
      if (colon <= 0) throw new Error(`curl -H ${JSON.stringify(h)} is not "Name: value"`);
      headers.push([h.slice(0, colon).trim(), h.slice(colon + 1).trim()]);
    } else if (['-d', '--data', '--data-raw', '--data-binary', '--data-ascii'].includes(word)) data.push(value(++i, word));
    else if (word === '--data-urlencode') {
      const v = value(++i, word);
      const eq = v.indexOf('=');
      data.push(eq < 0 ? encodeURIComponent(v) : `${v.slice(0, eq)}=${encodeURIComponent(v.slice(eq + 1))}`);
    } else if (word === '-u' || word === '--user') headers.push(['Authorization', `Basic ${Buffer.from(value(++i, word)).toString('base64')}`]);
    else if (word === '-I' || word === '--head') method = 'HEAD';
    else if (word === '--url') url = value(++i, word);
    else if (word.startsWith('-')) throw new Error(`curl flag ${word} is not understood by the scenario harness`);
    else if (url === undefined) url = word;
    else throw new Error(`curl: a second URL ${word}`);
  }
  if (url === undefined) throw new Error(`curl line without a URL: ${command}`);
  const match = /^https?:\/\/[^/?#]+(.*)$/.exec(url);
  if (!match) throw new Error(`curl URL ${url} is not http(s)://host[:port]/path`);
  const path = (match[1] as string) === '' ? '/' : (match[1] as string).startsWith('/') ? (match[1] as string) : `/${match[1] as string}`;
  const body = data.length > 0 ? data.join('&') : undefined;
  if (body !== undefined && !headers.some(([n]) => n.toLowerCase() === 'content-type')) headers.push(['Content-Type', 'application/x-www-form-urlencoded']);
  return { method: method ?? (body !== undefined ? 'POST' : 'GET'), path: path.replace(/#.*$/, ''), headers, body };
}

export interface Answer {
  status: number;
  /** Lower-case names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: string;
}

/** Sends the request to the mock on loopback (the raw path, unnormalised); bounded by `timeoutMs`. */
export function send(base: string, request: CurlRequest, timeoutMs = 20_000): Promise<Answer> {
  const origin = new URL(base);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of request.headers) {
      const prior = headers[name];
      headers[name] = prior === undefined ? value : [...(Array.isArray(prior) ? prior : [prior]), value];
    }
    if (request.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(request.body));
    const req = http.request({ host: origin.hostname, port: origin.port, method: request.method, path: request.path, headers, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const out: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
        resolve({ status: res.statusCode ?? 0, headers: out, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(request.body);
  });
}

export interface Expected {
  status: number;
  headers: Array<[string, string]>;
  body: string;
}

/** Reads `HTTP/1.1 200 OK`, header lines, a blank line, the body (a final newline dropped). */
export function parseExpected(text: string): Expected {
  const lines = text.replace(/\r\n/g, '\n').replace(/^\n+/, '').split('\n');
  const statusLine = /^HTTP\/[\d.]+\s+(\d{3})\b/.exec(lines[0] ?? '');
  if (!statusLine) throw new Error(`the expected answer must start with a status line such as "HTTP/1.1 200 OK", not ${JSON.stringify(lines[0])}`);
  const headers: Array<[string, string]> = [];
  let i = 1;
  for (; i < lines.length && (lines[i] as string).trim() !== ''; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`expected header line ${JSON.stringify(line)} is not "name: value"`);
    headers.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
  }
  const body = lines.slice(i + 1).join('\n').replace(/\n+$/, '');
  return { status: Number(statusLine[1]), headers, body };
}

const xmlOrdered = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, parseAttributeValue: false, ignoreDeclaration: true, trimValues: true, preserveOrder: true });
const xmlLoose = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, parseAttributeValue: false, ignoreDeclaration: true, trimValues: true });

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Under `====expect-loose====`, this string matches any value (the key must still be there). */
export const ANY = '<any>';

/**
 * Whether `actual` contains `expected`: objects by key (extra keys
 * allowed), arrays of the same length matched element by element in any
 * order, `"<any>"` for any value.
 */
export function contains(actual: unknown, expected: unknown): boolean {
  if (expected === ANY) return actual !== undefined;
  if (expected === null || typeof expected !== 'object') return Object.is(actual, expected);
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return false;
    const free = actual.map(() => true);
    return expected.every((e) => {
      const at = actual.findIndex((a, k) => free[k] && contains(a, e));
      if (at < 0) return false;
      free[at] = false;
      return true;
    });
  }
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
  return Object.entries(expected as Record<string, unknown>).every(([k, v]) => k in (actual as object) && contains((actual as Record<string, unknown>)[k], v));
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sorted((value as Record<string, unknown>)[k])]));
  return value;
}

/**
 * Every difference between the answer and the expectation, as readable
 * lines (none: it matches). Status by code. Headers: only those listed;
 * `*` means present with any value, `(absent)` means not sent, `/re/`
 * a value matching the regular expression; a
 * content-type without parameters is compared with the answer's media type
 * only; a value that is a JSON object or array is compared as JSON (a
 * subset when loose). Body: JSON when the expected body parses as JSON,
 * XML (parsed; attribute order and whitespace between elements ignored)
 * when it starts with `<` and the answer is XML, else exact text. Under
 * `====expect====` an empty expected body means an empty answer; loose, it
 * means the body is not checked.
 */
export function differences(actual: Answer, expected: Expected, loose: boolean): string[] {
  const out: string[] = [];
  if (actual.status !== expected.status) out.push(`status: expected ${expected.status}, got ${actual.status}`);
  for (const [name, want] of expected.headers) {
    const got = actual.headers[name];
    if (want === '(absent)') {
      if (got !== undefined) out.push(`header ${name}: expected absent, got ${JSON.stringify(got)}`);
      continue;
    }
    if (got === undefined) {
      out.push(`header ${name}: expected ${JSON.stringify(want)}, absent`);
      continue;
    }
    if (want === '*') continue;
    const pattern = /^\/(.+)\/([imsu]*)$/.exec(want);
    if (pattern) {
      if (!new RegExp(pattern[1] as string, pattern[2]).test(got)) out.push(`header ${name}: expected to match ${want}, got ${JSON.stringify(got)}`);
      continue;
    }
    if (name === 'content-type' && !want.includes(';')) {
      if ((got.split(';')[0] as string).trim().toLowerCase() !== want.toLowerCase()) out.push(`header content-type: expected ${want}, got ${got}`);
      continue;
    }
    const wantJson = /^[[{]/.test(want) ? parseJson(want) : { ok: false as const };
    if (wantJson.ok) {
      const gotJson = parseJson(got);
      if (!gotJson.ok || !(loose ? contains(gotJson.value, wantJson.value) : deepEqual(gotJson.value, wantJson.value))) out.push(`header ${name}: expected ${loose ? 'JSON containing ' : ''}${want}, got ${got}`);
      continue;
    }
    if (got !== want) out.push(`header ${name}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
  }
  const want = expected.body;
  if (want === '') {
    if (!loose && actual.body !== '') out.push(`body: expected none, got ${actual.body.slice(0, 400)}`);
    return out;
  }
  const wantJson = parseJson(want);
  if (wantJson.ok) {
    const gotJson = parseJson(actual.body);
    if (!gotJson.ok) out.push(`body: expected JSON ${want}, got text ${JSON.stringify(actual.body.slice(0, 400))}`);
    else if (!(loose ? contains(gotJson.value, wantJson.value) : deepEqual(gotJson.value, wantJson.value))) out.push(`body: expected ${loose ? 'JSON containing ' : ''}${want}\n      got ${JSON.stringify(gotJson.value)}`);
    return out;
  }
  const type = actual.headers['content-type'] ?? '';
  if (want.startsWith('<') && /[/+]xml\b/.test(type)) {
    const parser = loose ? xmlLoose : xmlOrdered;
    let gotXml: unknown;
    let wantXml: unknown;
    try {
      wantXml = parser.parse(want);
      gotXml = parser.parse(actual.body);
    } catch (error) {
      out.push(`body: not XML (${(error as Error).message}): ${actual.body.slice(0, 400)}`);
      return out;
    }
    if (!(loose ? contains(gotXml, wantXml) : deepEqual(gotXml, wantXml))) out.push(`body: expected XML ${want}\n      got ${actual.body.slice(0, 400)}`);
    return out;
  }
  if (actual.body.replace(/\n+$/, '') !== want) out.push(`body: expected ${JSON.stringify(want)}, got ${JSON.stringify(actual.body.slice(0, 400))}`);
  return out;
}

export interface MockProcess {
  url: string;
  child: ChildProcess;
  /** What the process wrote to stderr so far (for failure messages). */
  stderr(): string;
  stop(): Promise<void>;
}

/** Spawns `node <cli> <args>` and resolves with the URL of its start line ("sworn mock of … on http://…"); rejects (naming stderr) if it exits first or takes longer than `timeoutMs`. */
export function startMockProcess(cli: string, args: string[], cwd: string, timeoutMs: number): Promise<MockProcess> {
  const child = spawn(process.execPath, [cli, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => {
    if (err.length < 20_000) err += c.toString();
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    const reader = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`sworn ${args.join(' ')} printed no start line within ${timeoutMs} ms\n${err}`));
    }, timeoutMs);
    reader.once('line', (line) => {
      clearTimeout(timer);
      const url = / on (http:\/\/[^\s]+)/.exec(line)?.[1];
      if (!url) {
        void stop();
        reject(new Error(`unexpected start line: ${line}\n${err}`));
        return;
      }
      resolve({ url, child, stderr: () => err, stop });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`sworn ${args.join(' ')} exited (${code ?? signal}) before listening:\n${err}`));
    });
  });
}
