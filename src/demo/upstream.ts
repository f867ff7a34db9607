import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Spec } from '../spec/load-spec.js';
import { listOperations } from '../spec/operations.js';
import { compileRouter } from '../router/router.js';

/**
 * The demo's stand-in service: answers each operation with the first example
 * of its first declared success response, and now and then breaks the
 * contract on purpose (a missing property, an undeclared 500) and is slow
 * now and then, so the live
 * report has something to show. Not a mock server: `sworn mock` is.
 */
export async function startDemoUpstream(spec: Spec, options: { breakEvery?: number } = {}): Promise<{ url: string; close(): Promise<void> }> {
  const operations = listOperations(spec);
  const router = compileRouter(operations);
  const breakEvery = options.breakEvery ?? 25;
  let served = 0;
  const answers = new Map(operations.map((op) => {
    const entry = Object.entries(op.operation.responses ?? {}).find(([code]) => /^2/.test(code)) ?? ['200', {}];
    const response = spec.deref(entry[1]) as { content?: Record<string, { example?: unknown; examples?: Record<string, { value?: unknown }> }> };
    const [mediaType, media] = Object.entries(response.content ?? {})[0] ?? [];
    const example = media?.example ?? Object.values(media?.examples ?? {})[0]?.value;
    return [op, { status: Number(entry[0]) || 200, mediaType, example }];
  }));
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      served++;
      const match = router.match(req.method ?? 'GET', (req.url ?? '/').split('?')[0] as string);
      const answer = match ? answers.get(match.operation) : undefined;
      if (!answer) return void res.writeHead(404, { 'content-type': 'application/problem+json' }).end('{"title":"Not Found","status":404}');
      if (served % (breakEvery * 4) === 0) return void res.writeHead(500, { 'content-type': 'text/plain' }).end('oops');
      let body = answer.example;
      if (served % breakEvery === 0 && Array.isArray(body) && body.length > 0) body = [{ ...(body[0] as object), name: undefined }]; // drop a required property
      if (answer.status === 201) res.setHeader('location', '/v1/pets/3');
      if (body === undefined || answer.status === 204) return void res.writeHead(answer.status).end();
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      // Mostly quick, with a slow tail, so the latency objectives have something to judge.
      const delay = served % 50 === 0 ? 300 + (served % 7) * 100 : 2 + (served % 23);
      setTimeout(() => res.writeHead(answer.status, { 'content-type': answer.mediaType ?? 'application/json' }).end(text), delay);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
