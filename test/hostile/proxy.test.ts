import net from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import http from 'node:http';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { call, closeAfterEach, proxyFor, settle } from '../proxy/harness.js';
import { ROOT, fixture } from '../helpers.js';
import { HOSTILE_SPEC, hostileProxy, raw, startHostileUpstream, underAttack } from './harness.js';

closeAfterEach();

const until = async (condition: () => boolean, what: string) => {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
};

/** Sends an upgrade request and resets the socket at once (RST, not FIN). */
function upgradeAndReset(url: string, path: string): Promise<void> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
      socket.resetAndDestroy();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
  });
}

/** Runs a sworn command until it prints its URL; the process is killed after the test. */
async function cli(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(ROOT, 'dist/cli/main.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(child);
  for await (const line of createInterface({ input: child.stdout! })) {
    const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(line as string)?.[1];
    if (url) return { url, child };
  }
  throw new Error(`sworn ${args[0]} exited before it listened`);
}
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

describe('remote crash: upgrade then reset', () => {
  it('survives clients that reset right after an upgrade request: the proxy in front of a service, in front of the in-process mock, and sworn mock itself', async () => {
    const upstream = await startHostileUpstream();
    const apiSpec = fixture('proxy/api.yaml');
    const targets = [
      { ...(await cli(['proxy', HOSTILE_SPEC, '--upstream', upstream.url, '--port', '0', '--admin-port', 'off', '--store', ':memory:', '--log-level', 'silent'])), ws: '/v1/ws?room=lobby', probe: '/v1/pets' },
      { ...(await cli(['proxy', apiSpec, '--upstream', 'mock', '--port', '0', '--admin-port', 'off', '--store', ':memory:', '--log-level', 'silent'])), ws: '/api/ws', probe: '/api/items/mine' },
      { ...(await cli(['mock', apiSpec, '--port', '0', '--admin-port', 'off'])), ws: '/api/ws', probe: '/api/items/mine' },
    ];
    for (const t of targets) {
      for (let i = 0; i < 50; i++) await upgradeAndReset(t.url, t.ws);
      expect(t.child.exitCode, t.url).toBeNull();
      expect((await call(`${t.url}${t.probe}`)).status).toBe(200);
    }
  }, 60_000);
});

describe('enforce mode has no side doors', () => {
  it('checks upgrades like any request: an invalid one is refused with 400 and counted, a valid one tunnels', async () => {
    const upstream = await startHostileUpstream();
    const wsServer = http.createServer();
    wsServer.on('upgrade', (req, socket) => {
      socket.on('error', () => undefined);
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      socket.on('data', (d: Buffer) => socket.write(d)); // an echo tunnel
    });
    wsServer.listen(0, '127.0.0.1');
    await once(wsServer, 'listening');
    const wsUrl = `http://127.0.0.1:${(wsServer.address() as net.AddressInfo).port}`;
    try {
      const proxy = await hostileProxy(wsUrl, { mode: 'enforce' });
      const refused = await raw(proxy.url, 'GET /v1/ws?room=attic HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
      expect(refused).toMatch(/^HTTP\/1.1 400 /);
      expect(refused).toContain('request-parameter-invalid');
      const { port } = new URL(proxy.url);
      const echoed = await new Promise<string>((resolve) => {
        const socket = net.connect(Number(port), '127.0.0.1', () => socket.write('GET /v1/ws?room=lobby HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'));
        let text = '';
        socket.on('data', (d: Buffer) => {
          text += d.toString();
          if (text.includes('\r\n\r\n') && !text.includes('ping')) socket.write('ping');
          if (text.endsWith('ping')) socket.destroy();
        });
        socket.on('close', () => resolve(text));
      });
      expect(echoed).toMatch(/^HTTP\/1.1 101 /);
      expect(echoed.endsWith('ping')).toBe(true);
      await settle();
      const ws = proxy.stats.report().operations.find((o) => o.operationId === 'websocket')!;
      expect(ws.requests).toBe(2);
      expect(ws.violations.byCode['request-parameter-invalid']).toBe(1);
    } finally {
      wsServer.closeAllConnections();
      wsServer.close();
    }
    expect(upstream.seen).toHaveLength(0);
  });

  it('reads paths the way servers may: invalid bodies behind path variants never reach the upstream', async () => {
    const upstream = await startHostileUpstream();
    const proxy = await hostileProxy(upstream.url, { mode: 'enforce' });
    const invalid = JSON.stringify({ name: '', extra: true });
    const variants = ['/v1/pets;x=1', '/V1/PETS', '/v1/./pets', '/v1/x/../pets', '/v1/pets%2F', '/v1/%70ets', '/v1\\pets', '/v1/pets/.'];
    for (const path of variants) {
      const answer = await raw(proxy.url, `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${invalid.length}\r\nConnection: close\r\n\r\n${invalid}`);
      expect(answer, path).toMatch(/^HTTP\/1.1 400 /);
      expect(answer, path).toContain('application/problem+json');
    }
    expect(upstream.seen).toHaveLength(0);
    // Dot segments and encoded unreserved characters are plain RFC 3986: a valid body goes through as sent.
    const valid = JSON.stringify({ name: 'rex' });
    const ok = await raw(proxy.url, `POST /v1/x/../pets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${valid.length}\r\nConnection: close\r\n\r\n${valid}`);
    expect(ok).toMatch(/^HTTP\/1.1 404 /); // this upstream does not normalise: its own answer comes back
    expect(upstream.seen.map((s) => s.url)).toEqual(['/v1/x/../pets']);
    // Readings servers disagree on are refused even with a valid body, saying why.
    const ambiguous = await raw(proxy.url, `POST /v1/pets;jsessionid=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${valid.length}\r\nConnection: close\r\n\r\n${valid}`);
    expect(ambiguous).toMatch(/^HTTP\/1.1 400 /);
    expect(ambiguous).toContain('request-path-ambiguous');
    expect(ambiguous).toContain('matrix-parameters');
    const stats = proxy.stats.report();
    expect(stats.operations.find((o) => o.operationId === 'createPet')!.requests).toBe(variants.length + 2);
    expect(stats.unknownRoutes).toEqual([]);
  });

  it('in observe mode, checks path variants against the operation they reach and reports them', async () => {
    const upstream = await startHostileUpstream();
    const proxy = await hostileProxy(upstream.url);
    const res = await call(`${proxy.url}/V1/Pets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":""}' });
    expect(res.status).toBe(404); // the upstream's own answer: observe mode never changes traffic
    await settle();
    const op = proxy.stats.report().operations.find((o) => o.operationId === 'createPet')!;
    expect(op.violations.byCode).toMatchObject({ 'request-path-ambiguous': 1, 'request-body-invalid': 1 });
  });
});

describe('slow uploads and ghosts', () => {
  it('slow chunked uploads hold no upstream socket: everyone else is served, and nothing reaches the upstream after its client left', async () => {
    const upstream = await startHostileUpstream();
    const proxy = await hostileProxy(upstream.url, { bodyTimeoutMs: 60_000 }); // 128 upstream sockets, as by default
    const { port } = new URL(proxy.url);
    const slow: net.Socket[] = [];
    for (let i = 0; i < 140; i++) {
      const socket = net.connect(Number(port), '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write('POST /v1/echo HTTP/1.1\r\nHost: x\r\nX-Consumer-Id: slow\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n');
      slow.push(socket);
    }
    await until(() => proxy.inFlight() >= 140, 'the slow uploads in flight');
    await underAttack(proxy.url, async () => {
      const answers = await Promise.all(Array.from({ length: 20 }, () => request(`${proxy.url}/v1/pets`, { headersTimeout: 5_000 }).then((r) => r.body.text().then(() => r.statusCode), () => 'timed out')));
      expect(answers).toEqual(Array(20).fill(200));
    });
    for (const socket of slow) socket.destroy(); // they give up
    await until(() => proxy.inFlight() === 0, 'the abandoned uploads to end');
    await settle();
    expect(upstream.started.filter((s) => s.headers['x-consumer-id'] === 'slow')).toHaveLength(0);
    expect(proxy.stats.report().operations.find((o) => o.operationId === 'echo')!.requests).toBeGreaterThanOrEqual(140);
  });

  it('withdraws a request still waiting for an upstream socket when its client goes away', async () => {
    const held: http.ServerResponse[] = [];
    const upstream = await startHostileUpstream((req, res) => {
      if (req.url === '/v1/pets?name=aaa') {
        held.push(res);
        return true;
      }
      return false;
    });
    const proxy = await hostileProxy(upstream.url, { upstreamConnections: 1 });
    const first = call(`${proxy.url}/v1/pets?name=aaa`); // takes the only socket
    await until(() => held.length === 1, 'the first request upstream');
    const controller = new AbortController();
    const second = request(`${proxy.url}/v1/pets?name=a`, { signal: controller.signal }).catch((e: Error) => e);
    await until(() => proxy.inFlight() === 2, 'the second request queued');
    controller.abort();
    await second;
    await until(() => proxy.inFlight() === 1, 'the queued request withdrawn');
    held[0]!.writeHead(200, { 'content-type': 'application/json' }).end('[]');
    expect((await first).status).toBe(200);
    expect((await call(`${proxy.url}/v1/pets?name=aa`)).status).toBe(200);
    expect(upstream.seen.map((s) => s.url)).toEqual(['/v1/pets?name=aaa', '/v1/pets?name=aa']);
  });

  it('answers 408 to a body that does not arrive in time, and to headers that do not', async () => {
    const upstream = await startHostileUpstream();
    const proxy = await hostileProxy(upstream.url, { bodyTimeoutMs: 300, headerTimeoutMs: 300 });
    const body = await raw(proxy.url, 'POST /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 100\r\n\r\nonly a part');
    expect(body).toMatch(/^HTTP\/1.1 408 /);
    const headers = await raw(proxy.url, 'GET /v1/pets HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    expect(headers).toMatch(/^HTTP\/1.1 408 /);
    expect(upstream.seen).toHaveLength(0);
    const report = proxy.stats.report();
    expect(report.refused).toContainEqual({ reason: 'header-timeout', count: 1 });
    expect(report.operations.find((o) => o.operationId === 'echo')!.requests).toBe(1);
  });
});

describe('stale keep-alive sockets', () => {
  it('sends an idempotent request again, once, on a fresh connection when a pooled one was dropped; never a POST', async () => {
    // The upstream drops every connection on its second request without answering (as one that closed an idle socket does).
    const perSocket = new WeakMap<net.Socket, number>();
    const upstream = await startHostileUpstream((req, res) => {
      const n = (perSocket.get(req.socket) ?? 0) + 1;
      perSocket.set(req.socket, n);
      if (n >= 2) {
        req.socket.destroy();
        return true;
      }
      return false;
    });
    const proxy = await hostileProxy(upstream.url, { upstreamConnections: 1 });
    for (let i = 0; i < 5; i++) expect((await call(`${proxy.url}/v1/pets`)).status).toBe(200);
    expect((await call(`${proxy.url}/v1/pets`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '[]' })).status).toBe(200);
    expect((await call(`${proxy.url}/v1/pets`)).status).toBe(200);
    const post = await call(`${proxy.url}/v1/pets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"rex"}' });
    expect(post.status).toBe(502); // not safe to repeat: the failure is passed on
    const metrics = await (await fetch(`${proxy.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/sworn_upstream_retries_total\{service="api",operation="listPets"\} 2/);
    expect(metrics).toMatch(/sworn_upstream_retries_total\{service="api",operation="replacePets"\} 1/);
    expect(metrics).not.toMatch(/sworn_upstream_retries_total\{service="api",operation="createPet"\}/);
  });
});

describe('framing the proxy refuses or answers itself', () => {
  it('two Host headers, OPTIONS *, a transfer coding it cannot undo, a status 999, an absolute-form target', async () => {
    const upstream = await startHostileUpstream((req, res) => {
      if (req.url === '/v1/pets?name=a') {
        req.socket.write('HTTP/1.1 999 Odd\r\nContent-Length: 0\r\n\r\n');
        return true;
      }
      return false;
    });
    const proxy = await hostileProxy(upstream.url);
    expect(await raw(proxy.url, 'GET /v1/pets HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n')).toMatch(/^HTTP\/1.1 400 /);
    const options = await raw(proxy.url, 'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(options).toMatch(/^HTTP\/1.1 200 /);
    expect(options).toMatch(/allow: GET, POST, PUT/i);
    expect(await raw(proxy.url, 'POST /v1/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n')).toMatch(/^HTTP\/1.1 501 /);
    const odd = await call(`${proxy.url}/v1/pets?name=a`);
    expect(odd.status).toBe(502);
    expect(odd.text).toContain('999');
    const absolute = await raw(proxy.url, 'GET http://elsewhere.example/v1/pets?name=aa HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(absolute).toMatch(/^HTTP\/1.1 200 /);
    await settle();
    expect(upstream.seen.map((s) => s.url)).toEqual(['/v1/pets?name=a', '/v1/pets?name=aa']);
    expect(upstream.seen[1]!.headers.host).toBe('elsewhere.example');
    const report = proxy.stats.report();
    expect(report.refused).toEqual(expect.arrayContaining([{ reason: 'duplicate-host', count: 1 }, { reason: 'options-asterisk', count: 1 }, { reason: 'transfer-coding', count: 1 }]));
    expect(report.operations.find((o) => o.operationId === 'listPets')!.requests).toBe(2);
    const metrics = await (await fetch(`${proxy.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/sworn_requests_total\{service="api",operation="listPets",status_class="5xx"\} 1/);
    expect(metrics).not.toContain('9xx');
    expect(metrics).toMatch(/sworn_refused_requests_total\{service="api",reason="duplicate-host"\} 1/);
  });

  it('a singleton header sent twice is refused, and Connection cannot strip a header after it was checked', async () => {
    const upstream = await startHostileUpstream();
    const proxy = await hostileProxy(upstream.url, { mode: 'enforce' });
    const body = '{"name":"rex"}';
    expect(await raw(proxy.url, `POST /v1/pets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`)).toMatch(/^HTTP\/1.1 400 /);
    expect(await raw(proxy.url, 'GET /v1/vault/abc HTTP/1.1\r\nHost: x\r\nAuthorization: Basic a\r\nAuthorization: Basic b\r\nX-Subscription: k\r\nConnection: close\r\n\r\n')).toMatch(/^HTTP\/1.1 400 /);
    expect(await raw(proxy.url, `POST /v1/pets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close, Content-Type, Host\r\n\r\n${body}`)).toMatch(/^HTTP\/1.1 201 /);
    expect(await raw(proxy.url, 'GET /v1/vault/abc HTTP/1.1\r\nHost: x\r\nX-Subscription: k\r\nConnection: close, X-Subscription\r\n\r\n')).toMatch(/^HTTP\/1.1 200 /);
    expect(upstream.seen.map((s) => [s.headers['content-type'] ?? s.headers['x-subscription'], s.headers.host])).toEqual([['application/json', 'x'], ['k', 'x']]);
    expect(proxy.stats.report().refused).toContainEqual({ reason: 'duplicate-header', count: 2 });
  });

  it('counts malformed HTTP in /report and /metrics', async () => {
    const upstream = await startHostileUpstream();
    const proxy = await hostileProxy(upstream.url);
    expect(await raw(proxy.url, 'GET /v1/pets HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n')).toMatch(/^HTTP\/1.1 400 /);
    expect(await raw(proxy.url, 'NOT HTTP AT ALL\r\n\r\n')).toMatch(/^HTTP\/1.1 400 /);
    const report = await (await fetch(`${proxy.adminUrl}/report`)).json() as { refused: Array<{ reason: string; count: number }> };
    expect(report.refused).toContainEqual({ reason: 'malformed', count: 2 });
    expect(await (await fetch(`${proxy.adminUrl}/metrics`)).text()).toMatch(/sworn_refused_requests_total\{service="api",reason="malformed"\} 2/);
    expect(upstream.seen).toHaveLength(0); // no request with two framings reaches the upstream
  });

  it('request smuggling: no variant gets a hidden second request to the upstream', async () => {
    const upstream = await startHostileUpstream();
    const proxy = await hostileProxy(upstream.url);
    const hidden = 'GET /v1/smuggled HTTP/1.1\r\nHost: x\r\n\r\n';
    const variants = [
      `POST /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: ${4 + hidden.length}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${hidden}`,
      `POST /v1/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n${hidden}`,
      `POST /v1/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n${hidden}`,
      `POST /v1/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n${hidden}`,
      `POST /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 40\r\n\r\nabc${hidden}`,
      `POST /v1/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nabc\r\n0\r\n\r\n${hidden}`,
      `POST /v1/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\tchunked\r\n\r\n0\n\n${hidden}`,
      `POST /v1/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;ext="x\r\nabc\r\n0\r\n\r\n${hidden}`,
    ];
    await underAttack(proxy.url, async () => {
      for (const bytes of variants) {
        const answer = await raw(proxy.url, bytes, 2_000);
        expect(answer === '' || /^HTTP\/1\.1 (200|400|501) /.test(answer), answer.slice(0, 60)).toBe(true);
      }
    });
    // A request the proxy read as one, with one framing, reaches the upstream as one; the hidden one never does.
    expect(upstream.started.filter((s) => s.url.includes('smuggled'))).toEqual([]);
    for (const s of upstream.started) expect(s.headers['transfer-encoding'] !== undefined && s.headers['content-length'] !== undefined).toBe(false);
  });

  it('upgrades are bounded: clients that half-close are let go, a silent upstream times out with 504, an invalid status is not relayed', async () => {
    const silent = net.createServer((socket) => socket.on('error', () => undefined)); // accepts, never answers
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const odd = http.createServer((_req, res) => {
      res.socket!.end('HTTP/1.1 999 Weird\r\nContent-Length: 0\r\n\r\n');
    });
    odd.listen(0, '127.0.0.1');
    await once(odd, 'listening');
    try {
      const proxy = await hostileProxy(`http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`, { timeoutMs: 500 });
      const { port } = new URL(proxy.url);
      const clients = Array.from({ length: 40 }, () => {
        const socket = net.connect(Number(port), '127.0.0.1', () => socket.end('GET /v1/ws?room=lobby HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'));
        socket.on('error', () => undefined);
        return socket;
      });
      await until(() => proxy.inFlight() === 0, 'half-closed upgrades let go');
      for (const c of clients) c.destroy();
      expect(await raw(proxy.url, 'GET /v1/ws?room=lobby HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n')).toMatch(/^HTTP\/1.1 504 /);
      const oddProxy = await hostileProxy(`http://127.0.0.1:${(odd.address() as net.AddressInfo).port}`);
      expect(await raw(oddProxy.url, 'GET /v1/ws?room=lobby HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n')).toMatch(/^HTTP\/1.1 502 /);
      await settle();
      // The 504 is counted for the operation (a client that half-closed before Node handed over the socket never was an exchange).
      expect(proxy.stats.report().operations.find((o) => o.operationId === 'websocket')!.requests).toBeGreaterThanOrEqual(1);
    } finally {
      silent.close();
      odd.closeAllConnections();
      odd.close();
    }
  });

  it('SIGTERM ends open tunnels at the drain deadline and exits', async () => {
    const wsServer = http.createServer();
    wsServer.on('upgrade', (_req, socket) => {
      socket.on('error', () => undefined);
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    });
    wsServer.listen(0, '127.0.0.1');
    await once(wsServer, 'listening');
    try {
      const { url, child } = await cli(['proxy', HOSTILE_SPEC, '--upstream', `http://127.0.0.1:${(wsServer.address() as net.AddressInfo).port}`, '--port', '0', '--admin-port', 'off', '--store', ':memory:', '--log-level', 'silent', '--drain-timeout', '300ms']);
      const socket = net.connect(Number(new URL(url).port), '127.0.0.1', () => socket.write('GET /v1/ws?room=lobby HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'));
      socket.on('error', () => undefined);
      await once(socket, 'data'); // the tunnel is open
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = await exited;
      expect(code).toBe(0);
      socket.destroy();
    } finally {
      wsServer.closeAllConnections();
      wsServer.close();
    }
  });

  it('relays an upgrade refusal with chunked framing as a well-framed answer', async () => {
    const refusing = http.createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' }); // no length: chunked
      res.write('upgrade ');
      res.end('required');
    });
    refusing.listen(0, '127.0.0.1');
    await once(refusing, 'listening');
    try {
      const proxy = await hostileProxy(`http://127.0.0.1:${(refusing.address() as net.AddressInfo).port}`);
      const answer = await raw(proxy.url, 'GET /v1/ws?room=lobby HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
      expect(answer).toMatch(/^HTTP\/1.1 426 /);
      expect(answer.toLowerCase()).not.toContain('transfer-encoding');
      expect(answer.split('\r\n\r\n')[1]).toBe('upgrade required');
    } finally {
      refusing.closeAllConnections();
      refusing.close();
    }
  });

  it('rate-limits upstream failure logs', async () => {
    const closed = net.createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as net.AddressInfo).port;
    closed.close();
    const proxy = await hostileProxy(`http://127.0.0.1:${port}`, { violationLogsPerSecond: 5 });
    const answers = await Promise.all(Array.from({ length: 60 }, () => call(`${proxy.url}/v1/pets`)));
    expect(answers.every((a) => a.status === 502)).toBe(true);
    const failures = proxy.logs.lines.filter((l) => String(l.msg).startsWith('the upstream could not be reached'));
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.length).toBeLessThanOrEqual(10); // two one-second windows at most, in a slow run
  });

  it('a report window of ten thousand years is cut to what is kept', async () => {
    const upstream = await startHostileUpstream();
    const proxy = await hostileProxy(upstream.url);
    await call(`${proxy.url}/v1/pets`);
    const res = await fetch(`${proxy.adminUrl}/report?since=0001-01-01T00:00:00Z&until=9999-12-31T00:00:00Z`);
    expect(res.status).toBe(200);
    const report = await res.json() as { window: { since: string; until: string } };
    expect(Date.parse(report.window.since)).toBeGreaterThan(Date.now() - 400 * 86_400_000);
    expect(Date.parse(report.window.until)).toBeLessThanOrEqual(Date.now());
  });
});
