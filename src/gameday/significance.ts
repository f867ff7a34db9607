/** The confidence a game day wants before it calls a promise broken: misses this unlikely under the promise (one-sided). */
export const SIGNIFICANCE = 0.05;

/**
 * Whether `misses` out of `n` events are more than a promise allowing a
 * share `allowed` of misses would give, at the 95% level: a one-sided
 * binomial test, P(X >= misses | n, allowed) < 5%. One slow call in 50 does
 * not break "99% within 200 ms" (it happens 40% of the time when the promise
 * is kept); three do (1.4%).
 */
export function significantlyOver(misses: number, n: number, allowed: number): boolean {
  if (misses <= 0 || n <= 0) return false;
  if (allowed <= 0) return true; // nothing allowed: any miss breaks it
  if (allowed >= 1) return false;
  const mean = n * allowed;
  if (misses <= mean) return false;
  // Far in the tail: no need to sum.
  if (misses > mean + 12 * Math.sqrt(mean * (1 - allowed)) + 12) return true;
  // P(X < misses) summed in log space, term by term.
  const logP = Math.log(allowed);
  const logQ = Math.log1p(-allowed);
  let logTerm = n * logQ; // i = 0
  let below = Math.exp(logTerm);
  for (let i = 1; i < misses; i++) {
    logTerm += Math.log(n - i + 1) - Math.log(i) + logP - logQ;
    below += Math.exp(logTerm);
  }
  return 1 - below < SIGNIFICANCE;
}
