import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import fc from 'fast-check';

/**
 * What Schemathesis does, with npm packages: requests generated from an
 * OpenAPI 3.1 document (fast-check arbitraries built from its JSON Schemas),
 * schema-invalid mutations of them, and a validator (Ajv, draft 2020-12 with
 * formats and formatMinimum/formatMaximum) for requests and responses.
 *
 * The generator knows the keywords Guichet's document uses (and fails loudly
 * on others): $ref, const, enum, oneOf, allOf of if/then, object, array,
 * string (pattern, length, format date/uuid with bounds), number, integer,
 * boolean, `not: {}` (a property that may never be sent).
 */

export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  if?: JsonSchema;
  then?: JsonSchema;
  not?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  formatMinimum?: string;
  formatMaximum?: string;
  minimum?: number;
  maximum?: number;
  /** Rules between two answers (Guichet's extension): this answer `must` the answer `other`. */
  'x-compare'?: { must: string; other: string }[];
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: JsonSchema;
}

export interface Operation {
  operationId: string;
  method: string;
  path: string;
  parameters: Parameter[];
  /** A JSON body's schema. */
  body?: JsonSchema;
  /** A multipart/form-data body's schema (its parts as properties). */
  multipart?: JsonSchema;
  responses: Record<string, { content?: { 'application/json': { schema: JsonSchema } } }>;
}

export interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      Omit<Operation, 'method' | 'path'> & {
        requestBody?: {
          content: Partial<
            Record<'application/json' | 'multipart/form-data', { schema: JsonSchema }>
          >;
        };
      }
    >
  >;
  components: { schemas: Record<string, JsonSchema> };
}

export function operations(doc: OpenApiDocument): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      operationId: op.operationId,
      method,
      path,
      parameters: op.parameters ?? [],
      body: op.requestBody?.content['application/json']?.schema,
      multipart: op.requestBody?.content['multipart/form-data']?.schema,
      responses: op.responses,
    })),
  );
}

/** Validates values against the document's schemas (refs resolved in the document). */
export class ContractValidator {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(readonly doc: OpenApiDocument) {
    addFormats.default(this.ajv, { keywords: true });
    this.ajv.addSchema(doc as object, 'openapi');
  }

  /** The problems of a value against a schema of the document (none: valid). */
  problems(schema: JsonSchema, value: unknown): string[] {
    const key = JSON.stringify(schema);
    let validate = this.compiled.get(key);
    if (!validate) {
      // Refs of the document are relative to it: point them into it.
      validate = this.ajv.compile(rebase(schema));
      this.compiled.set(key, validate);
    }
    return validate(value)
      ? []
      : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`);
  }

  resolve(schema: JsonSchema): JsonSchema {
    let current = schema;
    while (current.$ref) {
      const name = /^#\/components\/schemas\/(.+)$/.exec(current.$ref)?.[1];
      if (!name || !this.doc.components.schemas[name])
        throw new Error(`unknown reference ${current.$ref}`);
      current = this.doc.components.schemas[name];
    }
    return current;
  }
}

/** A schema whose `#/…` refs point into the registered document. */
function rebase(schema: unknown): object {
  return JSON.parse(JSON.stringify(schema).replace(/"\$ref":"#\//g, '"$ref":"openapi#/')) as object;
}

// ---------------------------------------------------------------------------
// Valid values

const DAY = 24 * 60 * 60 * 1000;
const toDay = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / DAY;
const fromDay = (day: number) => new Date(day * DAY).toISOString().slice(0, 10);

/** An arbitrary of values valid against a schema of the document. */
export function valid(validator: ContractValidator, schema: JsonSchema): fc.Arbitrary<unknown> {
  const s = validator.resolve(schema);
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  if (s.oneOf) return fc.oneof(...s.oneOf.map((branch) => valid(validator, branch)));
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'object':
      return validObject(validator, s);
    case 'array': {
      const items = validator.resolve(s.items ?? {});
      const size = { minLength: s.minItems ?? 0, maxLength: s.maxItems ?? 5 };
      if (items.enum && s.uniqueItems)
        return fc.subarray(items.enum, {
          ...size,
          maxLength: Math.min(size.maxLength, items.enum.length),
        });
      return s.uniqueItems
        ? fc.uniqueArray(valid(validator, items), { ...size, selector: (v) => JSON.stringify(v) })
        : fc.array(valid(validator, items), size);
    }
    case 'string': {
      if (s.format === 'date') {
        const min = toDay(s.formatMinimum ?? '1900-01-01');
        const max = toDay(s.formatMaximum ?? '2200-12-31');
        return fc.integer({ min, max }).map(fromDay);
      }
      if (s.format === 'uuid') return fc.uuid();
      const length = (v: string) =>
        v.length >= (s.minLength ?? 0) && v.length <= (s.maxLength ?? Infinity);
      if (s.pattern) {
        const pattern = new RegExp(s.pattern, 'u');
        const matching = fc.stringMatching(pattern).filter(length);
        // Free text (a pattern French and emoji pass) gets Unicode too, not only ASCII.
        return pattern.test('Zoë ✓ 漢字 😀')
          ? fc.oneof(
              matching,
              fc
                .string({ unit: 'grapheme', maxLength: Math.min(s.maxLength ?? 40, 40) })
                .filter((v) => pattern.test(v) && length(v)),
            )
          : matching;
      }
      return fc.string({ minLength: s.minLength ?? 0, maxLength: s.maxLength ?? 40 });
    }
    case 'integer':
      return fc.integer({
        min: Math.ceil(s.minimum ?? -1_000_000),
        max: Math.floor(s.maximum ?? 1_000_000),
      });
    case 'number':
      return fc.double({
        min: s.minimum ?? -1_000_000,
        max: s.maximum ?? 1_000_000,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    default:
      throw new Error(`the generator does not know this schema: ${JSON.stringify(s)}`);
  }
}

/** Required properties, some optional ones, then what the `if`/`then` rules require. */
function validObject(validator: ContractValidator, s: JsonSchema): fc.Arbitrary<unknown> {
  const properties = Object.entries(s.properties ?? {}).filter(([, p]) => !p.not);
  const required = new Set(s.required ?? []);
  const optional = properties.map(([name]) => name).filter((name) => !required.has(name));
  const values = fc.record(
    Object.fromEntries(properties.map(([name, p]) => [name, valid(validator, p)])),
  );
  const generated = fc.tuple(values, fc.subarray(optional)).map(([all, chosen]) => {
    const object: Record<string, unknown> = {};
    for (const name of [...required, ...chosen]) object[name] = all[name];
    // Conditions may chain: apply the rules until nothing changes.
    for (let pass = 0; pass < 3; pass++)
      for (const rule of s.allOf ?? []) {
        if (!rule.if || !rule.then || validator.problems(rule.if, object).length > 0) continue;
        for (const name of rule.then.required ?? []) object[name] ??= all[name];
        for (const [name, p] of Object.entries(rule.then.properties ?? {}))
          if (p.const !== undefined) object[name] = p.const;
      }
    return object;
  });
  // Rules other than if/then (`not` a condition), and the rules between two
  // answers (`x-compare`): keep only the objects that hold to them.
  const others = (s.allOf ?? []).filter((rule) => !rule.if);
  const compared = properties.flatMap(([name, p]) =>
    (p['x-compare'] ?? []).map((c) => ({ name, ...c })),
  );
  return others.length === 0 && compared.length === 0
    ? generated
    : generated.filter(
        (object) =>
          others.every((rule) => validator.problems(rule, object).length === 0) &&
          compared.every((c) => compares(c.must, object[c.name], object[c.other])),
      );
}

/** Whether a rule between two answers holds (or does not apply: either is absent). */
function compares(must: string, value: unknown, other: unknown): boolean {
  if (value === undefined || other === undefined) return true;
  const [a, b] = [value, other] as [string | number, string | number];
  switch (must) {
    case 'after':
      return a > b;
    case 'onOrAfter':
      return a >= b;
    case 'before':
      return a < b;
    case 'onOrBefore':
      return a <= b;
    default:
      throw new Error(`the generator does not know the comparison ${must}`);
  }
}

// ---------------------------------------------------------------------------
// Invalid values: each mutation breaks one rule the document states

export interface Mutation {
  /** What was broken, e.g. `answers.propertyAddress.postalCode: pattern`. */
  what: string;
  value: unknown;
}

/** Values that break a string, number or array rule of a schema. */
function invalidScalars(s: JsonSchema): { rule: string; value: unknown }[] {
  const out: { rule: string; value: unknown }[] = [];
  if (s.enum) out.push({ rule: 'enum', value: 'not-an-option' });
  if (s.const !== undefined)
    out.push({
      rule: 'const',
      value: typeof s.const === 'boolean' ? !s.const : 'not-the-constant',
    });
  if (s.type === 'boolean') out.push({ rule: 'type', value: 'yes' });
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  if (type === 'string' && !s.enum && s.const === undefined) {
    out.push({ rule: 'type', value: 12345 });
    if ((s.minLength ?? 0) > 0) out.push({ rule: 'minLength', value: '' });
    if (s.pattern && (s.minLength ?? 0) > 0) out.push({ rule: 'blank', value: '   ' });
    if (s.pattern) out.push({ rule: 'pattern', value: '#!?' });
    if (s.maxLength !== undefined)
      out.push({ rule: 'maxLength', value: 'x'.repeat(s.maxLength + 1) });
    if (s.format === 'email') out.push({ rule: 'email', value: '0@com' });
    if (s.format === 'date') {
      out.push({ rule: 'date', value: '2027-02-30' });
      if (s.formatMinimum)
        out.push({ rule: 'formatMinimum', value: fromDay(toDay(s.formatMinimum) - 1) });
      if (s.formatMaximum)
        out.push({ rule: 'formatMaximum', value: fromDay(toDay(s.formatMaximum) + 1) });
    }
    out.push({ rule: 'NUL', value: `a\u0000b` });
    out.push({ rule: 'lone surrogate', value: `a\ud800b` });
  }
  if (type === 'number' || type === 'integer') {
    out.push({ rule: 'type', value: '12' });
    if (s.minimum !== undefined) out.push({ rule: 'minimum', value: s.minimum - 1 });
    if (s.maximum !== undefined) out.push({ rule: 'maximum', value: s.maximum + 1 });
    if (type === 'integer') out.push({ rule: 'integer', value: (s.minimum ?? 0) + 0.5 });
  }
  if (type === 'array') {
    out.push({ rule: 'type', value: 'not-an-array' });
    if ((s.minItems ?? 0) > 0) out.push({ rule: 'minItems', value: [] });
  }
  return out;
}

/**
 * Mutations of a valid object, one rule broken each: every required property
 * dropped, every property's value replaced by values breaking its rules (and
 * nested objects' and array items' rules, one level of items deep).
 */
export function mutations(
  validator: ContractValidator,
  schema: JsonSchema,
  value: Record<string, unknown>,
  path = '',
): Mutation[] {
  const s = validator.resolve(schema);
  const out: Mutation[] = [];
  for (const name of s.required ?? []) {
    const copy = { ...value };
    delete copy[name];
    out.push({ what: `${path}${name}: required`, value: copy });
  }
  out.push({ what: `${path}(unknown property)`, value: { ...value, notAField: 'x' } });
  for (const [name, property] of Object.entries(s.properties ?? {})) {
    const p = validator.resolve(property);
    if (p.not) {
      out.push({ what: `${path}${name}: never sent`, value: { ...value, [name]: 'x' } });
      continue;
    }
    if (!(name in value)) continue;
    for (const { rule, value: bad } of invalidScalars(p))
      out.push({ what: `${path}${name}: ${rule}`, value: { ...value, [name]: bad } });
    const current = value[name];
    if (p.type === 'object' && isObject(current))
      for (const m of mutations(validator, p, current, `${path}${name}.`))
        out.push({ what: m.what, value: { ...value, [name]: m.value } });
    if (p.type === 'array' && Array.isArray(current) && current.length > 0) {
      if (p.maxItems !== undefined && isObject(current[0]))
        out.push({
          what: `${path}${name}: maxItems`,
          value: { ...value, [name]: Array.from({ length: p.maxItems + 1 }, () => current[0]) },
        });
      const items = validator.resolve(p.items ?? {});
      if (items.type === 'object' && isObject(current[0]))
        for (const m of mutations(validator, items, current[0], `${path}${name}[0].`))
          out.push({ what: m.what, value: { ...value, [name]: [m.value, ...current.slice(1)] } });
    }
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
