import { describe, expect, it } from 'vitest';
import type { SloFigures } from '../../src/engine/engine.js';
import type { Report } from '../../src/report/report.js';
import { formatReportJunit } from '../../src/report/report-junit.js';
import { formatReportMarkdown, formatReportText } from '../../src/report/report-text.js';

/** An operation far over its budget, with two page alerts (fast and slow burn) firing. */
const slo: SloFigures = {
  window: { start: '2026-06-01T00:00:00.000Z', end: '2026-06-08T00:00:00.000Z' },
  availability: { target: 99.9, achieved: 94.783, good: 872, bad: 48, valid: 920, met: false },
  errorBudget: { total: 0.92, spent: 48, remaining: -51.173913 },
  latency: [],
  burnRates: { '1h': 52.2, '5m': 60, '6h': 40, '30m': 41 },
  maintenanceExcluded: 0,
  excluded: 0,
  alerts: [
    { severity: 'page', long: '1h', short: '5m', factor: 14.4, longBurnRate: 52.2, shortBurnRate: 60, firing: true },
    { severity: 'page', long: '6h', short: '30m', factor: 6, longBurnRate: 40, shortBurnRate: 41, firing: true },
    { severity: 'ticket', long: '3d', short: '6h', factor: 1, longBurnRate: 0.5, shortBurnRate: 40, firing: false },
  ],
};

const report: Report = {
  spec: { title: 'Shop', version: '1' },
  since: '2026-06-01T00:00:00.000Z',
  until: '2026-06-08T00:00:00.000Z',
  window: { kind: 'promise' },
  operations: [{ operationId: 'listOrders', method: 'GET', path: '/orders', requests: 920, violations: { request: 0, response: 0, byCode: {} }, slo } as unknown as Report['operations'][number]],
  consumers: [],
  unknownRoutes: [],
  refused: [],
  summary: { violations: { request: 0, response: 0, unknownRoutes: 0 }, missed: [{ operationId: 'listOrders', objective: 'availability', target: 99.9, achieved: 94.783 }], alertsFiring: [] },
};

describe('one unit for budgets, alerts named by their windows', () => {
  it('JUnit and text give the budget left in percent, the same figure', () => {
    const text = formatReportText(report);
    const junit = formatReportJunit(report);
    expect(text).toContain('-5117.4%');
    expect(junit).toContain('error budget left -5117.4%');
    expect(junit).not.toContain('-51.17');
  });

  it('each firing alert is named with its windows and factor, in text and Markdown', () => {
    const text = formatReportText(report);
    expect(text).toContain('FIRING page 1h/5m at 14.4x, page 6h/30m at 6x');
    expect(text).not.toContain('FIRING page, page');
    expect(text).not.toContain('ticket 3d/6h');
    expect(formatReportMarkdown(report)).toContain('🔥 page 1h/5m at 14.4x, page 6h/30m at 6x');
  });
});
