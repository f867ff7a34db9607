import { SwornError } from '../errors.js';
import type { Spec } from '../spec/load-spec.js';
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

/**
 * Throws SWORN_ERR_SLO_INVALID, located at the first problem (the others as
 * details), when the spec's x-slo blocks have errors: what is generated from
 * them (rules, a dashboard) would be wrong. `what` ends the message.
 */
export function assertValidSlo(spec: Spec, slo: Pick<ResolvedSpecSlo, 'problems'>, what: string): void {
  const errors = slo.problems.filter((p) => p.severity === 'error');
  if (errors.length === 0) return;
  const [first, ...rest] = errors.map((p) => ({ message: p.message, location: spec.locate(p.pointer) }));
  throw new SwornError('SWORN_ERR_SLO_INVALID', `x-slo is invalid, so ${what}: ${first!.message}`, {
    location: first!.location,
    details: rest,
    hint: `Fix the x-slo blocks (\`sworn lint ${spec.displayPath}\` lists every problem).`,
  });
}
