export { lintSpec, type Finding, type LintOptions, type LintResult } from './lint.js';
export { loadPolicy, checkPolicy, type Policy, type PolicyRequirement } from './policy.js';
export { checkOpenApiSchema } from './openapi-schema.js';
