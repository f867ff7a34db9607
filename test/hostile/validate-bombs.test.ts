import { createBrotliCompress, brotliCompressSync, constants, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { validateRequest, validateResponse, type CompiledOperation } from '../../src/validate/index.js';
import { compiledFrom, document } from '../validate/spec-from.js';

const MiB = 1 << 20;

/** Brotli of `mib` MiB of zeros, streamed (quality 1: ~0.1 s per 256 MiB): a 512 MiB bomb is ~100 KB. */
function brotliBomb(mib: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const z = createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: 1, [constants.BROTLI_PARAM_SIZE_HINT]: mib * MiB } });
    const chunks: Buffer[] = [];
    z.on('data', (c: Buffer) => chunks.push(c));
    z.on('end', () => resolve(Buffer.concat(chunks)));
    z.on('error', reject);
    const zero = Buffer.alloc(MiB);
    let written = 0;
    const write = () => {
      while (written < mib) {
        written++;
        if (!z.write(zero)) return void z.once('drain', write);
      }
      z.end();
    };
    write();
  });
}

/** `mib` gzip members of 1 MiB of zeros each, one after another (gunzip reads them all): 256 MiB in ~260 KB. */
function gzipBomb(mib: number): Buffer {
  const member = gzipSync(Buffer.alloc(MiB), { level: 9 });
  return Buffer.concat(Array.from({ length: mib }, () => member));
}

/** Runs `work`, sampling RSS every few milliseconds; returns its result and the peak growth. */
async function peakGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, growth: peak - before };
  } finally {
    clearInterval(timer);
  }
}

const spec = document({
  '/things': {
    post: {
      operationId: 'upload',
      requestBody: { content: { 'application/json': { schema: { type: 'object', required: ['name'] } } } },
      responses: { 200: { description: 'ok', content: { 'application/json': { schema: { type: 'object', required: ['name'] } } } } },
    },
  },
});

const request = (op: CompiledOperation, body: Buffer, encoding: string, maxDecoded?: number) =>
  validateRequest(op, { params: {}, query: '', headers: { 'content-type': 'application/json', 'content-encoding': encoding }, body, bodyTooLarge: false, ...(maxDecoded === undefined ? {} : { maxDecoded }) });

describe('decompression bombs', () => {
  it('a 512 MiB brotli bomb (~100 KB) costs at most the limit: body-too-large, never "malformed", RSS flat', async () => {
    const { op } = await compiledFrom(spec);
    const bomb = await brotliBomb(512);
    expect(bomb.length).toBeLessThan(200_000);
    const { result, growth } = await peakGrowth(() => request(op('upload'), bomb, 'br'));
    expect(result.map((v) => v.code)).toEqual(['not-validated']);
    expect(result[0]!.message).toMatch(/^not-validated: body-too-large /);
    expect(result[0]!.message).toContain('more than 1048576 bytes');
    expect(growth).toBeLessThan(200 * MiB);
  }, 60_000);

  it('gzip and deflate bombs, in requests and responses, at the caller\'s limit', async () => {
    const { op } = await compiledFrom(spec);
    const gz = gzipBomb(256);
    const deflated = deflateSync(Buffer.alloc(64 * MiB), { level: 9 });
    const { result, growth } = await peakGrowth(async () => [
      await request(op('upload'), gz, 'gzip'),
      await request(op('upload'), gz, 'x-gzip', 4 * MiB),
      await request(op('upload'), deflated, 'deflate'),
      await validateResponse(op('upload'), { status: 200, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gz, bodyTooLarge: false, bodyless: false, maxDecoded: 2 * MiB }),
    ]);
    expect(result.map((list) => list.map((v) => `${v.direction} ${v.code} ${v.message.split(' (')[0]}`))).toEqual([
      ['request not-validated not-validated: body-too-large'],
      ['request not-validated not-validated: body-too-large'],
      ['request not-validated not-validated: body-too-large'],
      ['response not-validated not-validated: body-too-large'],
    ]);
    expect(result[1]![0]!.message).toContain(`more than ${4 * MiB} bytes`);
    expect(growth).toBeLessThan(200 * MiB);
  }, 60_000);

  it('limits every layer of stacked codings (gzip, then br around it)', async () => {
    const { op } = await compiledFrom(spec);
    const inner = gzipBomb(256); // the br layer decodes to ~260 KB: within the limit; the gzip layer inside is the bomb
    const stacked = brotliCompressSync(inner);
    const { result, growth } = await peakGrowth(() => request(op('upload'), stacked, 'gzip, br'));
    expect(result.map((v) => v.message.split(' (')[0])).toEqual(['not-validated: body-too-large']);
    expect(growth).toBeLessThan(200 * MiB);
  }, 60_000);

  it('still decodes and checks honest compressed bodies up to the limit', async () => {
    const { op } = await compiledFrom(spec);
    const json = Buffer.from(JSON.stringify({ name: 'x', pad: 'y'.repeat(MiB - 100) }));
    expect(json.length).toBeLessThanOrEqual(MiB);
    expect(await request(op('upload'), gzipSync(json), 'gzip')).toEqual([]);
    expect((await request(op('upload'), gzipSync(Buffer.from('{}')), 'gzip')).map((v) => v.code)).toEqual(['request-body-invalid']);
    expect((await request(op('upload'), Buffer.from('not gzip'), 'gzip')).map((v) => v.message.split(' (')[0])).toEqual(['not-validated: content-encoding gzip']);
    expect((await request(op('upload'), brotliCompressSync(json), 'br', json.length - 1)).map((v) => v.message.split(' (')[0])).toEqual(['not-validated: body-too-large']);
  });
});
