import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { request } from 'undici';
import type { Browser, Page } from 'playwright-core';
import { call, closeAfterEach, proxyFor, startUpstream, tempDir } from '../proxy/harness.js';
import { cli, fixture } from '../helpers.js';
import { hasBrowser, launchBrowser, screenshotPath } from '../browser.js';

closeAfterEach();

const TOKEN = 'dashboard-admin-token-0123456789';
const EVIL = '<img src=x onerror="window.__pwned=1">';

interface Figures {
  availability: { good: number; valid: number; target: number; achieved: number | null; met: boolean | null } | null;
  errorBudget: { remaining: number | null } | null;
  alerts: Array<{ severity: string; long: string; short: string; factor: number; firing: boolean }>;
}
interface ReportJson {
  summary: { missed: unknown[]; violations: { request: number; response: number; unknownRoutes: number }; alertsFiring: unknown[] };
  operations: Array<{ operationId: string; requests: number; slo: Figures | null }>;
  consumers: Array<{ consumer: string; tier: string; operations: Array<{ operationId: string; requests: number; violations: { request: number; response: number }; slo: Figures | null }> }>;
}

/** A proxy of the shop spec whose clock the upstream moves: each call takes `x-test-duration` ms, then 5 s pass. */
async function shop(options: { store?: string; start?: number } = {}) {
  let clock = options.start ?? Date.parse('2026-12-01T10:00:00Z');
  const upstream = await startUpstream((req, res) => {
    clock += Number(req.headers['x-test-duration'] ?? 20);
    const status = Number(req.headers['x-test-status'] ?? (req.method === 'POST' ? 201 : 200));
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(req.method === 'GET' ? (req.headers['x-test-bad'] ? '[{"id":"one"}]' : '[{"id":1}]') : '');
  });
  const proxy = await proxyFor(upstream.url, { specFile: fixture('dashboard/shop.yaml'), clock: () => clock, adminToken: TOKEN, dashboardRefreshSeconds: 1, dashboardCacheMs: 0, ...(options.store ? { store: options.store } : {}) });
  const send = async (path: string, headers: Record<string, string>, body?: unknown) => {
    const res = await request(`${proxy.url}${path}`, { method: body === undefined ? 'GET' : 'POST', headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? null : JSON.stringify(body) });
    await res.body.dump();
    clock += 5_000;
  };
  return { proxy, send, now: () => clock, advance: (ms: number) => void (clock += ms) };
}

const admin = (url: string, path: string, init: { method?: string; body?: string } = {}) => call(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}` } });
const percentText = (f: Figures) => `${Number(((f.availability!.good / f.availability!.valid) * 100).toFixed(3))}% of ${f.availability!.target}% ${f.availability!.met ? '✓' : '✗'}`;
const text = (page: Page, selector: string) => page.locator(selector).first().innerText();

describe.skipIf(!hasBrowser)('the live dashboard on the admin port, in a real browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the ledger\'s figures per operation and tier, violations by side and consumer, samples, maintenance and faults, and refreshes itself', async () => {
    const { proxy, send } = await shop();
    const acme = { 'x-api-key': 'key-acme' };
    const hobby = { 'x-api-key': 'key-hobby' };
    for (let i = 0; i < 60; i++) await send('/orders', { ...acme, 'x-test-duration': String(i % 12 === 0 ? 250 : 50), ...(i % 20 === 5 ? { 'x-test-status': '503' } : {}) });
    await send('/orders', { ...acme, 'x-test-bad': '1' });
    for (let i = 0; i < 30; i++) await send('/orders', hobby);
    for (let i = 0; i < 10; i++) await send('/orders', hobby, { item: `book ${i}` });
    for (let i = 0; i < 4; i++) await send('/orders', hobby, { note: 'no item' });
    for (let i = 0; i < 2; i++) await send('/orders', { 'x-consumer-id': EVIL }, { item: '<script>window.__pwned=2</script>', extra: EVIL });
    const fault = await admin(proxy.adminUrl!, '/faults', { method: 'POST', body: JSON.stringify({ kind: 'latency', add: '300ms', operations: ['createOrder'], percent: 10, ttl: '10m' }) });
    expect(fault.status).toBe(201);

    // Without the token the page asks the browser for it (Basic: the password is the token).
    const bare = await call(`${proxy.adminUrl}/`);
    expect(bare.status).toBe(401);
    expect(bare.headers['www-authenticate']).toMatch(/^Basic realm="sworn admin/);
    const context = await browser.newContext({ httpCredentials: { username: 'sre', password: TOKEN }, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const response = await page.goto(`${proxy.adminUrl}/`);
    expect(response!.status()).toBe(200);
    expect(response!.headers()['content-security-policy']).toContain("default-src 'none'");
    await page.screenshot({ path: screenshotPath('dashboard-day-one'), fullPage: true });
    await page.screenshot({ path: screenshotPath('dashboard-day-one-top') });
    // The page swaps its <main> every second: an element may go between finding and shooting it, so try again (three times at most).
    for (let attempt = 0; ; attempt++) {
      try {
        await page.locator('section[data-operation="listOrders"] .panel[data-tier="*"]').screenshot({ path: screenshotPath('dashboard-day-one-panel') });
        break;
      } catch (error) {
        if (attempt === 2) throw error;
      }
    }

    const report = (await admin(proxy.adminUrl!, '/report')).json() as unknown as ReportJson;
    const list = report.operations.find((o) => o.operationId === 'listOrders')!;
    // The summary cards: the ledger's counts.
    expect(await text(page, '[data-card="missed"] b')).toBe(String(report.summary.missed.length));
    expect(await text(page, '[data-card="firing"] b')).toBe(String(report.summary.alertsFiring.length));
    expect(await text(page, '[data-card="request-violations"] b')).toBe(String(report.summary.violations.request));
    expect(report.summary.violations.request).toBe(6);
    expect(await text(page, '[data-card="response-violations"] b')).toBe(String(report.summary.violations.response));
    expect(report.summary.violations.response).toBe(1);
    expect(await text(page, '[data-card="faults"] b')).toBe('1');
    // One row per operation: requests, availability (good / valid, computed here), budget left.
    expect(await text(page, 'tr[data-operation="listOrders"] [data-figure="requests"]')).toBe('91');
    expect(list.requests).toBe(91);
    expect(await text(page, 'tr[data-operation="listOrders"] [data-figure="availability"]')).toBe(percentText(list.slo!));
    expect(list.slo!.availability!.valid - list.slo!.availability!.good).toBe(3);
    const budget = list.slo!.errorBudget!.remaining!;
    expect(await text(page, 'tr[data-operation="listOrders"] [data-figure="budget"]')).toBe(`${Number((budget * 100).toFixed(1))}%`);
    // The operation's burn-down ends at the budget left now; its availability chart has one point per minute of history.
    const section = page.locator('section[data-operation="listOrders"]');
    const own = section.locator('.panel[data-tier="*"]');
    const last = Number(await own.locator('[data-chart="burn-down"] [data-last]').getAttribute('data-last'));
    expect(last).toBeCloseTo(budget * 100, 6);
    expect(await own.locator('[data-chart="availability"] svg path').first().getAttribute('d')).toMatch(/^M[\d.]+,[\d.]+L/);
    expect(await page.locator('p.history').innerText()).toMatch(/^\d+ minutes of history/);
    // Burn rates: one group per alert, firing as the engine says.
    const alerts = own.locator('[data-chart="burn-rates"] g[data-alert]');
    expect(await alerts.count()).toBe(list.slo!.alerts.length);
    for (const a of list.slo!.alerts) expect(await own.locator(`[data-chart="burn-rates"] g[data-alert="${a.severity} ${a.long}/${a.short} at ${a.factor}x"]`).getAttribute('data-state')).toBe(a.firing ? 'firing' : 'quiet');
    // The gold tier's panel judges acme (its only consumer) against gold's promise: the consumer's figures in the report.
    const acmeFigures = report.consumers.find((c) => c.consumer === 'acme')!.operations.find((o) => o.operationId === 'listOrders')!.slo!;
    expect(acmeFigures.availability!.target).toBe(99.9);
    const gold = section.locator('details.panel[data-tier="gold"]');
    expect(await gold.getAttribute('open')).toBe(acmeFigures.availability!.met === false ? '' : null);
    expect(await gold.locator('[data-figure="availability"]').textContent()).toBe(percentText(acmeFigures));
    // Violations by consumer, the consumer's side and the provider's.
    const create = page.locator('section[data-operation="createOrder"]');
    const hobbyRow = report.consumers.find((c) => c.consumer === 'hobby')!.operations.find((o) => o.operationId === 'createOrder')!;
    expect(await create.locator('tr[data-consumer="hobby"] [data-figure="request-violations"]').innerText()).toBe(String(hobbyRow.violations.request));
    expect(hobbyRow.violations.request).toBe(4);
    expect(await section.locator('tr[data-consumer="acme"] [data-figure="response-violations"]').innerText()).toBe('1');
    // The latest samples, redacted: the API key's value is nowhere on the page.
    await create.locator('details[id^="samples-"] summary').click();
    expect(await create.locator('.sample').count()).toBeGreaterThan(0);
    expect(await page.content()).not.toContain('key-acme');
    expect(await page.content()).not.toContain('key-hobby');
    // Maintenance windows and the fault in force.
    expect(await section.locator('li[data-window="nightly-backup"]').getAttribute('data-active')).toBe('false');
    expect(await create.locator('li[data-fault]').innerText()).toContain('latency +300ms on createOrder');
    // Text from traffic (a consumer name, a body) is shown, never run.
    expect(await create.locator('tr[data-consumer]').filter({ hasText: '<img src=x onerror=' }).count()).toBe(1);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();

    // It refreshes itself: new traffic shows up without a reload, and the open samples stay open.
    for (let i = 0; i < 5; i++) await send('/orders', hobby);
    await page.waitForFunction(() => document.querySelector('tr[data-operation="listOrders"] [data-figure="requests"]')?.textContent === '96', undefined, { timeout: 15_000 });
    expect(await page.locator('section[data-operation="createOrder"] details[id^="samples-"]').getAttribute('open')).toBe('');
    expect(await page.locator('#refresh').innerText()).toMatch(/^live · refreshed \d\d:\d\d:\d\d UTC$/);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(errors).toEqual([]);
    await context.close();
  });

  it('after three weeks: the HTML report and the live page chart the whole history, an incident and its recovery, with dated axes', async () => {
    const store = join(tempDir(), 'shop.db');
    const start = Date.parse('2026-11-10T00:00:00Z');
    const { proxy, send, now, advance } = await shop({ store, start });
    // 21 days, a call every 20 minutes per consumer; on day 14 from 10:00 to 12:00 UTC every call fails.
    for (let hour = 0; hour < 21 * 24; hour++) {
      const incident = hour >= 14 * 24 + 10 && hour < 14 * 24 + 12;
      for (let k = 0; k < 3; k++) {
        await send('/orders', { 'x-api-key': 'key-acme', ...(incident ? { 'x-test-status': '503' } : {}) });
        await send('/orders', { 'x-api-key': 'key-hobby', 'x-test-duration': '120' });
        advance(20 * 60_000 - 10_000 - 140);
      }
    }
    await proxy.close();
    const at = new Date(now()).toISOString();
    const file = join(tempDir(), 'report.html');
    const html = await cli(['report', '--store', store, '--at', at, '--format', 'html', '--output', file]);
    expect(html.code).toBe(0);
    const json = JSON.parse((await cli(['report', '--store', store, '--at', at, '--format', 'json'])).stdout) as ReportJson;
    const saved = readFileSync(file, 'utf8');
    expect(saved).not.toMatch(/<script|<link|src="http|href="http/);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(pathToFileURL(file).href);
    await page.screenshot({ path: screenshotPath('report-three-weeks'), fullPage: true });
    await page.screenshot({ path: screenshotPath('report-three-weeks-top') });
    expect(await page.locator('p.history').innerText()).toMatch(/^3 weeks of history/);
    const list = json.operations.find((o) => o.operationId === 'listOrders')!;
    expect(list.requests).toBe(21 * 24 * 6);
    expect(list.slo!.availability!.valid - list.slo!.availability!.good).toBe(6);
    expect(await text(page, 'tr[data-operation="listOrders"] [data-figure="availability"]')).toBe(percentText(list.slo!));
    const own = page.locator('section[data-operation="listOrders"] .panel[data-tier="*"]');
    const burn = own.locator('[data-chart="burn-down"]');
    expect(Number(await burn.locator('[data-last]').getAttribute('data-last'))).toBeCloseTo(list.slo!.errorBudget!.remaining! * 100, 6);
    // Dated ticks, and one step per day: older than four days the engine keeps days.
    expect(await burn.locator('svg text.tick').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/^(Nov|Dec) \d\d$/)]));
    expect(await burn.innerText()).toContain('steps of 1 day');
    // The incident: the lowest availability step is day 14's, which holds 10:00 to 12:00; the budget drops at that step and not before.
    const series = async (chart: string) => {
      const figure = own.locator(`[data-chart="${chart}"]`);
      return { times: JSON.parse((await figure.getAttribute('data-times'))!) as number[], values: JSON.parse((await figure.locator('path[data-values]').first().getAttribute('data-values'))!) as Array<number | null> };
    };
    const availability = await series('availability');
    const incidentEnd = start + 15 * 86_400_000;
    const worst = availability.values.indexOf(Math.min(...availability.values.filter((v): v is number => v !== null)));
    expect(availability.times[worst]).toBe(incidentEnd);
    expect(availability.values[worst]).toBeCloseTo((1 - 6 / 144) * 100, 6);
    expect(availability.values.filter((v) => v !== null && v < 100)).toHaveLength(1);
    const budget = await series('burn-down');
    expect(budget.values[worst - 1]).toBe(100);
    expect(budget.values[worst]).toBeLessThan(100);
    expect(budget.values.at(-1)).toBeCloseTo(list.slo!.errorBudget!.remaining! * 100, 6);
    await own.locator('[data-chart="burn-down"]').screenshot({ path: screenshotPath('report-three-weeks-burn-down') });
    await page.close();

    // The live page of a proxy restarted on the same store charts the same history.
    const again = await shop({ store, start: now() });
    const live = await browser.newContext({ httpCredentials: { username: 'sre', password: TOKEN } });
    const livePage = await live.newPage();
    await livePage.goto(`${again.proxy.adminUrl}/`);
    expect(await livePage.locator('p.history').innerText()).toMatch(/^3 weeks of history/);
    expect(await text(livePage, 'tr[data-operation="listOrders"] [data-figure="requests"]')).toBe(String(21 * 24 * 6));
    await live.close();
  });
});
