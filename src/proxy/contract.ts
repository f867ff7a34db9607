import { dirname } from 'node:path';
import type { Spec } from '../spec/load-spec.js';
import { listOperations, type Operation } from '../spec/operations.js';
import { resolveSlos } from '../slo/resolve.js';
import type { ResolvedSpecSlo } from '../slo/model.js';
import { compileRouter, type Router } from '../router/index.js';
import { lazyValidators, type CompiledOperation, type UnsupportedPattern } from '../validate/index.js';
import { ConsumerIdentifier } from './consumers.js';
import { redactPath } from './redact.js';

/**
 * Everything compiled from one version of a spec: operations, promises,
 * router, validators, consumer identification, redaction. An exchange takes
 * the contract in force when it arrives and keeps it to the end, so a reload
 * (a new contract) never changes an exchange under way.
 */
export interface Contract {
  spec: Spec;
  operations: Operation[];
  slo: ResolvedSpecSlo;
  router: Router;
  identifier: ConsumerIdentifier;
  /** The operation's validators (compiled once). */
  validators(operation: Operation): CompiledOperation;
  /** A request no operation matches is redacted with every secret name the spec knows. */
  unknownRouteSecrets: ReadonlySet<string>;
  /** `Allow` of `OPTIONS *`. */
  declaredMethods: string;
  /** Patterns RE2 cannot run: not checked (logged at start, linted as `pattern-unsupported`). */
  unsupported: UnsupportedPattern[];
  /** An unknown path with the values of secret path parameters masked wherever a prefix of it matches such an operation. */
  redactUnknownPath(path: string): string;
}

export interface ContractOptions {
  jwtUnverified?: boolean;
}

/** Compiles a loaded spec into what the proxy checks exchanges with; throws SwornError on a bad consumer key map. */
export function compileContract(spec: Spec, options: ContractOptions = {}): Contract {
  const operations = listOperations(spec);
  const slo = resolveSlos(spec, operations);
  const router = compileRouter(operations);
  const identifier = new ConsumerIdentifier(
    slo.consumers.identify.length > 0 ? slo.consumers : { ...slo.consumers, identify: [{ clientAddress: true }] },
    { baseDir: dirname(spec.file), ...(options.jwtUnverified ? { jwtUnverified: true } : {}) },
  );
  // Headers, query parameters and cookies that identify consumers are credentials too: never stored.
  const identificationSecrets = slo.consumers.identify.flatMap((m) => [m.apiKey?.header?.toLowerCase(), m.apiKey?.query, m.apiKey?.cookie, m.jwt?.header?.toLowerCase()]).filter((n): n is string => n !== undefined);
  // Each operation's validators are compiled when its first request comes (GitHub's 1,223 operations start in about a second).
  const lazy = lazyValidators(spec, operations, { secretNames: identificationSecrets });
  const unknownRouteSecrets: ReadonlySet<string> = new Set([...lazy.allSecretNames(), ...identificationSecrets]);
  const broken = new Map<Operation, CompiledOperation>();
  const validators = (operation: Operation): CompiledOperation => {
    try {
      return broken.get(operation) ?? lazy.get(operation);
    } catch (error) {
      // Routed, counted and redacted with every secret name; nothing checked, and enforce mode refuses.
      const stub: CompiledOperation = { operation, params: [], body: undefined, responses: new Map(), security: [], secretNames: new Set(unknownRouteSecrets), broken: (error as Error).message };
      broken.set(operation, stub);
      return stub;
    }
  };
  const secretPathOperations = lazy.secretPathOperations();
  const methods = [...new Set(operations.map((o) => o.method.toUpperCase()))];
  const redactUnknownPath = (path: string): string => {
    if (secretPathOperations.length === 0) return path;
    const segments = path.split('/');
    for (let n = Math.min(segments.length, 32); n >= 2; n--) {
      const prefix = segments.slice(0, n).join('/');
      for (const method of methods) {
        const m = router.resolve(method, prefix).match;
        if (m && secretPathOperations.includes(m.operation)) return redactPath(prefix, m.params, validators(m.operation)) + path.slice(prefix.length);
      }
    }
    return path;
  };
  return { spec, operations, slo, router, identifier, validators, unknownRouteSecrets, declaredMethods: [...methods].sort().join(', '), unsupported: lazy.unsupportedPatterns(), redactUnknownPath };
}
