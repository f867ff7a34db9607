import type { Severity } from './change.js';
import { LIFECYCLE_RULES } from './lifecycle.js';

/** One rule `sworn diff` can report: its id, its usual severity, and a one-line example of a change it reports. */
export interface RuleEntry {
  rule: string;
  severity: Severity;
  example: string;
}

const row = (rule: string, severity: Severity, example: string): RuleEntry => ({ rule, severity, example });

/**
 * Every rule id `sworn diff` can report (docs/diff.md explains each). The
 * severity is the one the rule usually has; a few rules lower or raise it
 * with context (a removed request property is breaking only when undeclared
 * ones are refused), `--usage` lowers unused breaking changes to warnings,
 * and `.sworn-diff.yaml` overrides any of them.
 */
export const RULE_CATALOGUE: readonly RuleEntry[] = [
  row('operation-removed', 'breaking', 'DELETE /pets/{id} is gone'),
  row('operation-added', 'safe', 'POST /pets/{id}/photos is new'),
  row('request-parameter-required-added', 'breaking', 'new required query parameter `owner`'),
  row('request-parameter-added', 'safe', 'new optional query parameter `sort`'),
  row('request-parameter-removed', 'breaking', 'optional query parameter `kind` removed'),
  row('request-parameter-now-required', 'breaking', 'query parameter `limit` gains `required: true`'),
  row('request-body-now-required', 'breaking', 'requestBody gains `required: true`'),
  row('request-body-required-added', 'breaking', 'an operation without a body gains `requestBody: {required: true}`'),
  row('request-body-added', 'safe', 'an operation without a body gains an optional `requestBody`'),
  row('request-body-removed', 'breaking', 'an operation\'s `requestBody` removed (clients sending one may be refused or have it ignored)'),
  row('request-media-type-removed', 'breaking', 'request bodies of type application/xml no longer accepted'),
  row('request-media-type-added', 'safe', 'request bodies of type application/x-www-form-urlencoded now accepted'),
  row('request-property-required-added', 'breaking', '`required: [name]` becomes `[name, kind]` in a request body'),
  row('request-property-now-optional', 'safe', '`kind` dropped from a request body\'s `required`'),
  row('request-property-removed', 'warning', 'request property `nickname` no longer declared (breaking with `additionalProperties: false`)'),
  row('request-property-added', 'safe', 'optional request property `tag` added'),
  row('request-property-now-read-only', 'breaking', 'request property `id` gains `readOnly: true`'),
  row('request-property-no-longer-read-only', 'safe', 'request property `id` loses `readOnly: true`'),
  row('request-type-changed', 'breaking', 'request property `age`: `integer` becomes `string`'),
  row('request-type-widened', 'safe', 'request property `age`: `integer` becomes `[integer, string]`'),
  row('request-enum-value-removed', 'breaking', 'request `kind` enum loses `bird`'),
  row('request-enum-value-added', 'safe', 'request `kind` enum gains `fish`'),
  row('request-extensible-enum-value-removed', 'breaking', 'request `x-extensible-enum` loses `bird`'),
  row('request-extensible-enum-value-added', 'safe', 'request `x-extensible-enum` gains `fish`'),
  row('request-const-changed', 'breaking', 'request `const: v1` becomes `const: v2`'),
  row('request-constraint-narrowed', 'breaking', 'request `maxLength: 50` becomes `20`'),
  row('request-constraint-relaxed', 'safe', 'request `maxLength: 20` becomes `50`'),
  row('request-constraint-changed', 'breaking', 'request `multipleOf: 2` becomes `3`'),
  row('request-pattern-added', 'breaking', 'request string gains `pattern: ^[a-z]+$`'),
  row('request-pattern-changed', 'breaking', 'request `pattern: ^[a-z]+$` becomes `^[a-c]+$`'),
  row('request-pattern-widened', 'safe', 'request `pattern: ^[a-z]+$` becomes `.+`'),
  row('request-pattern-removed', 'safe', 'request `pattern` removed'),
  row('request-pattern-unverified', 'warning', 'request `pattern` rewritten so that no one can tell if it accepts less'),
  row('request-format-changed', 'breaking', 'request `format: email` becomes `format: uuid`'),
  row('request-format-widened', 'safe', 'request `format: email` removed'),
  row('request-content-encoding-changed', 'breaking', 'request `contentEncoding: base64` becomes `base32`'),
  row('request-content-media-type-changed', 'breaking', 'request `contentMediaType: image/png` becomes `image/jpeg`'),
  row('request-default-changed', 'warning', 'request `default: 20` becomes `default: 50`'),
  row('request-default-added', 'safe', 'request parameter gains `default: 20`'),
  row('request-default-removed', 'warning', 'request parameter loses `default: 20`'),
  row('request-dependent-required-added', 'breaking', '`dependentRequired: {card: [cvv]}` added to a request body'),
  row('request-dependent-required-removed', 'safe', '`dependentRequired: {card: [cvv]}` removed from a request body'),
  row('request-additional-properties-closed', 'breaking', 'request body gains `additionalProperties: false`'),
  row('request-additional-properties-opened', 'safe', 'request body loses `additionalProperties: false`'),
  row('request-oneof-branch-removed', 'breaking', 'request `oneOf: [string, integer]` becomes `oneOf: [string]`'),
  row('request-oneof-branch-added', 'safe', 'request `anyOf: [string]` becomes `anyOf: [string, integer]`'),
  row('request-oneof-ambiguous', 'breaking', 'a request `oneOf` branch added that a body valid before also matches (refused)'),
  row('request-discriminator-changed', 'breaking', 'request discriminator `propertyName: kind` becomes `type`'),
  row('request-discriminator-value-removed', 'breaking', 'request discriminator mapping loses `bird`'),
  row('request-discriminator-value-added', 'safe', 'request discriminator mapping gains `fish`'),
  row('request-schema-narrowed', 'breaking', 'request schema gains `not: {type: null}`, or `propertyNames: {maxLength: 8}`'),
  row('request-schema-widened', 'safe', 'request schema loses `not: {type: null}`'),
  row('request-composition-unverified', 'warning', 'a request `$ref` to another file that cannot be read changed'),
  row('request-parameter-reserved-disallowed', 'breaking', 'query parameter `path`: `allowReserved: true` becomes false (clients must percent-encode `/`)'),
  row('request-parameter-reserved-allowed', 'safe', 'query parameter `path` gains `allowReserved: true`'),
  row('request-parameter-style-changed', 'breaking', 'query array `tags`: `explode: true` (`tags=a&tags=b`) becomes `explode: false` (`tags=a,b`)'),
  row('response-status-removed', 'breaking', 'response 404 removed'),
  row('response-status-added', 'warning', 'new response 429'),
  row('response-media-type-removed', 'breaking', 'response 200 no longer sent as application/json'),
  row('response-media-type-added', 'warning', 'response 200 may now be sent as application/xml'),
  row('response-property-removed', 'breaking', 'response property `tag` removed'),
  row('response-property-added', 'safe', 'response property `color` added (warning when the object had `additionalProperties: false`)'),
  row('response-property-now-optional', 'breaking', '`name` dropped from a response\'s `required`'),
  row('response-property-now-required', 'safe', '`tag` added to a response\'s `required`'),
  row('response-property-now-nullable', 'breaking', 'response `type: string` becomes `[string, "null"]`'),
  row('response-property-now-write-only', 'breaking', 'response property `secret` gains `writeOnly: true`'),
  row('response-property-no-longer-write-only', 'safe', 'response property `secret` loses `writeOnly: true`'),
  row('response-type-changed', 'breaking', 'response property `id`: `integer` becomes `string`'),
  row('response-type-narrowed', 'safe', 'response `[string, "null"]` becomes `string`'),
  row('response-enum-value-added', 'breaking', 'response `status` enum gains `pending`'),
  row('response-enum-value-removed', 'safe', 'response `status` enum loses `sold`'),
  row('response-extensible-enum-value-added', 'safe', 'response `x-extensible-enum` gains `pending` (clients expect unknown values)'),
  row('response-extensible-enum-value-removed', 'safe', 'response `x-extensible-enum` loses `sold`'),
  row('response-const-changed', 'breaking', 'response `const: v1` becomes `const: v2`'),
  row('response-constraint-narrowed', 'safe', 'response `maxLength: 50` becomes `20`'),
  row('response-constraint-relaxed', 'breaking', 'response `maximum: 100` becomes `1000`'),
  row('response-constraint-changed', 'breaking', 'response `multipleOf: 2` becomes `3`'),
  row('response-pattern-added', 'safe', 'response string gains `pattern: ^[a-z]+$`'),
  row('response-pattern-narrowed', 'safe', 'response `pattern: .+` becomes `^[a-z]+$`'),
  row('response-pattern-changed', 'breaking', 'response `pattern: ^[a-z]+$` becomes `^[a-z0-9]+$`'),
  row('response-pattern-removed', 'breaking', 'response `pattern: ^[a-z]+$` removed'),
  row('response-pattern-unverified', 'warning', 'response `pattern` rewritten so that no one can tell if it allows more'),
  row('response-format-changed', 'breaking', 'response `format: uuid` becomes `format: uri`'),
  row('response-format-narrowed', 'safe', 'response string gains `format: uuid`'),
  row('response-content-encoding-changed', 'breaking', 'response `contentEncoding: base64` becomes `base32`'),
  row('response-content-media-type-changed', 'breaking', 'response `contentMediaType: image/png` becomes `image/jpeg`'),
  row('response-default-changed', 'warning', 'response `default: 20` becomes `default: 50`'),
  row('response-default-added', 'safe', 'response property gains `default: 20`'),
  row('response-default-removed', 'warning', 'response property loses `default: 20`'),
  row('response-dependent-required-added', 'safe', '`dependentRequired: {card: [expiry]}` added to a response'),
  row('response-dependent-required-removed', 'breaking', '`dependentRequired: {card: [expiry]}` removed from a response'),
  row('response-additional-properties-closed', 'safe', 'response object gains `additionalProperties: false`'),
  row('response-additional-properties-opened', 'warning', 'response object loses `additionalProperties: false`'),
  row('response-oneof-branch-added', 'breaking', 'response `oneOf: [Cat, Dog]` becomes `oneOf: [Cat, Dog, Bird]`'),
  row('response-oneof-branch-removed', 'safe', 'response `oneOf: [Cat, Dog]` becomes `oneOf: [Cat]`'),
  row('response-oneof-ambiguous', 'breaking', 'a response `oneOf` branch narrowed so a response may now match two branches'),
  row('response-discriminator-changed', 'breaking', 'response discriminator `propertyName: kind` becomes `type`'),
  row('response-discriminator-value-added', 'breaking', 'response discriminator mapping gains `bird`'),
  row('response-discriminator-value-removed', 'safe', 'response discriminator mapping loses `bird`'),
  row('response-schema-narrowed', 'safe', 'response schema gains `propertyNames: {maxLength: 8}`'),
  row('response-schema-widened', 'breaking', 'response schema loses `not: {type: null}`'),
  row('response-composition-unverified', 'warning', 'a response `$ref` to another file that cannot be read changed'),
  // Webhooks and callbacks: their parameters and body judged as responses, their responses as requests.
  row('operation-webhook-removed', 'breaking', 'webhook `newPet` is gone'),
  row('operation-webhook-added', 'safe', 'webhook `petSold` is new'),
  row('response-parameter-added', 'safe', 'webhook `newPet` now sends header `X-Signature`'),
  row('response-parameter-removed', 'breaking', 'webhook `newPet` no longer sends header `X-Signature`'),
  row('response-parameter-now-optional', 'breaking', 'webhook header `X-Signature` loses `required: true`'),
  row('response-parameter-now-required', 'safe', 'webhook header `X-Signature` gains `required: true`'),
  row('response-parameter-style-changed', 'breaking', 'webhook query array `ids`: `explode: true` becomes `explode: false`'),
  row('response-parameter-reserved-allowed', 'breaking', 'webhook query parameter `path` gains `allowReserved: true` (consumers\' servers may receive `&` unencoded)'),
  row('response-parameter-reserved-disallowed', 'safe', 'webhook query parameter `path` loses `allowReserved: true`'),
  row('response-body-removed', 'breaking', 'webhook `newPet` no longer sends a request body'),
  row('response-body-added', 'safe', 'webhook `ping` now sends a request body'),
  row('response-body-now-optional', 'breaking', 'webhook `newPet` requestBody loses `required: true`'),
  row('request-status-removed', 'breaking', 'webhook `newPet` response 202 removed (consumers\' servers send it back)'),
  row('request-status-added', 'safe', 'webhook `newPet` gains response 204'),
  row('security-webhook-credentials-removed', 'breaking', 'webhook `security: [{signature: []}]` becomes `security: []` (servers checking credentials refuse the calls)'),
  row('security-webhook-credentials-added', 'safe', 'webhook `security: []` becomes `[{signature: []}]`'),
  row('security-webhook-changed', 'breaking', 'webhook `security: [{signature: []}]` becomes `[{bearer: []}]`'),
  row('security-requirement-added', 'breaking', '`security: []` becomes `security: [{key: []}]`'),
  row('security-changed', 'breaking', '`security: [{key: []}]` becomes `[{bearer: []}]`'),
  row('security-relaxed', 'safe', '`security: [{key: []}]` becomes `security: []`'),
  row('slo-promise-removed', 'breaking', 'an operation\'s `x-slo` removed, or `x-slo: false`'),
  row('slo-promise-added', 'safe', 'an operation gains an `x-slo`'),
  row('slo-availability-lowered', 'breaking', '`availability: 99.9` becomes `99.5`'),
  row('slo-availability-removed', 'breaking', '`availability: 99.9` removed'),
  row('slo-availability-raised', 'safe', '`availability: 99.5` becomes `99.9`'),
  row('slo-latency-weakened', 'breaking', 'latency `fast`: 95% within 300ms becomes 95% within 500ms'),
  row('slo-latency-tightened', 'safe', 'latency `p99`: p99 ≤ 1s becomes p99 ≤ 800ms'),
  row('slo-latency-objective-removed', 'breaking', 'latency objective `p99` removed'),
  row('slo-latency-objective-added', 'safe', 'latency objective `p50` added'),
  row('slo-window-shortened', 'breaking', '`window: 28d` becomes `7d`'),
  row('slo-window-lengthened', 'safe', '`window: 7d` becomes `28d`'),
  row('slo-maintenance-added', 'breaking', 'maintenance window `migration` added'),
  row('slo-maintenance-lengthened', 'breaking', 'maintenance window `patching` lasts 3h instead of 1h'),
  row('slo-maintenance-removed', 'safe', 'maintenance window `patching` removed'),
  row('slo-tier-removed', 'breaking', 'consumer tier `gold` removed from `x-slo.consumers.tiers`'),
  // Deprecation, sunset and stability (src/diff/lifecycle.ts keeps their rows; its info level is `safe` here).
  ...LIFECYCLE_RULES.map((r) => row(r.rule, r.severity === 'info' ? 'safe' : r.severity, r.example)),
];

/** Rule ids no longer in the catalogue: a config naming one is refused with the id to write instead. */
export const RETIRED_RULES: ReadonlyArray<{ rule: string; use: string; why: string }> = [
  { rule: 'operation-removed-without-deprecation', use: 'operation-removed', why: 'an operation removed without a deprecation or a sunset is reported as `operation-removed`' },
];

const BY_ID = new Map(RULE_CATALOGUE.map((r) => [r.rule, r]));

/** The catalogue entry of a rule id, if it is one. */
export function ruleEntry(rule: string): RuleEntry | undefined {
  return BY_ID.get(rule);
}

/** Every rule id in the catalogue. */
export const RULE_IDS: readonly string[] = RULE_CATALOGUE.map((r) => r.rule);
