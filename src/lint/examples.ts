import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Spec } from '../spec/load-spec.js';
import { HTTP_METHODS, type Operation } from '../spec/operations.js';
import { appendPointer } from '../spec/pointer.js';
import type { SloProblem } from '../slo/model.js';
import { LINT_COMPILER_OPTIONS, SchemaCompiler, canonicalJson } from '../validate/schemas.js';
import { essence, kindOf } from '../validate/media.js';
import { eachSchema } from './walk.js';

/** The most schema errors one finding lists; the rest are counted ("and 3 more"). */
export const MAX_ERRORS_SHOWN = 5;

type Kind = 'request' | 'response' | 'coercing';

/** One example value and the schema it must match. */
interface Site {
  value: unknown;
  /** Where the value is written: the finding's location. */
  pointer: string;
  /** `example`, `example "cat"`, `example "cat" (#/components/examples/Cat)`, `default`, `examples[1]`. */
  what: string;
  /** What it is an example of: `GET /pets 200 application/json`, `query parameter "limit" of GET /pets`, `schema #/…`. */
  of: string;
  /** The validators tried, in order: the example is valid when one of them accepts it. */
  kinds: Kind[];
  schema: unknown;
  schemaPointer: string;
  operations: string[];
}

type Holder = Record<string, unknown>;

const isRecord = (value: unknown): value is Holder => value !== null && typeof value === 'object' && !Array.isArray(value);
const isRef = (value: unknown): value is { $ref: string } => isRecord(value) && typeof value.$ref === 'string';

/**
 * `example-invalid`: every example of the spec checked against its schema
 * with the validators the proxy and the mock use, in the direction it is
 * used: request bodies as requests (readOnly properties forbidden),
 * responses as responses (writeOnly forbidden), parameters and headers as
 * written (a parameter example `"10"` is a string, not coerced from text),
 * form and multipart bodies as their fields arrive (coerced, as on the
 * wire). A schema's own `example`, 3.1 `examples` and `default` (as
 * Spectral's `oas3-valid-schema-example`) are checked against that schema
 * read either way: valid as a request or as a response. Examples shared
 * through `$ref` are checked once per schema they are used with and
 * reported where they are written, naming every operation that uses them.
 * Webhooks and callbacks, where the API sends the requests, are read
 * either way too. `externalValue` is not fetched; media types sworn does
 * not read (XML, binary) are not checked. Each finding lists the errors
 * the validator reports (at most `MAX_ERRORS_SHOWN`, then "and N more"):
 * the validators stop at the first failing keyword, except that every
 * failed branch of an `anyOf`/`oneOf` is listed.
 *
 * @example
 * checkExamples(spec, listOperations(spec)).map((p) => p.message);
 * // ['example "cat" of GET /pets 200 application/json: /0/id must be integer (type)']
 */
export function checkExamples(spec: Spec, operations: readonly Operation[], compiler = new SchemaCompiler(spec, LINT_COMPILER_OPTIONS)): SloProblem[] {
  const validators = new SharedValidators(compiler);
  const checked = new Map<string, { site: Site; errors: ErrorObject[] | undefined; uses: number; operations: Set<string> }>();
  for (const site of exampleSites(spec, operations)) {
    // One verdict per value and validator: an Example Object `$ref`'d by many operations with one schema is one finding.
    const key = `${site.kinds.map((kind) => validators.keyOf(kind, site)).join('\0')}\0${site.pointer}`;
    const known = checked.get(key);
    if (known) {
      known.uses++;
      for (const op of site.operations) known.operations.add(op);
      continue;
    }
    checked.set(key, { site, errors: verdict(validators, site), uses: 1, operations: new Set(site.operations) });
  }
  const problems: SloProblem[] = [];
  for (const { site, errors, uses, operations: ops } of checked.values()) {
    if (!errors) continue;
    const elsewhere = uses > 1 ? ` (used in ${uses - 1} more place${uses === 2 ? '' : 's'} with the same schema)` : '';
    problems.push({ rule: 'example-invalid', severity: 'error', pointer: site.pointer, message: `${site.what} of ${site.of}: ${describeErrors(errors)}${elsewhere}`, operations: [...ops] });
  }
  return problems;
}

/** Keys of a Schema Object that only annotate it: two schemas that differ only in these validate alike. */
const ANNOTATIONS = new Set(['example', 'examples', 'default', 'title', 'description', 'externalDocs', 'deprecated', 'xml', '$comment']);
/** What makes a schema's meaning depend on where it is written ($id, anchors, references that are not JSON pointers). */
const PLACE_BOUND = /"\$(?:id|anchor|dynamicAnchor|dynamicRef|recursiveAnchor|recursiveRef)":|"\$ref":"(?!#)/;

/**
 * The validators of the sites' schemas, one per distinct schema: a schema
 * that is a `$ref` by its target, and schemas written alike (most property
 * schemas with an example: `{type: integer, example: 3}`) by their
 * canonical text without their annotations, so thousands of examples
 * compile a few hundred validators. A schema that cannot be compiled has
 * no validator (not checked: its problem is another rule's).
 */
class SharedValidators {
  private readonly made = new Map<string, ValidateFunction | null>();
  private readonly keys = new Map<Site, Map<Kind, string>>();

  constructor(private readonly compiler: SchemaCompiler) {}

  keyOf(kind: Kind, site: Site): string {
    let byKind = this.keys.get(site);
    if (!byKind) this.keys.set(site, (byKind = new Map()));
    let key = byKind.get(kind);
    if (key === undefined) {
      const schema = site.schema;
      if (isRef(schema) && Object.keys(schema).length === 1) key = `${kind} ref ${schema.$ref}`;
      else {
        const shape = isRecord(schema) ? canonicalJson(Object.fromEntries(Object.entries(schema).filter(([k]) => !ANNOTATIONS.has(k)))) : undefined;
        key = shape === undefined || PLACE_BOUND.test(shape) ? `${kind} at ${site.schemaPointer}` : `${kind} shape ${shape}`;
      }
      byKind.set(kind, key);
    }
    return key;
  }

  validator(kind: Kind, site: Site): ValidateFunction | undefined {
    const key = this.keyOf(kind, site);
    let validate = this.made.get(key);
    if (validate === undefined) {
      try {
        validate = this.compiler.validator(kind, site.schemaPointer, site.schema);
      } catch {
        validate = null;
      }
      this.made.set(key, validate);
    }
    return validate ?? undefined;
  }
}

/**
 * The errors of an example none of its validators accepts, or undefined
 * (valid, or not checkable: a schema ajv cannot compile is another rule's
 * finding). An example read either way (a schema's own, a webhook's) is
 * tried as a response, then as a request; readOnly and writeOnly
 * properties both belong in it, so only what else is wrong is reported.
 */
function verdict(validators: SharedValidators, site: Site): ErrorObject[] | undefined {
  const failures: ErrorObject[][] = [];
  for (const kind of site.kinds) {
    const validate = validators.validator(kind, site);
    if (!validate) return undefined;
    let valid: boolean;
    try {
      // coerceTypes changes the value it checks: the spec's own value stays as written.
      valid = validate(kind === 'coercing' ? structuredClone(site.value) : site.value) === true;
    } catch {
      return undefined; // the validator failed on the value (a stack overflow, say): not judged
    }
    if (valid) return undefined;
    failures.push([...(validate.errors ?? [])]);
  }
  if (failures.length === 1) return failures[0];
  // Read either way, readOnly and writeOnly properties both belong in the example: only what else is wrong counts.
  const direction = (e: ErrorObject) => e.keyword === 'readOnly' || e.keyword === 'writeOnly';
  return failures.find((errors) => !errors.every(direction))?.filter((e) => !direction(e));
}

/** `"/0/id must be integer (type); /1 must have required property 'name' (required); and 2 more"`. */
export function describeErrors(errors: readonly ErrorObject[]): string {
  const texts = [...new Set(errors.map(errorText))];
  if (texts.length === 0) return 'does not match its schema';
  const shown = texts.slice(0, MAX_ERRORS_SHOWN).join('; ');
  return texts.length > MAX_ERRORS_SHOWN ? `${shown}; and ${texts.length - MAX_ERRORS_SHOWN} more` : shown;
}

function errorText(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  let text: string;
  switch (error.keyword) {
    case 'readOnly':
      text = 'is readOnly: it may appear in responses, not in requests';
      break;
    case 'writeOnly':
      text = 'is writeOnly: it may appear in requests, not in responses';
      break;
    case 'additionalProperties':
      text = `must not have property ${JSON.stringify(String(params.additionalProperty))}`;
      break;
    case 'unevaluatedProperties':
      text = `must not have property ${JSON.stringify(String(params.unevaluatedProperty))}`;
      break;
    case 'enum': {
      const allowed = Array.isArray(params.allowedValues) ? params.allowedValues : [];
      text = `must be one of ${allowed.slice(0, 8).map((v) => JSON.stringify(v)).join(', ')}${allowed.length > 8 ? ', …' : ''}`;
      break;
    }
    default:
      text = error.message ?? 'does not match its schema';
  }
  return `${error.instancePath === '' ? '' : `${error.instancePath} `}${text} (${error.keyword})`;
}

/** An Example Object, `$ref`s followed (`#/…` only, at most 16 hops), with the pointer it is written at. */
function resolveExample(spec: Spec, raw: unknown, pointer: string): { node: Holder; pointer: string; ref: string | undefined } | undefined {
  let node = raw;
  let at = pointer;
  let ref: string | undefined;
  for (let hops = 0; hops < 16 && isRef(node); hops++) {
    if (!node.$ref.startsWith('#/')) return undefined;
    ref = node.$ref;
    at = node.$ref.slice(1);
    node = spec.get(node.$ref);
  }
  return isRecord(node) && !isRef(node) ? { node, pointer: at, ref } : undefined;
}

/**
 * Who sends a part: a request or a response of the API (`request`,
 * `response`), or either (`either`: a schema's own example, and what
 * webhooks and callbacks exchange, where the API sends the requests).
 */
type Side = 'request' | 'response' | 'either';
interface Sides {
  request: Side;
  response: Side;
}
const DIRECT: Sides = { request: 'request', response: 'response' };
const EITHER: Sides = { request: 'either', response: 'either' };
/** The validators an example of a side is tried with (valid when one accepts it). */
const kindsOf = (side: Side): Kind[] => (side === 'either' ? ['response', 'request'] : [side]);

/** Every example of the document, where it is written, with its schema and direction. */
function exampleSites(spec: Spec, operations: readonly Operation[]): Site[] {
  const sites: Site[] = [];
  const document = spec.document as unknown as Holder;
  const byObject = new Map<unknown, string>(operations.map((o) => [o.operation, o.id]));
  const users = componentUsers(spec, operations);

  const examplesOf = (holder: Holder, at: string, kinds: Kind[], schemaPointer: string, of: string, ops: string[]) => {
    const base = { kinds, schema: holder.schema, schemaPointer, of, operations: ops };
    if (holder.example !== undefined) sites.push({ ...base, value: holder.example, pointer: appendPointer(at, 'example'), what: 'example' });
    if (!isRecord(holder.examples)) return;
    for (const [name, raw] of Object.entries(holder.examples)) {
      const example = resolveExample(spec, raw, appendPointer(at, 'examples', name));
      if (!example || !('value' in example.node)) continue; // externalValue: not fetched
      sites.push({ ...base, value: example.node.value, pointer: appendPointer(example.pointer, 'value'), what: `example ${JSON.stringify(name)}${example.ref ? ` (${example.ref})` : ''}` });
    }
  };
  const content = (raw: unknown, at: string, side: Side, of: string, ops: string[]) => {
    if (!isRecord(raw)) return;
    for (const [key, media] of Object.entries(raw)) {
      if (!isRecord(media) || media.schema === undefined) continue;
      const kind = kindOf(essence(key));
      if (kind === 'other') continue; // XML, binary…: sworn does not read these bodies, so neither their examples
      const mediaAt = appendPointer(at, key);
      examplesOf(media, mediaAt, kind === 'form' || kind === 'multipart' ? ['coercing'] : kindsOf(side), appendPointer(mediaAt, 'schema'), `${of} ${key}`, ops);
    }
  };
  /** A parameter or header: its example as written, against its schema (or its one media type's). */
  const parameterLike = (raw: unknown, at: string, side: Side, label: string, ops: string[]) => {
    if (!isRecord(raw) || isRef(raw)) return;
    if (raw.schema !== undefined) examplesOf(raw, at, kindsOf(side), appendPointer(at, 'schema'), label, ops);
    else content(raw.content, appendPointer(at, 'content'), side, label, ops);
  };
  const parameters = (list: unknown, at: string, sides: Sides, of: string, ops: string[]) => {
    if (!Array.isArray(list)) return;
    list.forEach((raw, i) => {
      if (isRecord(raw)) parameterLike(raw, appendPointer(at, i), sides.request, `${String(raw.in)} parameter ${JSON.stringify(raw.name)} of ${of}`, ops);
    });
  };
  const response = (raw: unknown, at: string, sides: Sides, of: string, ops: string[]) => {
    if (!isRecord(raw) || isRef(raw)) return;
    if (isRecord(raw.headers)) for (const [name, header] of Object.entries(raw.headers)) parameterLike(header, appendPointer(at, 'headers', name), sides.response, `header ${JSON.stringify(name)} of ${of}`, ops);
    content(raw.content, appendPointer(at, 'content'), sides.response, of, ops);
  };
  const callbacks = (raw: unknown, at: string, of: string, ops: string[]) => {
    if (!isRecord(raw)) return;
    for (const [name, callback] of Object.entries(raw)) {
      if (!isRecord(callback) || isRef(callback)) continue;
      for (const [expression, item] of Object.entries(callback)) {
        pathItem(item, appendPointer(at, name, expression), EITHER, (method) => `callback ${name}${method ? ` ${method}` : ''} ${expression} of ${of}`, () => ops);
      }
    }
  };
  const operation = (op: Holder, at: string, sides: Sides, of: string, ops: string[]) => {
    parameters(op.parameters, appendPointer(at, 'parameters'), sides, of, ops);
    if (isRecord(op.requestBody) && !isRef(op.requestBody)) content(op.requestBody.content, appendPointer(at, 'requestBody', 'content'), sides.request, `${of} request body`, ops);
    if (isRecord(op.responses)) for (const [code, raw] of Object.entries(op.responses)) response(raw, appendPointer(at, 'responses', code), sides, `${of} ${code}`, ops);
    callbacks(op.callbacks, appendPointer(at, 'callbacks'), of, ops);
  };
  /** `label(method)` names an operation of the item (`GET /pets`); `label()` the item itself (`/pets`). */
  const pathItem = (item: unknown, at: string, sides: Sides, label: (method?: string) => string, opsOf: (op: unknown) => string[]) => {
    if (!isRecord(item) || isRef(item)) return;
    const methods = HTTP_METHODS.filter((m) => isRecord(item[m]));
    parameters(item.parameters, appendPointer(at, 'parameters'), sides, label(), methods.flatMap((m) => opsOf(item[m])));
    for (const method of methods) operation(item[method] as Holder, appendPointer(at, method), sides, label(method.toUpperCase()), opsOf(item[method]));
  };
  const known = (op: unknown) => {
    const id = byObject.get(op);
    return id === undefined ? [] : [id];
  };

  if (isRecord(document.paths)) for (const [path, item] of Object.entries(document.paths)) pathItem(item, appendPointer('/paths', path), DIRECT, (method) => (method ? `${method} ${path}` : path), known);
  if (isRecord(document.webhooks)) for (const [name, item] of Object.entries(document.webhooks)) pathItem(item, appendPointer('/webhooks', name), EITHER, (method) => `webhook ${name}${method ? ` ${method}` : ''}`, known);
  const components = isRecord(document.components) ? document.components : {};
  const each = (section: string, visit: (raw: unknown, at: string, name: string, ops: string[]) => void) => {
    const map = components[section];
    if (isRecord(map)) for (const [name, raw] of Object.entries(map)) visit(raw, appendPointer('/components', section, name), name, users.get(appendPointer('/components', section, name)) ?? []);
  };
  each('parameters', (raw, at, _name, ops) => {
    if (isRecord(raw)) parameterLike(raw, at, 'request', `${String(raw.in)} parameter ${JSON.stringify(raw.name)} of #${at}`, ops);
  });
  each('headers', (raw, at, name, ops) => parameterLike(raw, at, 'response', `header ${JSON.stringify(name)} of #${at}`, ops));
  each('requestBodies', (raw, at, _name, ops) => {
    if (isRecord(raw) && !isRef(raw)) content(raw.content, appendPointer(at, 'content'), 'request', `request body #${at}`, ops);
  });
  each('responses', (raw, at, _name, ops) => response(raw, at, DIRECT, `response #${at}`, ops));
  each('callbacks', (raw, at, name) => callbacks({ [name]: raw }, appendPointer('/components', 'callbacks'), `#${at}`, []));
  each('pathItems', (raw, at) => pathItem(raw, at, DIRECT, (method) => `${method ? `${method} ` : ''}path item #${at}`, known));

  eachSchema(document, (schema, pointer) => {
    const base = { schema, schemaPointer: pointer, of: `schema #${pointer}`, kinds: kindsOf('either'), operations: [] };
    if (schema.example !== undefined) sites.push({ ...base, value: schema.example, pointer: appendPointer(pointer, 'example'), what: 'example' });
    if (schema.default !== undefined) sites.push({ ...base, value: schema.default, pointer: appendPointer(pointer, 'default'), what: 'default' });
    if (spec.version === '3.1' && Array.isArray(schema.examples)) schema.examples.forEach((value, i) => sites.push({ ...base, value, pointer: appendPointer(pointer, 'examples', i), what: `examples[${i}]` }));
  });
  return sites;
}

/**
 * The operations that use each component (parameters, request bodies,
 * responses, headers), by pointer: `$ref` chains followed from every
 * operation, so a finding in `#/components/responses/NotFound` lists the
 * operations that answer with it.
 */
function componentUsers(spec: Spec, operations: readonly Operation[]): Map<string, string[]> {
  const users = new Map<string, string[]>();
  const use = (raw: unknown, id: string): unknown => {
    let node = raw;
    for (let hops = 0; hops < 16 && isRef(node) && node.$ref.startsWith('#/'); hops++) {
      const pointer = node.$ref.slice(1);
      const list = users.get(pointer) ?? [];
      if (!list.includes(id)) list.push(id);
      users.set(pointer, list);
      node = spec.get(node.$ref);
    }
    return node;
  };
  for (const op of operations) {
    for (const list of [op.pathItem.parameters, op.operation.parameters]) if (Array.isArray(list)) for (const raw of list) use(raw, op.id);
    use(op.operation.requestBody, op.id);
    const responses = op.operation.responses as unknown;
    if (!isRecord(responses)) continue;
    for (const raw of Object.values(responses)) {
      const response = use(raw, op.id);
      if (isRecord(response) && isRecord(response.headers)) for (const header of Object.values(response.headers)) use(header, op.id);
    }
  }
  return users;
}
