import { describe, expect, it } from 'vitest';
import { significantlyOver } from '../../src/gameday/significance.js';

describe('significantlyOver: a breach only when the misses are more than the promise allows at 95%', () => {
  it('one slow call in 50 against 99% is chance; three are a breach', () => {
    // P(X >= 1 | 50, 1%) = 39.5%; P(X >= 2) = 8.9%; P(X >= 3) = 1.4%.
    expect(significantlyOver(1, 50, 0.01)).toBe(false);
    expect(significantlyOver(2, 50, 0.01)).toBe(false);
    expect(significantlyOver(3, 50, 0.01)).toBe(true);
  });
  it('matches the binomial tail at the boundary (n = 1000, 1%: P(X >= 15) = 8.2%, P(X >= 16) = 4.8%)', () => {
    expect(significantlyOver(15, 1000, 0.01)).toBe(false);
    expect(significantlyOver(16, 1000, 0.01)).toBe(true);
  });
  it('far tails, no misses, nothing allowed, everything allowed', () => {
    expect(significantlyOver(5_000, 100_000, 0.0005)).toBe(true);
    expect(significantlyOver(0, 100, 0.01)).toBe(false);
    expect(significantlyOver(1, 100, 0)).toBe(true);
    expect(significantlyOver(100, 100, 1)).toBe(false);
    expect(significantlyOver(10, 2_000, 0.005)).toBe(false); // exactly the allowed share
  });
});
