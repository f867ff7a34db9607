// The sidecar's memory under load, for sizing proxy/kubernetes-sidecar.yaml's requests and limits.
//   npm run build && node proxy/measure-memory.mjs [spec] [requests]
// Spawns the built `sworn proxy` on a spec (default: GitHub's REST description, 13 MB, 1,200+
// operations, from @octokit/openapi) in front of a tiny upstream, with a file store, then:
//   1. one GET to every GET operation of the spec (each compiles its validators on first use: the
//      most a proxy ever holds compiled);
//   2. `requests` (default 20,000) GETs and JSON POSTs spread over the operations, 32 at a time,
//      the admin /metrics and /report read every 500 requests;
// sampling the proxy's resident memory (VmRSS) all along; prints the largest sample and the
// kernel's peak (VmHWM). NODE_OPTIONS reaches the proxy: `NODE_OPTIONS=--max-old-space-size=384`
// measures it as proxy/kubernetes-sidecar.yaml runs it. Not a test: numbers printed, no assertions.
import http from 'node:http';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { parse } from 'yaml';
import { freePort } from '../bench/measure.mjs';

const require = createRequire(import.meta.url);
const specFile = process.argv[2] || require.resolve('@octokit/openapi/generated/api.github.com.json');
const REQUESTS = Number(process.argv[3] ?? 20_000);
const CONCURRENCY = 32;
const bin = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

const status = (pid) => readFileSync(`/proc/${pid}/status`, 'utf8');
const kb = (text, field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1] ?? 0);
const mb = (n) => `${(n / 1024).toFixed(0)} MiB`;

const text = readFileSync(specFile, 'utf8');
const document = specFile.endsWith('.json') ? JSON.parse(text) : parse(text);
const fill = (path) => {
  let n = 0;
  return path.replace(/\{[^}]+\}/g, () => `p${++n}`);
};
const gets = Object.entries(document.paths ?? {}).filter(([, item]) => item.get).map(([path]) => fill(path));
const posts = Object.entries(document.paths ?? {}).filter(([, item]) => item.post).map(([path]) => fill(path));

const upstream = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":1,"name":"x"}'));
});
upstream.listen(0, '127.0.0.1');
await once(upstream, 'listening');

const dir = mkdtempSync(join(tmpdir(), 'sworn-memory-'));
const port = freePort();
const adminPort = freePort();
const url = `http://127.0.0.1:${port}`;
const admin = `http://127.0.0.1:${adminPort}`;
const child = spawn(process.execPath, [bin, 'proxy', specFile, '--upstream', `http://127.0.0.1:${upstream.address().port}`, '--port', String(port), '--admin-port', String(adminPort), '--store', join(dir, 'sworn.db'), '--log-level', 'silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
const exited = once(child, 'exit').then(([code]) => {
  throw new Error(`the proxy exited (${code})`);
});
exited.catch(() => {});

let largest = 0;
const sample = () => {
  try {
    largest = Math.max(largest, kb(status(child.pid), 'VmRSS'));
  } catch {}
};
const sampler = setInterval(sample, 100);

async function send(path, method = 'GET') {
  const res = await request(url + path, { method, headers: { 'content-type': 'application/json', 'x-api-key': `k${path.length % 7}` }, body: method === 'POST' ? '{"name":"x","title":"t","body":"b"}' : null });
  await res.body.dump();
  return res.statusCode;
}

try {
  for (let tries = 0; ; tries++) {
    const ok = await Promise.race([send(gets[0]).then(() => true, () => false), exited]);
    if (ok) break;
    if (tries > 600) throw new Error('the proxy did not answer within 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  sample();
  const atStart = kb(status(child.pid), 'VmRSS');

  const t0 = performance.now();
  for (const path of gets) await send(path);
  sample();
  const afterAll = kb(status(child.pid), 'VmRSS');
  const compileSeconds = (performance.now() - t0) / 1000;

  let sent = 0;
  const t1 = performance.now();
  const worker = async () => {
    while (sent < REQUESTS) {
      const i = sent++;
      if (i % 500 === 0) {
        for (const p of ['/metrics', '/report']) {
          const res = await request(admin + p);
          await res.body.dump();
        }
      }
      const post = posts.length > 0 && i % 4 === 3;
      await send(post ? posts[i % posts.length] : gets[(i * 7919) % gets.length], post ? 'POST' : 'GET');
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const loadSeconds = (performance.now() - t1) / 1000;
  sample();
  const proc = status(child.pid);
  console.log(`sworn proxy memory · node ${process.version} · ${specFile.split('/').pop()} (${(readFileSync(specFile).length / 1e6).toFixed(2)} MB, ${gets.length} GET and ${posts.length} POST paths) · file store`);
  console.log(`RSS once serving                       ${mb(atStart)}`);
  console.log(`RSS after one GET to every GET path    ${mb(afterAll)}   (${compileSeconds.toFixed(1)} s)`);
  console.log(`RSS after ${REQUESTS} requests, ${CONCURRENCY} at a time  ${mb(kb(proc, 'VmRSS'))}   (${(REQUESTS / loadSeconds).toFixed(0)} req/s)`);
  console.log(`largest RSS sample                     ${mb(largest)}`);
  console.log(`peak RSS (VmHWM)                       ${mb(kb(proc, 'VmHWM'))}`);
} finally {
  clearInterval(sampler);
  child.kill('SIGKILL');
  await once(child, 'exit').catch(() => {});
  upstream.close();
  rmSync(dir, { recursive: true, force: true });
}
