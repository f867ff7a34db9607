/** What the input formats that sworn converts to OpenAPI 3 (Swagger 2.0, Postman collections) share. */
import { appendPointer } from './pointer.js';

/** The format a spec was converted from; absent on a spec that was OpenAPI 3 already. */
export type ConvertedFrom = 'swagger-2.0' | 'postman-2.0' | 'postman-2.1';

/** A problem the converter met and went past (swagger2openapi's `x-s2o-warning`), at a pointer into the converted document. */
export interface ConversionNote {
  message: string;
  pointer: string;
}

/** A converted document, and the way back from its pointers to the file the user wrote. */
export interface Conversion {
  from: ConvertedFrom;
  /** The OpenAPI 3.0 document. */
  document: Record<string, unknown>;
  /** The document as read (a Swagger one after bundling its external refs): the pointers `translate` answers are into it. */
  original: unknown;
  /**
   * A pointer into the converted document (as segments, `$ref`s not followed)
   * to the pointer of the construct it came from in `original`; a pointer
   * with no counterpart gives its nearest ancestor that has one.
   */
  translate(segments: readonly string[]): string[];
  notes: ConversionNote[];
}

export const FORMAT_NAMES: Record<ConvertedFrom, string> = {
  'swagger-2.0': 'Swagger 2.0',
  'postman-2.0': 'Postman collection v2.0',
  'postman-2.1': 'Postman collection v2.1',
};

const LITERAL = new Set(['example', 'examples', 'default', 'enum', 'const', 'x-example']);

/**
 * Removes every key starting with `prefix` from the converted document
 * (outside literal data) and returns the values of `noteKey` with where
 * they were. Iterative: documents are deep.
 */
export function stripMarkers(document: unknown, prefix: string, noteKey: string): ConversionNote[] {
  const notes: ConversionNote[] = [];
  const stack: Array<[unknown, string]> = [[document, '']];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const [node, pointer] = stack.pop() as [unknown, string];
    if (node === null || typeof node !== 'object' || seen.has(node)) continue;
    seen.add(node);
    const record = node as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (key.startsWith(prefix)) {
        if (key === noteKey) notes.push({ message: String(record[key]), pointer });
        delete record[key];
        continue;
      }
      if (!Array.isArray(node) && LITERAL.has(key)) continue;
      const value = record[key];
      if (value !== null && typeof value === 'object') stack.push([value, appendPointer(pointer, key)]);
    }
  }
  return notes.sort((a, b) => (a.pointer < b.pointer ? -1 : a.pointer > b.pointer ? 1 : 0));
}
