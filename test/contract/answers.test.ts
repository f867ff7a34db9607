import { describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { closeAfterEach, startUpstream } from '../proxy/harness.js';
import { cli, fixture } from '../helpers.js';

closeAfterEach();

/** A port nothing listens on: one the system just gave out and took back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('sworn test, when the answers say nothing about the contract', () => {
  it('a target nothing listens on is one error, exit 2, not a contract failure per request', async () => {
    const port = await closedPort();
    const r = await cli(['test', fixture('mock/api.yaml'), '--target', `http://127.0.0.1:${port}/api`, '--unsafe']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`SWORN_ERR_TARGET_UNREACHABLE: cannot reach http://127.0.0.1:${port}: connection refused`);
    expect(r.stderr).toContain('hint: Start the service, or fix --target');
    expect(r.stdout).not.toContain('FAIL');
    expect(r.stdout).not.toContain('contract broken');
    const json = await cli(['test', fixture('mock/api.yaml'), '--target', `http://127.0.0.1:${port}/api`, '--format', 'json']);
    expect([json.code, json.stdout]).toEqual([2, '']);
  });

  it('a service answering 401 to everything passes with a warning saying how to pass credentials', async () => {
    const upstream = await startUpstream((_req, res) => res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"no credentials"}'));
    const r = await cli(['test', fixture('mock/api.yaml'), '--target', `${upstream.url}/api`]);
    expect(r.stderr).toContain('warning: every valid request was answered 401 Unauthorized');
    expect(r.stderr).toContain('--header "Authorization: Bearer $TOKEN"');
    const json = JSON.parse((await cli(['test', fixture('mock/api.yaml'), '--target', `${upstream.url}/api`, '--format', 'json'])).stdout) as { warnings: string[] };
    expect(json.warnings).toHaveLength(1);
    // Real answers: no such warning.
    const ok = await startUpstream((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('[]'));
    const fine = await cli(['test', fixture('mock/api.yaml'), '--target', `${ok.url}/api`]);
    expect(fine.stderr).not.toContain('warning: every valid request');
  });

  it('a mistyped --operation gets the id meant', async () => {
    const upstream = await startUpstream((_req, res) => res.writeHead(200).end());
    const r = await cli(['test', fixture('mock/api.yaml'), '--target', `${upstream.url}/api`, '--operation', 'listItem']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Did you mean --operation listItems?');
  });
});
