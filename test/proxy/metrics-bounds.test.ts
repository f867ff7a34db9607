import { describe, expect, it } from 'vitest';
import { call, closeAfterEach, proxyFor, settle, startUpstream } from './harness.js';

closeAfterEach();

const series = (text: string, name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`));
const valueOf = (text: string, name: string, match: string) => series(text, name).filter((l) => l.includes(match)).reduce((n, l) => n + Number(l.split(' ').pop()), 0);

describe('consumer labels on /metrics (--metrics-consumers)', () => {
  it('keep the busiest N consumers by name for good and sum the rest as "other": bounded series, no count lost, no counter going back', async () => {
    const upstream = await startUpstream((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":1,"name":"x"}'));
    const proxy = await proxyFor(upstream.url, { metricsConsumers: 2 });
    const send = async (consumer: string, n: number) => {
      for (let i = 0; i < n; i++) await call(`${proxy.url}/api/items/1`, { headers: { 'x-consumer-id': consumer } });
    };
    await send('anna', 5);
    await send('bert', 3);
    await send('carl', 1);
    await settle();
    const first = (await call(`${proxy.adminUrl}/metrics`)).text;
    const consumers = (text: string) => [...new Set(series(text, 'sworn_consumer_events_total').map((l) => /consumer="([^"]*)"/.exec(l)![1]))].sort();
    expect(consumers(first)).toEqual(['anna', 'bert', 'other']);
    expect(valueOf(first, 'sworn_consumer_events_total', 'consumer="other"')).toBe(1);
    expect(valueOf(first, 'sworn_consumer_events_total', 'outcome="good"')).toBe(9);
    expect(valueOf(first, 'sworn_consumer_error_budget_allowance_total', 'consumer="anna"')).toBeCloseTo(5 * 0.01, 9);
    // Per-operation series carry no consumer at all: their number does not grow with consumers.
    for (const name of ['sworn_requests_total', 'sworn_slo_events_total', 'sworn_request_duration_seconds_count']) expect(series(first, name).some((l) => l.includes('consumer='))).toBe(false);
    expect(valueOf(first, 'sworn_requests_total', '')).toBe(9);

    // carl becomes the busiest: the names placed stay, so "other" only grows.
    await send('carl', 10);
    await settle();
    const later = (await call(`${proxy.adminUrl}/metrics`)).text;
    expect(consumers(later)).toEqual(['anna', 'bert', 'other']);
    expect(valueOf(later, 'sworn_consumer_events_total', 'consumer="other"')).toBe(11);
    expect(valueOf(later, 'sworn_consumer_events_total', 'consumer="anna"')).toBe(5);
    // The report keeps every consumer: the bound is the metrics'.
    expect(proxy.stats.report().consumers.map((c) => c.consumer).sort()).toEqual(['anna', 'bert', 'carl']);
  });
});
