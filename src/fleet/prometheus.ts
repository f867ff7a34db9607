import { request } from 'undici';
import { SwornError } from '../errors.js';
import { escapeRegex } from '../rules/promql.js';

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

/** How a `PrometheusApi` queries, and how its messages name the URL's origin. */
export interface PrometheusApiOptions {
  /** Per query (ms); 30 s by default. */
  timeoutMs?: number;
  headers?: Record<string, string>;
  /** What the messages call where the URL was given; `--prometheus` by default. */
  source?: string;
  /** How to write the URL there, for the hints; `--prometheus http://prometheus:9090` by default. */
  example?: string;
  /** Said after the hints when the URL answers, but not as Prometheus (what else it may be meant as). */
  notPrometheus?: string;
  /** The hint when Prometheus refuses a query; by default, about long windows and retention. */
  refused?: string;
}

/**
 * A client of Prometheus's HTTP API (`/api/v1/query`), for the queries a
 * fleet report or a game day makes. Every failure is a SwornError naming the
 * URL and what to check; queries are bounded by `timeoutMs`.
 */
export class PrometheusApi {
  private readonly base: string;
  /** The URL as messages show it: without credentials. */
  readonly display: string;
  private readonly auth: string | undefined;
  private readonly source: string;

  constructor(url: string, private readonly options: PrometheusApiOptions = {}) {
    this.source = options.source ?? '--prometheus';
    const write = `Write e.g. ${options.example ?? '--prometheus http://prometheus:9090'}`;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new SwornError('SWORN_ERR_USAGE', `${this.source} ${JSON.stringify(url)} is not a URL`, { hint: write });
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new SwornError('SWORN_ERR_USAGE', `${this.source} ${parsed.protocol}//${parsed.host}: only http and https are supported`, { hint: write });
    // user:password@ in the URL becomes Basic authentication, and never appears in a message.
    if (parsed.username || parsed.password) {
      this.auth = `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64')}`;
      parsed.username = '';
      parsed.password = '';
    }
    this.base = parsed.href.replace(/\/+$/, '');
    this.display = this.base;
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
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...(this.auth ? { authorization: this.auth } : {}), ...this.options.headers },
        body,
        headersTimeout: this.options.timeoutMs ?? 30_000,
        bodyTimeout: this.options.timeoutMs ?? 30_000,
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (error) {
      throw new SwornError('SWORN_ERR_PROMETHEUS', `cannot reach Prometheus at ${this.display}: ${(error as Error).message}`, { hint: `Check ${this.source}: the URL Prometheus serves its API on, e.g. http://prometheus:9090.`, cause: error });
    }
    let parsed: { status?: string; data?: { resultType: string; result: unknown[] }; error?: string; errorType?: string };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      throw new SwornError('SWORN_ERR_PROMETHEUS', `${this.display}/api/v1/query answered ${status} with something that is not Prometheus's JSON`, { hint: this.notPrometheus('it must be Prometheus (or a compatible API such as Thanos Query or Mimir), not its UI behind a login page.') });
    }
    if ((parsed.status !== 'success' && parsed.status !== 'error') || (parsed.status === 'success' && !Array.isArray(parsed.data?.result))) {
      throw new SwornError('SWORN_ERR_PROMETHEUS', `${this.display}/api/v1/query answered ${status} with JSON that is not Prometheus's`, { hint: this.notPrometheus('it must be Prometheus\'s (or a compatible) query API, e.g. http://prometheus:9090, not a sidecar\'s admin port.') });
    }
    if (parsed.status !== 'success' || !parsed.data) {
      throw new SwornError('SWORN_ERR_PROMETHEUS', `Prometheus at ${this.display} refused the query (${status}${parsed.errorType ? `, ${parsed.errorType}` : ''}): ${parsed.error ?? 'no reason given'}`, { hint: this.options.refused ?? 'Queries of long windows need Prometheus to keep that much data (--storage.tsdb.retention.time); a narrower --window asks for less.' });
    }
    return parsed.data;
  }

  /** A hint for a URL that answers, but not as Prometheus. */
  private notPrometheus(what: string): string {
    return `Check ${this.source}: ${what}${this.options.notPrometheus ? ` ${this.options.notPrometheus}` : ''}`;
  }

  private unexpected(expr: string, type: string): SwornError {
    return new SwornError('SWORN_ERR_PROMETHEUS', `Prometheus answered ${expr} with a ${type}`, { hint: `Check that ${this.source} is Prometheus's query API.` });
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
 * from its first event). Series whose counter reset inside the window (their
 * proxy restarted) are read sample by sample, each restart counting from
 * zero: events between a pod's last scrape and its restart are the only ones
 * Prometheus never saw.
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
  const restarted = new Set<string>();
  for (const s of last) {
    if (reset.has(seriesKey(s.metric))) restarted.add(seriesKey(s.metric));
    else out.push({ metric: s.metric, value: Math.max(0, s.value - (before.get(seriesKey(s.metric)) ?? 0)) });
  }
  if (restarted.size === 0) return out;
  // Series whose proxy restarted are read sample by sample, in one query of the pods that restarted, each restart counting from zero.
  const instances = last.filter((s) => restarted.has(seriesKey(s.metric))).map((s) => s.metric.instance);
  const only = instances.every((i): i is string => i !== undefined) ? `${name}{${matchers},instance=~${JSON.stringify([...new Set(instances)].map(escapeRegex).join('|'))}}` : selector;
  for (const series of await api.matrix(`${only}[${range}]`, end)) {
    const key = seriesKey(series.metric);
    if (!restarted.has(key)) continue;
    let previous = before.get(key) ?? 0;
    let total = 0;
    for (const [, v] of series.values) {
      total += v >= previous ? v - previous : v;
      previous = v;
    }
    out.push({ metric: series.metric, value: total });
  }
  return out;
}
