import type { IncomingMessage } from 'node:http';
import { parseTarget } from '../router/index.js';
import type { Violation } from '../validate/violation.js';
import { validateResponse } from '../validate/index.js';
import { hasBody } from './body.js';
import { blocks, checkedHeaders, checkRequest, refusalStatus, unknownRouteFinding } from './checks.js';
import { begin, type PipelineSettings, type ServiceView } from './exchange.js';
import { forwardHeaders } from './headers.js';
import { problemBody, violationList } from '../http/problem.js';
import { ended, record, requestIdOf } from './record.js';
import { framingProblem } from './route.js';
import { requestSample } from './samples.js';
import type { UpgradeVerdict } from './tunnel.js';

/**
 * An upgrade is a request like any other: routed, identified, checked
 * (refused in enforce mode when invalid) and recorded once, when the upstream
 * answered (or failed).
 */
export async function admitUpgrade(s: PipelineSettings, service: ServiceView, req: IncomingMessage): Promise<UpgradeVerdict> {
  const target = parseTarget(req.url ?? '/');
  const framing = target.form === 'asterisk' ? { reason: 'request-target', status: 400, title: 'Bad Request', detail: 'the request target * cannot be upgraded' } : framingProblem(req, target);
  if (framing) {
    service.ledger.refused(framing.reason);
    return { refuse: { status: framing.status, body: problemBody(framing.status, framing.title, framing.detail) } };
  }
  const contract = service.contract;
  const method = req.method ?? 'GET';
  const begun = begin(s, contract, req, method, target);
  const ex = begun instanceof Promise ? await begun : begun;
  const operation = ex.operation;
  const r = service.recorder;
  const sample = () => requestSample(ex, req, contract.unknownRouteSecrets);
  const violations: Violation[] = operation ? await checkRequest({ operation, params: ex.params, query: ex.query, headers: req.headers, body: undefined, bodyTooLarge: false }, ex.readings, s.maxBody) : [unknownRouteFinding(method, ex.path)];
  if (operation && hasBody(req)) violations.push({ code: 'not-validated', operationId: operation.operation.id, direction: 'request', location: 'body', pointer: '', keyword: null, message: 'not-validated: upgrade-body (a body sent with an upgrade request goes into the tunnel unchecked)' });
  const blocking = violations.filter((v) => blocks(v) || hasBody(req));
  if (s.mode === 'enforce' && operation && blocking.length > 0) {
    const { status, title } = refusalStatus(blocking);
    const body = problemBody(status, title, `the upgrade request breaks the API contract of ${operation.operation.id}`, { operationId: operation.operation.id, violations: violationList(blocking), requestId: requestIdOf(ex) });
    record(r, ex, status, 'response', violations, { sample });
    return { refuse: { status, body } };
  }
  return {
    path: service.upstream.basePath + target.originForm,
    headers: forwardHeaders(req, target.host, () => checkedHeaders(operation)),
    done: (status, outcome, headers) => {
      ended(ex, r.clock);
      if (!operation || outcome !== 'response') {
        record(r, ex, status, outcome, violations, { sample, unknownRoute: !operation });
        return;
      }
      validateResponse(operation, { status, headers: headers ?? {}, body: undefined, bodyTooLarge: false, bodyless: true, maxDecoded: s.maxBody })
        .catch(() => [] as Violation[])
        .then((found) => record(r, ex, status, outcome, [...violations, ...found], { sample }));
    },
  };
}
