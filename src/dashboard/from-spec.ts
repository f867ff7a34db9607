import { SwornError } from '../errors.js';
import type { Spec } from '../spec/load-spec.js';
import { listOperations } from '../spec/operations.js';
import { assertValidSlo, metricServiceName } from '../slo/naming.js';
import { resolveSlos } from '../slo/resolve.js';
import { buildDashboard, type GrafanaDashboard } from './build.js';

export interface SpecDashboardOptions {
  title?: string;
  datasource?: string;
  /** The `service` label, when the proxies use another than the spec's (`metricServiceName`). */
  service?: string;
}

/**
 * The dashboard of a loaded spec's promises. Throws SWORN_ERR_SLO_INVALID when
 * an x-slo block is invalid (the panels would be wrong) and SWORN_ERR_USAGE
 * when no operation promises anything to chart.
 *
 * @example
 * const dashboard = dashboardForSpec(await loadSpec('specs/petstore.yaml'), { datasource: 'prometheus' });
 */
export function dashboardForSpec(spec: Spec, options: SpecDashboardOptions = {}): GrafanaDashboard {
  const slo = resolveSlos(spec, listOperations(spec));
  assertValidSlo(spec, slo, 'the dashboard would be wrong');
  const promising = slo.operations.some((o) => o.enabled && o.promise !== null && (o.promise.availability !== undefined || o.promise.latency.length > 0));
  if (!promising) {
    throw new SwornError('SWORN_ERR_USAGE', `${spec.displayPath} makes no promise to chart: no operation has an availability target or a latency objective`, {
      hint: 'Add an x-slo block, e.g. under info: `x-slo: {availability: 99.9, latency: {p99: 800ms}}`; `sworn explain` shows what each operation promises.',
    });
  }
  return buildDashboard(slo, {
    service: options.service ?? metricServiceName(slo, spec.file),
    ...(options.title !== undefined ? { title: options.title } : {}),
    ...(options.datasource !== undefined ? { datasource: options.datasource } : {}),
    source: { file: spec.displayPath, title: spec.title, version: spec.apiVersion },
  });
}
