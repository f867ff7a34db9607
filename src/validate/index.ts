export { compileValidators, unsupportedPatterns, allSecretNames, lazyValidators, OperationValidators, type LazyValidatorsOptions, type ValidatorKind, looksLikeCredential, CREDENTIAL_WORDS, CREDENTIAL_SUFFIXES, type CompiledOperation, type CompiledParam, type CompiledMedia, type CompiledResponse, type SecurityAlternative, type SecurityCredential } from './compile.js';
export { validateRequest, validateResponse, responseFor, DEFAULT_MAX_DECODED, type RequestInput, type ResponseInput, type RequestCheckOptions } from './check.js';
export { wwwAuthenticate, challengeOf, credentialPresent, isBasicCredential, isBearerCredential, isDigestCredential, CredentialReader, type CredentialSource } from './security.js';
export { SchemaCompiler, LINT_COMPILER_OPTIONS, EVERY_ERROR_LIMIT, EVERY_ERROR_MAX_BODY, type SchemaCompilerOptions } from './schemas.js';
export { compilePattern, type UnsupportedPattern } from './pattern.js';
export { MAX_JSON_DEPTH } from './media.js';
export { VIOLATION_CODES, type Violation, type ViolationCode } from './violation.js';
