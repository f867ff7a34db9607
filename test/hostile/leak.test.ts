import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';
import { HOSTILE_SPEC } from './harness.js';

describe('memory over 50,000 exchanges', () => {
  it('levels off: the heap after a full GC stops growing once every series exists', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', join(ROOT, 'test/hostile/leak-run.mjs'), HOSTILE_SPEC, '50000'], { cwd: ROOT, timeout: 240_000, maxBuffer: 1 << 20 });
    const { heaps, failed } = JSON.parse(stdout.trim().split('\n').pop()!) as { heaps: Array<{ sent: number; heapMb: number }>; failed: number };
    expect(failed).toBe(0);
    expect(heaps.length).toBeGreaterThanOrEqual(9);
    // From 20,000 exchanges on (every operation x consumer series exists by then), the heap moves within a few MB.
    const later = heaps.filter((h) => h.sent >= 20_000).map((h) => h.heapMb);
    const growth = Math.max(...later) - Math.min(...later);
    expect(growth, JSON.stringify(heaps)).toBeLessThan(4);
  }, 300_000);
});
