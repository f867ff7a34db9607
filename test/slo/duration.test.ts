import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/slo/duration.js';

describe('durations', () => {
  it.each([
    ['250ms', 250, 0],
    ['10s', 10_000, 0],
    ['5m', 300_000, 0],
    ['1.5h', 5_400_000, 0],
    ['1h30m', 5_400_000, 0],
    ['28d', 28 * 86_400_000, 28],
    ['2w', 14 * 86_400_000, 14],
  ])('%s', (text, ms, days) => {
    expect(parseDuration(text)).toMatchObject({ ms, days });
  });

  it.each(['', '28', 'd', '5 minutes', '10sec', '-1s', '1h 30m'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('formats compactly', () => {
    expect([250, 1500, 300_000, 5_400_000, 28 * 86_400_000].map(formatDuration)).toEqual(['250ms', '1.5s', '5m', '1h30m', '28d']);
  });
});
