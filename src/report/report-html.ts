import type { SloEngine } from '../engine/engine.js';
import type { Store } from '../store/store.js';
import { renderPage, type PageInput } from './page.js';
import type { Report } from './report.js';
import { buildPanels, rankOperations } from './timeline.js';

/** What the page can add to a report, read from the engine and the store that made it. */
export interface PageSources {
  engine?: SloEngine;
  store?: Pick<Store, 'samples'>;
  now: number;
  /** The report's explicit window, if any (epoch ms). */
  since?: number;
  until?: number;
  /** Latest violation samples shown per operation (default 5). */
  samplesPerOperation?: number;
  /** Operations given a section with charts (default 12; the rest are rows of the table). */
  charted?: number;
}

/** The report's page parts that come from an engine and a store: tier panels with timelines, samples, maintenance windows. */
export function pageParts(report: Report, sources: PageSources): Pick<PageInput, 'panels' | 'samples' | 'maintenance'> {
  const window = sources.since === undefined ? {} : { since: sources.since, until: sources.until ?? sources.now };
  const charted = sources.charted ?? 12;
  const panels = sources.engine ? buildPanels(sources.engine, report, { now: sources.now, charted, ...window }) : undefined;
  const shown = panels ? [...panels.keys()] : rankOperations(report).slice(0, charted).map((o) => o.operationId);
  const samples = new Map(shown.map((id) => [id, sources.store?.samples({ operation: id }, sources.samplesPerOperation ?? 5) ?? []]));
  return {
    ...(panels && sources.engine ? { panels, maintenance: sources.engine.maintenanceAt(sources.until ?? sources.now) } : {}),
    samples,
  };
}

/**
 * `sworn report --format html`: the dashboard's page as one self-contained
 * file (no script, no external asset), with the timelines the store holds.
 */
export function formatReportHtml(report: Report, sources: PageSources, scope: string): string {
  return renderPage({ report, ...pageParts(report, sources), scope, now: sources.now });
}
