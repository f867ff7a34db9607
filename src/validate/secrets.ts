import type { Spec } from '../spec/load-spec.js';

/**
 * What counts as a secret, by meaning. A name (header, parameter, cookie,
 * body field) is split into words: on every character that is not a letter
 * or digit (`-`, `_`, `.`, spaces, brackets…) and at camelCase boundaries
 * (`apiKey` -> `api key`, `XAPIKey` -> `x api key`), lower-cased. It is a
 * credential when
 * - a word is in `CREDENTIAL_WORDS` (trailing digits and a plural `s` aside:
 *   `cvv2`, `tokens`),
 * - two adjacent words, or all words, joined are in it (`card_number`,
 *   `verification-code`, `social_security_number`), or
 * - a word (or the joined name) ends with one of `CREDENTIAL_SUFFIXES`
 *   (lower-case compounds: `accesstoken`, `clientsecret`, `newpassword`).
 * Words are whole words: `keyboard`, `monkey`, `author`, `tokenizer`,
 * `secretary`, `passenger` stay visible. Names about a credential rather
 * than holding one stay visible too: a last word in `METADATA_WORDS`
 * (`token_type`, `password_min_length`, `api_key_count`), and a plural
 * next to a counting word (`max_tokens`, `prompt_tokens`).
 */
export const CREDENTIAL_WORDS: readonly string[] = [
  // authentication
  'authorization', 'authorisation', 'authentication', 'auth', 'authn', 'bearer', 'jwt', 'credential', 'credentials', 'cred', 'creds',
  // passwords and PINs
  'password', 'passwd', 'pwd', 'pass', 'passphrase', 'passcode', 'pin', 'pincode',
  // secrets, keys, tokens, signatures
  'secret', 'token', 'key', 'apikey', 'accesskey', 'secretkey', 'privatekey', 'signature', 'sig', 'hmac',
  // sessions and cookies
  'cookie', 'session', 'sessionid', 'sid', 'csrf', 'xsrf',
  // one-time and recovery codes
  'otp', 'totp', 'hotp', 'mfa', '2fa', 'authcode', 'accesscode', 'verificationcode', 'securitycode', 'recoverycode', 'backupcode', 'resetcode',
  // payment cards and identity numbers
  'cvv', 'cvc', 'cardnumber', 'creditcard', 'ccnumber', 'ssn', 'socialsecuritynumber',
];

/** Endings that make a lower-case compound a credential (`accesstoken`, `clientsecret`, `xapikey`). */
export const CREDENTIAL_SUFFIXES: readonly string[] = ['token', 'secret', 'password', 'passwd', 'passphrase', 'apikey', 'credential', 'credentials'];

/** A last word that makes a name describe a credential instead of holding it. */
export const METADATA_WORDS: readonly string[] = ['count', 'counts', 'length', 'len', 'size', 'limit', 'max', 'min', 'total', 'used', 'remaining', 'type', 'types', 'format', 'policy', 'expiry', 'expires', 'expiration', 'ttl', 'enabled', 'required', 'name', 'names', 'header', 'param'];
/** Counting words: with one of them, a plural (`tokens`) is a number of things, not the things. */
const COUNTING = new Set(['max', 'min', 'prompt', 'completion', 'total', 'input', 'output', 'cached', 'reasoning', 'num', 'count', 'remaining', 'used', 'estimated']);

const WORDS = new Set(CREDENTIAL_WORDS);
const METADATA = new Set(METADATA_WORDS);

/** `X-API-Key` -> `['x', 'api', 'key']`; `sessionID` -> `['session', 'id']`. */
export function nameWords(name: string): string[] {
  const words: string[] = [];
  for (const part of name.split(/[^A-Za-z0-9]+/)) {
    if (part === '') continue;
    // Only an upper-case letter starts a camelCase word: a part without one is one word (the common snake_case), no lookbehind split.
    if (!/[A-Z]/.test(part)) words.push(part);
    else for (const w of part.split(/(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/)) if (w !== '') words.push(w.toLowerCase());
  }
  return words;
}

function isCredentialWord(word: string, plurals: boolean): boolean {
  if (WORDS.has(word)) return true;
  const last = word.charCodeAt(word.length - 1);
  const bare = last >= 48 && last <= 57 ? word.replace(/(?<=[a-z])\d+$/, '') : word; // trailing digits only
  const forms = plurals && bare.length > 2 && bare.endsWith('s') ? [bare, bare.slice(0, -1)] : [bare];
  return forms.some((form) => WORDS.has(form) || CREDENTIAL_SUFFIXES.some((suffix) => form.length > suffix.length && form.endsWith(suffix)));
}

function judge(name: string): boolean {
  const words = nameWords(name);
  if (words.length > 1 && METADATA.has(words[words.length - 1]!)) return false;
  const plurals = !words.some((w) => COUNTING.has(w));
  return words.some((w) => isCredentialWord(w, plurals)) || words.some((w, i) => i > 0 && WORDS.has(`${words[i - 1]}${w}`)) || (words.length > 1 && isCredentialWord(words.join(''), plurals));
}

const verdicts = new Map<string, boolean>();
/** Names longer than this are judged every time, not remembered: 10,000 of them could otherwise hold hundreds of megabytes. */
const MEMO_NAME_LENGTH = 256;

/**
 * True for names that carry credentials whatever the spec says about them
 * (headers, parameters, cookies, body fields): see `CREDENTIAL_WORDS`.
 * Verdicts are remembered per name (up to 10,000 names of at most
 * `MEMO_NAME_LENGTH` characters), so a key repeated in traffic is judged once.
 *
 * @example
 * looksLikeCredential('Ocp-Apim-Subscription-Key'); // true
 * looksLikeCredential('cvv');                       // true
 * looksLikeCredential('keyboard');                  // false
 */
export function looksLikeCredential(name: string): boolean {
  let verdict = verdicts.get(name);
  if (verdict !== undefined) return verdict;
  verdict = judge(name);
  if (name.length > MEMO_NAME_LENGTH) return verdict;
  if (verdicts.size >= 10_000) verdicts.clear(); // names come from traffic too: the memo stays small
  verdicts.set(name, verdict);
  return verdict;
}

type SchemaNode = Record<string, unknown>;

/** How a keyword holds subschemas: a list, one (or a list), a map of them; `all` ones only for `collectSecretFields`. */
const SUBSCHEMA_KEYS = new Map<string, { holds: 'list' | 'one' | 'map'; all: boolean }>([
  ...['allOf', 'anyOf', 'oneOf', 'prefixItems'].map((key) => [key, { holds: 'list' as const, all: false }] as const),
  ...['items', 'additionalItems', 'additionalProperties', 'unevaluatedProperties', 'unevaluatedItems', 'contains', 'then', 'else'].map((key) => [key, { holds: 'one' as const, all: false }] as const),
  ...['patternProperties', 'x-patternProperties'].map((key) => [key, { holds: 'map' as const, all: false }] as const),
  ...['properties', 'dependentSchemas'].map((key) => [key, { holds: 'map' as const, all: true }] as const),
  ...['not', 'if'].map((key) => [key, { holds: 'one' as const, all: true }] as const),
]);

/**
 * Pushes onto `stack` the subschemas of `s` that are objects (`all`: with
 * `properties`, `dependentSchemas`, `not` and `if`). Reads only the keys
 * `s` has: the walks that use it visit every reachable schema, whatever the
 * order.
 */
function pushSubschemas(stack: unknown[], s: SchemaNode, all: boolean): void {
  for (const key in s) {
    const kind = SUBSCHEMA_KEYS.get(key);
    if (kind === undefined || (kind.all && !all)) continue;
    const value = s[key];
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      if (kind.holds !== 'map') for (const item of value) if (item !== null && typeof item === 'object') stack.push(item);
    } else if (kind.holds === 'map') {
      for (const name in value) {
        const item = (value as SchemaNode)[name];
        if (item !== null && typeof item === 'object' && Object.hasOwn(value, name)) stack.push(item);
      }
    } else if (kind.holds === 'one') stack.push(value);
  }
}

const secretSchemas = new WeakMap<object, boolean>();

/** True when `pushSubschemas(…, s, false)` has nothing to push: the schema alone decides `isSecretSchema`. */
function isLeaf(s: SchemaNode): boolean {
  for (const key in s) if (SUBSCHEMA_KEYS.get(key)?.all === false) return false;
  return true;
}

/**
 * True when values of this schema are secret: `format: password` or
 * `writeOnly`, on the schema or on what makes up its value (`$ref`,
 * `allOf`/`anyOf`/`oneOf`, array items, `additionalProperties` and
 * `patternProperties` of a map). Not through `properties`: those are fields
 * with names of their own (`collectSecretFields`).
 */
export function isSecretSchema(spec: Spec, schema: unknown): boolean {
  const start = spec.deref(schema);
  if (start === null || typeof start !== 'object') return false;
  if (!Array.isArray(start) && isLeaf(start as SchemaNode)) return (start as SchemaNode).format === 'password' || (start as SchemaNode).writeOnly === true; // most properties: nothing to walk
  const known = secretSchemas.get(start);
  if (known !== undefined) return known;
  const stack: unknown[] = [start];
  const seen = new Set<unknown>();
  let secret = false;
  while (stack.length > 0 && !secret) {
    const s = spec.deref(stack.pop()) as SchemaNode | undefined;
    if (s === null || typeof s !== 'object' || Array.isArray(s) || seen.has(s)) continue;
    seen.add(s);
    secret = s.format === 'password' || s.writeOnly === true;
    pushSubschemas(stack, s, false);
  }
  secretSchemas.set(start, secret);
  return secret;
}

/**
 * Adds to `names` every property name, at any depth of a schema (through
 * `$ref`, properties, items, prefixItems, allOf/anyOf/oneOf, not,
 * additionalProperties, patternProperties…), whose value is secret
 * (`isSecretSchema`) or whose name looks like a credential. Iterative.
 * Schemas in `seen` are skipped: one `seen` over many schemas walks each
 * subschema once and adds the same names in all (the union).
 */
export function collectSecretFields(spec: Spec, schema: unknown, names: Set<string>, seen = new Set<unknown>()): void {
  const stack: unknown[] = [schema];
  while (stack.length > 0) {
    const s = spec.deref(stack.pop()) as SchemaNode | undefined;
    if (s === null || typeof s !== 'object' || Array.isArray(s) || seen.has(s)) continue;
    seen.add(s);
    const properties = s.properties;
    if (properties && typeof properties === 'object' && !Array.isArray(properties)) {
      for (const name of Object.keys(properties)) if (looksLikeCredential(name) || isSecretSchema(spec, (properties as SchemaNode)[name])) names.add(name);
    }
    pushSubschemas(stack, s, true);
  }
}
