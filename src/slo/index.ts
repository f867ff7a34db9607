export { resolveSlos } from './resolve.js';
export { validateSloBlock, X_SLO_SCHEMA_URL } from './schema.js';
export { parseDuration, formatDuration, type Duration } from './duration.js';
export {
  MaintenanceSchedule, compileMaintenance, combineEffects, instantOfLocal, isValidTimeZone, parseLocalOrInstant, MaintenanceRuleError,
  type MaintenanceOccurrence, type CompiledMaintenance,
} from './maintenance.js';
export { windowBounds } from './window.js';
export * from './model.js';
export { metricServiceName } from './naming.js';
