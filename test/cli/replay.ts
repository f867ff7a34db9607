import { join } from 'node:path';
import { request } from 'undici';
import { proxyFor, startUpstream, tempDir } from '../proxy/harness.js';

/** One call of a replay: its path, the status the upstream answers and the ms the injected clock moves while it does. */
export type Send = (path: string, status: number, durationMs: number) => Promise<void>;

/**
 * A store of recorded traffic: `calls` replayed through a real proxy whose
 * clock starts `daysBefore` days before `at` and moves a minute after each
 * call. Returns the store's path.
 */
export async function replayIntoStore(specFile: string, at: number, calls: (send: Send) => Promise<void>, daysBefore = 2): Promise<string> {
  let clock = at - daysBefore * 86_400_000;
  const upstream = await startUpstream((req, res) => {
    clock += Number(req.headers['x-test-duration']);
    res.writeHead(Number(req.headers['x-test-status'])).end();
  });
  const store = join(tempDir(), 'sworn.db');
  const proxy = await proxyFor(upstream.url, { specFile, store, clock: () => clock });
  await calls(async (path, status, duration) => {
    const res = await request(`${proxy.url}${path}`, { headers: { 'x-test-status': String(status), 'x-test-duration': String(duration) } });
    await res.body.dump();
    clock += 60_000;
  });
  await proxy.close();
  return store;
}
