import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Command } from 'commander';
import { findNodeAtLocation, parseTree, type ParseError } from 'jsonc-parser';
import { isMap, isScalar, parseDocument, type Pair, type YAMLMap } from 'yaml';
import { SwornError } from '../errors.js';
import { parseDuration } from '../slo/duration.js';
import { loadSpec, formatName } from '../spec/load-spec.js';
import { propose, formatMs, type Proposal } from '../baseline/propose.js';
import { editSpec } from '../baseline/edit.js';
import { openHistory } from '../report/history.js';
import { collectStores, parseAt, writeOutput, type CliIo } from './program.js';

interface InitOptions {
  store?: string[];
  window: string;
  at?: string;
  minEvents: string;
  force?: boolean;
  dryRun?: boolean;
  output?: string;
}

/** `sworn init`: a commented starter x-slo in an OpenAPI file (from recorded traffic with --store), every other line kept as written. */
export function addInitCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('init')
    .description('add a commented starter x-slo to an OpenAPI file (with --store, the promises its traffic already keeps), every other line kept as written')
    .argument('<spec>', 'the OpenAPI 3 file (YAML, or JSON) to add promises to')
    .option('--store <file>', 'a proxy\'s store: propose the values from its traffic (repeat for every pod\'s store)', collectStores)
    .option('--window <duration>', 'with --store: the traffic window the values are based on', '28d')
    .option('--at <time>', 'with --store: ISO date-time the window ends at (default now)')
    .option('--min-events <n>', 'with --store: valid events an operation needs for a proposal', '100')
    .option('--force', 'replace the document-level x-slo the file already has')
    .option('--dry-run', 'print the result instead of writing it')
    .option('-o, --output <file>', 'write the result to this file instead of editing the spec')
    .action(async (specPath: string, options: InitOptions) => {
      const result = await init(specPath, options, io);
      if (options.dryRun) io.stdout.write(result.text);
      else await writeOutput(resolvePath(io.cwd, options.output ?? result.file), result.text, options.output === undefined ? '<spec>' : '--output');
      for (const line of result.notes) io.stderr.write(line + '\n');
      const target = options.output ?? result.displayPath;
      io.stderr.write(options.dryRun ? 'dry run: nothing written\n' : `wrote a starter x-slo (${result.where}) into ${target}: edit the values, then run \`sworn lint ${target}\`\n`);
      setExit(0);
    });
}

/** The values of the document-level starter, and where each came from. */
interface Starter {
  service: string;
  availability: number;
  fast: { threshold: number; target: number };
  p99: number;
  /** Set when the values come from recorded traffic. */
  observed?: { window: string; operations: number; lowestAvailability: { operationId: string; observed: number } | null; slowestP99: { operationId: string; observed: number } | null };
}

const BURN_RATES = [
  { severity: 'page', long: '1h', short: '5m', factor: 14.4 },
  { severity: 'page', long: '6h', short: '30m', factor: 6 },
  { severity: 'ticket', long: '3d', short: '6h', factor: 1 },
] as const;

const PLACEHOLDER = { availability: 99.9, fast: { threshold: 300, target: 95 }, p99: 1_000 };
const STRINGIFY = { flowCollectionPadding: false, lineWidth: 0 } as const;

async function init(specPath: string, options: InitOptions, io: CliIo): Promise<{ file: string; displayPath: string; text: string; where: string; notes: string[] }> {
  const at = parseAt(options.at);
  const window = parseDuration(options.window);
  if (!window || window.ms <= 0) throw new SwornError('SWORN_ERR_USAGE', `--window ${JSON.stringify(options.window)} is not a duration`, { hint: 'Write e.g. --window 28d or 7d.' });
  const minEvents = Number(options.minEvents);
  if (!Number.isInteger(minEvents) || minEvents < 1) throw new SwornError('SWORN_ERR_USAGE', `--min-events ${JSON.stringify(options.minEvents)} is not a positive whole number`, { hint: 'Write e.g. --min-events 100.' });

  const spec = await loadSpec(specPath, { cwd: io.cwd });
  if (spec.convertedFrom) {
    throw new SwornError('SWORN_ERR_USAGE', `${spec.displayPath} is a ${formatName(spec.convertedFrom)}: sworn init writes into OpenAPI 3 files`, { hint: `Convert it first: \`sworn convert ${spec.displayPath} -o openapi.yaml\`, then \`sworn init openapi.yaml\`.` });
  }
  const original = readFileSync(spec.file, 'utf8');
  const notes: string[] = [];
  let text = original;
  // JSON is read with a JSON parser (fast on large files); YAML with the yaml Document API.
  let flow = jsonTree(text);
  let doc = flow ? undefined : parseYaml(text, spec.displayPath);
  if (doc && (doc.contents as YAMLMap).flow) flow = yamlFlowTree(doc);
  const reparse = () => {
    if (doc) doc = parseYaml(text, spec.displayPath);
    if (flow) flow = doc ? yamlFlowTree(doc) : jsonTree(text)!;
  };

  const existing = flow ? flowBlocks(flow) : documentBlocks(doc!.contents).map((b) => ({ ...b, keyStart: keyStart(b.pair) }));
  if (existing.length > 0 && !options.force) {
    const first = existing[0]!;
    throw new SwornError('SWORN_ERR_USAGE', `${spec.displayPath} already has a document-level x-slo (${first.pointer.slice(1).replace('/', '.')})`, {
      hint: `To update its promises from traffic run \`sworn baseline ${spec.displayPath} --write\`; to replace it with a starter run \`sworn init ${spec.displayPath} --force\`.`,
      location: { file: spec.displayPath, line: lineOf(text, first.keyStart), column: columnOf(text, first.keyStart), pointer: first.pointer },
    });
  }
  // Later blocks first, so earlier offsets stay valid.
  for (const block of [...existing].sort((a, b) => b.keyStart - a.keyStart)) {
    if (flow) {
      const parent = flow.object(block.pointer === '/info/x-slo' ? ['info'] : [])!;
      text = removeFlowMember(text, parent, parent.members.findIndex((m) => m.key === 'x-slo'));
    } else {
      const b = block as (typeof existing)[number] & { map: YAMLMap; pair: Pair };
      text = removePair(text, b.map, b.pair, spec.displayPath);
    }
  }
  if (existing.length > 0) {
    reparse();
    notes.push(`replaced the document-level x-slo (--force)`);
  }

  const title = spec.document.info?.title;
  let starter: Starter = { service: slug(typeof title === 'string' ? title : ''), ...PLACEHOLDER };
  let perOperation: Proposal[] = [];
  if (options.store) {
    const history = await openHistory({ store: options.store, spec: specPath }, io.cwd);
    let proposals: Proposal[];
    try {
      proposals = propose(history.slo, history.engine, { since: at - window.ms, until: at }, minEvents);
    } finally {
      history.close();
    }
    const planned = plan(starter.service, proposals, options.window);
    if (!planned) notes.push(`the store has no operation with ${minEvents} valid event(s) in the last ${options.window}: the values are placeholders`);
    else {
      starter = planned.starter;
      for (const p of planned.below) notes.push(`${p.operationId}: ${p.observed.availability === null ? 'no valid event' : `${Number(p.observed.availability.toFixed(3))}% available`} over the last ${options.window}, under 90%: it inherits the document's ${starter.availability}%, which it does not keep`);
      perOperation = planned.perOperation.filter((p) => {
        const own = flow ? flowOwnBlock(flow, p) : ownBlock(doc!, p);
        if (own) notes.push(`${p.operationId}: keeps its ${own} x-slo; \`sworn baseline\` proposes for it`);
        return !own;
      });
    }
  }

  let written: string[] = [];
  if (perOperation.length > 0) {
    if (flow) {
      // Members inserted as JSON, the last operations in the file first.
      const tree = flow;
      const targets = perOperation
        .map((p) => ({ p, object: tree.object(['paths', p.path, p.method.toLowerCase()]) }))
        .filter((t): t is { p: Proposal; object: FlowObject } => {
          if (t.object && !t.object.members.some((m) => m.key === '$ref')) return true;
          notes.push(`${t.p.operationId}: the operation is not written out under paths in ${spec.displayPath} (a $ref or another file); add its x-slo by hand`);
          return false;
        })
        .sort((a, b) => b.object.start - a.object.start);
      for (const { p, object } of targets) text = insertFlowMember(text, object, 'x-slo', operationBlock(p));
      written = targets.map((t) => t.p.operationId);
      reparse();
    } else if (doc!.toString(STRINGIFY).split('\n').length !== text.split('\n').length) {
      notes.push(`the layout of ${spec.displayPath} cannot be edited line by line: per-operation promises not written (${perOperation.map((p) => p.operationId).join(', ')}); \`sworn baseline ${spec.displayPath}\` prints them`);
    } else {
      const edit = editSpec(spec.displayPath, text, perOperation);
      for (const n of edit.notWritten) notes.push(`${n.operationId}: ${n.reason}`);
      written = edit.written;
      text = edit.after;
      reparse();
    }
  }
  if (written.length > 0) notes.push(`wrote their own x-slo into ${written.length} operation(s) keeping more than the document's promise: ${written.join(', ')}`);

  let pointer: string;
  if (flow) {
    const info = flow.object(['info']);
    pointer = info ? '/info/x-slo' : '/x-slo';
    text = insertFlowMember(text, info ?? flow.object([])!, 'x-slo', starterObject(starter));
    if (!doc) notes.push(`${spec.displayPath} is JSON, which has no comments: what each x-slo field means is in docs/init.md and docs/x-slo.md`);
  } else {
    const inserted = insertStarter(text, doc!, starter);
    text = inserted.text;
    pointer = inserted.pointer;
  }
  reparse();
  const path = pointer === '/info/x-slo' ? ['info', 'x-slo'] : ['x-slo'];
  const got = flow ? flow.readBack(path) : (doc!.getIn(path, true) as { toJSON?: () => unknown } | undefined)?.toJSON?.();
  if (!isDeepStrictEqual(got, starterObject(starter))) throw new Error(`sworn init produced a document that does not read back as intended for ${spec.displayPath}`);
  const writtenOps = perOperation.filter((p) => written.includes(p.operationId));
  if (!isDeepStrictEqual(withoutSlo(original, !doc, []), withoutSlo(text, !doc, writtenOps))) throw new Error(`sworn init would change more of ${spec.displayPath} than its x-slo blocks`);
  return { file: spec.file, displayPath: spec.displayPath, text, where: pointer === '/info/x-slo' ? 'info.x-slo' : 'x-slo at the document root', notes };
}

/**
 * The document-level values from baseline's proposals: the promise every
 * measured operation keeps (the lowest availability rung, the largest p99 and
 * threshold), so operations without traffic inherit a promise the service
 * keeps; each operation keeping more gets its own block with what it keeps.
 */
function plan(service: string, proposals: Proposal[], window: string): { starter: Starter; perOperation: Proposal[]; below: Proposal[] } | undefined {
  const measured = proposals.filter((p) => !p.skipped);
  if (measured.length === 0) return undefined;
  const rated = measured.filter((p) => p.availability !== null);
  const timed = measured.filter((p) => p.latency !== null);
  const lowest = rated.reduce<Proposal | undefined>((low, p) => (!low || p.availability! < low.availability! || (p.availability === low.availability && (p.observed.availability ?? 0) < (low.observed.availability ?? 0)) ? p : low), undefined);
  const slowest = timed.reduce<Proposal | undefined>((slow, p) => (!slow || p.latency!.p99Max > slow.latency!.p99Max ? p : slow), undefined);
  const availability = lowest?.availability ?? 90;
  const p99 = slowest?.latency?.p99Max ?? PLACEHOLDER.p99;
  const fast = timed.length > 0 ? { threshold: Math.max(...timed.map((p) => p.latency!.fastThreshold)), target: timed[0]!.latency!.fastTarget } : PLACEHOLDER.fast;
  const starter: Starter = {
    service,
    availability,
    fast,
    p99,
    observed: {
      window,
      operations: measured.length,
      lowestAvailability: lowest ? { operationId: lowest.operationId, observed: Number(lowest.observed.availability!.toFixed(3)) } : null,
      slowestP99: slowest ? { operationId: slowest.operationId, observed: slowest.observed.p99! } : null,
    },
  };
  const perOperation: Proposal[] = [];
  for (const p of measured) {
    const more = p.availability !== null && p.availability > availability;
    const faster = p.latency !== null && (p.latency.p99Max < p99 || p.latency.fastThreshold < fast.threshold);
    if (more || faster) perOperation.push({ ...p, availability: more ? p.availability : null, latency: faster ? p.latency : null });
  }
  return { starter, perOperation, below: measured.filter((p) => p.availability === null) };
}

/** The operation's own or its path's x-slo, which init leaves alone. */
function ownBlock(doc: ReturnType<typeof parseDocument>, p: Proposal): string | undefined {
  const pathItem = doc.getIn(['paths', p.path], true);
  if (isMap(pathItem) && pathItem.has('x-slo')) return 'path\'s';
  const operation = doc.getIn(['paths', p.path, p.method.toLowerCase()], true);
  if (isMap(operation) && operation.has('x-slo')) return 'own';
  return undefined;
}

function operationBlock(p: Proposal): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (p.availability !== null) out.availability = p.availability;
  if (p.latency) out.latency = [{ name: 'p99', percentile: 99, max: formatMs(p.latency.p99Max) }, { name: 'fast', threshold: formatMs(p.latency.fastThreshold), target: p.latency.fastTarget }];
  return out;
}

/** The starter as data: what the inserted block must read back as. */
function starterObject(s: Starter): Record<string, unknown> {
  return {
    service: s.service,
    window: '28d',
    availability: { target: s.availability, bad: { status: ['5xx'] }, exclude: { status: ['4xx'], clientAbort: true } },
    latency: [
      { name: 'fast', threshold: formatMs(s.fast.threshold), target: s.fast.target },
      { name: 'p99', percentile: 99, max: formatMs(s.p99) },
    ],
    consumers: { identify: [{ header: 'X-Consumer-Id' }] },
    alerting: { burnRates: BURN_RATES.map((b) => ({ ...b })) },
  };
}

type Line = [depth: number, code: string, comment?: string];

/** The commented YAML lines of the starter, the `x-slo:` key at depth 0. */
function starterLines(s: Starter): Line[] {
  const o = s.observed;
  const availabilityNote = o?.lowestAvailability
    ? `kept by all ${o.operations} measured operation(s) over the last ${o.window} (lowest: ${o.lowestAvailability.operationId}, ${o.lowestAvailability.observed}%)`
    : `% of valid requests that must succeed; 99.9 allows 40 min of errors in 28 days`;
  const fastNote = o?.slowestP99
    ? `${s.fast.target}% of good requests within ${formatMs(s.fast.threshold)}: the slowest p95 seen, with 25% headroom`
    : `${s.fast.target}% of good requests answer within ${formatMs(s.fast.threshold)}: set what your users notice`;
  const p99Note = o?.slowestP99
    ? `the slowest p99 seen (${o.slowestP99.operationId}, ${o.slowestP99.observed}ms) with 25% headroom`
    : `the 99th percentile over the window at most ${formatMs(s.p99)}`;
  return [
    [0, 'x-slo:', 'runtime promises of every operation (docs/x-slo.md); edit, then `sworn lint` this file'],
    [1, `service: ${/^[0-9]|^(null|true|false|yes|no|on|off)$/.test(s.service) ? JSON.stringify(s.service) : s.service}`, 'the name in reports and metrics'],
    [1, '# tier: P1', 'policy tier, checked by `sworn lint --policy`'],
    [1, 'window: 28d', 'the rolling window objectives are judged over'],
    [1, 'availability:', 'how much must succeed, what a failure is'],
    [2, `target: ${s.availability}`, availabilityNote],
    [2, 'bad: {status: ["5xx"]}', 'failures; add 429 if throttling is your fault'],
    [2, 'exclude: {status: ["4xx"], clientAbort: true}', 'a client\'s mistakes do not count at all'],
    [1, 'latency:', 'named objectives: an operation overrides one by name'],
    [2, `- {name: fast, threshold: ${formatMs(s.fast.threshold)}, target: ${s.fast.target}}`, fastNote],
    [2, `- {name: p99, percentile: 99, max: ${formatMs(s.p99)}}`, p99Note],
    [1, 'consumers:', 'figures per consumer: whom a miss hurt'],
    [2, 'identify:', 'first match wins; else "anonymous"'],
    [3, '- {header: X-Consumer-Id}', 'the header names the consumer (or apiKey, jwt)'],
    [2, '# defaultTier: free', 'promise some consumers more or less:'],
    [2, '# tiers: {free: {availability: 99}, partner: {availability: 99.95}}', 'uncomment both to use them'],
    [1, 'alerting:', 'when the budget burns too fast to wait'],
    [2, 'burnRates:', 'multiwindow burn-rate alerts (SRE Workbook ch. 5)'],
    [3, '- {severity: page,   long: 1h, short: 5m,  factor: 14.4}', '2% of the budget in 1 h: wake someone'],
    [3, '- {severity: page,   long: 6h, short: 30m, factor: 6}', '5% in 6 h: wake someone'],
    [3, '- {severity: ticket, long: 3d, short: 6h,  factor: 1}', '10% in 3 days: fix it this week'],
    [1, '# budgetPolicy: {freezeBelow: 0}', '`sworn gate` stops deploys once the budget is spent'],
    [1, '# maintenance: [{name: patching, rrule: "FREQ=WEEKLY;BYDAY=SU", duration: 2h, timeZone: UTC, effect: exclude}]', 'planned downtime'],
  ];
}

function renderLines(lines: Line[], indent: string, unit: string, eol: string): string {
  const codes = lines.map((l) => indent + unit.repeat(l[0]) + l[1]);
  // Comments line up after the code; a run of longer lines lines up on its own.
  const width = Math.max(...codes.filter((c, i) => lines[i]![2] && c.length <= indent.length + 48).map((c) => c.length));
  const pad = codes.map(() => width);
  for (let i = 0; i < codes.length; i++) {
    if (codes[i]!.length <= width) continue;
    let j = i;
    while (j < codes.length && codes[j]!.length > width) j++;
    const runWidth = Math.max(...codes.slice(i, j).map((c) => c.length));
    for (let k = i; k < j; k++) pad[k] = runWidth;
    i = j - 1;
  }
  return lines.map((l, i) => (l[2] ? `${codes[i]!.padEnd(pad[i]!)}  # ${l[2]}` : codes[i]!)).join(eol) + eol;
}

/**
 * Inserts the starter: under `info` when it is a block mapping (after its
 * last line), else as a root `x-slo` right after `info`; in a JSON (flow)
 * document, as a member of `info`. Only new lines are added.
 */
function insertStarter(text: string, doc: ReturnType<typeof parseDocument>, s: Starter): { text: string; pointer: string } {
  const root = doc.contents as YAMLMap;
  const infoPair = pairOf(root, 'info');
  const info = infoPair?.value;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const first = root.items[0]?.key as { range?: [number, number, number] } | undefined;
  const rootIndent = ' '.repeat(first?.range ? columnOf(text, first.range[0]) - 1 : 0);
  if (infoPair && isMap(info) && !info.flow && info.items.length > 0) {
    const childIndent = ' '.repeat(columnOf(text, info.range![0]) - 1);
    const unit = ' '.repeat(Math.max(1, childIndent.length - rootIndent.length));
    return { text: insertAfter(text, info.range![1], renderLines(starterLines(s), childIndent, unit, eol), eol), pointer: '/info/x-slo' };
  }
  const anchor = infoPair ? (infoPair.value as { range?: [number, number, number] } | null)?.range?.[1] ?? (infoPair.key as { range: [number, number, number] }).range[1] : text.length;
  return { text: insertAfter(text, anchor, renderLines(starterLines(s), rootIndent, '  ', eol), eol), pointer: '/x-slo' };
}

/** Inserts whole lines after the line `offset` ends in (or at it, when it is a line start). */
function insertAfter(text: string, offset: number, block: string, eol: string): string {
  let at = offset;
  if (at > 0 && text[at - 1] !== '\n') {
    const next = text.indexOf('\n', at);
    at = next < 0 ? text.length : next + 1;
  }
  if (at === text.length && text.length > 0 && !text.endsWith('\n')) return text + eol + block.slice(0, block.length - eol.length);
  return text.slice(0, at) + block + text.slice(at);
}

/** An object of a JSON document (or of a YAML one written as flow mappings), by offsets into the text. */
interface FlowObject {
  start: number;
  end: number;
  members: Array<{ key: string; keyStart: number; valueEnd: number }>;
}

interface FlowTree {
  object(path: string[]): FlowObject | undefined;
  readBack(path: string[]): unknown;
}

/** The text as JSON, or undefined when it is not JSON (then it is YAML). */
function jsonTree(text: string): FlowTree | undefined {
  if (!text.trimStart().startsWith('{')) return undefined;
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  if (!tree || errors.length > 0 || tree.type !== 'object') return undefined;
  return {
    object(path) {
      const node = path.length === 0 ? tree : findNodeAtLocation(tree, path);
      if (node?.type !== 'object') return undefined;
      const members = (node.children ?? []).map((property) => {
        const [key, value] = property.children!;
        return { key: String(key!.value), keyStart: key!.offset, valueEnd: value ? value.offset + value.length : key!.offset + key!.length };
      });
      return { start: node.offset, end: node.offset + node.length, members };
    },
    readBack: (path) => path.reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], JSON.parse(text) as unknown),
  };
}

function yamlFlowTree(doc: ReturnType<typeof parseDocument>): FlowTree {
  return {
    object(path) {
      const node = path.length === 0 ? doc.contents : doc.getIn(path, true);
      if (!isMap(node) || !node.flow) return undefined;
      const members = node.items.map((p) => {
        const key = p.key as { value?: unknown; range: [number, number, number] };
        return { key: String(key.value), keyStart: key.range[0], valueEnd: ((p.value ?? p.key) as { range: [number, number, number] }).range[1] };
      });
      return { start: node.range![0], end: node.range![1], members };
    },
    readBack: (path) => (doc.getIn(path, true) as { toJSON?: () => unknown } | undefined)?.toJSON?.(),
  };
}

/** The document as data without its document-level x-slo and the named operations' own: what init must leave as it was. */
function withoutSlo(text: string, json: boolean, operations: Proposal[]): unknown {
  const data = (json ? JSON.parse(text) : parseDocument(text).toJS({ maxAliasCount: -1 })) as Record<string, unknown>;
  const info = data.info as Record<string, unknown> | undefined;
  if (info && typeof info === 'object') delete info['x-slo'];
  delete data['x-slo'];
  const paths = data.paths as Record<string, Record<string, Record<string, unknown>>> | undefined;
  for (const p of operations) delete paths?.[p.path]?.[p.method.toLowerCase()]?.['x-slo'];
  return data;
}

function flowBlocks(tree: FlowTree): Array<{ pointer: string; keyStart: number }> {
  const out: Array<{ pointer: string; keyStart: number }> = [];
  const info = tree.object(['info'])?.members.find((m) => m.key === 'x-slo');
  if (info) out.push({ pointer: '/info/x-slo', keyStart: info.keyStart });
  const root = tree.object([])?.members.find((m) => m.key === 'x-slo');
  if (root) out.push({ pointer: '/x-slo', keyStart: root.keyStart });
  return out;
}

function flowOwnBlock(tree: FlowTree, p: Proposal): string | undefined {
  if (tree.object(['paths', p.path])?.members.some((m) => m.key === 'x-slo')) return 'path\'s';
  if (tree.object(['paths', p.path, p.method.toLowerCase()])?.members.some((m) => m.key === 'x-slo')) return 'own';
  return undefined;
}

/** Adds `"key": value` as the last member of a JSON object, in the object's own layout. */
function insertFlowMember(text: string, object: FlowObject, key: string, value: unknown): string {
  const { start, end } = object;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lineIndent = leadingSpace(text, start);
  const name = JSON.stringify(key);
  const first = object.members[0];
  if (!first) {
    const unit = '  ';
    const body = JSON.stringify(value, null, unit).split('\n').join(eol + lineIndent + unit);
    return text.slice(0, start) + `{${eol}${lineIndent}${unit}${name}: ${body}${eol}${lineIndent}}` + text.slice(end);
  }
  const at = object.members.at(-1)!.valueEnd;
  if (!text.slice(start, first.keyStart).includes('\n')) return text.slice(0, at) + `, ${name}: ${JSON.stringify(value)}` + text.slice(at);
  const memberIndent = leadingSpace(text, first.keyStart);
  const unit = memberIndent.startsWith('\t') ? '\t' : ' '.repeat(Math.max(1, memberIndent.length - lineIndent.length));
  const body = JSON.stringify(value, null, unit).split('\n').join(eol + memberIndent);
  return text.slice(0, at) + `,${eol}${memberIndent}${name}: ${body}` + text.slice(at);
}

/** Removes one member of a JSON object, and the comma that went with it. */
function removeFlowMember(text: string, object: FlowObject, index: number): string {
  const member = object.members[index]!;
  const next = object.members[index + 1];
  if (next) return text.slice(0, member.keyStart) + text.slice(next.keyStart);
  const previous = object.members[index - 1];
  if (previous) return text.slice(0, previous.valueEnd) + text.slice(member.valueEnd);
  return text.slice(0, member.keyStart) + text.slice(member.valueEnd);
}

/** Removes one pair of a block mapping, its lines. */
function removePair(text: string, map: YAMLMap, pair: Pair, file: string): string {
  const key = pair.key as { range: [number, number, number] };
  const value = pair.value as { range?: [number, number, number] } | null;
  const valueEnd = value?.range?.[1] ?? key.range[1];
  const lineStart = text.lastIndexOf('\n', key.range[0] - 1) + 1;
  if (text.slice(lineStart, key.range[0]).trim() !== '') {
    throw new SwornError('SWORN_ERR_USAGE', `the x-slo at line ${lineOf(text, key.range[0])} of ${file} does not start its own line, so --force cannot remove it`, { hint: 'Delete the x-slo block by hand, then run `sworn init` again.' });
  }
  let end = valueEnd;
  if (end > 0 && text[end - 1] !== '\n') {
    const next = text.indexOf('\n', end);
    end = next < 0 ? text.length : next + 1;
  }
  return text.slice(0, lineStart) + text.slice(end);
}

/** The document-level x-slo blocks the file has: under info, at the root. */
function documentBlocks(root: unknown): Array<{ map: YAMLMap; pair: Pair; pointer: string }> {
  if (!isMap(root)) return [];
  const out: Array<{ map: YAMLMap; pair: Pair; pointer: string }> = [];
  const info = pairOf(root, 'info')?.value;
  if (isMap(info)) {
    const pair = pairOf(info, 'x-slo');
    if (pair) out.push({ map: info, pair, pointer: '/info/x-slo' });
  }
  const top = pairOf(root, 'x-slo');
  if (top) out.push({ map: root, pair: top, pointer: '/x-slo' });
  return out;
}

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => isScalar(p.key) && p.key.value === key) as Pair | undefined;
}

function parseYaml(text: string, file: string): ReturnType<typeof parseDocument> {
  const doc = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length > 0) throw new SwornError('SWORN_ERR_SPEC_PARSE', `${file}: ${doc.errors[0]!.message}`, { hint: 'Fix the syntax at that line.' });
  if (!isMap(doc.contents)) throw new SwornError('SWORN_ERR_SPEC_STRUCTURE', `${file} is not a mapping at the top`, { hint: 'An OpenAPI document starts with `openapi: 3.1.0` and `info:`.' });
  return doc;
}

/** A service name from the title: lower case, words joined by dashes. */
export function slug(title: string): string {
  const s = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return s === '' ? 'api' : s;
}

function keyStart(pair: Pair): number {
  return (pair.key as { range: [number, number, number] }).range[0];
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

function columnOf(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1) + 1;
}

function leadingSpace(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart, offset))![0];
}
