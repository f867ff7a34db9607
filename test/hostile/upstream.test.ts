import net from 'node:net';
import { Readable } from 'node:stream';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { request } from 'undici';
import { call, closeAfterEach, settle } from '../proxy/harness.js';
import { hostileProxy, rssMb, startHostileUpstream, underAttack } from './harness.js';

closeAfterEach();

/**
 * A raw TCP upstream: `/v1/pets?name=<fault>` misbehaves as asked; every other
 * request (the background stream's echoes) is answered properly, keep-alive.
 */
async function faultyUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffered.subarray(0, end).toString('latin1');
        const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        const body = buffered.subarray(end + 4, end + 4 + length);
        buffered = buffered.subarray(end + 4 + length);
        const fault = /name=([a-z-]+)/.exec(head.split('\r\n')[0]!)?.[1];
        if (!fault) {
          socket.write(`HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${body.length}\r\n\r\n`);
          socket.write(body);
          continue;
        }
        const json = '[{"name":"rex"}]';
        switch (fault) {
          case 'aaa': // reset before any answer
            socket.resetAndDestroy();
            break;
          case 'aaaa': // reset mid-body
            socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n[{"na');
            setImmediate(() => socket.resetAndDestroy());
            break;
          case 'aaaaa': // a garbage status line
            socket.end('HTTP/1.1 two hundred OK\r\n\r\n');
            break;
          case 'aaaaaa': // short Content-Length: the body ends before its length
            socket.end(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n${json}`);
            break;
          case 'aaaaaaa': // slow headers: never finishes them
            socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n');
            break;
          case 'aaaaaaaa': // slow body: headers, then silence
            socket.write(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${json.length}\r\n\r\n[`);
            break;
          default:
            socket.write(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${json.length}\r\n\r\n${json}`);
        }
        return;
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('a broken upstream', () => {
  it('refused, reset before or during the answer, garbage status, short body, slow headers and body: each a clear answer, traffic unharmed', async () => {
    const faulty = await faultyUpstream();
    try {
      const proxy = await hostileProxy(faulty.url, { timeoutMs: 600 });
      await underAttack(proxy.url, async () => {
        const status = async (name: string) => {
          try {
            const res = await request(`${proxy.url}/v1/pets?name=${name}`, { headersTimeout: 5_000, bodyTimeout: 5_000 });
            await res.body.text();
            return res.statusCode;
          } catch {
            return 'broken-off';
          }
        };
        expect(await status('aaa')).toBe(502); // GET: retried once on a fresh connection, then 502
        expect(await status('aaaa')).toBe('broken-off'); // the status line was sent: the client sees the body cut
        expect(await status('aaaaa')).toBe(502);
        expect(await status('aaaaaa')).toBe('broken-off');
        expect(await status('aaaaaaa')).toBe(504);
        expect(await status('aaaaaaaa')).toBe('broken-off');
      });
      await settle();
      const listPets = proxy.stats.report().operations.find((o) => o.operationId === 'listPets')!;
      expect(listPets.requests).toBe(6);
      const closed = net.createServer().listen(0, '127.0.0.1');
      await once(closed, 'listening');
      const port = (closed.address() as net.AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve())); // nothing listens there now
      const refused = await hostileProxy(`http://127.0.0.1:${port}`, { timeoutMs: 600 });
      expect((await call(`${refused.url}/v1/pets`)).status).toBe(502);
    } finally {
      await faulty.close();
    }
  });

  it('a 100 MB response streams through with bounded memory, unchecked past --max-body', async () => {
    const chunk = Buffer.alloc(1_048_576, 0x61);
    const upstream = await startHostileUpstream((req, res) => {
      if (!req.url?.startsWith('/v1/pets?name=a')) return false;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 100 * chunk.length });
      let sent = 0;
      const more = () => {
        while (sent < 100) {
          sent++;
          if (!res.write(chunk)) return res.once('drain', more);
        }
        res.end();
      };
      more();
      return true;
    });
    const proxy = await hostileProxy(upstream.url);
    const before = rssMb();
    await underAttack(proxy.url, async () => {
      const res = await request(`${proxy.url}/v1/pets?name=a`);
      let bytes = 0;
      for await (const part of res.body) bytes += (part as Buffer).length;
      expect(bytes).toBe(100 * chunk.length);
    });
    expect(rssMb() - before).toBeLessThan(150);
    await settle();
    expect(proxy.stats.report().operations.find((o) => o.operationId === 'listPets')!.violations.byCode['not-validated']).toBe(1);
  });

  it('a 100 MB upload streams to the upstream intact, over --max-body, on the upload share of the sockets', async () => {
    let received = 0;
    const upstream = await startHostileUpstream((req, res, body) => {
      if (req.url !== '/v1/echo' || req.headers['x-consumer-id'] === 'background') return false;
      received = body.length;
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end('ok');
      return true;
    });
    const proxy = await hostileProxy(upstream.url);
    const part = Buffer.alloc(1_048_576, 0x62);
    await underAttack(proxy.url, async () => {
      const res = await request(`${proxy.url}/v1/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', 'x-consumer-id': 'uploader' },
        body: Readable.from((function* () {
          for (let i = 0; i < 100; i++) yield part;
        })()),
      });
      expect(await res.body.text()).toBe('ok');
    });
    expect(received).toBe(100 * part.length);
  });
});
