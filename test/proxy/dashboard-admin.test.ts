import { describe, expect, it } from 'vitest';
import { request } from 'undici';
import { call, closeAfterEach, proxyFor, startUpstream } from './harness.js';
import { fixture } from '../helpers.js';

closeAfterEach();

const TOKEN = 'page-token-abcdefghijklmnop';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

async function shop() {
  const upstream = await startUpstream((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('[{"id":1}]');
  });
  const proxy = await proxyFor(upstream.url, { specFile: fixture('dashboard/shop.yaml'), adminToken: TOKEN, dashboardCacheMs: 0 });
  await call(`${proxy.url}/orders`, { headers: { 'x-api-key': 'key-acme' } });
  return proxy;
}

describe('GET / on the admin port', () => {
  it('asks a browser for the token (Basic) and takes it as Bearer or as the Basic password, nothing else', async () => {
    const proxy = await shop();
    const page = (authorization?: string) => call(`${proxy.adminUrl}/`, { headers: authorization ? { authorization } : {} });
    const bare = await page();
    expect(bare.status).toBe(401);
    expect(bare.headers['www-authenticate']).toBe('Basic realm="sworn admin: the password is the admin token", charset="UTF-8"');
    expect((await page(`Bearer ${TOKEN}`)).status).toBe(200);
    expect((await page(basic('anyone', TOKEN))).status).toBe(200);
    expect((await page(basic('', TOKEN))).status).toBe(200);
    for (const wrong of [basic(TOKEN, 'nope'), basic('sre', `${TOKEN}x`), `Basic ${Buffer.from(TOKEN).toString('base64')}`, 'Basic %%%not-base64%%%', `Basic ${TOKEN}`, `Digest ${TOKEN}`, basic('a:b', TOKEN.slice(1))]) {
      expect((await page(wrong)).status, wrong).toBe(401);
    }
    // The JSON endpoints keep their Bearer challenge for scripts.
    expect((await call(`${proxy.adminUrl}/report`)).headers['www-authenticate']).toBe('Bearer realm="sworn admin"');
  });

  it('is HTML under a strict CSP; a bad query is a 400 page saying what to type; HEAD has no body', async () => {
    const proxy = await shop();
    const headers = { authorization: `Bearer ${TOKEN}` };
    const ok = await call(`${proxy.adminUrl}/`, { headers });
    expect(ok.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(ok.headers['content-security-policy']).toMatch(/^default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-[A-Za-z0-9+/=]+'; connect-src 'self';.*frame-ancestors 'none'$/);
    expect(ok.headers['cache-control']).toBe('no-store');
    expect(ok.text).toContain('<tr data-operation="listOrders">');
    const badWindow = await call(`${proxy.adminUrl}/?window=soon`, { headers });
    expect(badWindow.status).toBe(400);
    expect(badWindow.text).toContain('--window &quot;soon&quot; is not a duration');
    expect(badWindow.text).toContain('Write e.g. --window 28d');
    const typo = await call(`${proxy.adminUrl}/?operation=listOrder`, { headers });
    expect(typo.status).toBe(400);
    expect(typo.text).toContain('Did you mean --operation listOrders?');
    const head = await request(`${proxy.adminUrl}/`, { method: 'HEAD', headers });
    expect(head.statusCode).toBe(200);
    expect(await head.body.text()).toBe('');
    const post = await call(`${proxy.adminUrl}/`, { method: 'POST', headers, body: 'x' });
    expect(post.status).toBe(405);
  });

  it('serves a built page again within the cache time, however many ask', async () => {
    const upstream = await startUpstream((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('[]'));
    const proxy = await proxyFor(upstream.url, { specFile: fixture('dashboard/shop.yaml'), dashboardCacheMs: 60_000 });
    await call(`${proxy.url}/orders`);
    const first = (await call(`${proxy.adminUrl}/`)).text;
    expect(first).toContain('<td class="n" data-figure="requests">1</td>');
    await call(`${proxy.url}/orders`);
    const pages = await Promise.all(Array.from({ length: 20 }, () => call(`${proxy.adminUrl}/`)));
    expect(new Set(pages.map((p) => p.text))).toEqual(new Set([first]));
    // Another query is another page.
    expect((await call(`${proxy.adminUrl}/?operation=listOrders`)).text).toContain('<td class="n" data-figure="requests">2</td>');
  });
});
