export { compileValidators, looksLikeCredential, type CompiledOperation, type CompiledParam, type CompiledMedia, type CompiledResponse } from './compile.js';
export { validateRequest, validateResponse, responseFor, type RequestInput, type ResponseInput } from './check.js';
export { SchemaCompiler } from './schemas.js';
export { VIOLATION_CODES, type Violation, type ViolationCode } from './violation.js';
