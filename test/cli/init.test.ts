import { describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { addInitCommand } from '../../src/cli/init.js';
import { SwornError, describeError } from '../../src/errors.js';
import { loadSpec, listOperations } from '../../src/spec/index.js';
import { resolveSlos } from '../../src/slo/index.js';
import { closeAfterEach, tempDir } from '../proxy/harness.js';
import { cli, fixture } from '../helpers.js';
import { replayIntoStore } from './replay.js';

closeAfterEach();

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** `sworn init` on a fresh program, with the CLI's exit-code rules (2 for a SwornError or a usage error). */
async function init(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  let code = 0;
  const program = new Command('sworn').exitOverride().configureOutput({ writeOut: (s) => stdout.write(s), writeErr: (s) => stderr.write(s) });
  addInitCommand(program, { stdout, stderr, cwd, env: { NO_COLOR: '1' } }, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(['init', ...args], { from: 'user' });
  } catch (error) {
    if (error instanceof SwornError) stderr.write(describeError(error) + '\n');
    else if (!(error instanceof CommanderError)) throw error;
    code = 2;
  }
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** The lines `after` has beyond `before`, when they are one run inserted with every other line unchanged; else undefined. */
function insertedRun(before: string, after: string): string[] | undefined {
  const a = before.split('\n');
  const b = after.split('\n');
  let start = 0;
  while (start < a.length && a[start] === b[start]) start++;
  const extra = b.length - a.length;
  if (extra <= 0) return undefined;
  const rest = b.slice(start + extra);
  return rest.join('\n') === a.slice(start).join('\n') ? b.slice(start, start + extra) : undefined;
}

const ODD = `# Widgets: a hand-written spec, comments everywhere
openapi: "3.0.3"        # quoted on purpose
info:
    title:    'Widgets & Gadgets (internal)'   # extra spaces, single quotes
    version: '1.0'
    description: >-
        Folded text,
        over two lines.
    # a comment after info's last key

servers:
    - url: https://api.example.com/v1   # the only server
paths:
    /widgets:
        get:
            operationId: listWidgets
            responses:
                "200": {description: "ok"}     # flow map, double quotes
    /widgets/{id}:
        get: {operationId: getWidget, parameters: [{name: id, in: path, required: true, schema: {type: string}}], responses: {'200': {description: ok}}}
x-owner: &owner {team: widgets}
x-also: *owner
`;

async function specIn(text: string, name = 'api.yaml'): Promise<{ dir: string; file: string }> {
  const dir = tempDir();
  const file = join(dir, name);
  writeFileSync(file, text);
  return { dir, file };
}

async function resolved(file: string) {
  const spec = await loadSpec(file);
  return resolveSlos(spec, listOperations(spec));
}

describe('sworn init without a store', () => {
  it('inserts a commented starter under info, every original line kept byte for byte, and lint passes', async () => {
    const { dir, file } = await specIn(ODD);
    const result = await init([file], dir);
    expect(result).toMatchObject({ code: 0, stdout: '' });
    expect(result.stderr).toContain('wrote a starter x-slo (info.x-slo) into');
    const after = readFileSync(file, 'utf8');
    const block = insertedRun(ODD, after);
    expect(block).toBeDefined();
    // Right after info's last value, at info's own indentation, each line with a comment saying what it is.
    expect(after.split('\n').indexOf(block![0]!)).toBe(8);
    expect(block![0]).toMatch(/^ {4}x-slo: +# /);
    for (const line of block!) {
      expect(line.startsWith('    ')).toBe(true);
      expect(line).toMatch(/#/);
    }
    const slo = await resolved(file);
    expect(slo.problems).toEqual([]);
    const promise = slo.operations.find((o) => o.id === 'listWidgets')!.promise!;
    expect(promise.availability!.target).toBe(99.9);
    expect(promise.latency.map((l) => l.name)).toEqual(['fast', 'p99']);
    expect(promise.alerting.burnRates.map((b) => [b.severity, b.factor])).toEqual([['page', 14.4], ['page', 6], ['ticket', 1]]);
    expect(slo.service).toBe('widgets-gadgets-internal');
    const lint = await cli(['lint', file]);
    expect(lint.code).toBe(0);
    expect(lint.stdout).not.toMatch(/x-slo/);
  });

  it('puts the block at the document root when info is a flow mapping, and keeps CRLF line ends', async () => {
    const text = 'openapi: 3.1.0\r\ninfo: {title: Tiny, version: "1"}   # one line\r\npaths: {}\r\n';
    const { dir, file } = await specIn(text);
    const result = await init([file], dir);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('x-slo at the document root');
    const after = readFileSync(file, 'utf8');
    expect(after.startsWith('openapi: 3.1.0\r\ninfo: {title: Tiny, version: "1"}   # one line\r\nx-slo:')).toBe(true);
    expect(after.endsWith('\r\npaths: {}\r\n')).toBe(true);
    expect(after.replace(/\r\n/g, '')).not.toContain('\n');
    expect((await resolved(file)).problems).toEqual([]);
    expect((await cli(['lint', file])).code).toBe(0);
  });

  it('refuses a document that already has an x-slo, pointing at baseline; --force replaces it', async () => {
    const text = 'openapi: 3.1.0\ninfo:\n  title: Has one\n  version: "1"\n  x-slo:\n    service: old   # keep?\n    availability: 95\npaths:\n  /a:\n    get:\n      responses: {"200": {description: ok}}\n';
    const { dir, file } = await specIn(text);
    const refused = await init([file], dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('SWORN_ERR_USAGE');
    expect(refused.stderr).toContain('api.yaml:5:3 api.yaml already has a document-level x-slo (info.x-slo)');
    expect(refused.stderr).toContain('sworn baseline api.yaml --write');
    expect(refused.stderr).toContain('sworn init api.yaml --force');
    expect(readFileSync(file, 'utf8')).toBe(text);
    const forced = await init([file, '--force'], dir);
    expect(forced.code).toBe(0);
    const after = readFileSync(file, 'utf8');
    expect(after).not.toContain('service: old');
    expect(after.startsWith('openapi: 3.1.0\ninfo:\n  title: Has one\n  version: "1"\n  x-slo:')).toBe(true);
    expect(after.endsWith('paths:\n  /a:\n    get:\n      responses: {"200": {description: ok}}\n')).toBe(true);
    const slo = await resolved(file);
    expect(slo.problems).toEqual([]);
    expect(slo.operations[0]!.promise!.availability!.target).toBe(99.9);
  });

  it('in a YAML file written as one flow mapping, adds a JSON member to info', async () => {
    const text = '{openapi: 3.1.0, info: {title: Flow, version: "1"},  # all on one line\n  paths: {}}\n';
    const { dir, file } = await specIn(text);
    const result = await init([file], dir);
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain('is JSON');
    const after = readFileSync(file, 'utf8');
    expect(after.startsWith('{openapi: 3.1.0, info: {title: Flow, version: "1", "x-slo": {"service":"flow",')).toBe(true);
    expect(after.endsWith('},  # all on one line\n  paths: {}}\n')).toBe(true);
    expect((await resolved(file)).problems).toEqual([]);
  });

  it('refuses a root-level x-slo too', async () => {
    const { dir, file } = await specIn('openapi: 3.1.0\ninfo: {title: T, version: "1"}\nx-slo: {availability: 99}\npaths: {}\n');
    const refused = await init([file], dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('api.yaml:3:1 api.yaml already has a document-level x-slo (x-slo)');
  });

  it('--dry-run prints the result and writes nothing; -o writes elsewhere', async () => {
    const { dir, file } = await specIn(ODD);
    const dry = await init([file, '--dry-run'], dir);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain('dry run: nothing written');
    expect(readFileSync(file, 'utf8')).toBe(ODD);
    expect(insertedRun(ODD, dry.stdout)).toBeDefined();
    const out = join(dir, 'with-slo.yaml');
    const written = await init([file, '-o', out], dir);
    expect(written.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(ODD);
    expect(readFileSync(out, 'utf8')).toBe(dry.stdout);
    const dryOut = join(dir, 'not-written.yaml');
    await init([file, '--dry-run', '-o', dryOut], dir);
    expect(existsSync(dryOut)).toBe(false);
  });

  it('writes JSON into a JSON spec, saying it cannot carry comments; the rest of the text unchanged', async () => {
    const before = '{\n    "openapi": "3.0.3",\n    "info": {\n        "title": "JSON API",\n        "version": "1.0"\n    },\n    "paths": {\n        "/a": {\n            "get": {\n                "responses": {"default": {"description": "error"}, "200": {"description": "ok"}}\n            }\n        }\n    }\n}\n';
    const { dir, file } = await specIn(before, 'api.json');
    const result = await init([file], dir);
    expect(result.stderr).toContain('api.json is JSON, which has no comments');
    expect(result.code).toBe(0);
    const after = readFileSync(file, 'utf8');
    // One member added after info's last one, in the file's four-space indentation; every other character kept.
    expect(after.startsWith('{\n    "openapi": "3.0.3",\n    "info": {\n        "title": "JSON API",\n        "version": "1.0",\n        "x-slo": {\n            "service": "json-api",\n')).toBe(true);
    expect(after.endsWith('\n        }\n    },\n    "paths": {\n        "/a": {\n            "get": {\n                "responses": {"default": {"description": "error"}, "200": {"description": "ok"}}\n            }\n        }\n    }\n}\n')).toBe(true);
    const parsed = JSON.parse(after) as { info: Record<string, unknown> };
    expect(Object.keys(parsed.info)).toEqual(['title', 'version', 'x-slo']);
    expect((await resolved(file)).problems).toEqual([]);
    expect((await cli(['lint', file])).code).toBe(0);
  });

  it('--force replaces the x-slo of a JSON spec, member and comma', async () => {
    const dir = tempDir();
    const file = join(dir, 'petstore.json');
    copyFileSync(fixture('petstore-3.0.json'), file);
    const before = readFileSync(file, 'utf8');
    const original = JSON.parse(before) as { info: Record<string, unknown> };
    expect((await init([file], dir)).code).toBe(2);
    const forced = await init([file, '--force'], dir);
    expect(forced.code).toBe(0);
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { info: Record<string, unknown> };
    expect(parsed.info['x-slo']).toMatchObject({ service: 'petstore-json', window: '28d', availability: { target: 99.9 } });
    delete parsed.info['x-slo'];
    delete original.info['x-slo'];
    expect(parsed).toEqual(original);
    expect((await cli(['lint', file])).code).toBe(0);
  });

  it('refuses a Swagger 2.0 file, saying to convert it first', async () => {
    const dir = tempDir();
    const file = join(dir, 'swagger.yaml');
    copyFileSync(fixture('swagger2/petstore.yaml'), file);
    const before = readFileSync(file, 'utf8');
    const refused = await init([file], dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('sworn convert');
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});

const TRAFFIC_SPEC = `openapi: 3.1.0
info:
  title: Things API   # no promises yet
  version: 1.0.0
paths:
  /things:
    get:
      operationId: listThings
      responses:
        '200': {description: ok}
        '503': {description: overloaded}
  /things/{id}:
    get:
      operationId: getThing
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200': {description: ok}
  /rare:
    get:
      operationId: rare
      responses:
        '200': {description: ok}
  /own:
    get:
      operationId: ownPromise
      x-slo: {availability: 95}   # already promised
      responses:
        '200': {description: ok}
`;

const AT = Date.parse('2026-06-10T00:00:00Z');

/** A store of two days of traffic, replayed through a proxy with its clock injected. */
async function recordTraffic(specFile: string): Promise<string> {
  return replayIntoStore(specFile, AT, async (send) => {
    // listThings: 2 bad in 400 (99.5%); 95% at 40 ms, the rest at 300 ms.
    for (let i = 0; i < 400; i++) await send('/things', i % 200 === 199 ? 503 : 200, i % 100 < 95 ? 40 : 300);
    for (let i = 0; i < 200; i++) await send(`/things/${i}`, 200, 10);
    for (let i = 0; i < 200; i++) await send('/own', 200, 10);
    for (let i = 0; i < 10; i++) await send('/rare', 200, 10);
  });
}

describe('sworn init --store', () => {
  it('writes the promise every operation keeps at the document level and each operation keeping more its own', async () => {
    const { dir, file } = await specIn(TRAFFIC_SPEC);
    const store = await recordTraffic(file);
    const at = new Date(AT).toISOString();
    const baseline = await cli(['baseline', file, '--store', store, '--at', at, '--format', 'json']);
    const proposals = (JSON.parse(baseline.stdout) as { proposals: Array<{ operationId: string; availability: number | null; latency: { p99Max: number; fastThreshold: number } | null }> }).proposals;
    const proposal = (id: string) => proposals.find((p) => p.operationId === id)!;
    expect(proposal('listThings')).toMatchObject({ availability: 99.5, latency: { p99Max: 380, fastThreshold: 50 } });
    expect(proposal('getThing')).toMatchObject({ availability: 99.99, latency: { p99Max: 15, fastThreshold: 15 } });

    const result = await init([file, '--store', store, '--at', at], dir);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('ownPromise: keeps its own x-slo');
    expect(result.stderr).toContain('wrote their own x-slo into 1 operation(s) keeping more than the document\'s promise: getThing');
    const after = readFileSync(file, 'utf8');
    expect(after).toMatch(/target: 99\.5 +# kept by all 3 measured operation\(s\) over the last 28d \(lowest: listThings, 99\.5%\)/);
    expect(after).toContain('      x-slo: {availability: 95}   # already promised');
    for (const line of TRAFFIC_SPEC.split('\n')) expect(after.split('\n')).toContain(line);

    const slo = await resolved(file);
    expect(slo.problems).toEqual([]);
    const promise = (id: string) => slo.operations.find((o) => o.id === id)!.promise!;
    const latency = (id: string) => promise(id).latency.map((l) => (l.kind === 'percentile' ? [l.name, l.max.ms] : [l.name, l.threshold.ms, l.target]));
    expect(promise('listThings').availability!.target).toBe(proposal('listThings').availability);
    expect(latency('listThings')).toEqual([['fast', 50, 95], ['p99', 380]]);
    expect(promise('getThing').availability!.target).toBe(proposal('getThing').availability);
    expect(latency('getThing')).toEqual([['fast', 15, 95], ['p99', 15]]);
    expect(promise('rare').availability!.target).toBe(99.5); // too little traffic: it inherits the document's
    expect(promise('ownPromise').availability!.target).toBe(95);
    expect((await cli(['lint', file])).code).toBe(0);
  }, 60_000);

  it('in a JSON spec, inserts each operation\'s own x-slo as a JSON member', async () => {
    const { parse } = await import('yaml');
    const { dir, file } = await specIn(JSON.stringify(parse(TRAFFIC_SPEC), null, 2) + '\n', 'api.json');
    const before = readFileSync(file, 'utf8');
    const store = await recordTraffic(file);
    const result = await init([file, '--store', store, '--at', new Date(AT).toISOString()], dir);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('keeping more than the document\'s promise: getThing');
    const after = readFileSync(file, 'utf8');
    expect(after).toContain('"operationId": "getThing",\n        "parameters": [');
    expect(after).toContain('"200": {\n            "description": "ok"\n          }\n        },\n        "x-slo": {\n          "availability": 99.99,\n          "latency": [');
    const parsed = JSON.parse(after) as { info: Record<string, unknown>; paths: Record<string, { get: Record<string, unknown> }> };
    expect(parsed.paths['/things/{id}']!.get['x-slo']).toEqual({ availability: 99.99, latency: [{ name: 'p99', percentile: 99, max: '15ms' }, { name: 'fast', threshold: '15ms', target: 95 }] });
    delete parsed.info['x-slo'];
    delete parsed.paths['/things/{id}']!.get['x-slo'];
    expect(parsed).toEqual(JSON.parse(before));
    expect((await resolved(file)).problems).toEqual([]);
    expect((await cli(['lint', file])).code).toBe(0);
  }, 60_000);

  it('says the values are placeholders when the store has too little traffic', async () => {
    const { dir, file } = await specIn(TRAFFIC_SPEC);
    const store = await recordTraffic(file);
    const result = await init([file, '--store', store, '--at', new Date(AT).toISOString(), '--min-events', '100000', '--dry-run'], dir);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('the values are placeholders');
    expect(result.stdout).toMatch(/target: 99\.9 /);
    expect(readFileSync(file, 'utf8')).toBe(TRAFFIC_SPEC);
  }, 60_000);
});
