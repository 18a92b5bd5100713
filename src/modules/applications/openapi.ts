import { RequestMethod, SetMetadata } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import type { Audience } from '../../platform/flags/flag-context.js';
import type { I18nService, Locale } from '../../platform/i18n/i18n.service.js';
import {
  ADDRESS_LINE_MAX_LENGTH,
  caseInsensitivePattern,
  DATE_YEARS,
  EMAIL_MAX_LENGTH,
  EMAIL_PATTERN,
  PHONE_INPUT_PATTERN,
  POSTAL_CODE_PATTERN,
  todayIso,
} from '../catalogue/field-rules.js';
import {
  fieldsFor,
  maxFiles,
  maxItems,
  rawFromAnswers,
  textMaxLength,
  type FormProblem,
} from '../catalogue/form-engine.js';
import type {
  Answers,
  FieldDefinition,
  GroupItemField,
  StepDefinition,
} from '../catalogue/form-schema.js';
import type { FormService } from '../catalogue/form.service.js';
import type { ServiceDefinition } from '../catalogue/service-definition.js';
import type { ApiScope } from './api-keys.service.js';
import { problemMessage } from './form-view.js';

/**
 * The JSON API's contract, generated from code: the OpenAPI 3.1 document is
 * built from the controller's routes (Nest's own metadata) with the `@ApiDoc`
 * and `@RequiresScope` declarations beside them, and one answers schema per
 * service from its form definition. The same definitions check the JSON
 * answers an API client sends before the form engine validates them.
 */

/** The variant the API serves: keys belong to SMEs. */
export const API_AUDIENCE: Audience = 'business';

// ---------------------------------------------------------------------------
// Declarations on the controller's handlers

export const REQUIRED_SCOPE = 'guichet:api-scope';
const API_DOC = 'guichet:api-doc';

/** The scope a handler needs (enforced by the API key guard, documented here). */
export const RequiresScope = (scope: ApiScope) => SetMetadata(REQUIRED_SCOPE, scope);

type Schema = Record<string, unknown>;

export interface ApiDocDeclaration {
  operationId: string;
  summary: string;
  description?: string;
  parameters?: Schema[];
  /** A component schema name for the body (JSON unless `requestBodyType` says otherwise). */
  requestBody?: string;
  requestBodyType?: 'application/json' | 'multipart/form-data';
  /** Status → [description, component schema name (or none)]. */
  responses: Record<number, [string, string?]>;
}

/** Documents a handler of the API (paired with the route Nest already knows). */
export const ApiDoc = (doc: ApiDocDeclaration) => SetMetadata(API_DOC, doc);

// ---------------------------------------------------------------------------
// Answers: JSON shape, then the form engine

/** One problem with a request, by JSON path (`propertyAddress.postalCode`, `otherSites[0].lot`). */
export interface ApiFieldError {
  field: string;
  code: string;
  message: string;
}

type ShapeProblem = { field: string; code: string; key: string; params?: Record<string, unknown> };

const ADDRESS_PARTS = ['line1', 'line2', 'city', 'postalCode'];

/** What JSON type a field's answer must be (for messages and the schema). */
function expectedType(field: FieldDefinition | GroupItemField): string {
  switch (field.type) {
    case 'number':
    case 'money':
      return 'number';
    case 'multiChoice':
      return 'array of strings';
    case 'address':
      return 'object';
    case 'group':
      return 'array of objects';
    case 'file':
      return 'file';
    default:
      return 'string';
  }
}

/**
 * PostgreSQL cannot store U+0000 or a lone UTF-16 surrogate (`"\ud800"` in
 * JSON) in an answer: no string may hold them (the document says so).
 */
function hasNul(value: string): boolean {
  return value.includes('\u0000') || /\p{Cs}/u.test(value);
}

function nul(path: string, problems: ShapeProblem[]): undefined {
  problems.push({ field: path, code: 'invalid_character', key: 'api.errors.fields.nul' });
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks one answer's JSON type; returns the value to keep (undefined when
 * dropped) and records problems. `null` counts as no answer.
 */
function checkShape(
  field: FieldDefinition | GroupItemField,
  value: unknown,
  path: string,
  problems: ShapeProblem[],
): unknown {
  if (value === null || value === undefined) return undefined;
  const wrong = () => {
    problems.push({
      field: path,
      code: 'wrong_type',
      key: 'api.errors.fields.wrongType',
      params: { expected: expectedType(field) },
    });
    return undefined;
  };
  switch (field.type) {
    case 'file':
      problems.push({ field: path, code: 'file_not_supported', key: 'api.errors.fields.file' });
      return undefined;
    case 'number':
    case 'money':
      return typeof value === 'number' && Number.isFinite(value) ? value : wrong();
    case 'multiChoice':
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return wrong();
      return value.some(hasNul) ? nul(path, problems) : value;
    case 'address': {
      if (!isPlainObject(value)) return wrong();
      const address: Record<string, string> = {};
      for (const [part, partValue] of Object.entries(value)) {
        if (!ADDRESS_PARTS.includes(part)) {
          problems.push({
            field: `${path}.${part}`,
            code: 'unknown_field',
            key: 'api.errors.fields.unknown',
          });
        } else if (typeof partValue === 'string') {
          if (hasNul(partValue)) nul(`${path}.${part}`, problems);
          else address[part] = partValue;
        } else if (partValue !== null)
          problems.push({
            field: `${path}.${part}`,
            code: 'wrong_type',
            key: 'api.errors.fields.wrongType',
            params: { expected: 'string' },
          });
      }
      return { line1: '', line2: '', city: '', postalCode: '', ...address };
    }
    case 'group': {
      if (!Array.isArray(value) || !value.every(isPlainObject)) return wrong();
      if (value.length > maxItems(field)) {
        problems.push({
          field: path,
          code: 'too_many_items',
          key: 'api.errors.fields.tooManyItems',
          params: { max: maxItems(field) },
        });
        return undefined;
      }
      return value.map((item, i) => {
        const kept: Record<string, unknown> = {};
        for (const [name, itemValue] of Object.entries(item)) {
          const sub = field.fields.find((f) => f.name === name);
          if (!sub) {
            problems.push({
              field: `${path}[${i}].${name}`,
              code: 'unknown_field',
              key: 'api.errors.fields.unknown',
            });
            continue;
          }
          const checked = checkShape(sub, itemValue, `${path}[${i}].${name}`, problems);
          if (checked !== undefined) kept[name] = checked;
        }
        return kept;
      });
    }
    default:
      if (typeof value !== 'string') return wrong();
      return hasNul(value) ? nul(path, problems) : value;
  }
}

/** The JSON path of a form problem's input (`otherSites-0-address-line1` → `otherSites[0].address.line1`). */
export function problemPath(step: StepDefinition, problem: FormProblem): string {
  const field = step.fields.find((f) => f.name === problem.field);
  if (!field) return problem.field;
  return field.name + pathRest(field, problem.inputId.slice(field.name.length));
}

function pathRest(field: FieldDefinition | GroupItemField, rest: string): string {
  if (rest === '') return '';
  if (field.type === 'date') return '';
  if (field.type === 'address') return `.${rest.slice(1)}`;
  if (field.type === 'group') {
    const match = /^-(\d+)-(.+)$/.exec(rest);
    if (!match) return '';
    const sub = field.fields.find((f) => match[2] === f.name || match[2].startsWith(`${f.name}-`));
    return sub
      ? `[${match[1]}].${sub.name}${pathRest(sub, match[2].slice(sub.name.length))}`
      : `[${match[1]}]`;
  }
  return '';
}

export type AnswersCheck = { ok: true; answers: Answers } | { ok: false; errors: ApiFieldError[] };

/**
 * Validates an API client's JSON answers for a service's business variant with
 * the same rules as the pages: JSON types first (a file is never sent in
 * JSON: it is uploaded to a draft, and a draft may lack its files), then each step's raw input through FormService.parse, in
 * order, each step seeing the answers before it. Returns the normalized answers
 * (as the pages would store them) or every problem, in form order.
 */
export function checkAnswers(
  forms: FormService,
  i18n: I18nService,
  locale: Locale,
  service: ServiceDefinition,
  json: unknown,
  options: { draft?: boolean } = {},
): AnswersCheck {
  const shape: ShapeProblem[] = [];
  const given: Answers = {};
  if (json !== undefined && json !== null && !isPlainObject(json)) {
    shape.push({
      field: 'answers',
      code: 'wrong_type',
      key: 'api.errors.fields.wrongType',
      params: { expected: 'object' },
    });
  }
  const source = isPlainObject(json) ? json : {};
  const steps = forms.steps(service, API_AUDIENCE);
  const known = new Map(
    steps.flatMap((s) => fieldsFor(s.fields, API_AUDIENCE)).map((f) => [f.name, f] as const),
  );
  for (const [name, value] of Object.entries(source)) {
    const field = known.get(name);
    if (!field) {
      shape.push({ field: name, code: 'unknown_field', key: 'api.errors.fields.unknown' });
      continue;
    }
    const checked = checkShape(field, value, name, shape);
    if (checked !== undefined) given[name] = checked as Answers[string];
  }

  const errors: ApiFieldError[] = shape.map((p) => ({
    field: p.field,
    code: p.code,
    message: i18n.t(locale, p.key, { field: p.field, ...p.params }),
  }));
  const shaped = new Set(errors.map((e) => e.field));
  let answers: Answers = {};
  for (const step of steps) {
    const result = forms.parse(
      service,
      API_AUDIENCE,
      step,
      rawFromAnswers(step, API_AUDIENCE, given),
      answers,
    );
    answers = { ...answers, ...result.answers };
    for (const problem of result.problems) {
      const field = problemPath(step, problem);
      // A value of the wrong type already has its message.
      if (shaped.has(field) || shaped.has(problem.field)) continue;
      const file = problem.key === 'form.errors.fileRequired';
      // A draft's files come afterwards, one request each (POST /applications/{id}/files).
      if (file && options.draft) continue;
      errors.push({
        field,
        code: file ? 'file_required' : problem.key.replace(/^form\.errors\./, ''),
        message: file
          ? i18n.t(locale, 'api.errors.fields.fileRequired', {
              field,
              label: problem.label[locale],
            })
          : problemMessage(problem, locale, i18n),
      });
    }
  }
  if (errors.length === 0) return { ok: true, answers };
  // In the form's order (as the pages' error summary), fields it does not have last.
  const order = [...known.keys()];
  const rank = (path: string) => {
    const i = order.indexOf(/^[^.[]*/.exec(path)![0]);
    return i === -1 ? order.length : i;
  };
  return { ok: false, errors: errors.sort((a, b) => rank(a.field) - rank(b.field)) };
}

/** Every problem of saved answers (a draft that cannot be submitted yet), by JSON path. */
export function answersProblems(
  forms: FormService,
  i18n: I18nService,
  locale: Locale,
  service: ServiceDefinition,
  audience: Audience,
  answers: Answers,
): ApiFieldError[] {
  return forms.problems(service, audience, answers).flatMap(({ step, problems }) =>
    problems.map((problem) => ({
      field: problemPath(step, problem),
      code: problem.key.replace(/^form\.errors\./, ''),
      message: problemMessage(problem, locale, i18n),
    })),
  );
}

/**
 * The business variant's file questions, and how the API files the service:
 * always possible; when a file is required (`needsFiles`), as a draft first,
 * its files uploaded to it (POST /applications/{id}/files), then submitted.
 */
export function apiFiling(service: ServiceDefinition): {
  possible: true;
  needsFiles: boolean;
  fileFields: {
    name: string;
    required: boolean;
    maxFiles: number;
    condition?: FieldDefinition['showIf'];
  }[];
} {
  const fileFields = fieldsFor(
    service.form.steps.filter((s) => !s.only || s.only === API_AUDIENCE).flatMap((s) => s.fields),
    API_AUDIENCE,
  )
    .filter((f) => f.type === 'file')
    .map((f) => ({
      name: f.name,
      required: !f.optional,
      maxFiles: maxFiles(f),
      ...(f.showIf ? { condition: f.showIf } : {}),
    }));
  return { possible: true, needsFiles: fileFields.some((f) => f.required), fileFields };
}

// ---------------------------------------------------------------------------
// JSON Schemas from form definitions

/** What a document's rules depend on besides the definitions: the day it is generated on. */
export interface SchemaContext {
  /** `YYYY-MM-DD`, as the engine reckons today (todayIso). */
  today: string;
}

const text = (label: { fr: string; en: string }, hint?: { fr: string; en: string }) => ({
  title: label.en,
  ...(hint ? { description: hint.en } : {}),
  'x-label': label,
});

/** Any character but NUL and lone surrogates (PostgreSQL cannot store them; checkShape refuses them). */
const CHAR = '[^\\x00\\ud800-\\udfff]';
/** Text with at least one character that is not a space: answers are trimmed, so a blank one is no answer. */
export const NOT_BLANK_PATTERN = `^${CHAR}*[^\\s\\x00\\ud800-\\udfff]${CHAR}*$`;
export const ANY_TEXT_PATTERN = `^${CHAR}*$`;

/** A string rule: required texts may not be blank, none may hold NUL. */
function textRule(maxLength: number, required: boolean, pattern?: string): Schema {
  return {
    type: 'string',
    ...(required ? { minLength: 1 } : {}),
    maxLength,
    pattern: pattern ?? (required ? NOT_BLANK_PATTERN : ANY_TEXT_PATTERN),
  };
}

/**
 * `YYYY-MM-DD` strings from `min` to `max` (they sort as dates): JSON Schema
 * cannot compare dates, a pattern can (and `formatMinimum`/`formatMaximum`
 * say the same to validators that know them).
 */
export function dateRangePattern(min: string, max: string): string {
  const side = (bound: string, up: boolean) => {
    const alternatives = [bound];
    for (let i = 0; i < bound.length; i++) {
      if (bound[i] === '-') continue;
      const digit = Number(bound[i]);
      const range = up
        ? digit < 9
          ? `[${digit + 1}-9]`
          : ''
        : digit > 0
          ? `[0-${digit - 1}]`
          : '';
      if (range)
        alternatives.push(
          `${bound.slice(0, i)}${range}${bound.slice(i + 1).replace(/\d/g, '\\d')}`,
        );
    }
    return `(${alternatives.join('|')})`;
  };
  return `^(?=${side(min, true)}$)${side(max, false)}$`;
}

function dateRule(field: { notBefore?: 'today'; notAfter?: 'today' }, context: SchemaContext) {
  const min = field.notBefore ? context.today : `${DATE_YEARS.min}-01-01`;
  const max = field.notAfter ? context.today : `${DATE_YEARS.max}-12-31`;
  const bound = field.notBefore
    ? 'not before today'
    : field.notAfter
      ? 'not after today'
      : `from ${DATE_YEARS.min} to ${DATE_YEARS.max}`;
  return {
    type: 'string',
    format: 'date',
    pattern: dateRangePattern(min, max),
    formatMinimum: min,
    formatMaximum: max,
    ...(field.notBefore ? { 'x-not-before': 'today' } : {}),
    ...(field.notAfter ? { 'x-not-after': 'today' } : {}),
    rule: `YYYY-MM-DD, ${bound}${field.notBefore || field.notAfter ? ' (the date in UTC when the request arrives; the bounds here are those of the day this document was served)' : ''}.`,
  };
}

/** A hint and the rule the description must state beside it. */
function described(schema: Schema, ...parts: (string | undefined)[]): Schema {
  const description = [schema.description as string | undefined, ...parts]
    .filter(Boolean)
    .join(' ');
  return description ? { ...schema, description } : schema;
}

function fieldSchema(field: GroupItemField, context: SchemaContext): Schema {
  // A date's hint is about the pages' day, month and year inputs: its rule says it for the API.
  const hint = field.type === 'date' ? undefined : field.hint;
  const base = text(field.label, hint);
  const required = !field.optional;
  const condition = field.showIf
    ? {
        'x-show-if': field.showIf,
        description: [
          hint?.en,
          `Only when ${field.showIf.field} is ${[field.showIf.equals].flat().join(' or ')}${field.optional ? '' : ' (then required)'}; ignored otherwise.`,
        ]
          .filter(Boolean)
          .join(' '),
      }
    : {};
  switch (field.type) {
    case 'text':
      return described(
        {
          ...base,
          ...textRule(textMaxLength(field), required, field.pattern?.regex),
          ...condition,
        },
        field.pattern ? `Rule: ${field.pattern.message.en}.` : undefined,
        'Leading and trailing spaces are removed.',
      );
    case 'longText':
      return described(
        { ...base, ...textRule(textMaxLength(field), required), ...condition },
        'Leading and trailing spaces are removed.',
      );
    case 'email':
      return described(
        {
          ...base,
          type: 'string',
          format: 'email',
          minLength: 1,
          maxLength: EMAIL_MAX_LENGTH,
          pattern: EMAIL_PATTERN,
          ...condition,
        },
        'An address with a domain and a top-level domain, e.g. name@example.ca; stored in lower case.',
      );
    case 'phone':
      return described(
        {
          ...base,
          type: 'string',
          pattern: PHONE_INPUT_PATTERN,
          examples: ['819 555-0123'],
          ...condition,
        },
        'Ten digits (or 1 and ten digits); stored as 819 555-0123.',
      );
    case 'number':
      return {
        ...base,
        type: field.integer ? 'integer' : 'number',
        ...(field.min !== undefined ? { minimum: field.min } : {}),
        ...(field.max !== undefined ? { maximum: field.max } : {}),
        ...condition,
      };
    case 'money':
      return described(
        {
          ...base,
          type: 'number',
          ...(field.min !== undefined ? { minimum: field.min } : {}),
          ...(field.max !== undefined ? { maximum: field.max } : {}),
          ...condition,
        },
        'In dollars, rounded to the cent.',
      );
    case 'date': {
      const { rule, ...schema } = dateRule(field, context);
      return described({ ...base, ...schema, ...condition }, rule);
    }
    case 'yesNo':
      return { ...base, type: 'string', enum: ['yes', 'no'], ...condition };
    case 'choice':
      return {
        ...base,
        type: 'string',
        enum: field.options.map((o) => o.value),
        'x-options': field.options.map((o) => ({ value: o.value, label: o.label })),
        ...condition,
      };
    case 'multiChoice':
      return {
        ...base,
        type: 'array',
        uniqueItems: true,
        ...(field.optional ? {} : { minItems: 1 }),
        maxItems: field.options.length,
        items: { type: 'string', enum: field.options.map((o) => o.value) },
        'x-options': field.options.map((o) => ({ value: o.value, label: o.label })),
        ...condition,
      };
    case 'address':
      return { ...base, $ref: '#/components/schemas/Address', ...condition };
  }
}

/** What makes a `showIf` hold, as a schema of the controlling answer. */
function conditionSchema(
  condition: NonNullable<FieldDefinition['showIf']>,
  fields: FieldDefinition[],
): Schema {
  const wanted = [condition.equals].flat();
  const controlling = fields.find((f) => f.name === condition.field);
  const holds: Schema =
    controlling?.type === 'multiChoice'
      ? { type: 'array', contains: { enum: wanted } }
      : { enum: wanted };
  return { properties: { [condition.field]: holds }, required: [condition.field] };
}

/** Required-when-shown fields as `if`/`then` rules (the engine requires them only then). */
function conditionalRequirements(fields: FieldDefinition[]): Schema[] {
  const byCondition = new Map<string, { showIf: FieldDefinition['showIf']; names: string[] }>();
  for (const field of fields) {
    if (field.optional || !field.showIf || field.type === 'file') continue;
    const key = JSON.stringify(field.showIf);
    const entry = byCondition.get(key) ?? { showIf: field.showIf, names: [] };
    entry.names.push(field.name);
    byCondition.set(key, entry);
  }
  return [...byCondition.values()].map(({ showIf, names }) => ({
    if: conditionSchema(showIf!, fields),
    then: { required: names },
  }));
}

function topFieldSchema(field: FieldDefinition, context: SchemaContext): Schema {
  if (field.type === 'file')
    return {
      ...text(field.label),
      description: `A file question${field.optional ? '' : field.showIf ? ' (required when shown)' : ' (required)'}: never in JSON. Upload each file to the draft with POST /applications/{id}/files (question ${field.name}, at most ${maxFiles(field)} files), then submit it.`,
      'x-file': true,
      not: {},
    };
  if (field.type === 'group') {
    const required = field.fields.filter((f) => !f.optional && !f.showIf).map((f) => f.name);
    return {
      ...text(field.label, field.hint),
      type: 'array',
      maxItems: maxItems(field),
      ...(field.minItems !== undefined || !field.optional ? { minItems: field.minItems ?? 1 } : {}),
      items: {
        type: 'object',
        title: field.itemLabel.en,
        additionalProperties: false,
        properties: Object.fromEntries(field.fields.map((f) => [f.name, fieldSchema(f, context)])),
        ...(required.length > 0 ? { required } : {}),
      },
    };
  }
  return fieldSchema(field, context);
}

function apiFields(service: ServiceDefinition): FieldDefinition[] {
  return service.form.steps
    .filter((s) => !s.only || s.only === API_AUDIENCE)
    .flatMap((s) => fieldsFor(s.fields, API_AUDIENCE));
}

/** The JSON Schema of a service's answers (business variant), with the rules of the day. */
export function answersSchema(
  service: ServiceDefinition,
  context: SchemaContext = { today: todayIso() },
): Schema {
  const fields = apiFields(service);
  const required = fields
    .filter((f) => !f.optional && !f.showIf && f.type !== 'file')
    .map((f) => f.name);
  const filing = apiFiling(service);
  const conditional = conditionalRequirements(fields);
  return {
    type: 'object',
    title: `Answers: ${service.title.en}`,
    description: filing.needsFiles
      ? `The answers of ${service.slug} (business variant), by field name, without its files: create a draft, upload its files (POST /applications/{id}/files), then submit it.`
      : `The answers of ${service.slug} (business variant), by field name.`,
    additionalProperties: false,
    properties: withRules(
      service,
      Object.fromEntries(fields.map((f) => [f.name, topFieldSchema(f, context)])),
    ),
    required,
    ...(conditional.length > 0 ? { allOf: conditional } : {}),
  };
}

/**
 * The form's cross-field rules, on the answers they check: in words, and as
 * `x-compare` ({must, other}) for tools (JSON Schema cannot compare two answers).
 */
function withRules(service: ServiceDefinition, properties: Record<string, Schema>) {
  for (const rule of service.form.rules ?? []) {
    const schema = properties[rule.field];
    if (!schema || !properties[rule.other]) continue;
    const compare = [...((schema['x-compare'] as unknown[] | undefined) ?? [])];
    properties[rule.field] = described(
      { ...schema, 'x-compare': [...compare, { must: rule.must, other: rule.other }] },
      `Rule: ${rule.message.en}.`,
    );
  }
  return properties;
}

// ---------------------------------------------------------------------------
// The document

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const localized = ref('Localized');

const SCHEMAS: Record<string, Schema> = {
  Localized: {
    type: 'object',
    properties: { fr: { type: 'string' }, en: { type: 'string' } },
    required: ['fr', 'en'],
  },
  Address: {
    type: 'object',
    additionalProperties: false,
    description: 'Leading and trailing spaces are removed from each part.',
    properties: {
      line1: textRule(ADDRESS_LINE_MAX_LENGTH, true),
      line2: textRule(ADDRESS_LINE_MAX_LENGTH, false),
      city: textRule(ADDRESS_LINE_MAX_LENGTH, true),
      postalCode: {
        type: 'string',
        pattern: caseInsensitivePattern(POSTAL_CODE_PATTERN),
        examples: ['J8X 1A1'],
        description:
          'A Canadian postal code (A1A 1A1, with or without the space); stored in capitals.',
      },
    },
    required: ['line1', 'city', 'postalCode'],
  },
  Error: {
    type: 'object',
    properties: {
      code: {
        type: 'string',
        enum: [
          'invalid_api_key',
          'insufficient_scope',
          'rate_limited',
          'invalid_request',
          'unsupported_media_type',
          'service_not_found',
          'service_not_available',
          'flags_unavailable',
          'application_not_found',
          'validation_failed',
          'application_not_editable',
          'file_too_large',
          'attachments_quota_exceeded',
          'file_type_not_accepted',
          'file_infected',
          'too_many_files',
          'unknown_question',
          'not_a_file_question',
          'revision_mismatch',
          'bad_request',
          'not_found',
          'payload_too_large',
          'internal_error',
        ],
      },
      message: { type: 'string', description: 'In the language of Accept-Language (fr or en).' },
      requestId: { type: 'string', description: 'Quote it when you contact the city.' },
      errors: {
        type: 'array',
        items: ref('FieldError'),
        description: 'For validation_failed and invalid_request.',
      },
      expected: {
        type: 'integer',
        minimum: 1,
        description:
          'For revision_mismatch: the revision of the form the answers must be written for (GET /services/{slug} gives its schema).',
      },
    },
    required: ['code', 'message', 'requestId'],
  },
  FieldError: {
    type: 'object',
    properties: {
      field: {
        type: 'string',
        description:
          'JSON path in the request, e.g. propertyAddress.postalCode or otherSites[0].lot',
      },
      code: {
        type: 'string',
        examples: [
          'required',
          'pattern',
          'file_required',
          'file_not_supported',
          'invalid_character',
        ],
      },
      message: { type: 'string' },
    },
    required: ['field', 'code', 'message'],
  },
  FileField: {
    type: 'object',
    properties: {
      name: { type: 'string', description: 'The question to name when uploading its files.' },
      required: { type: 'boolean' },
      maxFiles: { type: 'integer', minimum: 1 },
      condition: { type: 'object', description: 'Required only when this other answer is given.' },
    },
    required: ['name', 'required', 'maxFiles'],
  },
  FileUpload: {
    type: 'object',
    description:
      'multipart/form-data: the part `question` first, then the part `file` (one file, with its file name).',
    properties: {
      question: {
        type: 'string',
        minLength: 1,
        description: 'The name of a file question of the form (apiFiling.fileFields[].name).',
      },
      file: {
        type: 'string',
        contentMediaType: 'application/octet-stream',
        description: 'A PDF, JPEG or PNG (judged from its content), at most maxFileBytes.',
      },
      revision: {
        type: 'integer',
        minimum: 1,
        description:
          'Optional, before the part `file`: the revision of the form the draft was written for (its `serviceRevision`). If the draft is on another one by now, the file is not added (409 revision_mismatch).',
      },
    },
    required: ['question', 'file'],
  },
  FileAnswer: {
    type: 'object',
    description: 'A file as the answers hold it (answers.<question> is an array of these).',
    properties: {
      id: { type: 'string', format: 'uuid' },
      filename: { type: 'string', description: 'Its name, with the extension of its type.' },
      size: { type: 'integer' },
      contentType: { type: 'string', enum: ['application/pdf', 'image/jpeg', 'image/png'] },
    },
    required: ['id', 'filename', 'size', 'contentType'],
  },
  UploadedFile: {
    type: 'object',
    properties: {
      file: ref('FileAnswer'),
      question: { type: 'string' },
      application: ref('Application'),
    },
    required: ['file', 'question', 'application'],
  },
  Service: {
    type: 'object',
    properties: {
      slug: { type: 'string' },
      referencePrefix: { type: 'string' },
      revision: {
        type: 'integer',
        minimum: 1,
        description:
          'The revision of the form your business files on: send it with the answers (`revision`).',
      },
      candidate: {
        type: 'boolean',
        description:
          'True when the city is trying this revision with some businesses, yours among them, before the others: this document describes the current revision, and the service’s own answersSchema (GET /services/{slug}) describes yours.',
      },
      title: localized,
      summary: localized,
      department: localized,
      processingTime: localized,
      fees: localized,
      apiFiling: {
        type: 'object',
        description:
          'How the API files the service. needsFiles: create a draft (submit false), upload each required file with POST /applications/{id}/files, then submit it.',
        properties: {
          possible: { type: 'boolean', const: true },
          needsFiles: { type: 'boolean' },
          fileFields: { type: 'array', items: ref('FileField') },
        },
        required: ['possible', 'needsFiles', 'fileFields'],
      },
      links: { type: 'object', additionalProperties: { type: 'string' } },
    },
    required: [
      'slug',
      'referencePrefix',
      'revision',
      'candidate',
      'title',
      'summary',
      'department',
      'processingTime',
      'fees',
      'apiFiling',
      'links',
    ],
  },
  ServiceList: {
    type: 'object',
    properties: { data: { type: 'array', items: ref('Service') } },
    required: ['data'],
  },
  ServiceForm: {
    allOf: [
      ref('Service'),
      {
        type: 'object',
        properties: {
          form: {
            type: 'object',
            description:
              "The business variant's steps and fields, as the city declares them (labels in French and English).",
            properties: { steps: { type: 'array', items: { type: 'object' } } },
          },
          answersSchema: {
            type: 'object',
            description: 'The JSON Schema of the answers, for the revision your business gets.',
          },
        },
      },
    ],
  },
  Application: {
    type: 'object',
    properties: {
      id: { type: 'string', format: 'uuid' },
      reference: { type: ['string', 'null'], examples: ['PC-2026-000123'] },
      service: { type: 'string' },
      variant: { type: 'string', enum: ['business'] },
      status: {
        type: 'string',
        enum: [
          'draft',
          'submitted',
          'in_review',
          'information_requested',
          'resubmitted',
          'approved',
          'rejected',
          'withdrawn',
        ],
      },
      serviceRevision: {
        type: 'integer',
        minimum: 1,
        description:
          'The revision of the service the application was started on: its answers are those of that revision’s form.',
      },
      channel: { type: 'string', enum: ['web', 'api', 'csv'] },
      answers: { type: 'object' },
      decisionNote: { type: ['string', 'null'] },
      createdAt: { type: 'string', format: 'date-time' },
      updatedAt: { type: 'string', format: 'date-time' },
      submittedAt: { type: ['string', 'null'], format: 'date-time' },
      decidedAt: { type: ['string', 'null'], format: 'date-time' },
      links: { type: 'object', additionalProperties: { type: 'string' } },
    },
    required: [
      'id',
      'reference',
      'service',
      'serviceRevision',
      'variant',
      'status',
      'channel',
      'answers',
      'decisionNote',
      'createdAt',
      'updatedAt',
      'submittedAt',
      'decidedAt',
      'links',
    ],
  },
  ApplicationList: {
    type: 'object',
    properties: {
      data: { type: 'array', items: ref('Application') },
      next: {
        type: ['string', 'null'],
        description: 'The cursor of the next page (pass it as `after`), null on the last page.',
      },
    },
    required: ['data', 'next'],
  },
};

export interface OpenApiOptions {
  /** The API controller: its routes are read from Nest's metadata. */
  controller: abstract new (...args: never[]) => object;
  services: ServiceDefinition[];
  /** The revision each service's definition is (by slug): creation requests name it. */
  revisions?: Record<string, number>;
  title: string;
  version: string;
  /** The day the date rules are computed for (todayIso() by default). */
  today?: string;
}

const METHODS: Partial<Record<RequestMethod, string>> = {
  [RequestMethod.GET]: 'get',
  [RequestMethod.POST]: 'post',
  [RequestMethod.PUT]: 'put',
  [RequestMethod.PATCH]: 'patch',
  [RequestMethod.DELETE]: 'delete',
};

const ERROR_RESPONSES: Record<number, string> = {
  401: 'Missing, unknown or revoked API key (invalid_api_key).',
  403: 'The key lacks the scope (insufficient_scope).',
  429: 'Too many requests with this key (rate_limited); see Retry-After.',
};

/** The OpenAPI 3.1 document of the API, from the controller's routes and the catalogue. */
export function buildOpenApiDocument(options: OpenApiOptions): Schema {
  const { controller, services } = options;
  const context: SchemaContext = { today: options.today ?? todayIso() };
  const slugs = services.map((s) => s.slug);
  /** A `{slug}` path parameter names a service of the catalogue. */
  const withSlugs = (parameter: Schema): Schema =>
    parameter.in === 'path' && parameter.name === 'slug'
      ? { ...parameter, schema: { type: 'string', enum: slugs } }
      : parameter;
  const base = `/${String(Reflect.getMetadata(PATH_METADATA, controller) ?? '').replace(/^\/+|\/+$/g, '')}`;
  const paths: Record<string, Record<string, Schema>> = {};
  const proto = controller.prototype as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const handler = proto[name];
    if (typeof handler !== 'function') continue;
    const doc = Reflect.getMetadata(API_DOC, handler) as ApiDocDeclaration | undefined;
    const method = METHODS[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
    const route = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
    if (!doc || !method || route === undefined) continue;
    const scope = Reflect.getMetadata(REQUIRED_SCOPE, handler) as ApiScope | undefined;
    const path = `/${route.replace(/^\/+/, '')}`.replace(/:(\w+)/g, '{$1}').replace(/\/$/, '');
    const responses: Record<string, Schema> = {};
    const statuses = { ...doc.responses };
    for (const [status, description] of Object.entries(ERROR_RESPONSES))
      statuses[Number(status)] ??= [description, 'Error'];
    for (const [status, [description, schema]] of Object.entries(statuses))
      responses[status] = {
        description,
        ...(schema ? { content: { 'application/json': { schema: ref(schema) } } } : {}),
      };
    (paths[path || '/'] ??= {})[method] = {
      operationId: doc.operationId,
      summary: doc.summary,
      ...(doc.description ? { description: doc.description } : {}),
      ...(scope
        ? { security: [{ apiKey: [scope] }], 'x-required-scope': scope, tags: [scope] }
        : {}),
      ...(doc.parameters ? { parameters: doc.parameters.map(withSlugs) } : {}),
      ...(doc.requestBody
        ? {
            requestBody: {
              required: true,
              content: {
                [doc.requestBodyType ?? 'application/json']: {
                  schema: ref(doc.requestBody),
                  ...(doc.requestBodyType === 'multipart/form-data'
                    ? {
                        encoding: {
                          file: { contentType: 'application/pdf, image/jpeg, image/png' },
                        },
                      }
                    : {}),
                },
              },
            },
          }
        : {}),
      responses,
    };
  }

  const fileable = services;
  const answers = Object.fromEntries(
    services.map((s) => [`Answers.${s.slug}`, answersSchema(s, context)] as const),
  );
  const createRequests = Object.fromEntries(
    fileable.map((s) => [
      `CreateApplication.${s.slug}`,
      {
        type: 'object',
        title: s.slug,
        properties: {
          service: { type: 'string', const: s.slug },
          answers: ref(`Answers.${s.slug}`),
          submit: apiFiling(s).needsFiles
            ? {
                type: 'boolean',
                const: false,
                default: false,
                description:
                  'A draft: this service needs files. Upload them (POST /applications/{id}/files), then submit (POST /applications/{id}/submit).',
              }
            : {
                type: 'boolean',
                default: false,
                description: 'Submit at once (the reference number comes back).',
              },
          ...(options.revisions?.[s.slug] !== undefined
            ? {
                revision: {
                  type: 'integer',
                  const: options.revisions[s.slug],
                  description: `The revision of the form the answers were written for: optional, checked when given (409 revision_mismatch, with the revision expected, when your business gets another). This document describes the current revision, ${options.revisions[s.slug]}; while the city tries a new revision with some businesses first, yours may get it: GET /services/${s.slug} names the revision your business gets and gives its answers schema.`,
                },
              }
            : {}),
        },
        required: ['service', 'answers'],
      },
    ]),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: options.title,
      version: options.version,
      description: [
        'The JSON API of Guichet for SMEs: the services open to your business, and your applications.',
        'Authenticate with an API key an owner of your business creates on its page in Guichet: `Authorization: Bearer gk_…`.',
        'Messages follow Accept-Language (fr or en).',
        'Files: create the application as a draft, upload each file to its question with `POST /applications/{id}/files` (multipart/form-data), then submit it with `POST /applications/{id}/submit`.',
        'Revisions: the city revises its forms, and tries each new revision with some businesses before the others. This document describes the revision every business gets now (the current one); yours may get a newer one first. `GET /services/{slug}` names the revision your business gets (`revision`, `candidate`) and gives its answers schema: send that `revision` with your answers, and a request whose answers were written for another revision is refused with 409 `revision_mismatch` and the revision `expected`. An application stays on the revision it was started on.',
      ].join('\n\n'),
    },
    servers: [{ url: base }],
    security: [{ apiKey: [] }],
    paths,
    components: {
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'gk_<prefix>_<secret>',
          description:
            'An API key of your business. Scopes: applications:read (GET), applications:write (POST).',
        },
      },
      schemas: {
        ...SCHEMAS,
        ...answers,
        ...createRequests,
        CreateApplication: {
          description:
            'A service that needs files is created as a draft (submit false); its files are then uploaded to it, one request each, and the draft submitted.',
          oneOf: fileable.map((s) => ref(`CreateApplication.${s.slug}`)),
          discriminator: {
            propertyName: 'service',
            mapping: Object.fromEntries(
              fileable.map((s) => [s.slug, `#/components/schemas/CreateApplication.${s.slug}`]),
            ),
          },
        },
      },
    },
  };
}
