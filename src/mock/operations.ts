import prismHttp from '@stoplight/prism-http';
import type { IHttpOperation } from '@stoplight/types';
import { SwornError } from '../errors.js';
import type { Spec } from '../spec/load-spec.js';
import type { Operation } from '../spec/operations.js';

const { getHttpOperationsFromSpec } = prismHttp;

/** prism-http's reading of the spec's operations (what it picks answers from). */
export interface PrismOperations {
  /** prism-http's reading of one of our operations. */
  of(operation: Operation): Promise<IHttpOperation | undefined>;
  /** Every operation, for a request no operation of ours matches. */
  all(): Promise<IHttpOperation[]>;
}

export async function prismOperationsOf(spec: Spec): Promise<PrismOperations> {
  let operations: IHttpOperation[];
  try {
    // prism-http resolves $refs in place, which would make our document cyclic and alias shared schemas: it gets a copy of its own.
    operations = await getHttpOperationsFromSpec(structuredClone(spec.document) as object);
  } catch (cause) {
    throw new SwornError('SWORN_ERR_SPEC_STRUCTURE', `the mock cannot read ${spec.displayPath}: ${(cause as Error).message}`, { cause, hint: 'Run `sworn lint` on the spec; it names the problem with file and line.' });
  }
  const byKey = new Map(operations.map((o) => [`${o.method.toLowerCase()} ${o.path}`, o]));
  return {
    of: async (operation) => byKey.get(`${operation.method.toLowerCase()} ${operation.path}`),
    all: async () => operations,
  };
}
