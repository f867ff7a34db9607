import { request } from 'undici';
import { SwornError } from '../errors.js';
import { faultJson, type FaultSpec } from '../faults/model.js';
import type { TallySnapshot, TallyRow } from './steady.js';

/** A sworn proxy's (or mock's) admin port, as a game day drives it. Loopback or not, every call is bounded in time. */
export class AdminClient {
  constructor(readonly url: string, private readonly token: string | undefined, private readonly timeoutMs = 10_000) {}

  private async call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    let res;
    try {
      res = await request(new URL(path, this.url.endsWith('/') ? this.url : `${this.url}/`).toString(), {
        method,
        headers: { ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
    } catch (error) {
      throw new SwornError('SWORN_ERR_GAMEDAY', `cannot reach the sworn admin port at ${this.url}: ${(error as Error).message}`, { hint: 'Check the URL (the proxy\'s --admin-port, e.g. http://127.0.0.1:9464) and that the proxy runs.' });
    }
    const text = await res.body.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = text;
    }
    if (res.statusCode === 401) {
      throw this.token
        ? new SwornError('SWORN_ERR_GAMEDAY', `the admin port at ${this.url} refused the token the plan gives (401)`, { hint: 'Check the token: it must be the proxy\'s --admin-token (SWORN_ADMIN_TOKEN); with ${NAME} in the plan, check that variable.' })
        : new SwornError('SWORN_ERR_GAMEDAY', `the admin port at ${this.url} wants its token`, { hint: 'Give the target\'s `token` in the plan (e.g. token: "${SWORN_ADMIN_TOKEN}").' });
    }
    return { status: res.statusCode, json };
  }

  /** The counters now (`GET /tallies`). */
  async tallies(consumer?: string): Promise<TallySnapshot> {
    const { status, json } = await this.call('GET', `tallies${consumer !== undefined ? `?consumer=${encodeURIComponent(consumer)}` : ''}`);
    const body = json as { at?: string; edges?: number[]; rows?: TallyRow[]; detail?: string } | undefined;
    if (status === 404) throw new SwornError('SWORN_ERR_GAMEDAY', `${this.url} has no /tallies: it is not a sworn proxy's admin port (or an older one)`, { hint: 'Point the hypothesis at the admin port of `sworn proxy` (a bare mock does not judge promises: use target: {mock: SPEC}, which puts a proxy in front).' });
    if (status !== 200 || !body || !Array.isArray(body.rows) || !Array.isArray(body.edges)) throw new SwornError('SWORN_ERR_GAMEDAY', `${this.url}/tallies answered ${status}: ${body?.detail ?? 'not a tally'}`, { hint: 'Check the admin URL.' });
    return { at: Date.parse(body.at ?? '') || Date.now(), edges: body.edges, rows: body.rows, source: `proxy ${this.url}` };
  }

  /** Adds faults, all or none; returns their ids. */
  async addFaults(faults: FaultSpec[]): Promise<string[]> {
    const { status, json } = await this.call('POST', 'faults', faults.map(faultJson));
    const body = json as { faults?: Array<{ id: string }>; detail?: string; hint?: string } | undefined;
    if (status !== 201 || !body?.faults) throw new SwornError('SWORN_ERR_GAMEDAY', `${this.url} refused the step's faults (${status}): ${body?.detail ?? String(json)}`, { hint: body?.hint ?? 'Check the step against the fault model (docs/gameday.md).' });
    return body.faults.map((f) => f.id);
  }

  /** Removes one fault; true when it was still there. */
  async removeFault(id: string): Promise<boolean> {
    const { status } = await this.call('DELETE', `faults/${encodeURIComponent(id)}`);
    return status === 200;
  }

  async faults(): Promise<Array<{ id: string; label?: string }>> {
    const { json } = await this.call('GET', 'faults');
    return (json as { faults?: Array<{ id: string; label?: string }> } | undefined)?.faults ?? [];
  }
}
