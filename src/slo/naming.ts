import type { ResolvedSpecSlo } from './model.js';

/**
 * The `service` label of a spec's metrics and rules: the document's
 * `x-slo.service`, else the spec file's base name (`specs/orders.yaml` ->
 * `orders`). The proxy and `sworn rules` both call this, so the rules select
 * exactly the series the proxies expose.
 */
export function metricServiceName(slo: Pick<ResolvedSpecSlo, 'service'>, specFile: string): string {
  if (slo.service !== undefined && slo.service !== '') return slo.service;
  const base = (specFile.split(/[\\/]/).pop() ?? '').replace(/\.(ya?ml|json)$/i, '');
  return base === '' ? 'service' : base;
}
