import { describe, expect, it } from 'vitest';
import net from 'node:net';
import http from 'node:http';
import { once } from 'node:events';
import { WebSocketServer, WebSocket } from 'ws';
import { call, proxyFor, settle, startUpstream, type Upstream, closeAfterEach } from './harness.js';
import type { RunningProxy } from '../../src/proxy/index.js';

let upstream: Upstream | undefined;
let proxy: RunningProxy | undefined;
closeAfterEach();

describe('forwarding', () => {
  it('forwards repeated Set-Cookie headers as received, never merged', async () => {
    upstream = await startUpstream((_req, res) => {
      res.setHeader('Set-Cookie', ['a=1; Path=/', 'b=2; HttpOnly']);
      res.setHeader('X-Total', '0');
      res.setHeader('content-type', 'application/json');
      res.end('[]');
    });
    proxy = await proxyFor(upstream.url);
    const res = await call(`${proxy.url}/api/items`);
    expect(res.status).toBe(200);
    expect(res.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; HttpOnly']);
    expect(res.text).toBe('[]');
  });

  it('removes hop-by-hop headers (also those named in Connection) and adds X-Forwarded-*', async () => {
    upstream = await startUpstream((_req, res) => res.end());
    proxy = await proxyFor(upstream.url);
    // node:http, because undici's client does not send custom Connection tokens.
    const { port } = new URL(proxy.url);
    const req = http.request({ host: '127.0.0.1', port, path: '/api/items/mine', headers: { connection: 'keep-alive, x-drop-me', 'x-drop-me': '1', 'x-keep': 'yes', 'x-forwarded-for': '10.0.0.1', host: 'public.example', te: 'trailers' } }).end();
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    res.resume();
    await once(res, 'end');
    const seen = upstream.seen[0]!;
    expect(seen.headers['x-drop-me']).toBeUndefined();
    expect(seen.headers.te).toBeUndefined();
    expect(seen.headers['x-keep']).toBe('yes');
    expect(seen.headers['x-forwarded-for']).toBe('10.0.0.1, 127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers['x-forwarded-host']).toBe('public.example');
    expect(seen.headers.host).toBe('public.example');
  });

  it('forwards repeated request headers as separate lines', async () => {
    upstream = await startUpstream((_req, res) => res.end());
    proxy = await proxyFor(upstream.url);
    await call(`${proxy.url}/api/items/mine`, { headers: { 'x-multi': ['one', 'two'] } });
    const raw = upstream.seen[0]!.rawHeaders;
    const values = raw.filter((_v, i) => i % 2 === 1 && raw[i - 1]!.toLowerCase() === 'x-multi');
    expect(values).toEqual(['one', 'two']);
  });

  it('passes HEAD, 204 and 304 without bodies', async () => {
    upstream = await startUpstream((req, res) => {
      if (req.url?.endsWith('/2')) return void res.writeHead(204).end();
      if (req.url?.endsWith('/3')) return void res.writeHead(304, { etag: '"x"' }).end();
      res.writeHead(200, { 'content-length': '5' }).end(req.method === 'HEAD' ? undefined : 'hello');
    });
    proxy = await proxyFor(upstream.url);
    const head = await call(`${proxy.url}/api/items/1`, { method: 'HEAD' });
    expect([head.status, head.headers['content-length'], head.text]).toEqual([200, '5', '']);
    expect((await call(`${proxy.url}/api/items/2`)).status).toBe(204);
    const notModified = await call(`${proxy.url}/api/items/3`);
    expect([notModified.status, notModified.headers.etag, notModified.text]).toEqual([304, '"x"', '']);
    await settle();
    const report = proxy.stats.report();
    expect(report.operations.find((o) => o.operationId === 'getItem')).toMatchObject({ requests: 3, violations: { request: 0, response: 0 } });
    expect(report.unknownRoutes).toEqual([]);
  });

  it('reads a chunked request body within --max-body before forwarding it whole, and streams a longer one intact', async () => {
    upstream = await startUpstream((_req, res, body) => res.end(String(body.length)));
    const send = async (url: string) => {
      const { port } = new URL(url);
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/api/echo', headers: { 'content-type': 'application/octet-stream' } });
      for (let i = 0; i < 50; i++) req.write(Buffer.alloc(10_000, i));
      req.end();
      const [res] = (await once(req, 'response')) as [http.IncomingMessage];
      let text = '';
      for await (const chunk of res) text += chunk;
      return text;
    };
    const sent = Buffer.concat(Array.from({ length: 50 }, (_v, i) => Buffer.alloc(10_000, i)));
    proxy = await proxyFor(upstream.url);
    expect(await send(proxy.url)).toBe('500000');
    // Request buffering: the upstream gets the body in one piece, with its length (a slow client holds no upstream socket).
    expect(upstream.seen[0]!.headers['transfer-encoding']).toBeUndefined();
    expect(upstream.seen[0]!.headers['content-length']).toBe('500000');
    expect(upstream.seen[0]!.body.equals(sent)).toBe(true);
    const small = await proxyFor(upstream.url, { maxBody: 65_536 });
    expect(await send(small.url)).toBe('500000');
    expect(upstream.seen[1]!.headers['transfer-encoding']).toBe('chunked');
    expect(upstream.seen[1]!.body.equals(sent)).toBe(true);
  });

  it('answers Expect: 100-continue and forwards the body', async () => {
    upstream = await startUpstream((_req, res, body) => res.end(body));
    proxy = await proxyFor(upstream.url);
    const { port } = new URL(proxy.url);
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/api/echo', headers: { 'content-type': 'application/json', expect: '100-continue', 'content-length': '2' } });
    const [continued] = await Promise.race([once(req, 'continue').then(() => ['continue']), new Promise<string[]>((r) => setTimeout(() => r(['timeout']), 2_000))]);
    expect(continued).toBe('continue');
    req.end('{}');
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    let text = '';
    for await (const chunk of res) text += chunk;
    expect(text).toBe('{}');
  });

  it('tunnels WebSocket upgrades both ways', async () => {
    const server = http.createServer();
    const wss = new WebSocketServer({ server });
    wss.on('connection', (socket) => socket.on('message', (data) => socket.send(`echo:${data}`)));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    upstream = { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, seen: [], started: [], close: async () => { wss.close(); server.closeAllConnections(); server.close(); } };
    proxy = await proxyFor(upstream.url);
    const client = new WebSocket(`${proxy.url.replace('http', 'ws')}/api/ws`);
    await once(client, 'open');
    client.send('hi');
    const [message] = await once(client, 'message');
    expect(String(message)).toBe('echo:hi');
    client.close();
  });

  it('answers 502 problem+json when the upstream refuses, and records a bad event', async () => {
    const closed = await startUpstream(() => undefined);
    const url = closed.url;
    await closed.close();
    proxy = await proxyFor(url);
    const res = await call(`${proxy.url}/api/items/mine`);
    expect(res.status).toBe(502);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.json()).toMatchObject({ status: 502, title: 'Bad Gateway' });
    expect(String(res.json().detail)).toContain('ECONNREFUSED');
    expect(await proxy.metrics.registry.getSingleMetricAsString('sworn_requests_total')).toContain('sworn_requests_total{service="api",operation="myItems",status_class="5xx"} 1');
  });

  it('answers 502 when the upstream resets the connection', async () => {
    upstream = await startUpstream((req) => req.socket.destroy());
    proxy = await proxyFor(upstream.url);
    const res = await call(`${proxy.url}/api/items/mine`);
    expect(res.status).toBe(502);
    expect(res.json().title).toBe('Bad Gateway');
  });

  it('answers 504 when the upstream sends no response within --timeout', async () => {
    upstream = await startUpstream(() => undefined); // never answers
    proxy = await proxyFor(upstream.url, { timeoutMs: 200 });
    const res = await call(`${proxy.url}/api/items/mine`);
    expect(res.status).toBe(504);
    expect(res.json()).toMatchObject({ status: 504, title: 'Gateway Timeout' });
  });

  it('forwards a body over --max-body untouched and reports it not validated', async () => {
    upstream = await startUpstream((_req, res, body) => res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 1, name: 'x', size: body.length })));
    proxy = await proxyFor(upstream.url, { maxBody: 1_000 });
    const big = JSON.stringify({ name: 'n'.repeat(5_000) });
    const res = await call(`${proxy.url}/api/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    expect(res.status).toBe(201);
    expect(upstream.seen[0]!.body.toString()).toBe(big);
    await settle();
    const report = proxy.stats.report();
    expect(report.operations.find((o) => o.operationId === 'createItem')!.violations.byCode).toEqual({ 'not-validated': 1 });
  });

  it('forwards CORS preflights the spec does not describe without calling them violations', async () => {
    upstream = await startUpstream((_req, res) => res.writeHead(204, { 'access-control-allow-origin': '*' }).end());
    proxy = await proxyFor(upstream.url);
    const res = await call(`${proxy.url}/api/items`, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } });
    expect([res.status, res.headers['access-control-allow-origin']]).toEqual([204, '*']);
    await call(`${proxy.url}/api/items`, { method: 'OPTIONS' }); // not a preflight: the spec declares no OPTIONS
    await settle();
    expect(proxy.stats.report().unknownRoutes).toEqual([{ method: 'OPTIONS', path: '/api/items', count: 1 }]);
  });

  it('still checks the status of a response whose body is over --max-body', async () => {
    upstream = await startUpstream((_req, res) => res.writeHead(503, { 'content-type': 'text/plain' }).end('x'.repeat(5_000)));
    proxy = await proxyFor(upstream.url, { maxBody: 1_000 });
    expect((await call(`${proxy.url}/api/items/1`)).status).toBe(503);
    await settle();
    expect(proxy.stats.report().operations.find((o) => o.operationId === 'getItem')!.violations.byCode).toEqual({ 'response-status-undeclared': 1 });
  });

  it('keeps serving other requests when a client sends garbage', async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'));
    proxy = await proxyFor(upstream.url);
    const { port } = new URL(proxy.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    socket.write('NOT HTTP AT ALL\r\n\r\n');
    const [answer] = await once(socket, 'data');
    expect(String(answer)).toContain('400 Bad Request');
    socket.destroy();
    expect((await call(`${proxy.url}/api/items/mine`)).text).toBe('ok');
  });
});

describe('routing', () => {
  it('routes static before templates, under the servers base path, percent-decoded, with trailing slashes', async () => {
    upstream = await startUpstream((_req, res) => res.end());
    proxy = await proxyFor(upstream.url);
    await call(`${proxy.url}/api/items/mine`);
    await call(`${proxy.url}/api/items/7/`);
    await call(`${proxy.url}/api/files/hello%20world`);
    await call(`${proxy.url}/items/7`); // no base path: unknown
    await settle();
    const report = proxy.stats.report();
    const requests = Object.fromEntries(report.operations.map((o) => [o.operationId, o.requests]));
    expect(requests).toMatchObject({ myItems: 1, getItem: 1, getFile: 1 });
    expect(report.operations.find((o) => o.operationId === 'getFile')!.violations.request).toBe(0); // "hello world" matches ^[a-z ]+$
    expect(report.unknownRoutes).toEqual([{ method: 'GET', path: '/items/7', count: 1 }]);
    expect(upstream.seen.map((s) => s.url)).toEqual(['/api/items/mine', '/api/items/7/', '/api/files/hello%20world', '/items/7']);
  });
});

describe('malformed requests', () => {
  it('a path with broken percent-encoding is forwarded and reported, and the next request is fine', async () => {
    upstream = await startUpstream((_req, res) => res.end('ok'));
    proxy = await proxyFor(upstream.url);
    const broken = await call(`${proxy.url}/api/files/%E0%A4%A`);
    expect(broken.status).toBe(200);
    expect((await call(`${proxy.url}/api/items/mine`)).text).toBe('ok');
    await settle();
    const report = proxy.stats.report();
    expect(report.unknownRoutes.map((u) => u.path)).toEqual(['/api/files/%E0%A4%A']);
    expect(report.operations.find((o) => o.operationId === 'myItems')!.requests).toBe(1);
  });
});
