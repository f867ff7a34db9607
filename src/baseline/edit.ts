import { diffArrays, createTwoFilesPatch } from 'diff';
import { isMap, isScalar, isSeq, parseDocument, YAMLMap, type Document } from 'yaml';
import { formatMs, type Proposal } from './propose.js';

/** What writing the proposals into a YAML spec changes. */
export interface SpecEdit {
  file: string;
  before: string;
  after: string;
  /** Operations written, and those that could not be (with why). */
  written: string[];
  notWritten: Array<{ operationId: string; reason: string }>;
}

const STRINGIFY = { flowCollectionPadding: false, lineWidth: 0 } as const;

/**
 * Writes each proposal into the operation's own `x-slo` block of a YAML spec
 * (created when missing): `availability` (or its `target`), and the `p99`
 * and `fast` latency objectives by name. Edits go through the `yaml`
 * Document API; only the lines that change are replaced in the original
 * text, so comments, alignment and every other line stay as written.
 */
export function editSpec(file: string, text: string, proposals: Proposal[]): SpecEdit {
  const doc = parseDocument(text);
  const written: string[] = [];
  const notWritten: SpecEdit['notWritten'] = [];
  const before = doc.toString(STRINGIFY);
  for (const p of proposals) {
    if (p.skipped || (p.availability === null && p.latency === null)) continue;
    const operation = doc.getIn(['paths', p.path, p.method.toLowerCase()], true);
    if (!isMap(operation) || operation.has('$ref')) {
      notWritten.push({ operationId: p.operationId, reason: `the operation is not written out under paths in ${file} (a $ref or another file); add its x-slo by hand` });
      continue;
    }
    const found: unknown = operation.get('x-slo', true);
    let slo: YAMLMap;
    if (isMap(found)) slo = found;
    else {
      slo = new YAMLMap();
      operation.set('x-slo', slo);
    }
    applyProposal(doc, slo, p);
    written.push(p.operationId);
  }
  const after = doc.toString(STRINGIFY);
  return { file, before: text, after: splice(text, before, after), written, notWritten };
}

function applyProposal(doc: Document, slo: YAMLMap, p: Proposal): void {
  if (p.availability !== null) {
    const availability = slo.get('availability', true);
    if (isMap(availability)) availability.set('target', p.availability);
    else slo.set('availability', p.availability);
  }
  if (!p.latency) return;
  const wanted = [
    { name: 'p99', percentile: 99, max: formatMs(p.latency.p99Max) },
    { name: 'fast', threshold: formatMs(p.latency.fastThreshold), target: p.latency.fastTarget },
  ];
  const latency = slo.get('latency', true);
  if (isMap(latency)) {
    // The shorthand `{p99: 600ms}` names percentiles only.
    latency.set('p99', wanted[0]!.max);
    return;
  }
  if (!isSeq(latency)) {
    const seq = doc.createNode(wanted);
    for (const item of seq.items) (item as YAMLMap).flow = true;
    slo.set('latency', seq);
    return;
  }
  for (const objective of wanted) {
    const known = latency.items.find((item) => isMap(item) && isScalar(item.get('name', true)) && item.get('name') === objective.name);
    if (isMap(known)) {
      for (const [key, value] of Object.entries(objective)) if (key !== 'name') known.set(key, value);
    } else {
      const item = doc.createNode(objective) as YAMLMap;
      item.flow = true;
      latency.add(item);
    }
  }
}

/**
 * Puts the changed lines of `after` into `original`: `before` is the original
 * re-serialised without edits, line for line the same document, so every
 * line the edit did not touch is kept exactly as written.
 */
function splice(original: string, before: string, after: string): string {
  const originalLines = original.split('\n');
  const beforeLines = before.split('\n');
  if (originalLines.length !== beforeLines.length) return after; // the serialiser moved lines: whole document
  const out: string[] = [];
  let index = 0;
  for (const part of diffArrays(beforeLines, after.split('\n'))) {
    if (part.added) out.push(...part.value);
    else if (part.removed) index += part.value.length;
    else {
      out.push(...originalLines.slice(index, index + part.value.length));
      index += part.value.length;
    }
  }
  return out.join('\n');
}

export function unifiedDiff(edit: SpecEdit): string {
  return createTwoFilesPatch(edit.file, edit.file, edit.before, edit.after, 'current', 'proposed');
}
