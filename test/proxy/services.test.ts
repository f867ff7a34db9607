import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pino from 'pino';
import { loadSpec } from '../../src/spec/index.js';
import { startProxy, type ProxyOptions, type RunningProxy } from '../../src/proxy/index.js';
import { Store } from '../../src/store/index.js';
import { call, closeAfterEach, LogCapture, settle, startUpstream, tempDir } from './harness.js';
import { ROOT, cli, fixture } from '../helpers.js';

closeAfterEach();
const opened: RunningProxy[] = [];
let child: ChildProcess | undefined;
afterEach(async () => {
  child?.kill('SIGKILL');
  child = undefined;
  for (const p of opened.splice(0)) await p.close();
});

const json = (body: unknown) => (_req: unknown, res: import('node:http').ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

async function start(options: ProxyOptions): Promise<RunningProxy & { logs: LogCapture }> {
  const logs = new LogCapture();
  const proxy = await startProxy({ port: 0, adminPort: 0, store: ':memory:', logger: pino({ level: 'info' }, logs), ...options });
  opened.push(proxy);
  return Object.assign(proxy, { logs });
}

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A copy of the services fixtures in a folder of its own, to edit. */
function workspace(): { dir: string; orders: string; keys: string } {
  const dir = tempDir();
  for (const f of ['orders.yaml', 'billing.yaml', 'keys.yaml']) copyFileSync(fixture(`services/${f}`), join(dir, f));
  return { dir, orders: join(dir, 'orders.yaml'), keys: join(dir, 'keys.yaml') };
}

const requestsOf = (proxy: RunningProxy, service: number, operation: string) => proxy.services[service]!.ledger.report().operations.find((o) => o.operationId === operation)?.requests;

describe('several specs behind one proxy', () => {
  it('routes each spec\'s paths to its own upstream, and keeps its own ledger, report, metrics and store', async () => {
    const a = await startUpstream(json([{ id: 1 }]));
    const b = await startUpstream(json([{ total: 'three' }])); // breaks billing's contract
    const dir = tempDir();
    const proxy = await start({
      services: [
        { spec: await loadSpec(fixture('services/orders.yaml')), upstream: a.url },
        { spec: await loadSpec(fixture('services/billing.yaml')), upstream: b.url },
      ],
      store: join(dir, 'sworn.db'),
    });
    expect(proxy.services.map((s) => s.name)).toEqual(['orders', 'billing']);
    expect((await call(`${proxy.url}/orders/v1/items`)).json()).toEqual([{ id: 1 }]);
    expect((await call(`${proxy.url}/billing/v1/items`)).json()).toEqual([{ total: 'three' }]);
    expect((await call(`${proxy.url}/billing/v1/items`)).status).toBe(200);
    await settle();
    expect([a.seen.map((s) => s.url), b.seen.map((s) => s.url)]).toEqual([['/orders/v1/items'], ['/billing/v1/items', '/billing/v1/items']]);
    expect(requestsOf(proxy, 0, 'listOrders')).toBe(1);
    expect(requestsOf(proxy, 1, 'listInvoices')).toBe(2);
    expect(proxy.services[0]!.ledger.report().operations.map((o) => o.operationId)).toEqual(['listOrders', 'getOrder']);
    expect(proxy.services[1]!.ledger.report().operations.find((o) => o.operationId === 'listInvoices')!.violations.response).toBe(2);

    const all = (await call(`${proxy.adminUrl}/report`)).json() as { services: Record<string, { spec: { title: string } }> };
    expect(Object.keys(all.services)).toEqual(['orders', 'billing']);
    expect(all.services.billing!.spec.title).toBe('Billing');
    const one = (await call(`${proxy.adminUrl}/report?service=billing`)).json() as { spec: { title: string }; operations: Array<{ operationId: string; requests: number }> };
    expect([one.spec.title, one.operations.map((o) => [o.operationId, o.requests])]).toEqual(['Billing', [['listInvoices', 2]]]);
    const typo = await call(`${proxy.adminUrl}/report?service=biling`);
    expect([typo.status, typo.json().hint]).toEqual([400, 'Did you mean service=billing? Services: orders, billing.']);

    const metrics = (await call(`${proxy.adminUrl}/metrics`)).text;
    expect(metrics).toContain('sworn_requests_total{service="orders",operation="listOrders",status_class="2xx"} 1');
    expect(metrics).toContain('sworn_requests_total{service="billing",operation="listInvoices",status_class="2xx"} 2');
    expect(metrics).toContain('sworn_violations_total{service="billing",operation="listInvoices",direction="response",code="response-body-invalid"} 2');
    expect(metrics).toContain('sworn_consumer_violations_total{service="billing",consumer="127.0.0.1",direction="response",code="response-body-invalid"} 2');
    expect(metrics).toMatch(/sworn_store_healthy\{service="orders"\} 1/);
    const ready = (await call(`${proxy.adminUrl}/readyz`)).json() as { status: string; services: Record<string, { store: { state: string } }> };
    expect([ready.status, Object.keys(ready.services), ready.services.billing!.store.state]).toEqual(['ready', ['orders', 'billing'], 'ok']);

    await proxy.close();
    for (const [name, operation, n] of [['orders', 'listOrders', 1], ['billing', 'listInvoices', 2]] as const) {
      const file = join(dir, `sworn.${name}.db`);
      expect(existsSync(file), file).toBe(true);
      const store = new Store(file);
      expect(store.load().requests.map((r) => [r.operation, r.requests])).toEqual([[operation, n]]);
      store.close();
    }
    expect(existsSync(join(dir, 'sworn.db'))).toBe(false);
  });

  it('routes by Host when specs share their paths', async () => {
    const a = await startUpstream(json([{ id: 1 }]));
    const b = await startUpstream(json([{ id: 2 }]));
    const spec = await loadSpec(fixture('services/orders.yaml'));
    const proxy = await start({ services: [{ name: 'eu', spec, upstream: a.url, hosts: ['eu.example.com'] }, { name: 'us', spec, upstream: b.url, hosts: ['US.example.com'] }] });
    expect((await call(`${proxy.url}/orders/v1/items`, { headers: { host: 'us.example.com:8443' } })).json()).toEqual([{ id: 2 }]);
    expect((await call(`${proxy.url}/orders/v1/items`, { headers: { host: 'eu.example.com' } })).json()).toEqual([{ id: 1 }]);
    expect((await call(`${proxy.url}/orders/v1/items`)).json()).toEqual([{ id: 1 }]); // no Host of theirs: the first
    await settle();
    expect([requestsOf(proxy, 0, 'listOrders'), requestsOf(proxy, 1, 'listOrders')]).toEqual([2, 1]);
  });

  it('refuses two services of one name, and an upstream that is not a URL', async () => {
    const spec = await loadSpec(fixture('services/orders.yaml'));
    await expect(startProxy({ services: [{ name: 'x', spec, upstream: 'http://127.0.0.1:1' }, { name: 'x', spec, upstream: 'http://127.0.0.1:2' }], port: 0, adminPort: null, store: ':memory:' })).rejects.toMatchObject({ code: 'SWORN_ERR_CONFIG', message: 'two services are named "x"' });
    await expect(startProxy({ services: [{ spec, upstream: 'ftp://nope' }], port: 0, adminPort: null, store: ':memory:' })).rejects.toMatchObject({ code: 'SWORN_ERR_USAGE' });
    // One x-slo service under two names would expose every series twice, and Prometheus would drop counts.
    const same = await loadSpec(fixture('fleet/orders.yaml'));
    await expect(startProxy({ services: [{ name: 'eu', spec: same, upstream: 'http://127.0.0.1:1', hosts: ['eu.example'] }, { name: 'us', spec: same, upstream: 'http://127.0.0.1:2', hosts: ['us.example'] }], port: 0, adminPort: null, store: ':memory:' })).rejects.toMatchObject({ code: 'SWORN_ERR_CONFIG', message: expect.stringContaining('service="orders"') });
  });
});

describe('reload', () => {
  it('puts a changed spec in force for new exchanges; removed operations keep their history and counts carry on', async () => {
    const upstream = await startUpstream(json([{ id: 1 }]));
    const { orders } = workspace();
    const proxy = await start({ spec: await loadSpec(orders), upstream: upstream.url });
    for (let i = 0; i < 3; i++) await call(`${proxy.url}/orders/v1/items`);
    await call(`${proxy.url}/orders/v1/items/7`);
    expect((await call(`${proxy.url}/orders/v1/items`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status).toBe(200);
    await settle();
    expect(proxy.stats.report().unknownRoutes).toEqual([{ method: 'POST', path: '/orders/v1/items', count: 1 }]);

    // getOrder goes, createOrder comes.
    const text = readFileSync(orders, 'utf8');
    writeFileSync(orders, text.replace(/  \/items\/\{id\}:[\s\S]*$/, '').replace('  /items:\n    get:', `  /items:\n    post:\n      operationId: createOrder\n      responses:\n        '200': {description: created}\n    get:`));
    const result = await proxy.reload();
    expect(result).toEqual({ ok: true, services: [{ service: 'default', ok: true, operations: 2 }] });
    await call(`${proxy.url}/orders/v1/items`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    await call(`${proxy.url}/orders/v1/items`);
    await settle();
    const report = proxy.stats.report();
    expect(report.operations.map((o) => [o.operationId, o.requests])).toEqual([['listOrders', 4], ['createOrder', 1], ['getOrder', 1]]);
    expect(report.unknownRoutes).toEqual([{ method: 'POST', path: '/orders/v1/items', count: 1 }]);
    expect(proxy.operations.map((o) => o.id)).toEqual(['listOrders', 'createOrder']);
    // The SLO windows carried over to the new promises.
    expect(proxy.engine.figures('listOrders')!.availability).toMatchObject({ valid: 4, good: 4 });
    const metrics = (await call(`${proxy.adminUrl}/metrics`)).text;
    expect(metrics).toContain('sworn_reloads_total{service="orders",result="success"} 1');
    expect(metrics).toContain('sworn_reload_last_successful{service="orders"} 1');
  });

  it('lets an exchange under way finish on the spec it began with', async () => {
    let release: (() => void) | undefined;
    const upstream = await startUpstream((_req, res) => {
      if (release) json([{ id: 1 }])(undefined, res);
      else release = () => json([{ id: 1 }])(undefined, res); // the first request waits
    });
    const { orders } = workspace();
    const proxy = await start({ spec: await loadSpec(orders), upstream: upstream.url });
    const pending = call(`${proxy.url}/orders/v1/items`);
    await until(() => release !== undefined, 'the request to reach the upstream');
    writeFileSync(orders, readFileSync(orders, 'utf8').replace('operationId: listOrders', 'operationId: listAllOrders'));
    expect((await proxy.reload()).ok).toBe(true);
    release!();
    expect((await pending).status).toBe(200);
    await call(`${proxy.url}/orders/v1/items`);
    await settle();
    expect(proxy.stats.report().operations.map((o) => [o.operationId, o.requests])).toEqual([['listAllOrders', 1], ['getOrder', 0], ['listOrders', 1]]);
  });

  it('keeps the spec in force when the new one fails, and says so in the log, /readyz and the metrics', async () => {
    const upstream = await startUpstream(json([{ id: 1 }]));
    const { orders } = workspace();
    const proxy = await start({ spec: await loadSpec(orders), upstream: upstream.url });
    const good = readFileSync(orders, 'utf8');
    writeFileSync(orders, good.replace('paths:', 'paths:\n  broken: [\n'));
    const failed = await proxy.reload();
    expect(failed.ok).toBe(false);
    expect(failed.services[0]!.error).toMatch(/^SWORN_ERR_\w+: /);
    expect((await call(`${proxy.url}/orders/v1/items/3`)).status).toBe(200);
    await settle();
    expect(requestsOf(proxy, 0, 'getOrder')).toBe(1);
    const ready = (await call(`${proxy.adminUrl}/readyz`)).json() as { status: string; reload: { failed: number; lastError?: string } };
    expect([ready.status, ready.reload.failed, ready.reload.lastError]).toEqual(['ready', 1, failed.services[0]!.error]);
    expect((await call(`${proxy.adminUrl}/metrics`)).text).toContain('sworn_reload_last_successful{service="orders"} 0');
    expect(proxy.logs.lines.some((l) => l.msg === 'the spec could not be reloaded; the one in force stays' && l.level === 50)).toBe(true);

    writeFileSync(orders, good);
    expect((await proxy.reload()).ok).toBe(true);
    const after = (await call(`${proxy.adminUrl}/readyz`)).json() as { reload: { succeeded: number; failed: number; lastError?: string } };
    expect(after.reload).toMatchObject({ succeeded: 1, failed: 1 });
    expect(after.reload.lastError).toBeUndefined();
    expect((await call(`${proxy.adminUrl}/metrics`)).text).toContain('sworn_reload_last_successful{service="orders"} 1');
  });

  it('reads the consumer key map again', async () => {
    const upstream = await startUpstream(json([{ id: 1 }]));
    const { orders, keys } = workspace();
    const proxy = await start({ spec: await loadSpec(orders), upstream: upstream.url });
    await call(`${proxy.url}/orders/v1/items`, { headers: { 'x-api-key': 'key-new' } });
    writeFileSync(keys, `${readFileSync(keys, 'utf8')}key-new: {consumer: newcomer}\n`);
    expect((await proxy.reload()).ok).toBe(true);
    await call(`${proxy.url}/orders/v1/items`, { headers: { 'x-api-key': 'key-new' } });
    await settle();
    expect(proxy.stats.report().consumers.map((c) => `${c.consumer}/${c.requests}`).sort()).toEqual(['127.0.0.1/1', 'newcomer/1']);
  });
});

describe('sworn proxy with several specs, SIGHUP and --watch (the command)', () => {
  async function startCli(args: string[], cwd = ROOT): Promise<{ lines: string[]; url: string; admin: string; stderr: string[] }> {
    child = spawn(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'proxy', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = createInterface({ input: child.stdout! });
    const stderr: string[] = [];
    createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l));
    const lines: string[] = [];
    out.on('line', (l) => lines.push(l));
    const [first] = (await once(out, 'line')) as [string];
    return { lines, url: /listening on (\S+)/.exec(first)![1]!, admin: /admin (\S+)/.exec(first)![1]!, stderr };
  }
  const operationsOf = async (admin: string, service?: string) => ((await call(`${admin}/report${service ? `?service=${service}` : ''}`)).json() as { operations: Array<{ operationId: string }> }).operations.map((o) => o.operationId);

  it('--spec twice with --upstream twice: one line per service, each routed to its upstream', async () => {
    const a = await startUpstream(json([{ id: 1 }]));
    const b = await startUpstream(json([{ total: 1 }]));
    const { lines, url } = await startCli(['--spec', fixture('services/orders.yaml'), '--spec', fixture('services/billing.yaml'), '--upstream', a.url, '--upstream', b.url, '--port', '0', '--admin-port', '0', '--store', ':memory:', '--log-level', 'silent']);
    await until(() => lines.length >= 3, 'the service lines');
    expect(lines[0]).toMatch(/^sworn proxy listening on http:\/\/127\.0\.0\.1:\d+ · 2 services · observe mode · admin http:\/\/127\.0\.0\.1:\d+$/);
    expect(lines[1]).toBe(`  orders: paths under /orders/v1 -> ${a.url} · Orders 1.0.0, 2 operations`);
    expect(lines[2]).toBe(`  billing: paths under /billing/v1 -> ${b.url} · Billing 2.0.0, 1 operation`);
    expect((await call(`${url}/billing/v1/items`)).json()).toEqual([{ total: 1 }]);
    expect(b.seen.map((s) => s.url)).toEqual(['/billing/v1/items']);
  });

  it('a config file lists services; SIGHUP reloads them, a broken spec is reported and the old one stays', async () => {
    const upstream = await startUpstream(json([{ id: 1 }]));
    const { dir, orders } = workspace();
    const config = join(dir, 'sworn.yaml');
    writeFileSync(config, `services:\n  - {name: shop, spec: orders.yaml, upstream: ${upstream.url}}\n  - {spec: billing.yaml, upstream: ${upstream.url}}\nport: 0\nadmin-port: 0\nstore: ":memory:"\nlog-level: silent\n`);
    const { admin, stderr } = await startCli(['--config', config]);
    expect(await operationsOf(admin, 'shop')).toEqual(['listOrders', 'getOrder']);
    writeFileSync(orders, readFileSync(orders, 'utf8').replace('operationId: getOrder', 'operationId: fetchOrder'));
    child!.kill('SIGHUP');
    // Each service's line is written as its reload ends: wait for both.
    await until(() => stderr.includes('SIGHUP: shop reloaded (2 operations)') && stderr.includes('SIGHUP: billing reloaded (1 operation)'), 'the reload of both services');
    expect(await operationsOf(admin, 'shop')).toEqual(['listOrders', 'fetchOrder', 'getOrder']);
    writeFileSync(orders, 'openapi: [');
    child!.kill('SIGHUP');
    await until(() => stderr.some((l) => l.startsWith('SIGHUP: shop not reloaded, the spec in force stays: SWORN_ERR_')), 'the failed reload');
    expect(await operationsOf(admin, 'shop')).toEqual(['listOrders', 'fetchOrder', 'getOrder']);
    expect(child!.exitCode).toBeNull();
  });

  it('--watch reloads when the spec file changes', async () => {
    const upstream = await startUpstream(json([{ id: 1 }]));
    const { orders } = workspace();
    const { admin, stderr } = await startCli([orders, '--upstream', upstream.url, '--watch', '--port', '0', '--admin-port', '0', '--store', ':memory:', '--log-level', 'silent']);
    writeFileSync(orders, readFileSync(orders, 'utf8').replace('operationId: getOrder', 'operationId: fetchOrder'));
    await until(async () => (await operationsOf(admin)).includes('fetchOrder'), 'the watched reload');
    expect(stderr).toContain('change: default reloaded (2 operations)');
  });

  it('says what to type when specs and upstreams do not pair up, and names a typo in services', async () => {
    const paired = await cli(['proxy', '--spec', fixture('services/orders.yaml'), '--spec', fixture('services/billing.yaml'), '--upstream', 'http://127.0.0.1:1', '--upstream', 'http://127.0.0.1:2', '--upstream', 'http://127.0.0.1:3', '--port', '0', '--admin-port', 'off']);
    expect(paired.code).toBe(2);
    expect(paired.stderr).toContain('2 specs but 3 upstreams');
    expect(paired.stderr).toContain('Give one --upstream per --spec, in the same order');
    const dir = tempDir();
    writeFileSync(join(dir, 'sworn.yaml'), `services:\n  - {spec: orders.yaml, upstraem: http://127.0.0.1:1}\n`);
    const typo = await cli(['proxy', '--config', join(dir, 'sworn.yaml')]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('unknown key `upstraem` in services[0]');
    expect(typo.stderr).toContain('Did you mean `upstream`?');
  });
});
