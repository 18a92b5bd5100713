import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsEmail,
  IsIn,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsNumber,
  Matches,
  Max,
  MaxDate,
  MaxLength,
  Min,
  MinDate,
  validateSync,
  ValidateIf,
} from 'class-validator';
import type { Audience } from '../../platform/flags/flag-context.js';
import {
  DEFAULT_MAX_FILES,
  DEFAULT_MAX_ITEMS,
  type AddressAnswer,
  type Answers,
  type AnswerValue,
  type Comparison,
  type CrossFieldRule,
  type FieldDefinition,
  type FileAnswer,
  type FormDefinition,
  type GroupField,
  type GroupItemField,
  type StepDefinition,
} from './form-schema.js';
import type { Localized } from './service-definition.js';
import {
  ADDRESS_LINE_MAX_LENGTH,
  DATE_YEARS,
  EMAIL_MAX_LENGTH,
  LONG_TEXT_MAX_LENGTH,
  PHONE_PATTERN,
  POSTAL_CODE_MAX_LENGTH,
  POSTAL_CODE_PATTERN,
  TEXT_MAX_LENGTH,
  todayIso,
} from './field-rules.js';

/** Raw form input, as posted or as derived from saved answers: by input name. */
export type RawValues = Record<string, string | string[]>;

/** A problem with one answer: the input to focus, and a catalog key with its parameters. */
export interface FormProblem {
  /** The id of the input the error summary links to. */
  inputId: string;
  /** The field (top-level) it belongs to. */
  field: string;
  key: string;
  label: Localized;
  params: Record<string, string | number>;
  /** A message from the definition itself (pattern and cross-field rules), instead of the key. */
  message?: Localized;
}

export interface StepResult {
  /** The step's answers, typed; hidden fields are absent. */
  answers: Answers;
  /** What was typed, to show again. */
  raw: RawValues;
  problems: FormProblem[];
}

const ADDRESS_PARTS = ['line1', 'line2', 'city', 'postalCode'] as const;
const POSTAL_CODE = new RegExp(POSTAL_CODE_PATTERN, 'i');
const NUMBER = /^-?\d+(\.\d+)?$/;

/** The steps a variant shows, in order. */
export function stepsFor(form: FormDefinition, audience: Audience): StepDefinition[] {
  return form.steps.filter((s) => !s.only || s.only === audience);
}

/** The fields of a step that a variant has (conditions aside). */
export function fieldsFor<F extends { only?: Audience }>(fields: F[], audience: Audience): F[] {
  return fields.filter((f) => !f.only || f.only === audience);
}

/** Whether a field's condition holds for these answers (fields without one always show). */
export function isShown(field: { showIf?: FieldDefinition['showIf'] }, answers: Answers): boolean {
  if (!field.showIf) return true;
  const answer = answers[field.showIf.field];
  const wanted = Array.isArray(field.showIf.equals) ? field.showIf.equals : [field.showIf.equals];
  if (Array.isArray(answer)) return answer.some((a) => typeof a === 'string' && wanted.includes(a));
  return typeof answer === 'string' && wanted.includes(answer);
}

export function maxItems(group: GroupField): number {
  return group.maxItems ?? DEFAULT_MAX_ITEMS;
}

export function maxFiles(field: { maxFiles?: number }): number {
  return field.maxFiles ?? DEFAULT_MAX_FILES;
}

/** The id of the input an error on this field links to. */
export function firstInputId(field: FieldDefinition | GroupItemField, prefix = ''): string {
  const id = `${prefix}${field.name}`;
  if (field.type === 'date') return `${id}-day`;
  if (field.type === 'address') return `${id}-line1`;
  // A group a draft has not given a question yet (a studio preview) links to itself.
  if (field.type === 'group') return field.fields[0] ? `${id}-0-${field.fields[0].name}` : id;
  return id;
}

// ---------------------------------------------------------------------------
// Reading input

function str(raw: RawValues, key: string): string {
  const value = raw[key];
  return typeof value === 'string' ? value.trim() : '';
}

function list(raw: RawValues, key: string): string[] {
  const value = raw[key];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' && value !== '' ? [value] : [];
}

/** Every input name a field reads, for copying a posted body into RawValues. */
export function inputNames(field: FieldDefinition | GroupItemField, prefix = ''): string[] {
  const id = `${prefix}${field.name}`;
  switch (field.type) {
    case 'date':
      return [`${id}-day`, `${id}-month`, `${id}-year`];
    case 'address':
      return ADDRESS_PARTS.map((p) => `${id}-${p}`);
    case 'group':
      return Array.from({ length: maxItems(field) }, (_, i) =>
        field.fields.flatMap((f) => inputNames(f, `${id}-${i}-`)),
      ).flat();
    case 'file':
      return [];
    default:
      return [id];
  }
}

/** The raw values of a step from a posted body: only its own inputs, strings or string lists. */
export function rawFromBody(step: StepDefinition, audience: Audience, body: unknown): RawValues {
  const source = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const raw: RawValues = {};
  for (const field of fieldsFor(step.fields, audience)) {
    for (const name of inputNames(field)) {
      const value = source[name];
      if (typeof value === 'string') raw[name] = value.slice(0, 20_000);
      else if (Array.isArray(value))
        raw[name] = value.filter((v): v is string => typeof v === 'string').slice(0, 100);
    }
  }
  return raw;
}

/** How many items a group has in raw input: up to the last item with anything typed. */
export function itemCount(group: GroupField, raw: RawValues): number {
  let count = 0;
  for (let i = 0; i < maxItems(group); i++) {
    const typed = group.fields
      .flatMap((f) => inputNames(f, `${group.name}-${i}-`))
      .some((name) => list(raw, name).some((v) => v.trim() !== ''));
    if (typed) count = i + 1;
  }
  return count;
}

function parseNumber(text: string): number | string {
  const cleaned = text.replace(/[\s\u00a0\u202f]/g, '').replace(',', '.');
  return NUMBER.test(cleaned) ? Number(cleaned) : text;
}

function parseMoney(text: string): number | string {
  const cleaned = text
    .replace(/[\s\u00a0\u202f$]/g, '')
    .replace(/,(\d{1,2})$/, '.$1')
    .replace(/,/g, '');
  return NUMBER.test(cleaned) ? Math.round(Number(cleaned) * 100) / 100 : text;
}

/** `YYYY-MM-DD` for a real date, 'invalid' for anything else typed, '' for nothing. */
function parseDate(day: string, month: string, year: string): string {
  if (!day && !month && !year) return '';
  const [d, m, y] = [day, month, year].map((v) => (/^\d+$/.test(v) ? Number(v) : NaN));
  if (![d, m, y].every(Number.isInteger) || y < DATE_YEARS.min || y > DATE_YEARS.max)
    return 'invalid';
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d)
    return 'invalid';
  return date.toISOString().slice(0, 10);
}

export function normalizePostalCode(text: string): string {
  const compact = text.replace(/\s+/g, '').toUpperCase();
  return compact.length === 6 ? `${compact.slice(0, 3)} ${compact.slice(3)}` : text;
}

function normalizePhone(text: string): string {
  let digits = text.replace(/\D/g, '');
  if (digits.length === 11 && digits.startsWith('1')) digits = digits.slice(1);
  return digits.length === 10
    ? `${digits.slice(0, 3)} ${digits.slice(3, 6)}-${digits.slice(6)}`
    : text;
}

/** A field's typed value from raw input ('' or [] when nothing was given). */
function valueOf(field: GroupItemField, raw: RawValues, prefix: string): AnswerValue {
  const id = `${prefix}${field.name}`;
  switch (field.type) {
    case 'number':
      return str(raw, id) === '' ? '' : parseNumber(str(raw, id));
    case 'money':
      return str(raw, id) === '' ? '' : parseMoney(str(raw, id));
    case 'date':
      return parseDate(str(raw, `${id}-day`), str(raw, `${id}-month`), str(raw, `${id}-year`));
    case 'multiChoice':
      return list(raw, id);
    case 'address':
      return {
        line1: str(raw, `${id}-line1`),
        line2: str(raw, `${id}-line2`),
        city: str(raw, `${id}-city`),
        postalCode: normalizePostalCode(str(raw, `${id}-postalCode`)),
      };
    case 'phone':
      return normalizePhone(str(raw, id));
    case 'email':
      return str(raw, id).toLowerCase();
    default:
      return str(raw, id);
  }
}

function isEmpty(value: AnswerValue | undefined): boolean {
  if (value === undefined || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object')
    return Object.values(value).every((v) => typeof v !== 'string' || v === '');
  return false;
}

// ---------------------------------------------------------------------------
// Validation: a class per step and variant, its properties decorated with
// class-validator rules generated from the definition. (class-validator's
// registerSchema crashes on string targets in 0.15, so the schema is a class.)

interface Leaf {
  key: string;
  field: string;
  label: Localized;
  params: Record<string, string | number>;
  message?: Localized;
}

type Visible = (target: ValidationTarget) => boolean;

interface ValidationTarget {
  values: Record<string, unknown>;
  answers: Answers;
  items: Record<string, number>;
}

/**
 * A step's validator for one variant, built once. Given the whole form, it also
 * checks the form's cross-field rules on the fields of this step.
 */
export class StepValidator {
  private readonly target: new () => object;
  private readonly leaves = new Map<string, Leaf>();
  private readonly rules: CrossFieldRule[];
  private readonly formFields: Map<string, FieldDefinition>;

  constructor(
    readonly step: StepDefinition,
    readonly audience: Audience,
    form?: FormDefinition,
  ) {
    const own = new Set(fieldsFor(step.fields, audience).map((f) => f.name));
    this.rules = (form?.rules ?? []).filter((r) => own.has(r.field));
    this.formFields = form ? fieldIndex(form) : new Map();
    this.target = class StepAnswers {};
    for (const field of fieldsFor(step.fields, audience)) {
      const shown: Visible = (t) => isShown(field, t.answers);
      if (field.type === 'group') {
        for (let i = 0; i < maxItems(field); i++) {
          for (const sub of field.fields) {
            const inItem: Visible = (t) => shown(t) && (t.items[field.name] ?? 0) > i;
            this.rulesFor(sub, `${field.name}-${i}-`, field.name, (t) => inItem(t), i + 1, field);
          }
        }
      } else if (field.type !== 'file') {
        this.rulesFor(field, '', field.name, shown);
      }
    }
  }

  /** Reads, normalizes and validates a step's raw input against earlier answers. */
  parse(raw: RawValues, earlier: Answers, files: Record<string, FileAnswer[]> = {}): StepResult {
    const fields = fieldsFor(this.step.fields, this.audience);
    const values: Record<string, unknown> = {};
    const answers: Answers = {};
    const items: Record<string, number> = {};
    // Conditions may depend on this step's own answers, so read them all first.
    for (const field of fields) {
      if (field.type === 'file') {
        answers[field.name] = files[field.name] ?? [];
      } else if (field.type === 'group') {
        const count = itemCount(field, raw);
        items[field.name] = count;
        const groupItems: Record<string, unknown>[] = [];
        for (let i = 0; i < count; i++) {
          const item: Record<string, unknown> = {};
          for (const sub of field.fields) {
            const value = valueOf(sub, raw, `${field.name}-${i}-`);
            this.flatten(sub, `${field.name}-${i}-`, value, values);
            item[sub.name] = value;
          }
          groupItems.push(item);
        }
        answers[field.name] = groupItems;
      } else {
        const value = valueOf(field, raw, '');
        this.flatten(field, '', value, values);
        answers[field.name] = value;
      }
    }
    // Conditions chain (a field shown by a field that is itself hidden is hidden
    // too): in form order, a hidden field's answer leaves the context.
    const context: Answers = { ...earlier, ...answers };
    for (const field of fields) if (!isShown(field, context)) delete context[field.name];
    const target = Object.assign(new this.target(), values, {
      __target: { values, answers: context, items },
    });
    const problems: FormProblem[] = [];
    for (const error of validateSync(target, { stopAtFirstError: true })) {
      const leaf = this.leaves.get(error.property);
      const key = leaf && Object.values(error.constraints ?? {})[0];
      if (!leaf || !key) continue;
      problems.push({
        inputId: leaf.key,
        field: leaf.field,
        key,
        label: leaf.label,
        params: leaf.params,
        message: key === 'form.errors.pattern' ? leaf.message : undefined,
      });
    }
    // Rules on whole fields: files and group sizes.
    for (const field of fields) {
      if (!isShown(field, context)) continue;
      if (field.type === 'file') {
        const count = (answers[field.name] as FileAnswer[]).length;
        if (!field.optional && count === 0)
          problems.push(this.problem(field, 'form.errors.fileRequired', {}));
        if (count > maxFiles(field))
          problems.push(this.problem(field, 'form.errors.tooManyFiles', { max: maxFiles(field) }));
      }
      if (field.type === 'group') {
        const min = field.minItems ?? (field.optional ? 0 : 1);
        if ((items[field.name] ?? 0) < min)
          problems.push(this.problem(field, 'form.errors.groupMin', { min }));
      }
    }
    problems.push(...this.ruleProblems(fields, context, problems));
    const order = inputOrder(fields);
    problems.sort((a, b) => order(a.inputId) - order(b.inputId));
    // Hidden fields keep no answer, and nothing empty is stored.
    const kept: Answers = {};
    for (const field of fields) {
      const value = answers[field.name];
      if (isShown(field, context) && !isEmpty(value)) kept[field.name] = value;
    }
    return { answers: kept, raw, problems };
  }

  /**
   * The cross-field rules this step's answers break: only between two answers
   * that are shown, given and valid (a missing or mistyped one has its own message).
   */
  private ruleProblems(
    fields: FieldDefinition[],
    context: Answers,
    problems: FormProblem[],
  ): FormProblem[] {
    const failing = new Set(problems.map((p) => p.field));
    const found: FormProblem[] = [];
    for (const rule of this.rules) {
      const field = fields.find((f) => f.name === rule.field);
      const other = this.formFields.get(rule.other);
      if (!field || !other || failing.has(field.name) || failing.has(other.name)) continue;
      if (!isShown(other, context)) continue;
      const value = comparable(context[field.name]);
      const compared = comparable(context[other.name]);
      if (value === undefined || compared === undefined || typeof value !== typeof compared)
        continue;
      if (!holds(rule.must, value, compared)) {
        failing.add(field.name);
        found.push({ ...this.problem(field, 'form.errors.rule', {}), message: rule.message });
      }
    }
    return found;
  }

  private problem(
    field: FieldDefinition,
    key: string,
    params: Record<string, string | number>,
  ): FormProblem {
    return { inputId: firstInputId(field), field: field.name, key, label: field.label, params };
  }

  private flatten(
    field: GroupItemField,
    prefix: string,
    value: AnswerValue,
    into: Record<string, unknown>,
  ) {
    const id = `${prefix}${field.name}`;
    if (field.type === 'address') {
      const address = value as AddressAnswer;
      for (const part of ADDRESS_PARTS) into[`${id}-${part}`] = address[part];
    } else if (field.type === 'date') {
      into[`${id}-day`] = value;
    } else {
      into[id] = value;
    }
  }

  private rulesFor(
    field: GroupItemField,
    prefix: string,
    topField: string,
    shown: Visible,
    item?: number,
    group?: GroupField,
  ) {
    const proto = this.target.prototype as object;
    const id = `${prefix}${field.name}`;
    const itemParams: Record<string, string | number> =
      group && item !== undefined
        ? { item, itemLabelFr: group.itemLabel.fr, itemLabelEn: group.itemLabel.en }
        : {};
    const leaf = (key: string, params: Record<string, string | number> = {}) => {
      this.leaves.set(key, {
        key,
        field: topField,
        label: field.label,
        params: { ...itemParams, ...params },
        message: field.type === 'text' ? field.pattern?.message : undefined,
      });
      return key;
    };
    const when =
      (key: string, optional: boolean) =>
      (o: object): boolean => {
        const t = (o as { __target: ValidationTarget }).__target;
        if (!shown(t)) return false;
        return !optional || !isEmpty(t.values[key] as AnswerValue);
      };
    const m = (key: string) => ({ message: `form.errors.${key}` });
    const optional = field.optional === true;

    if (field.type === 'address') {
      for (const part of ADDRESS_PARTS) {
        const key = leaf(`${id}-${part}`, { part });
        const partOptional = optional || part === 'line2';
        ValidateIf(when(key, partOptional))(proto, key);
        if (!partOptional) IsNotEmpty(m(`address.${part}`))(proto, key);
        MaxLength(
          part === 'postalCode' ? POSTAL_CODE_MAX_LENGTH : ADDRESS_LINE_MAX_LENGTH,
          m('maxLength'),
        )(proto, key);
        if (part === 'postalCode') Matches(POSTAL_CODE, m('postalCode'))(proto, key);
      }
      return;
    }

    const key = leaf(field.type === 'date' ? `${id}-day` : id, fieldParams(field));
    ValidateIf(when(key, optional))(proto, key);
    switch (field.type) {
      case 'text':
      case 'longText':
        IsNotEmpty(m('required'))(proto, key);
        MaxLength(textMaxLength(field), m('maxLength'))(proto, key);
        if (field.type === 'text' && field.pattern)
          Matches(new RegExp(field.pattern.regex), m('pattern'))(proto, key);
        break;
      case 'email':
        IsNotEmpty(m('required'))(proto, key);
        // Length first: class-validator runs a property's rules in the order they are added.
        MaxLength(EMAIL_MAX_LENGTH, m('maxLength'))(proto, key);
        IsEmail({}, m('email'))(proto, key);
        break;
      case 'phone':
        IsNotEmpty(m('required'))(proto, key);
        Matches(new RegExp(PHONE_PATTERN), m('phone'))(proto, key);
        break;
      case 'number':
      case 'money': {
        IsNotEmpty(m('required'))(proto, key);
        IsNumber({}, m(field.type))(proto, key);
        if (field.type === 'number' && field.integer) IsInt(m('integer'))(proto, key);
        if (field.min !== undefined) Min(field.min, m('min'))(proto, key);
        if (field.max !== undefined) Max(field.max, m('max'))(proto, key);
        break;
      }
      case 'date':
        IsNotEmpty(m('dateRequired'))(proto, key);
        IsISO8601({ strict: true }, m('date'))(proto, key);
        break;
      case 'yesNo':
        IsIn(['yes', 'no'], m('choose'))(proto, key);
        break;
      case 'choice':
        IsIn(
          field.options.map((o) => o.value),
          m('choose'),
        )(proto, key);
        break;
      case 'multiChoice':
        ArrayNotEmpty(m('chooseSome'))(proto, key);
        IsIn(
          field.options.map((o) => o.value),
          { each: true, ...m('chooseSome') },
        )(proto, key);
        ArrayMaxSize(field.options.length, m('chooseSome'))(proto, key);
        break;
    }
    if (field.type === 'date' && (field.notBefore || field.notAfter)) {
      // Compared as dates at midnight UTC: the stored form is `YYYY-MM-DD`.
      const dateKey = `${key}:bound`;
      this.leaves.set(dateKey, { ...this.leaves.get(key)!, key });
      const today = () => new Date(todayIso());
      Object.defineProperty(proto, dateKey, {
        get(this: { [k: string]: unknown }) {
          const value = this[key];
          return typeof value === 'string' && value.length === 10 ? new Date(value) : undefined;
        },
      });
      const whenValid = (o: object) => {
        const value = (o as Record<string, unknown>)[key];
        return when(key, true)(o) && typeof value === 'string' && value.length === 10;
      };
      ValidateIf(whenValid)(proto, dateKey);
      if (field.notBefore) MinDate(today, m('dateNotBefore'))(proto, dateKey);
      if (field.notAfter) MaxDate(today, m('dateNotAfter'))(proto, dateKey);
    }
  }
}

/** An answer a cross-field rule can compare: a number, or a date as `YYYY-MM-DD` (they sort as dates). */
function comparable(value: AnswerValue | undefined): number | string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : undefined;
}

/** Whether `value` is `must` `other`: for numbers and money, after is greater. */
export function holds(must: Comparison, value: number | string, other: number | string): boolean {
  switch (must) {
    case 'after':
      return value > other;
    case 'onOrAfter':
      return value >= other;
    case 'before':
      return value < other;
    case 'onOrBefore':
      return value <= other;
  }
}

/** The most characters a text or long text answer may have. */
export function textMaxLength(field: { type: 'text' | 'longText'; maxLength?: number }): number {
  return field.maxLength ?? (field.type === 'text' ? TEXT_MAX_LENGTH : LONG_TEXT_MAX_LENGTH);
}

function fieldParams(field: GroupItemField): Record<string, string | number> {
  switch (field.type) {
    case 'text':
    case 'longText':
      return { max: textMaxLength(field) };
    case 'number':
    case 'money':
      return {
        ...(field.min !== undefined ? { min: field.min } : {}),
        ...(field.max !== undefined ? { max: field.max } : {}),
      };
    default:
      return {};
  }
}

/** Sorts problems in the order the inputs appear on the page. */
function inputOrder(fields: FieldDefinition[]): (inputId: string) => number {
  const names = fields.flatMap((f) => (f.type === 'file' ? [f.name] : inputNames(f)));
  return (inputId) => {
    const i = names.indexOf(inputId);
    return i === -1 ? names.length : i;
  };
}

// ---------------------------------------------------------------------------
// From saved answers back to inputs

/** The raw input that shows a field's saved answer. */
export function rawFromAnswer(
  field: GroupItemField | GroupField | FieldDefinition,
  value: AnswerValue | undefined,
  prefix = '',
): RawValues {
  const id = `${prefix}${field.name}`;
  if (value === undefined) return {};
  switch (field.type) {
    case 'date': {
      const [y, m, d] = typeof value === 'string' ? value.split('-') : [];
      return y && m && d
        ? {
            [`${id}-day`]: String(Number(d)),
            [`${id}-month`]: String(Number(m)),
            [`${id}-year`]: y,
          }
        : {};
    }
    case 'address': {
      const address = value as AddressAnswer;
      return Object.fromEntries(ADDRESS_PARTS.map((p) => [`${id}-${p}`, address[p] ?? '']));
    }
    case 'multiChoice':
      return { [id]: Array.isArray(value) ? (value as string[]) : [] };
    case 'money':
      return { [id]: typeof value === 'number' ? value.toFixed(2) : String(value) };
    case 'number':
      // Without exponent, as a person types it: String(1e-7) is "1e-7", which parseNumber refuses.
      return {
        [id]:
          typeof value === 'number'
            ? value.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 })
            : String(value),
      };
    case 'group':
      return Object.assign(
        {},
        ...(value as Record<string, AnswerValue>[]).flatMap((item, i) =>
          field.fields.map((sub) => rawFromAnswer(sub, item[sub.name], `${id}-${i}-`)),
        ),
      ) as RawValues;
    case 'file':
      return {};
    default:
      return { [id]: String(value) };
  }
}

/** Raw input for a whole step from saved answers. */
export function rawFromAnswers(
  step: StepDefinition,
  audience: Audience,
  answers: Answers,
): RawValues {
  return Object.assign(
    {},
    ...fieldsFor(step.fields, audience).map((f) => rawFromAnswer(f, answers[f.name])),
  ) as RawValues;
}

/** The file answers of a step, from saved answers. */
export function filesOf(step: StepDefinition, answers: Answers): Record<string, FileAnswer[]> {
  return Object.fromEntries(
    step.fields
      .filter((f) => f.type === 'file')
      .map((f) => [f.name, (answers[f.name] as FileAnswer[] | undefined) ?? []]),
  );
}

/** Every field of a form by name (top level), for lookups. */
export function fieldIndex(form: FormDefinition): Map<string, FieldDefinition> {
  return new Map(form.steps.flatMap((s) => s.fields.map((f) => [f.name, f] as const)));
}
