import { describe, expect, it } from 'vitest';
import { PrometheusApi, exactIncreases } from '../../src/fleet/prometheus.js';
import { percentileOf } from '../../src/fleet/report.js';
import { closeAfterEach, startUpstream } from '../proxy/harness.js';
import { rejection } from '../helpers.js';

closeAfterEach();

// A hostile or broken "Prometheus": every answer must become a SwornError that says what to check, never a hang or a crash.
describe('the Prometheus client', () => {
  it('turns a login page, an error status, a refused query and a silent server into SWORN_ERR_PROMETHEUS', async () => {
    const html = await startUpstream((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>sign in</html>'));
    expect(await rejection(new PrometheusApi(html.url).vector('up', Date.now()))).toMatchObject({ code: 'SWORN_ERR_PROMETHEUS', message: expect.stringContaining('not Prometheus\'s JSON') });
    const refused = await startUpstream((_req, res) => res.writeHead(400, { 'content-type': 'application/json' }).end('{"status":"error","errorType":"bad_data","error":"parse error at char 3"}'));
    expect(await rejection(new PrometheusApi(refused.url).vector('up{', Date.now()))).toMatchObject({ code: 'SWORN_ERR_PROMETHEUS', message: expect.stringContaining('parse error at char 3') });
    const silent = await startUpstream(() => undefined);
    expect(await rejection(new PrometheusApi(silent.url, { timeoutMs: 200 }).vector('up', Date.now()))).toMatchObject({ code: 'SWORN_ERR_PROMETHEUS', message: expect.stringContaining('cannot reach Prometheus') });
    const wrongType = await startUpstream((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"success","data":{"resultType":"scalar","result":[1,"2"]}}'));
    expect(await rejection(new PrometheusApi(wrongType.url).vector('1', Date.now()))).toMatchObject({ code: 'SWORN_ERR_PROMETHEUS' });
    expect(await rejection(Promise.resolve().then(() => new PrometheusApi('file:///etc/passwd')))).toMatchObject({ code: 'SWORN_ERR_USAGE' });
    expect(await rejection(Promise.resolve().then(() => new PrometheusApi('prometheus:9090x')))).toMatchObject({ code: 'SWORN_ERR_USAGE' });
  });

  it('reads a counter\'s exact increase: last minus first, 0 for a series born inside the window, restarts counted from zero', async () => {
    const seen: string[] = [];
    // Three pods: a (existed before the window: 10 -> 25), b (born inside: -> 7), c (restarted: 5, 9, then 2, 4).
    const fake = await startUpstream((req, res, body) => {
      const query = new URLSearchParams(body.toString()).get('query')!;
      seen.push(`${req.url} ${query}`);
      // The restarted pod's samples, as a range query of that pod only.
      if (query.startsWith('sworn_x{service="s",instance=~"c:1"}[')) return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: { __name__: 'sworn_x', pod: 'c', instance: 'c:1' }, values: [[1, '9'], [2, '2'], [3, '4']] }] } }));
      const vector = (result: unknown[]) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }));
      // Prometheus 2.42 keeps the metric name through last_over_time(); resets() drops it.
      if (query.startsWith('last_over_time(')) return vector([{ metric: { __name__: 'sworn_x', pod: 'a', instance: 'a:1' }, value: [0, '25'] }, { metric: { __name__: 'sworn_x', pod: 'b', instance: 'b:1' }, value: [0, '7'] }, { metric: { __name__: 'sworn_x', pod: 'c', instance: 'c:1' }, value: [0, '4'] }]);
      if (query.startsWith('resets(')) return vector([{ metric: { pod: 'c', instance: 'c:1' }, value: [0, '1'] }]);
      return vector([{ metric: { __name__: 'sworn_x', pod: 'a', instance: 'a:1' }, value: [0, '10'] }, { metric: { __name__: 'sworn_x', pod: 'c', instance: 'c:1' }, value: [0, '5'] }]);
    });
    const got = await exactIncreases(new PrometheusApi(fake.url), 'sworn_x', 'service="s"', 0, 60_000);
    const by = Object.fromEntries(got.map((s) => [s.metric.pod, s.value]));
    expect(by).toEqual({ a: 15, b: 7, c: 4 + 2 + 2 }); // c: 5 -> 9 (+4), restart -> 2 (+2), -> 4 (+2)
    expect(seen).toContain('/api/v1/query last_over_time(sworn_x{service="s"}[60000ms])');
    expect(seen).toContain('/api/v1/query sworn_x{service="s",instance=~"c:1"}[60000ms]');
  });

  it('interpolates a percentile within its bucket as histogram_quantile does, and says null without events', () => {
    const bucket = (le: string, value: number) => ({ metric: { le }, value });
    // 100 events: 90 at or under 0.1 s, 9 in (0.1, 0.25], 1 in (0.25, 1].
    const buckets = [bucket('0.1', 90), bucket('0.25', 99), bucket('1', 100), bucket('+Inf', 100)];
    expect(percentileOf(buckets, 90)).toBeCloseTo(100, 6);
    expect(percentileOf(buckets, 99)).toBeCloseTo(250, 6);
    expect(percentileOf(buckets, 99.5)).toBeCloseTo(625, 6);
    expect(percentileOf([bucket('0.1', 0), bucket('+Inf', 3)], 50)).toBe(100); // in +Inf: the highest finite edge
    expect(percentileOf([bucket('+Inf', 0)], 99)).toBeNull();
  });
});
