/** sworn's public API: explicit named re-exports only. */
export { SwornError, ERROR_CODES, describeError, formatLocation, type ErrorCode, type SourceLocation } from './errors.js';
export { loadSpec, listOperations, Spec, SourceFile, generatedOperationId, basePathsOf, type Operation, type OpenApiDocument, type HttpMethod } from './spec/index.js';
export {
  resolveSlos, validateSloBlock, parseDuration, formatDuration, MaintenanceSchedule, compileMaintenance, combineEffects, windowBounds,
  type ResolvedSpecSlo, type ResolvedOperationSlo, type ResolvedPromise, type SloProblem, type SloWindow, type LatencyObjective,
  type AvailabilityObjective, type MaintenanceDefinition, type MaintenanceOccurrence, type Duration,
} from './slo/index.js';
export { explainSpec, type Explanation, type ExplainOptions } from './slo/explain.js';
export { lintSpec, loadPolicy, checkPolicy, type Finding, type LintResult, type Policy } from './lint/index.js';
export { run } from './cli/index.js';
