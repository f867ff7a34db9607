import { describe, expect, it } from 'vitest';
import { looksLikeCredential } from '../../src/validate/index.js';
import { built, runIsolated } from './isolated.js';

describe('the memo of credential verdicts', () => {
  it('judges long names as short ones, every time', () => {
    const long = `${'a'.repeat(300)}_password`;
    expect(looksLikeCredential(long)).toBe(true);
    expect(looksLikeCredential(long)).toBe(true);
    expect(looksLikeCredential(`${'a'.repeat(300)}_keyboard`)).toBe(false);
  });

  it('does not keep long names from traffic: 5,000 distinct 20,000-character names leave the heap as it was (kept, 100 MB)', () => {
    const result = runIsolated(`
      const v8 = await import('node:v8');
      v8.setFlagsFromString('--expose-gc');
      const gc = (await import('node:vm')).runInNewContext('gc');
      const { randomBytes } = await import('node:crypto');
      const { looksLikeCredential } = await import(${built('validate/secrets.js')});
      looksLikeCredential('warm-up');
      gc(); gc();
      const before = process.memoryUsage().heapUsed;
      let secret = 0;
      for (let i = 0; i < 5000; i++) if (looksLikeCredential(randomBytes(10000).toString('hex') + '_token')) secret++;
      gc(); gc();
      process.stdout.write(JSON.stringify({ secret, grewMB: Math.round((process.memoryUsage().heapUsed - before) / 1e6) }));
    `);
    expect(result.signal).toBe(null);
    expect(result.stderr).toBe('');
    const out = JSON.parse(result.stdout) as { secret: number; grewMB: number };
    expect(out.secret).toBe(5000);
    expect(out.grewMB).toBeLessThan(20);
  });
});
