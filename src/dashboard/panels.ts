import { VARIABLES } from './promql.js';

/** A value JSON.stringify writes as is. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export const DATASOURCE = { type: 'prometheus', uid: VARIABLES.datasource } as const;

export interface Target {
  refId: string;
  expr: string;
  legendFormat: string;
  /** Instant table query (the alert list) instead of a range query. */
  table?: boolean;
}

/** A horizontal line at `value`, drawn in `color` (Grafana thresholds in line mode). */
export interface ThresholdLine {
  value: number;
  color: string;
}

/** A panel before it is placed: what to draw and how big. */
export interface PanelSpec {
  type: 'timeseries' | 'stat' | 'table';
  title: string;
  description: string;
  size: { w: number; h: number };
  targets: Target[];
  fieldConfig: { defaults: { [key: string]: Json }; overrides: Json[] };
  options: { [key: string]: Json };
  transformations?: Json[];
}

function targetJson(target: Target): { [key: string]: Json } {
  return {
    datasource: { ...DATASOURCE },
    editorMode: 'code',
    expr: target.expr,
    ...(target.table ? { format: 'table', instant: true, range: false } : { instant: false, range: true }),
    legendFormat: target.legendFormat,
    refId: target.refId,
  };
}

/** Grafana's threshold steps for lines: a transparent base, then each line from the lowest. */
export function thresholdSteps(lines: readonly ThresholdLine[], base = 'transparent'): Json {
  const sorted = [...lines].sort((a, b) => a.value - b.value);
  return { mode: 'absolute', steps: [{ color: base, value: null }, ...sorted.map((l) => ({ color: l.color, value: l.value }))] };
}

/** Series whose query has `refId` are dashed (the short window of a burn-rate pair). */
export function dashedQuery(refId: string): Json {
  return { matcher: { id: 'byFrameRefID', options: refId }, properties: [{ id: 'custom.lineStyle', value: { dash: [10, 10], fill: 'dash' } }] };
}

/** A series (by its display name) always in one colour. */
export function fixedColour(name: string, colour: string): Json {
  return { matcher: { id: 'byName', options: name }, properties: [{ id: 'color', value: { fixedColor: colour, mode: 'fixed' } }] };
}

export interface TimeseriesInput {
  title: string;
  description: string;
  targets: Target[];
  unit: string;
  decimals?: number;
  lines?: ThresholdLine[];
  /** The y axis shows at least this range, so the threshold lines are always in view. */
  softMin?: number;
  softMax?: number;
  stacked?: boolean;
  overrides?: Json[];
  size?: { w: number; h: number };
}

export function timeseries(input: TimeseriesInput): PanelSpec {
  return {
    type: 'timeseries',
    title: input.title,
    description: input.description,
    size: input.size ?? { w: 12, h: 8 },
    targets: input.targets,
    fieldConfig: {
      defaults: {
        color: { mode: 'palette-classic' },
        custom: {
          axisPlacement: 'auto',
          ...(input.softMin !== undefined ? { axisSoftMin: input.softMin } : {}),
          ...(input.softMax !== undefined ? { axisSoftMax: input.softMax } : {}),
          drawStyle: 'line',
          fillOpacity: input.stacked ? 60 : 0,
          lineWidth: 1,
          showPoints: 'never',
          spanNulls: false,
          stacking: { group: 'A', mode: input.stacked ? 'normal' : 'none' },
          thresholdsStyle: { mode: input.lines && input.lines.length > 0 ? 'line' : 'off' },
        },
        ...(input.decimals !== undefined ? { decimals: input.decimals } : {}),
        thresholds: thresholdSteps(input.lines ?? []),
        unit: input.unit,
      },
      overrides: input.overrides ?? [],
    },
    options: {
      legend: { calcs: [], displayMode: 'list', placement: 'bottom', showLegend: true },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
  };
}

export interface StatInput {
  title: string;
  description: string;
  targets: Target[];
  unit: string;
  decimals?: number;
  /** Background colour below the first step, then the colour from each step up. */
  base: string;
  steps: ThresholdLine[];
  size: { w: number; h: number };
}

export function stat(input: StatInput): PanelSpec {
  return {
    type: 'stat',
    title: input.title,
    description: input.description,
    size: input.size,
    targets: input.targets,
    fieldConfig: {
      defaults: {
        color: { mode: 'thresholds' },
        ...(input.decimals !== undefined ? { decimals: input.decimals } : {}),
        mappings: [],
        thresholds: thresholdSteps(input.steps, input.base),
        unit: input.unit,
      },
      overrides: [],
    },
    options: {
      colorMode: 'background',
      graphMode: 'area',
      justifyMode: 'auto',
      orientation: 'auto',
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      showPercentChange: false,
      textMode: 'value_and_name',
      wideLayout: true,
    },
  };
}

export interface TableInput {
  title: string;
  description: string;
  targets: Target[];
  /** Columns not shown. */
  hide: string[];
  size: { w: number; h: number };
}

export function table(input: TableInput): PanelSpec {
  return {
    type: 'table',
    title: input.title,
    description: input.description,
    size: input.size,
    targets: input.targets.map((t) => ({ ...t, table: true })),
    fieldConfig: { defaults: { custom: { align: 'auto', cellOptions: { type: 'auto' } }, mappings: [] }, overrides: [] },
    options: { cellHeight: 'sm', footer: { show: false, reducer: ['sum'], countRows: false, fields: '' }, showHeader: true },
    transformations: [{ id: 'organize', options: { excludeByName: Object.fromEntries(input.hide.map((c) => [c, true])), indexByName: {}, renameByName: {} } }],
  };
}

/** The panel as Grafana stores it. */
export function panelJson(spec: PanelSpec, id: number, gridPos: { h: number; w: number; x: number; y: number }): { [key: string]: Json } {
  return {
    id,
    type: spec.type,
    title: spec.title,
    description: spec.description,
    gridPos: { ...gridPos },
    datasource: { ...DATASOURCE },
    targets: spec.targets.map(targetJson),
    fieldConfig: spec.fieldConfig as unknown as Json,
    options: spec.options,
    ...(spec.transformations ? { transformations: spec.transformations } : {}),
  };
}

export function rowJson(title: string, id: number, gridPos: { h: number; w: number; x: number; y: number }): { [key: string]: Json } {
  return { id, type: 'row', title, collapsed: false, gridPos: { ...gridPos }, panels: [] };
}
