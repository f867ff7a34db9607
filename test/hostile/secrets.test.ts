import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { call, closeAfterEach, settle, tempDir } from '../proxy/harness.js';
import { ROOT } from '../helpers.js';
import { HOSTILE_SPEC, hostileProxy, startHostileUpstream } from './harness.js';

closeAfterEach();

/** Every secret planted, each a value that appears nowhere else. */
const SECRETS = {
  pathPassword: 'pathPw7Q1x',
  queryPin: 'queryPin48213',
  apiKeyHeader: 'subKeyZ9k2',
  apimKey: 'apimKey55ab',
  xAuth: 'xAuthVal71c',
  accessKey: 'accessKey3fe',
  bearer: 'bearerTok0d9',
  cookie: 'cookieSess44e',
  bodyPassword: 'bodyPwAa12',
  bodyWriteOnly: 'writeOnly8Hq',
  bodyPin: 'bodyPin1199',
  bodyCvv: 'bodyCvv737',
  bodyToken: 'bodyTokQq3',
  nestedPin: 'nestedPin62',
  nestedOtp: 'nestedOtp90',
  responseToken: 'respTok55x',
  responseCookie: 'respCookie31',
  queryToken: 'queryTok20a',
  casePath: 'casePathPw31',
  methodPath: 'methodPathPw8',
  longerPath: 'longerPathPw5',
};

describe('redaction by meaning', () => {
  it('no planted secret appears in samples, logs, the store file, /report, /metrics or sworn report', async () => {
    const upstream = await startHostileUpstream((req, res) => {
      if (req.url?.startsWith('/v1/vault/') || req.url === '/v1/accounts') {
        res.writeHead(418, { 'content-type': 'application/json', 'set-cookie': `session=${SECRETS.responseCookie}`, 'x-auth-token': SECRETS.responseToken });
        res.end(JSON.stringify({ token: SECRETS.responseToken, user: 'x' }));
        return true;
      }
      return false;
    });
    const dir = tempDir();
    const file = join(dir, 'sworn.db');
    const proxy = await hostileProxy(upstream.url, { store: file, flushIntervalMs: 100_000 });
    const headers = {
      'x-subscription': SECRETS.apiKeyHeader,
      'ocp-apim-subscription-key': SECRETS.apimKey,
      'x-auth': SECRETS.xAuth,
      'x-access-key': SECRETS.accessKey,
      authorization: `Bearer ${SECRETS.bearer}`,
      cookie: `session=${SECRETS.cookie}`,
    };
    // Each exchange breaks the contract (status 418 is undeclared, the user is too long), so a sample of it is kept.
    expect((await call(`${proxy.url}/v1/vault/${SECRETS.pathPassword}?pin=${SECRETS.queryPin}&access_token=${SECRETS.queryToken}`, { headers })).status).toBe(418);
    const body = { user: 'too long', login: SECRETS.bodyPassword, recovery: SECRETS.bodyWriteOnly, pin: SECRETS.bodyPin, cvv: SECRETS.bodyCvv, token: SECRETS.bodyToken, nested: { cardPin: SECRETS.nestedPin, otp: SECRETS.nestedOtp } };
    expect((await call(`${proxy.url}/v1/accounts`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) })).status).toBe(418);
    // The vault path spelled so that it is ambiguous, or matches no operation: the secret segment is still masked.
    await call(`${proxy.url}/V1/VAULT/${SECRETS.casePath}`, { headers });
    await call(`${proxy.url}/v1/vault/${SECRETS.methodPath}`, { method: 'POST', headers });
    await call(`${proxy.url}/v1/vault/${SECRETS.longerPath}/x`, { headers });
    // An unknown route with a secret query parameter, and one the proxy cannot handle at all.
    await call(`${proxy.url}/v1/nowhere?api_key=${SECRETS.queryToken}`, { headers });
    await settle();

    const report = await (await fetch(`${proxy.adminUrl}/report`)).text();
    const metrics = await (await fetch(`${proxy.adminUrl}/metrics`)).text();
    proxy.store.flush();
    const samples = JSON.stringify(proxy.store.samples({}, 1_000));
    expect(samples).toContain('[REDACTED]');
    expect(proxy.store.samples({ operation: 'openVault' }).length).toBeGreaterThan(0);
    expect(proxy.store.samples({ operation: 'createAccount' }).length).toBeGreaterThan(0);
    await proxy.close();
    const logs = proxy.logs.lines.map((l) => JSON.stringify(l)).join('\n');
    const storeBytes = readdirSync(dir).map((name) => readFileSync(join(dir, name)).toString('latin1')).join('\n');
    const run = promisify(execFile);
    const cli = await Promise.all(['text', 'json', 'markdown', 'junit', 'html'].map((format) => run(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'report', '--store', file, '--format', format], { cwd: ROOT }).then((r) => r.stdout, (e: { stdout?: string }) => e.stdout ?? '')));
    const outputs = { samples, logs, storeFile: storeBytes, report, metrics, cli: cli.join('\n') };
    for (const [where, text] of Object.entries(outputs)) {
      for (const [name, secret] of Object.entries(SECRETS)) expect(text.includes(secret), `${name} found in ${where}`).toBe(false);
    }
    // The samples still say what was sent, where it is not secret.
    expect(samples).toContain('too long');
    expect(samples).toContain('/v1/vault/[REDACTED]');
  });
});
