import { request } from 'undici';
import { SwornError } from '../errors.js';

/** One series of an instant query: its labels and value. */
export interface VectorSample {
  metric: Record<string, string>;
  value: number;
}

/** One series of a range vector: its labels and raw samples ([epoch seconds, value]). */
export interface MatrixSeries {
  metric: Record<string, string>;
  values: Array<[number, number]>;
}

/**
 * A client of Prometheus's HTTP API (`/api/v1/query`), for the queries a
 * fleet report makes. Every failure is a SwornError naming the URL and what
 * to check; queries are bounded by `timeoutMs`.
 */
export class PrometheusApi {
  private readonly base: string;

  constructor(url: string, private readonly options: { timeoutMs?: number; headers?: Record<string, string> } = {}) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new SwornError('SWORN_ERR_USAGE', `--prometheus ${JSON.stringify(url)} is not a URL`, { hint: 'Write e.g. --prometheus http://prometheus:9090' });
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new SwornError('SWORN_ERR_USAGE', `--prometheus ${url}: only http and https are supported`, { hint: 'Write e.g. --prometheus http://prometheus:9090' });
    this.base = parsed.href.replace(/\/+$/, '');
  }

  /** An instant query evaluated at `at` (epoch ms): a vector. */
  async vector(expr: string, at: number): Promise<VectorSample[]> {
    const data = await this.query(expr, at);
    if (data.resultType !== 'vector') throw this.unexpected(expr, data.resultType);
    return (data.result as Array<{ metric: Record<string, string>; value: [number, string] }>).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /** An instant query of a range selector (`m[5m]`) evaluated at `at`: the raw samples. */
  async matrix(expr: string, at: number): Promise<MatrixSeries[]> {
    const data = await this.query(expr, at);
    if (data.resultType !== 'matrix') throw this.unexpected(expr, data.resultType);
    return (data.result as Array<{ metric: Record<string, string>; values: Array<[number, string]> }>).map((r) => ({ metric: r.metric, values: r.values.map(([t, v]) => [t, Number(v)] as [number, number]) }));
  }

  private async query(expr: string, at: number): Promise<{ resultType: string; result: unknown[] }> {
    const body = new URLSearchParams({ query: expr, time: (at / 1_000).toFixed(3) }).toString();
    let status: number;
    let text: string;
    try {
      const res = await request(`${this.base}/api/v1/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...this.options.headers },
        body,
        headersTimeout: this.options.timeoutMs ?? 30_000,
        bodyTimeout: this.options.timeoutMs ?? 30_000,
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (error) {
      throw new SwornError('SWORN_ERR_PROMETHEUS', `cannot reach Prometheus at ${this.base}: ${(error as Error).message}`, { hint: 'Check --prometheus: the URL Prometheus serves its API on, e.g. http://prometheus:9090.', cause: error });
    }
    let parsed: { status?: string; data?: { resultType: string; result: unknown[] }; error?: string; errorType?: string };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      throw new SwornError('SWORN_ERR_PROMETHEUS', `${this.base}/api/v1/query answered ${status} with something that is not Prometheus's JSON`, { hint: 'Check --prometheus: it must be Prometheus (or a compatible API such as Thanos Query or Mimir), not its UI behind a login page.' });
    }
    if (parsed.status !== 'success' || !parsed.data) {
      throw new SwornError('SWORN_ERR_PROMETHEUS', `Prometheus refused the query (${status}${parsed.errorType ? `, ${parsed.errorType}` : ''}): ${parsed.error ?? 'no reason given'}`, { hint: 'Queries of long windows need Prometheus to keep that much data (--storage.tsdb.retention.time); a narrower --window asks for less.' });
    }
    return parsed.data;
  }

  private unexpected(expr: string, type: string): SwornError {
    return new SwornError('SWORN_ERR_PROMETHEUS', `Prometheus answered ${expr} with a ${type}`, { hint: 'Check that --prometheus is Prometheus\'s query API.' });
  }
}

/** A series' identity: its labels except the metric name, sorted. */
function seriesKey(metric: Record<string, string>): string {
  return Object.keys(metric)
    .filter((k) => k !== '__name__')
    .sort()
    .map((k) => `${k}=${JSON.stringify(metric[k])}`)
    .join(',');
}

/** `{a="x",b="y"}`: matchers selecting exactly this series. */
function exactSelector(metric: Record<string, string>): string {
  return `{${Object.entries(metric).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
}

/** A PromQL duration of `ms` milliseconds (Prometheus reads `ms`). */
export function rangeOf(ms: number): string {
  return `${Math.max(1, Math.round(ms))}ms`;
}

/**
 * How much each series of counter `name` matching `matchers` grew over (start, end],
 * exactly as scraped, without the extrapolation `increase()` applies: the
 * last sample in the window minus the last sample at or before its start
 * (0 for a series that did not exist then: every sworn counter is created at
 * zero when its proxy starts, so a pod that started inside the window counts
 * from its first event). A series whose counter reset inside the window (its
 * proxy restarted) is read sample by sample, each restart counting from zero.
 * Series of pods gone before `end` still count: their last sample stands.
 */
export async function exactIncreases(api: PrometheusApi, name: string, matchers: string, start: number, end: number): Promise<VectorSample[]> {
  const range = rangeOf(end - start);
  const selector = `${name}{${matchers}}`;
  const [last, first, resets] = await Promise.all([
    api.vector(`last_over_time(${selector}[${range}])`, end),
    api.vector(selector, start),
    api.vector(`resets(${selector}[${range}]) > 0`, end),
  ]);
  const before = new Map(first.map((s) => [seriesKey(s.metric), s.value]));
  const reset = new Set(resets.map((s) => seriesKey(s.metric)));
  const out: VectorSample[] = [];
  const restarted: VectorSample[] = [];
  for (const s of last) {
    if (reset.has(seriesKey(s.metric))) restarted.push(s);
    else out.push({ metric: s.metric, value: Math.max(0, s.value - (before.get(seriesKey(s.metric)) ?? 0)) });
  }
  // Few series restart within a window: read those sample by sample.
  for (const s of restarted) {
    const [series] = await api.matrix(`${name}${exactSelector(s.metric)}[${range}]`, end);
    let previous = before.get(seriesKey(s.metric)) ?? 0;
    let total = 0;
    for (const [, v] of series?.values ?? []) {
      total += v >= previous ? v - previous : v;
      previous = v;
    }
    out.push({ metric: s.metric, value: total });
  }
  return out;
}
