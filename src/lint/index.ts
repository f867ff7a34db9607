export { lintSpec, type Finding, type LintOptions, type LintResult } from './lint.js';
export { loadPolicy, checkPolicy, type Policy, type PolicyRequirement } from './policy.js';
export { checkOpenApiSchema } from './openapi-schema.js';
export { checkExamples, describeErrors, MAX_ERRORS_SHOWN } from './examples.js';
