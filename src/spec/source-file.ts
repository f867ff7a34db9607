import { LineCounter, parseDocument, isMap, isSeq, isScalar, isPair, visit, type Document, type Node as YamlNode } from 'yaml';
import { parseTree, parse as parseJsonc, printParseErrorCode, type ParseError, type Node as JsonNode } from 'jsonc-parser';
import { SwornError, type SourceLocation } from '../errors.js';
import { parsePointer, toPointer } from './pointer.js';

/**
 * One parsed file of a spec, with a way back from a JSON pointer to a line
 * and column. JSON files are parsed with `JSON.parse` (fast even for the 13 MB
 * GitHub description); their position index is built only when a position is
 * first asked for. A JSON file read as bytes keeps only the bytes: its text
 * (26 MB in memory for GitHub's 13 MB, which has non-Latin-1 characters) is
 * decoded again only when a position is asked for. YAML files keep the
 * `yaml` library's document, which has the ranges already.
 */
export class SourceFile {
  readonly path: string;
  readonly format: 'json' | 'yaml';
  readonly value: unknown;
  /** Where this file is shown to the user (relative to the working directory when shorter). */
  readonly displayPath: string;
  private yamlDoc: Document | undefined;
  private jsonTree: JsonNode | null | undefined;
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
    const offset = this.format === 'yaml' ? this.yamlOffset(segments) : this.jsonOffset(segments);
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

  private jsonOffset(segments: string[]): { offset: number; pointer: string } {
    if (this.jsonTree === undefined) {
      try {
        this.jsonTree = parseTree(this.text, [], { disallowComments: true });
      } catch {
        // JSON nested deeper than the parser's recursion reaches: positions fall back to the file's start.
        this.jsonTree = null;
      }
    }
    let node: JsonNode | undefined = this.jsonTree ?? undefined;
    if (!node) return { offset: 0, pointer: '' };
    let offset = node.offset;
    let depth = 0;
    for (const segment of segments) {
      let next: JsonNode | undefined;
      let at = offset;
      if (node.type === 'object') {
        const property: JsonNode | undefined = node.children?.find((p) => p.children?.[0]?.value === segment);
        next = property?.children?.[1];
        at = property?.offset ?? at;
      } else if (node.type === 'array' && /^\d+$/.test(segment)) {
        next = node.children?.[Number(segment)];
        at = next?.offset ?? at;
      }
      if (!next) break;
      node = next;
      offset = at;
      depth++;
    }
    return { offset, pointer: toPointer(segments.slice(0, depth)) };
  }
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
