// Sends 50,000 exchanges through the built proxy (valid and invalid, GET and POST, some aborted)
// and prints the heap after a full GC at each checkpoint, as JSON. Run with --expose-gc.
import http from 'node:http';
import { once } from 'node:events';
import { Pool } from 'undici';
import pino from 'pino';
import { loadSpec } from '../../dist/spec/index.js';
import { startProxy } from '../../dist/proxy/index.js';

const total = Number(process.argv[3] ?? 50_000);
const every = Math.max(1, Math.floor(total / 10));
const upstream = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.url.startsWith('/v1/echo')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    } else if (req.method === 'POST') {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end('{"name":"rex"}');
    } else {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('[{"name":"rex"}]');
    }
  });
});
upstream.listen(0, '127.0.0.1');
await once(upstream, 'listening');
const spec = await loadSpec(process.argv[2]);
const proxy = await startProxy({ spec, upstream: `http://127.0.0.1:${upstream.address().port}`, port: 0, adminPort: null, store: ':memory:', logger: pino({ level: 'silent' }), flushIntervalMs: 200 });
const client = new Pool(proxy.url, { connections: 16 });
const heaps = [];
let sent = 0;
let failed = 0;
let nextCheck = every;
const one = async (i) => {
  const kind = i % 5;
  try {
    const res = await client.request(
      kind === 0 ? { path: `/v1/pets?name=${'a'.repeat(i % 20)}`, method: 'GET', headers: { 'x-consumer-id': `c${i % 7}` } }
        : kind === 1 ? { path: '/v1/pets', method: 'POST', headers: { 'content-type': 'application/json', 'x-consumer-id': `c${i % 7}` }, body: JSON.stringify({ name: `n${i}` }) }
          : kind === 2 ? { path: '/v1/pets', method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"","bad":1}' }
            : kind === 3 ? { path: `/v1/nowhere/${i % 50}`, method: 'GET' }
              : { path: '/v1/echo', method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ i, pad: 'x'.repeat(i % 2000) }) },
    );
    await res.body.dump();
  } catch {
    failed++;
  }
};
while (sent < total) {
  const batch = [];
  for (let k = 0; k < 64 && sent < total; k++) batch.push(one(sent++));
  await Promise.all(batch);
  if (sent >= nextCheck) {
    nextCheck += every;
    await new Promise((r) => setImmediate(r));
    globalThis.gc();
    globalThis.gc();
    heaps.push({ sent, heapMb: process.memoryUsage().heapUsed / 1_048_576 });
  }
}
await client.close();
await proxy.close();
upstream.close();
console.log(JSON.stringify({ heaps, failed }));
