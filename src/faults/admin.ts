import type { IncomingMessage, ServerResponse } from 'node:http';
import { closest } from 'fastest-levenshtein';
import { SwornError } from '../errors.js';
import { MAX_FAULTS, parseFault, type FaultSpec } from './model.js';
import type { FaultRegistry } from './registry.js';

/** What a fault may name: the spec's operation ids and tiers; whether consumers are identified at all. */
export interface FaultNames {
  operations: () => readonly string[];
  tiers: () => readonly string[];
  /** False on a bare mock, which does not identify consumers. */
  identifiesConsumers: boolean;
}

const MAX_BODY = 64 * 1024;

/**
 * `POST /faults` (one fault or a list, all or none added), `GET /faults`,
 * `DELETE /faults` and `DELETE /faults/ID`, for the proxy's and the mock's
 * admin servers (which check the admin token first). Returns false for any
 * other path.
 */
export function serveFaults(registry: FaultRegistry, names: FaultNames, req: IncomingMessage, res: ServerResponse, path: string): boolean {
  if (path !== '/faults' && !path.startsWith('/faults/')) return false;
  const json = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body, null, 2));
  };
  const problem = (status: number, title: string, error: SwornError | string) =>
    json(status, typeof error === 'string' ? { title, status, detail: error } : { title, status, code: error.code, detail: error.message, hint: error.hint });
  const id = path.startsWith('/faults/') ? decodeURIComponent(path.slice('/faults/'.length)) : undefined;
  const method = req.method ?? 'GET';
  if ((method === 'GET' || method === 'HEAD') && id === undefined) {
    json(200, { faults: registry.list() });
    return true;
  }
  if (method === 'DELETE') {
    if (id === undefined) {
      json(200, { removed: registry.clear() });
      return true;
    }
    const removed = registry.remove(id);
    if (removed) json(200, { removed: 1, fault: removed });
    else problem(404, 'Not Found', `no fault ${JSON.stringify(id)} is in force (it may have expired); GET /faults lists them`);
    return true;
  }
  if (method === 'POST' && id === undefined) {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY) return problem(413, 'Content Too Large', `a fault list is at most ${MAX_BODY} bytes`);
      let input: unknown;
      try {
        input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (error) {
        return problem(400, 'Bad Request', new SwornError('SWORN_ERR_FAULT', `the body is not JSON: ${(error as Error).message}`, { hint: 'Send e.g. {"kind": "error", "status": 503, "percent": 10, "ttl": "2m"}.' }));
      }
      try {
        const list = Array.isArray(input) ? input : [input];
        const specs = list.map((f, i) => checkNames(parseFault(f, Array.isArray(input) ? `faults[${i}]` : 'fault'), names, Array.isArray(input) ? `faults[${i}]` : 'fault'));
        if (registry.size + specs.length > MAX_FAULTS) throw new SwornError('SWORN_ERR_FAULT', `adding ${specs.length} fault(s) would put more than ${MAX_FAULTS} in force`, { hint: 'DELETE /faults first, or send fewer.' });
        json(201, { faults: specs.map((s) => registry.add(s)) });
      } catch (error) {
        if (error instanceof SwornError) return problem(400, 'Bad Request', error);
        problem(500, 'fault not added', (error as Error).message);
      }
    });
    req.on('error', () => res.destroy());
    return true;
  }
  res.setHeader('allow', id === undefined ? 'GET, HEAD, POST, DELETE' : 'DELETE');
  problem(405, 'Method Not Allowed', id === undefined ? 'GET /faults lists, POST /faults adds, DELETE /faults removes every fault' : 'DELETE /faults/ID removes one fault');
  return true;
}

/** A fault naming an operation or tier the spec does not have is refused with a suggestion (a typo would inject nothing). */
export function checkNames(spec: FaultSpec, names: FaultNames, where: string): FaultSpec {
  const known = (list: readonly string[] | undefined, all: readonly string[], key: string) => {
    for (const name of list ?? []) {
      if (all.includes(name)) continue;
      const guess = all.length > 0 ? closest(name, [...all]) : undefined;
      throw new SwornError('SWORN_ERR_FAULT', `${where}.${key}: the spec has no ${key === 'operations' ? 'operation' : 'tier'} ${JSON.stringify(name)}`, { hint: `${guess ? `Did you mean "${guess}"? ` : ''}${key === 'operations' ? 'Operations' : 'Tiers'}: ${all.slice(0, 20).join(', ')}${all.length > 20 ? ', …' : ''}.` });
    }
  };
  // First: on a bare mock a tier is refused for what it is (no consumers here), not as a typo.
  if (!names.identifiesConsumers && (spec.scope.consumers || spec.scope.tiers)) {
    throw new SwornError('SWORN_ERR_FAULT', `${where}: the mock does not identify consumers, so a fault cannot be scoped to consumers or tiers here`, { hint: 'Put the proxy in front (`sworn proxy --upstream mock SPEC`) and add the fault on its admin port, or drop `consumers`/`tiers`.' });
  }
  known(spec.scope.operations, names.operations(), 'operations');
  known(spec.scope.tiers, names.tiers(), 'tiers');
  return spec;
}
