import type { OpenAPIV3 } from 'openapi-types';
import { SwornError } from '../errors.js';
import type { Spec } from './load-spec.js';
import { appendPointer } from './pointer.js';

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** One operation of a spec: a method on a path template. */
export interface Operation {
  /** `operationId`, or the generated `GET /pets/{id}` when it has none (or shares one with an earlier operation). */
  id: string;
  operationId: string | undefined;
  method: HttpMethod;
  /** The path template as written under `paths`. */
  path: string;
  /** Pointer of the operation object in the bundled document (`/paths/~1pets/get`). */
  pointer: string;
  /** Pointer of the path item. */
  pathItemPointer: string;
  operation: OpenAPIV3.OperationObject;
  pathItem: OpenAPIV3.PathItemObject;
  /** Base paths the operation is served under, from `servers` (operation, then path, then document); `['']` when none. */
  basePaths: string[];
}

/** The stable id of an operation without an operationId. */
export function generatedOperationId(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}

/**
 * Lists every operation in document order.
 *
 * @example
 * listOperations(spec).map((o) => o.id); // ['listPets', 'createPet', 'GET /pets/{petId}']
 */
export function listOperations(spec: Spec): Operation[] {
  const paths = spec.document.paths as Record<string, unknown> | undefined;
  if (paths === undefined) return [];
  if (paths === null || typeof paths !== 'object' || Array.isArray(paths)) {
    throw new SwornError('SWORN_ERR_SPEC_STRUCTURE', '`paths` must be an object mapping path templates to path items', {
      location: spec.locate('/paths'),
      hint: 'Write `paths:` followed by entries like `/pets: {get: ...}`.',
    });
  }
  const rootBases = basePathsOf(spec.document.servers);
  const operations: Operation[] = [];
  const seen = new Set<string>();
  for (const path of Object.keys(paths)) {
    const pathItemPointer = appendPointer('/paths', path);
    const pathItem = spec.deref(paths[path]) as OpenAPIV3.PathItemObject | undefined;
    if (pathItem === null || typeof pathItem !== 'object') continue;
    const pathBases = pathItem.servers ? basePathsOf(pathItem.servers) : rootBases;
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method];
      if (operation === null || typeof operation !== 'object') continue;
      const operationId = typeof operation.operationId === 'string' && operation.operationId !== '' ? operation.operationId : undefined;
      let id = operationId ?? generatedOperationId(method, path);
      if (seen.has(id)) id = generatedOperationId(method, path);
      seen.add(id);
      operations.push({
        id,
        operationId,
        method,
        path,
        pointer: appendPointer(pathItemPointer, method),
        pathItemPointer,
        operation,
        pathItem,
        basePaths: operation.servers ? basePathsOf(operation.servers) : pathBases,
      });
    }
  }
  return operations;
}

/**
 * The path part of each server URL, variables replaced by their default and
 * by each of their enum values. `https://api.example.com/v1/` -> `/v1`.
 */
export function basePathsOf(servers: OpenAPIV3.ServerObject[] | undefined): string[] {
  if (!Array.isArray(servers) || servers.length === 0) return [''];
  const bases = new Set<string>();
  for (const server of servers) {
    if (!server || typeof server.url !== 'string') continue;
    for (const url of expandVariables(server.url, server.variables ?? {})) {
      let pathname: string;
      try {
        pathname = new URL(url, 'http://localhost').pathname;
      } catch {
        continue;
      }
      pathname = decodeURI(pathname).replace(/\/+$/, '');
      bases.add(pathname);
    }
  }
  return bases.size > 0 ? [...bases] : [''];
}

function expandVariables(url: string, variables: Record<string, OpenAPIV3.ServerVariableObject>): string[] {
  let urls = [url];
  for (const [name, variable] of Object.entries(variables)) {
    const values = new Set<string>([String(variable.default ?? ''), ...(variable.enum ?? []).map(String)]);
    urls = urls.flatMap((u) => (u.includes(`{${name}}`) ? [...values].map((v) => u.split(`{${name}}`).join(v)) : [u]));
  }
  return urls;
}
