export { buildDashboard, dashboardUid, SCHEMA_VERSION, type DashboardOptions, type GrafanaDashboard } from './build.js';
export { dashboardForSpec, type SpecDashboardOptions } from './from-spec.js';
export { planDashboard, type DashboardPlan, type PromiseGroup, type BurnRatePair } from './promises.js';
export { GridLayout, GRID_COLUMNS, type GridPos } from './layout.js';
export { promString, alternation } from './promql.js';
export { METRICS, RULES, ALERT_NAME_PREFIX, burnRateRule, ruleWindow } from './rule-names.js';
