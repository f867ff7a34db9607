import type { IncomingMessage } from 'node:http';
import type { CompiledOperation } from '../validate/index.js';
import type { Forwarded } from './forward.js';
import { headerString } from './headers.js';
import { concat } from './checks.js';
import { redactBody, redactHeaders, redactPath, redactQuery } from './redact.js';

/** What a sample of the request is made from. */
export interface SampledRequest {
  method: string;
  path: string;
  query: string;
  params: Record<string, string>;
  operation: CompiledOperation | undefined;
  body: Buffer | undefined;
  bodyTooLarge: boolean;
}

/** The redacted excerpt of a request stored with its violations: no secret name's value anywhere. */
export function requestSample(x: SampledRequest, req: IncomingMessage, unknownRouteSecrets: ReadonlySet<string>): { request: object } {
  const secrets = x.operation?.secretNames ?? unknownRouteSecrets;
  return {
    request: {
      method: x.method,
      path: x.operation ? redactPath(x.path, x.params, x.operation) : x.path,
      query: redactQuery(x.query, secrets),
      headers: redactHeaders(req.headers, secrets),
      body: x.bodyTooLarge ? '<over --max-body>' : redactBody(x.body, req.headers['content-type'], secrets),
    },
  };
}

/** The redacted excerpt of the response, added to the request's. */
export function responseSample(operation: CompiledOperation, upstream: Forwarded): { response: object } {
  return {
    response: {
      status: upstream.status,
      headers: redactHeaders(upstream.headers, operation.secretNames),
      body: upstream.tooLarge ? '<over --max-body>' : redactBody(concat(upstream.chunks), headerString(upstream.headers['content-type']), operation.secretNames),
    },
  };
}
