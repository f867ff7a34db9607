import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { call, closeAfterEach, proxyFor, startUpstream, tempDir } from '../proxy/harness.js';
import { cli } from '../helpers.js';
import { baseDoc } from './base-doc.js';
import type { DiffResult } from '../../src/diff/diff.js';

closeAfterEach();

describe('usage-aware diff', () => {
  it('lists the consumers each breaking change affects, from a proxy\'s store of real traffic, and lowers unused ones to warnings', async () => {
    const dir = tempDir();
    const v1 = baseDoc();
    v1.info['x-slo'].consumers.identify = [{ header: 'X-Consumer-Id' }];
    v1.paths['/pets'].get.parameters.push({ name: 'X-Trace', in: 'header', schema: { type: 'string' } });
    const v2 = structuredClone(v1);
    v2.paths['/pets'].get.parameters.pop(); // the `X-Trace` header removed: acme sends it
    v2.paths['/pets'].get.parameters.splice(0, 1); // `limit` removed: acme sends it
    v2.paths['/pets'].get.parameters.splice(0, 1); // `kind` removed: nobody sends it
    v2.components.schemas.NewPet.required.push('kind'); // createPet: nobody calls it
    delete v2.components.schemas.Pet.properties.tag; // showPet and listPets answer without `tag`
    writeFileSync(join(dir, 'v1.json'), JSON.stringify(v1, null, 2));
    writeFileSync(join(dir, 'v2.json'), JSON.stringify(v2, null, 2));

    const upstream = await startUpstream((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('[]'));
    const store = join(dir, 'sworn.db');
    const proxy = await proxyFor(upstream.url, { specFile: join(dir, 'v1.json'), store });
    for (let i = 0; i < 3; i++) await call(`${proxy.url}/pets?limit=5&unlimited=1`, { headers: { 'x-consumer-id': 'acme', 'x-api-key': 'k', 'x-trace': 't' } });
    for (let i = 0; i < 2; i++) await call(`${proxy.url}/pets/${i + 1}`, { headers: { 'x-consumer-id': 'bob' } });
    await proxy.close();

    const { code, stdout, stderr } = await cli(['diff', join(dir, 'v1.json'), join(dir, 'v2.json'), '--usage', store, '--format', 'json']);
    expect(stderr).toBe("");
    const result = JSON.parse(stdout) as DiffResult;
    const find = (rule: string, text: string) => result.changes.find((c) => c.rule === rule && c.message.includes(text))!;
    expect(find('request-parameter-removed', '`limit`')).toMatchObject({ severity: 'breaking', consumers: [{ consumer: 'acme', requests: 3 }] });
    expect(find('request-parameter-removed', '`X-Trace`')).toMatchObject({ severity: 'breaking', consumers: [{ consumer: 'acme', requests: 3 }] });
    expect(find('request-parameter-removed', '`kind`')).toMatchObject({ severity: 'warning', consumers: [], evidence: expect.stringMatching(/^breaking, but no consumer sent query parameter kind since \d{4}-/) });
    expect(find('request-property-required-added', '`kind`')).toMatchObject({ severity: 'warning', operationId: 'createPet', evidence: expect.stringContaining('no consumer called the operation') });
    const showPet = result.changes.find((c) => c.rule === 'response-property-removed' && c.operationId === 'showPet')!;
    expect(showPet).toMatchObject({ severity: 'breaking', consumers: [{ consumer: 'bob', requests: 2 }] });
    expect(result.summary.breaking).toBe(result.changes.filter((c) => c.severity === 'breaking').length);
    expect(code).toBe(1);

    // Without --usage every one of them is breaking.
    const plain = JSON.parse((await cli(['diff', join(dir, 'v1.json'), join(dir, 'v2.json'), '--format', 'json'])).stdout) as DiffResult;
    expect(plain.changes.filter((c) => c.severity === 'breaking').length).toBeGreaterThan(result.summary.breaking);
  });
});
