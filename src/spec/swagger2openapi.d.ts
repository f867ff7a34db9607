/**
 * The part of swagger2openapi (v7, CommonJS, no types of its own) that
 * src/spec/convert-swagger2.ts uses.
 */
declare module 'swagger2openapi' {
  export interface ConvertOptions {
    /** Fix what can be fixed (a missing `info.title`, a non-array `consumes`…) instead of refusing. */
    patch?: boolean;
    /** Put a problem it cannot fix into an `x-s2o-warning` key beside it instead of refusing. */
    warnOnly?: boolean;
    /** Clone objects shared through YAML anchors instead of refusing them. */
    anchors?: boolean;
    /** Follow external `$ref`s itself (fetching URLs); left false: sworn bundles first. */
    resolve?: boolean;
    /** The source text; when absent it stringifies the whole document to YAML and never reads it. */
    text?: string;
    /** Set on return: `$ref`s it created for direct references, old (`#/paths/...`) to new (`#/components/...`). */
    refmap?: Record<string, string>;
    /** Set on return: the converted document. */
    openapi?: Record<string, unknown>;
    [key: string]: unknown;
  }

  /** Converts a parsed Swagger 2.0 document; resolves to the options object, whose `openapi` is the result. */
  export function convertObj(swagger: object, options: ConvertOptions): Promise<ConvertOptions & { openapi: Record<string, unknown> }>;

  export class S2OError extends Error {}
}
