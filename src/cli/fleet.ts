import { SwornError } from '../errors.js';
import { PrometheusApi } from '../fleet/prometheus.js';
import { buildFleetReport, type FleetReportOptions } from '../fleet/report.js';
import type { Report } from '../report/report.js';
import type { ResolvedSpecSlo } from '../slo/model.js';
import { resolveSlos } from '../slo/resolve.js';
import { metricServiceName } from '../slo/naming.js';
import { loadSpec } from '../spec/load-spec.js';
import { listOperations } from '../spec/operations.js';

/** `--prometheus URL` with `--spec` (and `--service`): the whole fleet's report, from Prometheus. */
export async function fleetReport(options: { prometheus: string; spec?: string; service?: string; store?: string[] }, cwd: string, now: number, report: FleetReportOptions = {}): Promise<{ report: Report; slo: ResolvedSpecSlo }> {
  if (options.store !== undefined) throw new SwornError('SWORN_ERR_USAGE', '--prometheus and --store are two sources: give one', { hint: 'Prometheus sums every sidecar; --store (repeated) merges their stores. Drop one of them.' });
  if (options.spec === undefined) throw new SwornError('SWORN_ERR_USAGE', '--prometheus needs --spec <file>: the promises to judge the metrics against', { hint: `Run e.g. sworn report --prometheus ${options.prometheus} --spec specs/orders.yaml` });
  const api = new PrometheusApi(options.prometheus);
  const spec = await loadSpec(options.spec, { cwd });
  const operations = listOperations(spec);
  const slo = resolveSlos(spec, operations);
  const service = options.service ?? metricServiceName(slo, spec.file);
  return { report: await buildFleetReport({ api, service, spec: { title: spec.title, version: spec.apiVersion }, operations, slo, now }, report), slo };
}
