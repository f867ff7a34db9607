import type { Logger } from 'pino';
import { SwornError } from '../errors.js';
import type { Spec } from '../spec/load-spec.js';
import type { Service } from './service.js';
import { parseUpstream } from './upstream.js';

/** One spec behind the proxy, with its own upstream, ledger and store. */
export interface ServiceDefinition {
  /** The ledger namespace: `service` label, `/report?service=`, store file. Default: from the spec file's name. */
  name?: string;
  spec: Spec;
  upstream: string;
  /** Requests whose Host is one of these go to this service (else: by the longest base path of its servers). */
  hosts?: string[];
  /** Where to send what the upstream answers 501 for or cannot be reached for (a running `sworn mock`). */
  fallback?: string;
  /** This service's store file (default: --store, or `<store>.<name>.db` beside it when several specs share the proxy). */
  store?: string;
}

/** A service's new spec at a reload; `undefined` leaves the service as it is. */
export type SpecLoader = (service: { name: string; file: string }) => Promise<Spec | undefined>;

/** What a reload did, per service. */
export interface ReloadResult {
  ok: boolean;
  services: Array<{ service: string; ok: boolean; operations?: number; error?: string }>;
}

/** One reload: every service's spec loaded anew (or given), compiled, put in force; failures keep the old contract. */
export async function reloadServices(services: Service[], logger: Logger, load: SpecLoader): Promise<ReloadResult> {
  const results: ReloadResult['services'] = [];
  for (const s of services) {
    const at = new Date().toISOString();
    try {
      const spec = await load({ name: s.name, file: s.contract.spec.file });
      if (!spec) continue;
      s.reload(spec);
      s.reloads.succeeded++;
      s.reloads.lastAt = at;
      delete s.reloads.lastError;
      results.push({ service: s.name, ok: true, operations: s.contract.operations.length });
      logger.info({ service: s.name, operations: s.contract.operations.length, spec: spec.file }, 'reloaded the spec');
    } catch (error) {
      const message = error instanceof SwornError ? `${error.code}: ${error.message}` : (error as Error).message;
      s.reloads.failed++;
      s.reloads.lastAt = at;
      s.reloads.lastError = message;
      results.push({ service: s.name, ok: false, error: message });
      logger.error({ service: s.name, err: error }, 'the spec could not be reloaded; the one in force stays');
    }
  }
  return { ok: results.every((r) => r.ok), services: results };
}

/** The services the options describe, with names and store files settled; several must have distinct names. */
export function serviceDefinitions(options: { spec?: Spec; upstream?: string; services?: ServiceDefinition[]; store?: string; fallback?: string }): Array<Required<Pick<ServiceDefinition, 'name' | 'spec' | 'upstream' | 'store'>> & ServiceDefinition> {
  const store = options.store ?? 'sworn.db';
  const given: ServiceDefinition[] = options.services ?? (options.spec ? [{ spec: options.spec, upstream: options.upstream ?? '', ...(options.fallback ? { fallback: options.fallback } : {}) }] : []);
  if (given.length === 0) throw new SwornError('SWORN_ERR_USAGE', 'no spec given', { hint: 'Run `sworn proxy specs/petstore.yaml --upstream http://127.0.0.1:8080`.' });
  const names = new Set<string>();
  return given.map((d, i) => {
    parseUpstream(d.upstream);
    const name = d.name ?? (given.length === 1 ? 'default' : serviceName(d.spec, i));
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(name)) throw new SwornError('SWORN_ERR_CONFIG', `service name ${JSON.stringify(name)} is not a name`, { hint: 'Use letters, digits, `-`, `_` and `.`, e.g. `orders`.' });
    if (names.has(name)) throw new SwornError('SWORN_ERR_CONFIG', `two services are named ${JSON.stringify(name)}`, { hint: 'Give each spec its own name (`name:` in the config file\'s services).' });
    names.add(name);
    const file = d.store ?? (given.length === 1 || store === ':memory:' ? store : store.replace(/(\.db)?$/, `.${name}.db`));
    return { ...d, name, store: file };
  });
}

/** `specs/orders.yaml` -> `orders`. */
function serviceName(spec: Spec, index: number): string {
  const base = (spec.file.split(/[\\/]/).pop() ?? '').replace(/\.(ya?ml|json)$/i, '').replace(/[^A-Za-z0-9_.-]/g, '-');
  return /^[A-Za-z0-9]/.test(base) ? base : `service-${index + 1}`;
}

/**
 * Which service a request is for: the one whose hosts name the request's
 * Host, else the one whose base path (from its spec's servers) is the
 * longest prefix of the path, else the first.
 */
export function serviceFor(services: readonly Service[], host: string | undefined, url: string): Service {
  if (services.length === 1) return services[0]!;
  if (host) {
    const name = host.replace(/:\d+$/, '').toLowerCase();
    for (const s of services) if (s.hosts.has(name)) return s;
  }
  const path = pathOf(url);
  let best: Service | undefined;
  let bestLength = -1;
  for (const s of services) {
    for (const prefix of s.prefixes) {
      if (prefix.length <= bestLength) break;
      if (prefix === '' || path === prefix || path.startsWith(`${prefix}/`)) {
        best = s;
        bestLength = prefix.length;
        break;
      }
    }
  }
  return best ?? services[0]!;
}

function pathOf(url: string): string {
  if (url.startsWith('/')) return url.split('?')[0]!;
  try {
    return new URL(url).pathname; // absolute form
  } catch {
    return '/';
  }
}
