import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';

/** Debian's Prometheus (`apt-get install prometheus`, as .ci/run does). */
export const PROMETHEUS = ['/usr/bin/prometheus', '/usr/local/bin/prometheus'].find((p) => existsSync(p));

/** A free loopback port: Prometheus cannot listen on port 0 and say which port it got. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface RunningPrometheus {
  url: string;
  /** An instant query's vector: labels and value. */
  query(expr: string): Promise<Array<{ metric: Record<string, string>; value: number }>>;
  /** Polls `check` (at most `tries` times, `everyMs` apart) until it holds; throws with `what` otherwise. */
  until(what: string, check: () => Promise<boolean>, tries?: number, everyMs?: number): Promise<void>;
  close(): Promise<void>;
  log(): string;
}

/**
 * A real Prometheus on loopback scraping `targets` (admin ports' /metrics)
 * every second and evaluating `ruleFiles` every second, with its own
 * temporary data directory.
 */
export async function startPrometheus(targets: string[], ruleFiles: string[]): Promise<RunningPrometheus> {
  if (!PROMETHEUS) throw new Error('no prometheus binary (apt-get install prometheus)');
  const dir = mkdtempSync(join(tmpdir(), 'sworn-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, [
    'global: {scrape_interval: 1s, evaluation_interval: 1s, scrape_timeout: 1s}',
    `rule_files: [${ruleFiles.map((f) => JSON.stringify(f)).join(', ')}]`,
    'scrape_configs:',
    '  - job_name: sworn',
    '    metrics_path: /metrics',
    `    static_configs: [{targets: [${targets.map((t) => JSON.stringify(t)).join(', ')}]}]`,
    '',
  ].join('\n'));
  let child: ChildProcess | undefined;
  let output = '';
  let url = '';
  // The port is free when chosen; if another process takes it first, try once more.
  for (let attempt = 0; attempt < 3 && !url; attempt++) {
    const port = await freePort();
    child = spawn(PROMETHEUS, [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const candidate = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 200 && child.exitCode === null; i++) {
      try {
        const res = await request(`${candidate}/-/ready`);
        await res.body.dump();
        if (res.statusCode === 200) {
          url = candidate;
          break;
        }
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (!url) child.kill('SIGKILL');
  }
  if (!url) throw new Error(`prometheus did not become ready:\n${output}`);
  const query = async (expr: string) => {
    const res = await request(`${url}/api/v1/query`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ query: expr }).toString() });
    const body = (await res.body.json()) as { status: string; error?: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
    if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
    return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  };
  return {
    url,
    query,
    async until(what, check, tries = 120, everyMs = 250) {
      for (let i = 0; i < tries; i++) {
        if (await check()) return;
        await new Promise((r) => setTimeout(r, everyMs));
      }
      throw new Error(`timed out waiting for ${what}\n${output.slice(-2_000)}`);
    },
    async close() {
      if (child && child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child!.once('exit', r));
      }
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => output,
  };
}
