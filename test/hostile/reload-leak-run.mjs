// Reloads the spec 20 times (two versions, alternately) while traffic flows through the built
// proxy, and prints the heap after a full GC after each reload, as JSON. Run with --expose-gc.
import http from 'node:http';
import { once } from 'node:events';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import pino from 'pino';
import { loadSpec } from '../../dist/spec/index.js';
import { startProxy } from '../../dist/proxy/index.js';

const fixtures = process.argv[2];
const reloads = Number(process.argv[3] ?? 20);
const dir = mkdtempSync(join(tmpdir(), 'sworn-reload-'));
for (const f of ['orders.yaml', 'keys.yaml']) copyFileSync(join(fixtures, f), join(dir, f));
const file = join(dir, 'orders.yaml');
const versions = [readFileSync(file, 'utf8'), readFileSync(file, 'utf8').replace('operationId: getOrder', 'operationId: fetchOrder')];

const upstream = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(req.url.includes('/items/') ? '{"id":1}' : '[{"id":1},{"id":"two"}]');
  });
});
upstream.listen(0, '127.0.0.1');
await once(upstream, 'listening');
const proxy = await startProxy({ spec: await loadSpec(file), upstream: `http://127.0.0.1:${upstream.address().port}`, port: 0, adminPort: null, store: ':memory:', logger: pino({ level: 'silent' }), flushIntervalMs: 100 });
const client = new Pool(proxy.url, { connections: 8 });
let sent = 0;
let failed = 0;
let stop = false;
const paths = ['/orders/v1/items', '/orders/v1/items/3', '/orders/v1/items/x', '/orders/v1/nowhere'];
const traffic = (async () => {
  while (!stop && sent < 1_000_000) {
    const batch = [];
    for (let k = 0; k < 16; k++) {
      const i = sent++;
      batch.push(client.request({ path: paths[i % paths.length], method: 'GET', headers: { 'x-api-key': i % 3 === 0 ? 'key-shop' : `k${i % 5}` } }).then((r) => r.body.dump(), () => failed++));
    }
    await Promise.all(batch);
  }
})();
const heaps = [];
const reloadFailures = [];
for (let n = 1; n <= reloads; n++) {
  writeFileSync(file, versions[n % 2]);
  const result = await proxy.reload();
  if (!result.ok) reloadFailures.push(result);
  const until = sent + 1_500;
  while (sent < until) await new Promise((r) => setTimeout(r, 5));
  globalThis.gc();
  globalThis.gc();
  heaps.push({ reload: n, sent, heapMb: process.memoryUsage().heapUsed / 1_048_576 });
}
stop = true;
await traffic;
await client.close();
const report = proxy.stats.report();
await proxy.close();
upstream.close();
const counted = report.operations.reduce((n, o) => n + o.requests, 0) + report.unknownRoutes.reduce((n, u) => n + u.count, 0);
console.log(JSON.stringify({ heaps, failed, sent, counted, reloadFailures }));
