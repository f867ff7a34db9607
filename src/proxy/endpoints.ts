import { closest } from 'fastest-levenshtein';
import { SwornError } from '../errors.js';
import { reportWindow, type buildReport, type ReportOptions } from '../report/report.js';
import type { PageInput } from '../report/page.js';
import type { Service } from './service.js';

/** What the admin server's `/readyz` and `/report` answer, for one or several services. */
export function adminEndpoints(services: readonly Service[], o: { several: boolean; now: () => number; storeRequired: boolean; accepting: () => boolean; pageCacheMs?: number }) {
  const named = (name: string | undefined): Service => {
    if (name === undefined) return services[0]!;
    const found = services.find((s) => s.name === name);
    if (found) return found;
    const guess = closest(name, services.map((s) => s.name));
    throw new SwornError('SWORN_ERR_USAGE', `no service ${JSON.stringify(name)} behind this proxy`, { hint: `Did you mean service=${guess}? Services: ${services.map((s) => s.name).join(', ')}.` });
  };
  /** The report of the first service, or the one named. */
  const report = (reportOptions: ReportOptions & { service?: string } = {}): ReturnType<typeof buildReport> => {
    const { service, ...rest } = reportOptions;
    return named(service).report(rest);
  };
  const pages = new Map<string, { at: number; html: string }>();
  const storeOk = (s: Service) => ['ok', 'recreated'].includes(s.storeHealth().state);
  return {
    report,
    ready: () => {
      const draining = !o.accepting();
      const allStored = services.every(storeOk);
      // The store's trouble is reported, not made the pod's: traffic flows on unless --store-required.
      const ready = !draining && (allStored || !o.storeRequired);
      const status = draining ? 'draining' : allStored ? 'ready' : 'degraded';
      const one = (s: Service) => ({ store: s.storeHealth(), reload: s.reloads });
      return { ready, body: o.several ? { status, services: Object.fromEntries(services.map((s) => [s.name, one(s)])) } : { status, ...one(services[0]!) } };
    },
    /** `?consumer=&operation=&service=`: cumulative classified events per operation x consumer, with the tier's objectives. */
    tallies: (query: URLSearchParams): unknown => named(query.get('service') ?? undefined).tallies({ ...(query.has('consumer') ? { consumer: query.get('consumer')! } : {}), ...(query.has('operation') ? { operation: query.get('operation')! } : {}) }),
    /**
     * `GET /`: the live dashboard of the first service or `?service=`, with the
     * same filters as `/report`. Pages are kept `cacheMs` (default 2 s): many
     * viewers cost one build.
     */
    page: (query: URLSearchParams, extras: Pick<PageInput, 'faults' | 'live'>): string => {
      const key = query.toString();
      const hit = pages.get(key);
      const at = Date.now();
      if (hit && at - hit.at < (o.pageCacheMs ?? 2_000)) return hit.html;
      const get = (name: string) => query.get(name) ?? undefined;
      const window = reportWindow({ window: get('window'), since: get('since'), until: get('until') }, o.now());
      const filters = { ...window, ...(query.has('consumer') ? { consumer: get('consumer') } : {}), ...(query.has('operation') ? { operation: get('operation') } : {}) };
      const service = named(get('service'));
      const links = services.map((s) => ({ name: s.name, href: `/?service=${encodeURIComponent(s.name)}`, current: s === service }));
      const html = service.page(filters, { ...extras, services: links });
      if (pages.size >= 32) pages.clear();
      pages.set(key, { at, html });
      return html;
    },
    /** `?window=&since=&until=&consumer=&operation=&service=`; with several services and no `service`, every service's report. */
    fromQuery: (query: URLSearchParams): unknown => {
      const get = (name: string) => query.get(name) ?? undefined;
      const window = reportWindow({ window: get('window'), since: get('since'), until: get('until') }, o.now());
      const filters = { ...window, ...(query.has('consumer') ? { consumer: get('consumer') } : {}), ...(query.has('operation') ? { operation: get('operation') } : {}) };
      if (o.several && !query.has('service')) return { services: Object.fromEntries(services.map((s) => [s.name, s.report(filters)])) };
      return report({ ...filters, ...(query.has('service') ? { service: get('service') } : {}) });
    },
  };
}
