import type { Duration } from './duration.js';

/** A problem found in x-slo blocks or a policy: data, never thrown. Pointers are into the bundled document. */
export interface SloProblem {
  rule: string;
  severity: 'error' | 'warning' | 'info';
  pointer: string;
  message: string;
  /** Operation ids the problem applies to (empty for document-level problems). */
  operations?: string[];
}

export type SloWindow =
  | { kind: 'rolling'; duration: Duration }
  | { kind: 'calendar'; unit: 'day' | 'week' | 'month' | 'quarter' | 'year'; timeZone: string };

export interface AvailabilityObjective {
  /** Percent of valid events that are good. */
  target: number;
  bad: { status: string[]; timeout?: Duration };
  exclude: { status: string[]; clientAbort: boolean };
}

export type LatencyObjective =
  | { name: string; kind: 'threshold'; threshold: Duration; target: number }
  | { name: string; kind: 'percentile'; percentile: number; max: Duration };

export interface MaintenanceEffect {
  /** Events in the window are not counted at all. */
  exclude: boolean;
  /** Events in the window are judged against this availability target instead. */
  availability?: number;
  /** Accounting goes on; burn-rate alerts are silenced. */
  suppressAlerts: boolean;
}

export interface MaintenanceDefinition {
  name: string;
  kind: 'recurring' | 'once';
  rrule?: string;
  cron?: string;
  /** Recurring: local anchor date-time; one-off: start instant (as written). */
  start?: string;
  end?: string;
  duration?: Duration;
  timeZone: string;
  effect: MaintenanceEffect;
  /** Where the window is declared. */
  pointer: string;
}

export interface BurnRateAlert {
  severity: string;
  long: Duration;
  short: Duration;
  factor: number;
}

export interface ConsumerIdentification {
  header?: string;
  apiKey?: { header?: string; query?: string; cookie?: string; map: string };
  jwt?: { claim: string; tierClaim?: string; jwks?: string; header?: string; issuer?: string; audience?: string };
  clientAddress?: true;
}

/** The promise one operation makes (to one tier), after inheritance. */
export interface ResolvedPromise {
  window: SloWindow;
  availability?: AvailabilityObjective;
  latency: LatencyObjective[];
  maintenance: MaintenanceDefinition[];
  alerting: { burnRates: BurnRateAlert[]; minEventsPerHour: number };
  budgetPolicy: { freezeBelow?: number };
  /** Where each value came from: dotted path (`availability.target`, `latency[fast].threshold`) -> pointer. */
  origins: Record<string, string>;
}

export interface ResolvedOperationSlo {
  id: string;
  method: string;
  path: string;
  pointer: string;
  /** False when an `x-slo: false` opts the operation out. */
  enabled: boolean;
  /** Where the opt-out or the nearest x-slo block is. */
  declaredAt?: string;
  /** The operation's own promise; `null` when no x-slo applies to it. */
  promise: ResolvedPromise | null;
  /** The promise per consumer tier (operation promise + tier override). */
  tiers: Record<string, ResolvedPromise>;
}

export interface ConsumersConfig {
  identify: ConsumerIdentification[];
  defaultTier?: string;
  maxTracked: number;
  tiers: string[];
}

export interface ResolvedSpecSlo {
  service?: string;
  tier?: string;
  /** Pointer of the document-level block, when there is one. */
  documentPointer?: string;
  consumers: ConsumersConfig;
  operations: ResolvedOperationSlo[];
  problems: SloProblem[];
}

/** The SRE Workbook's recommended multiwindow, multi-burn-rate alerts (ch. 5), used when none are declared. */
export const DEFAULT_BURN_RATES: ReadonlyArray<{ severity: string; long: string; short: string; factor: number }> = [
  { severity: 'page', long: '1h', short: '5m', factor: 14.4 },
  { severity: 'page', long: '6h', short: '30m', factor: 6 },
  { severity: 'ticket', long: '3d', short: '6h', factor: 1 },
];

export const DEFAULT_WINDOW = '28d';
export const DEFAULT_MAX_TRACKED = 500;
