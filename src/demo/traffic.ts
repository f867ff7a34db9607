import { request } from 'undici';

/** What the demo's consumers send: mostly valid calls, a few that break the contract. */
const CALLS: Array<{ method: string; path: string; headers: Record<string, string>; body?: string }> = [
  { method: 'GET', path: '/v1/pets?limit=10', headers: { 'x-api-key': 'demo-key-mobile' } },
  { method: 'GET', path: '/v1/pets/mine', headers: { 'x-api-key': 'demo-key-web' } },
  { method: 'GET', path: '/v1/pets/1', headers: { 'x-api-key': 'demo-key-web' } },
  { method: 'POST', path: '/v1/pets', headers: { 'x-api-key': 'demo-key-mobile', 'content-type': 'application/json' }, body: '{"name":"Rex","tag":"dog"}' },
  { method: 'GET', path: '/v1/pets?limit=500', headers: { 'x-api-key': 'demo-key-hobby' } }, // limit above the maximum
  { method: 'POST', path: '/v1/pets', headers: { 'x-consumer-id': 'batch-importer', 'content-type': 'application/json' }, body: '{"tag":"cat"}' }, // no name, no key
  { method: 'GET', path: '/v1/pets/abc', headers: { 'x-api-key': 'demo-key-hobby' } }, // not an integer id
  { method: 'GET', path: '/v1/health', headers: {} },
  { method: 'GET', path: '/v1/petz', headers: { 'x-consumer-id': 'typo-bot' } }, // unknown route
];

/**
 * Sends the demo's traffic to `base` at about `perSecond` requests a second
 * until `stop()`, or for `total` requests. Bounded, loopback only.
 */
export function startTraffic(base: string, options: { perSecond?: number; total?: number } = {}): { stop(): Promise<void>; sent(): number } {
  const perSecond = options.perSecond ?? 20;
  const total = options.total ?? Number.POSITIVE_INFINITY;
  let sent = 0;
  let stopped = false;
  const pending = new Set<Promise<void>>();
  const timer = setInterval(() => {
    if (stopped || sent >= total) return;
    const call = CALLS[sent % CALLS.length] as (typeof CALLS)[number];
    sent++;
    const p = request(base + call.path, { method: call.method as never, headers: call.headers, body: call.body ?? null })
      .then((res) => res.body.dump())
      .catch(() => undefined)
      .then(() => void pending.delete(p));
    pending.add(p);
  }, 1_000 / perSecond);
  return {
    sent: () => sent,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await Promise.all(pending);
    },
  };
}
