import { LineCounter, parseDocument, isMap, isSeq, isScalar, isPair, visit, type Document, type Node as YamlNode } from 'yaml';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { SwornError, type SourceLocation } from '../errors.js';
import { parsePointer, toPointer } from './pointer.js';

/**
 * One parsed file of a spec, with a way back from a JSON pointer to a line
 * and column. JSON files are parsed with `JSON.parse` (fast even for the 13 MB
 * GitHub description); their positions come from the file's UTF-8 bytes:
 * one pass, on the first position asked for, notes where each object and
 * array ends, then each object or array along a pointer's path is read once
 * (its keys or items and where they start) and kept for the next pointer
 * that passes through it; no tree of nodes. A JSON file read as bytes keeps only
 * the bytes: its text (26 MB in memory for GitHub's 13 MB, which has
 * non-Latin-1 characters) is decoded only when asked for. YAML files keep
 * the `yaml` library's document, which has the ranges already.
 */
export class SourceFile {
  readonly path: string;
  readonly format: 'json' | 'yaml';
  readonly value: unknown;
  /** Where this file is shown to the user (relative to the working directory when shorter). */
  readonly displayPath: string;
  private yamlDoc: Document | undefined;
  private jsonIndex: JsonIndex | undefined;
  private lineStarts: number[] | undefined;
  private aliases: boolean | undefined;
  private decoded: string | undefined;
  private readonly bytes: Buffer | undefined;
  private readonly pointersOnly: boolean;

  private constructor(path: string, displayPath: string, text: string | Buffer, format: 'json' | 'yaml', value: unknown, yamlDoc?: Document, lineCounter?: LineCounter, pointersOnly = false) {
    this.path = path;
    this.displayPath = displayPath;
    if (typeof text === 'string') this.decoded = text;
    else this.bytes = text;
    this.pointersOnly = pointersOnly;
    this.format = format;
    this.value = value;
    this.yamlDoc = yamlDoc;
    if (lineCounter) this.lineStarts = lineCounter.lineStarts;
  }

  /** The file's text. */
  get text(): string {
    this.decoded ??= (this.bytes as Buffer).toString('utf8');
    return this.decoded;
  }

  /**
   * False when the text shows that every `$ref` in it is a JSON pointer into
   * the file (`#…`): JSON without `\u` escapes (which could spell a key)
   * where each `"$ref"` key is followed by a string starting with `#`. True
   * otherwise (YAML, or a reference to look at): a quick look at the text
   * that spares walking every object of a one-file document.
   */
  mayReferElsewhere(): boolean {
    return !this.pointersOnly;
  }

  /** Parses `text` (or the file's bytes, UTF-8); syntax errors throw SWORN_ERR_SPEC_PARSE with the position. */
  static parse(path: string, displayPath: string, source: string | Buffer): SourceFile {
    const text = typeof source === 'string' ? source : source.toString('utf8');
    const trimmed = text.trimStart();
    const looksJson = path.endsWith('.json') || trimmed.startsWith('{') || trimmed.startsWith('[');
    if (looksJson) {
      try {
        const value: unknown = JSON.parse(text);
        const pointersOnly = !text.includes('\\u') && !/"\$ref"\s*:\s*"(?!#)/.test(text);
        return new SourceFile(path, displayPath, source, 'json', value, undefined, undefined, pointersOnly);
      } catch {
        // A .json file that is not JSON may still be YAML (JSON is a subset of YAML, not the reverse).
        if (path.endsWith('.json')) throw SourceFile.jsonSyntaxError(path, displayPath, text);
      }
    }
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
    const first = doc.errors[0];
    if (first) {
      const offset = first.pos[0];
      const pos = lineCounter.linePos(offset);
      const message = first.message.split('\n')[0] ?? first.message;
      throw new SwornError('SWORN_ERR_SPEC_PARSE', `YAML syntax error: ${message}`, {
        location: { file: displayPath, line: pos.line, column: pos.col, pointer: SourceFile.pointerBefore(doc, offset) },
        hint: 'Fix the YAML at that line; a YAML linter or an editor with YAML support shows the exact token.',
        details: doc.errors.slice(1, 5).map((e) => {
          const p = lineCounter.linePos(e.pos[0]);
          return { message: e.message.split('\n')[0] ?? e.message, location: { file: displayPath, line: p.line, column: p.col, pointer: '' } };
        }),
      });
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 10_000 });
    } catch (cause) {
      // The yaml library refuses an alias bomb (aliases of aliases, each expanded) past the count.
      throw new SwornError('SWORN_ERR_SPEC_PARSE', `YAML cannot be read: ${(cause as Error).message}`, {
        cause,
        location: { file: displayPath, line: 1, column: 1, pointer: '' },
        hint: 'The YAML expands its aliases (`*name`) into more than 10,000 copies; write the shared parts once and refer to them with `$ref`.',
      });
    }
    const file = new SourceFile(path, displayPath, text, 'yaml', value, doc, lineCounter);
    if (file.hasAliases()) {
      const loop = pathIntoItself(value);
      if (loop !== undefined) {
        throw new SwornError('SWORN_ERR_SPEC_PARSE', 'a YAML alias is used inside the value it names: the document would contain itself, without end', {
          location: file.locate(loop),
          hint: 'Write that part out, or refer to it with `$ref` (a `$ref` may point at its own ancestor: recursive schemas are fine).',
        });
      }
    }
    return file;
  }

  private static jsonSyntaxError(path: string, displayPath: string, text: string): SwornError {
    const errors: ParseError[] = [];
    parseJsonc(text, errors, { allowTrailingComma: false, disallowComments: true });
    const first = errors[0];
    const offset = first?.offset ?? 0;
    const file = new SourceFile(path, displayPath, text, 'json', undefined);
    const pos = file.positionOf(offset);
    return new SwornError('SWORN_ERR_SPEC_PARSE', `JSON syntax error: ${first ? printParseErrorCode(first.error) : 'unreadable JSON'}`, {
      location: { file: displayPath, line: pos.line, column: pos.column, pointer: '' },
      hint: 'Fix the JSON at that position (a missing comma or quote is the usual cause).',
    });
  }

  /** The pointer of the deepest YAML node that contains `offset` (best effort, for syntax errors). */
  private static pointerBefore(doc: Document, offset: number): string {
    const segments: string[] = [];
    let node: unknown = doc.contents;
    for (;;) {
      if (isMap(node)) {
        const pair = node.items.find((p) => {
          const r = (p.value as YamlNode | null)?.range ?? (p.key as YamlNode | null)?.range;
          const k = (p.key as YamlNode | null)?.range;
          return k && r && k[0] <= offset && offset <= r[2];
        });
        if (!pair) break;
        segments.push(String(isScalar(pair.key) ? pair.key.value : pair.key));
        node = pair.value;
      } else if (isSeq(node)) {
        const index = node.items.findIndex((item) => {
          const r = (item as YamlNode | null)?.range;
          return r && r[0] <= offset && offset <= r[2];
        });
        if (index < 0) break;
        segments.push(String(index));
        node = node.items[index];
      } else break;
    }
    return toPointer(segments);
  }

  /**
   * True when the YAML has aliases (`*name`, merge keys `<<: *name`): the
   * parsed value then shares objects between places. JSON never does.
   */
  hasAliases(): boolean {
    if (this.aliases === undefined) {
      let found = false;
      if (this.yamlDoc) {
        visit(this.yamlDoc, {
          Alias: () => {
            found = true;
            return visit.BREAK;
          },
        });
      }
      this.aliases = found;
    }
    return this.aliases;
  }

  /** 1-based line and column of a character offset. */
  positionOf(offset: number): { line: number; column: number } {
    const starts = this.getLineStarts();
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (starts[lo] ?? 0) + 1 };
  }

  private getLineStarts(): number[] {
    if (!this.lineStarts) {
      const starts = [0];
      const text = this.text;
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
      this.lineStarts = starts;
    }
    return this.lineStarts;
  }

  /**
   * The location of `pointer` in this file. A key is located at the key (so an
   * unknown property is shown where it is written); an array item at the item.
   * A pointer that does not exist is located at its deepest existing parent.
   */
  locate(pointer: string): SourceLocation {
    const segments = parsePointer(pointer);
    if (this.format === 'json') {
      const at = this.jsonOffset(segments);
      return { file: this.displayPath, line: at.line, column: at.column, pointer: at.pointer };
    }
    const offset = this.yamlOffset(segments);
    const pos = this.positionOf(offset.offset);
    return { file: this.displayPath, line: pos.line, column: pos.column, pointer: offset.pointer };
  }

  private yamlOffset(segments: string[]): { offset: number; pointer: string } {
    let node: unknown = this.yamlDoc?.contents;
    let offset = (node as YamlNode | null)?.range?.[0] ?? 0;
    let depth = 0;
    for (const segment of segments) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && String(isScalar(p.key) ? p.key.value : p.key) === segment);
        if (!pair) break;
        offset = (pair.key as YamlNode | null)?.range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node)) {
        const item = node.items[Number(segment)] as YamlNode | undefined;
        if (!item || !/^\d+$/.test(segment)) break;
        offset = item.range?.[0] ?? offset;
        node = item;
      } else break;
      depth++;
    }
    return { offset, pointer: toPointer(segments.slice(0, depth)) };
  }

  private jsonOffset(segments: string[]): { line: number; column: number; pointer: string } {
    this.jsonIndex ??= new JsonIndex(this.bytes ?? Buffer.from(this.text, 'utf8'));
    const index = this.jsonIndex;
    let node = index.root();
    let at: JsonPlace = node;
    let depth = 0;
    for (const segment of segments) {
      const children = index.children(node);
      if (children instanceof Map) {
        const property = children.get(segment);
        if (!property) break;
        at = property.key;
        node = property.value;
      } else {
        const item = children && /^\d+$/.test(segment) ? children[Number(segment)] : undefined;
        if (!item) break;
        at = node = item;
      }
      depth++;
    }
    return { line: at.line + 1, column: index.columnOf(at) + 1, pointer: toPointer(segments.slice(0, depth)) };
  }
}

/** JSON whitespace, as `JSON.parse` reads it. */
const isSpace = (c: number | undefined): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** A place in a JSON file's bytes: its offset, 0-based line, and the offset its line starts at. */
interface JsonPlace {
  offset: number;
  line: number;
  lineStart: number;
}

/** A value in a JSON file: where it starts and, for an object or array, its number in the file's bracket table (else -1). */
interface JsonValue extends JsonPlace {
  container: number;
}

/** Bytes of a line beyond which columns are counted from checkpoints (a one-line, minified file). */
const COLUMN_CHUNK = 65_536;

/**
 * Where things are in a JSON file that `JSON.parse` accepted, read from its
 * UTF-8 bytes. One pass (on the first position asked for) numbers every
 * object and array in the order they open and keeps, in typed arrays, where
 * each ends, on which line, and the number after its last descendant; an
 * object's or array's children are then read on first asking by stepping
 * over its own bytes only (a child object or array is jumped over) and kept.
 * No tree of nodes is built. Columns count UTF-16 code units, as in the
 * decoded text. Iterative: any nesting depth.
 */
class JsonIndex {
  private readonly bytes: Buffer;
  /** Per object or array (by its number): the offset just past its closing bracket, that offset's line and line start, and the number after its last descendant. */
  private ends = new Int32Array(0);
  private endLines = new Int32Array(0);
  private endLineStarts = new Int32Array(0);
  private after = new Int32Array(0);
  private built = false;
  /** Children read so far, by container number: an object's keys (the first occurrence of each, as a pointer is resolved), or an array's items. */
  private readonly containers = new Map<number, Map<string, { key: JsonPlace; value: JsonValue }> | JsonValue[]>();
  /** Byte offsets (at character starts) and the UTF-16 length of the text before each, every COLUMN_CHUNK bytes, as far as asked for. */
  private readonly checkpoints = [0];
  private readonly utf16Before = [0];

  constructor(bytes: Buffer) {
    this.bytes = bytes;
  }

  /** The top-level value. */
  root(): JsonValue {
    const b = this.bytes;
    let i = 0;
    let line = 0;
    let lineStart = 0;
    for (; isSpace(b[i]); i++) {
      if (b[i] === 0x0a) {
        line++;
        lineStart = i + 1;
      }
    }
    return { offset: i, line, lineStart, container: b[i] === 0x7b || b[i] === 0x5b ? 0 : -1 };
  }

  /** Numbers every object and array: one pass over the bytes (strings hold no raw newline in JSON). */
  private build(): void {
    const b = this.bytes;
    const n = b.length;
    let capacity = Math.max(1024, n >> 7); // GitHub's description: one object or array every 140 bytes
    let ends = new Int32Array(capacity);
    let endLines = new Int32Array(capacity);
    let endLineStarts = new Int32Array(capacity);
    let after = new Int32Array(capacity);
    const open: number[] = [];
    let count = 0;
    let line = 0;
    let lineStart = 0;
    for (let j = 0; j < n; j++) {
      const d = b[j];
      if (d === 0x22) j = this.stringEnd(j) - 1;
      else if (d === 0x0a) {
        line++;
        lineStart = j + 1;
      } else if (d === 0x7b || d === 0x5b) {
        if (count === capacity) {
          capacity *= 2;
          ends = grow(ends, capacity);
          endLines = grow(endLines, capacity);
          endLineStarts = grow(endLineStarts, capacity);
          after = grow(after, capacity);
        }
        open.push(count++);
      } else if (d === 0x7d || d === 0x5d) {
        const k = open.pop() as number;
        ends[k] = j + 1;
        endLines[k] = line;
        endLineStarts[k] = lineStart;
        after[k] = count;
      }
    }
    this.ends = ends;
    this.endLines = endLines;
    this.endLineStarts = endLineStarts;
    this.after = after;
    this.built = true;
  }

  /** The children of an object or array (undefined for a scalar). */
  children(value: JsonValue): Map<string, { key: JsonPlace; value: JsonValue }> | JsonValue[] | undefined {
    if (value.container < 0) return undefined;
    let found = this.containers.get(value.container);
    if (!found) {
      if (!this.built) this.build();
      found = this.readChildren(value);
      this.containers.set(value.container, found);
    }
    return found;
  }

  private readChildren(container: JsonValue): Map<string, { key: JsonPlace; value: JsonValue }> | JsonValue[] {
    const b = this.bytes;
    const isObject = b[container.offset] === 0x7b;
    const properties = new Map<string, { key: JsonPlace; value: JsonValue }>();
    const items: JsonValue[] = [];
    let next = container.container + 1;
    let line = container.line;
    let lineStart = container.lineStart;
    let i = container.offset + 1;
    /** Steps over whitespace and the given punctuation, counting lines. */
    const skip = (punctuation: number): void => {
      for (;;) {
        const c = b[i];
        if (c === 0x0a) {
          line++;
          lineStart = i + 1;
        } else if (!(c === punctuation || c === 0x20 || c === 0x0d || c === 0x09)) return;
        i++;
      }
    };
    /** Reads the value at `i` and steps past it. */
    const value = (): JsonValue => {
      const c = b[i];
      if (c === 0x7b || c === 0x5b) {
        const read: JsonValue = { offset: i, line, lineStart, container: next };
        i = this.ends[next] as number;
        line = this.endLines[next] as number;
        lineStart = this.endLineStarts[next] as number;
        next = this.after[next] as number;
        return read;
      }
      const read: JsonValue = { offset: i, line, lineStart, container: -1 };
      if (c === 0x22) i = this.stringEnd(i);
      else while (i < b.length && b[i] !== 0x2c && b[i] !== 0x7d && b[i] !== 0x5d && !isSpace(b[i])) i++;
      return read;
    };
    for (;;) {
      skip(0x2c);
      if (isObject) {
        if (b[i] !== 0x22) return properties; // `}`
        const key: JsonPlace = { offset: i, line, lineStart };
        const keyEnd = this.stringEnd(i);
        const raw = b.toString('utf8', i + 1, keyEnd - 1);
        const name = raw.includes('\\') ? (JSON.parse(b.toString('utf8', i, keyEnd)) as string) : raw;
        i = keyEnd;
        skip(0x3a);
        const read = value();
        if (!properties.has(name)) properties.set(name, { key, value: read });
      } else {
        if (i >= b.length || b[i] === 0x5d) return items;
        items.push(value());
      }
    }
  }

  /** The offset just past the string whose opening quote is at `i`: the next quote not escaped (by an odd run of backslashes). */
  private stringEnd(i: number): number {
    const b = this.bytes;
    let j = i;
    for (;;) {
      j = b.indexOf(0x22, j + 1);
      if (j < 0) return b.length;
      let k = j - 1;
      while (b[k] === 0x5c) k--;
      if ((j - k) % 2 === 1) return j + 1;
    }
  }

  /** The 0-based column of a place, in UTF-16 code units as in the decoded text. */
  columnOf(place: JsonPlace): number {
    const b = this.bytes;
    const { offset, lineStart } = place;
    if (offset - lineStart > COLUMN_CHUNK) return this.utf16At(offset) - this.utf16At(lineStart);
    for (let j = lineStart; j < offset; j++) {
      // Non-ASCII on the line: count its characters as the decoded text does.
      if ((b[j] as number) >= 0x80) return b.toString('utf8', lineStart, offset).length;
    }
    return offset - lineStart;
  }

  /** The UTF-16 length of the text before `offset` (a character's start), from the checkpoint before it. */
  private utf16At(offset: number): number {
    const b = this.bytes;
    const points = this.checkpoints;
    const counts = this.utf16Before;
    while ((points[points.length - 1] as number) + COLUMN_CHUNK <= offset) {
      const from = points[points.length - 1] as number;
      let to = from + COLUMN_CHUNK;
      while (to < b.length && ((b[to] as number) & 0xc0) === 0x80) to++;
      counts.push((counts[counts.length - 1] as number) + b.toString('utf8', from, to).length);
      points.push(to);
    }
    let k = Math.min(Math.floor(offset / COLUMN_CHUNK), points.length - 1);
    while ((points[k] as number) > offset) k--;
    return (counts[k] as number) + b.toString('utf8', points[k] as number, offset).length;
  }
}

function grow(array: Int32Array<ArrayBuffer>, capacity: number): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(capacity);
  bigger.set(array);
  return bigger;
}

/**
 * The pointer of the first place where a value contains one of its own ancestors (a YAML alias used
 * inside the value it names), or undefined when it is a finite tree (shared, not cyclic, is fine).
 * Iterative, each object expanded once per path it is reached by along the current branch.
 */
function pathIntoItself(root: unknown): string | undefined {
  const onPath = new Set<object>();
  const done = new Set<object>();
  const stack: Array<{ node: object; keys: string[]; next: number; path: string[] }> = [];
  const enter = (node: unknown, path: string[]): string | undefined => {
    if (node === null || typeof node !== 'object' || done.has(node)) return undefined;
    if (onPath.has(node)) return toPointer(path);
    onPath.add(node);
    stack.push({ node, keys: Object.keys(node), next: 0, path });
    return undefined;
  };
  const found = enter(root, []);
  if (found !== undefined) return found;
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as { node: object; keys: string[]; next: number; path: string[] };
    if (top.next === top.keys.length) {
      stack.pop();
      onPath.delete(top.node);
      done.add(top.node);
      continue;
    }
    const key = top.keys[top.next++] as string;
    const loop = enter((top.node as Record<string, unknown>)[key], [...top.path, key]);
    if (loop !== undefined) return loop;
  }
  return undefined;
}
