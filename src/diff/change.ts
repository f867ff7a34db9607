import type { SourceLocation } from '../errors.js';
import type { Spec } from '../spec/load-spec.js';

export type Severity = 'breaking' | 'warning' | 'safe';

/** One classified difference between two versions of a spec. */
export interface Change {
  /** Stable rule id, documented in docs/diff.md. */
  rule: string;
  severity: Severity;
  /** `listPets (GET /pets)`, or empty for document-level changes. */
  operation: string;
  /** The operation id in the base version (what a proxy's usage records name), when there is one. */
  operationId?: string;
  message: string;
  base?: SourceLocation;
  head?: SourceLocation;
  /** With `--usage`: the consumers that used what changed, and how often. */
  consumers?: Array<{ consumer: string; requests: number }>;
  /** With `--usage`: why the severity was lowered. */
  evidence?: string;
  /** What usage evidence to look at: the operation, one parameter (`query:limit`), one status (`404`). */
  usageKey?: { kind: 'operation' } | { kind: 'parameter'; name: string } | { kind: 'status'; name: string };
}

/** Where a pointer is, or undefined when the pointer cannot be located (never throws). */
export function where(spec: Spec, pointer: string | undefined): SourceLocation | undefined {
  if (pointer === undefined) return undefined;
  try {
    return spec.locate(pointer);
  } catch {
    return undefined;
  }
}
