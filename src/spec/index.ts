export { loadSpec, Spec, isRef, formatName, type OpenApiDocument, type LoadSpecOptions } from './load-spec.js';
export type { ConvertedFrom, ConversionNote } from './conversion.js';
export { listOperations, generatedOperationId, basePathsOf, HTTP_METHODS, type Operation, type HttpMethod } from './operations.js';
export { SourceFile } from './source-file.js';
export { toPointer, parsePointer, appendPointer, escapeSegment } from './pointer.js';
