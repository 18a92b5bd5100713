import type { FieldProblem } from '../../platform/forms/form.js';
import { LONG_TEXT_MAX_LENGTH, TEXT_MAX_LENGTH } from '../catalogue/field-rules.js';
import { referenceProblems } from '../catalogue/form-problems.js';
import { repeatsRepetition } from '../catalogue/pattern-safety.js';
import {
  COMPARABLE_TYPES,
  COMPARISONS,
  MAX_ITEMS_LIMIT,
  type ChoiceOption,
  type Comparison,
  type CrossFieldRule,
  type FieldDefinition,
  type FieldType,
  type FormDefinition,
  type GroupField,
  type GroupItemField,
  type PrefillSource,
  type StepDefinition,
  type TextField,
} from '../catalogue/form-schema.js';
import type { Localized } from '../catalogue/service-definition.js';

/**
 * The field (question) editor's pure operations (issue 14): a field's
 * settings as the editor's flat form values and back, new answer keys, the
 * problems that send the form back with 422, and the form's cross-field
 * rules. No I/O: ServiceRevisionsService.changeDraft applies them to a draft.
 */

/** Every type the form engine has, in the order the type chooser offers them. */
export const FIELD_TYPES = [
  'text',
  'longText',
  'number',
  'money',
  'date',
  'yesNo',
  'choice',
  'multiChoice',
  'address',
  'email',
  'phone',
  'file',
  'group',
] as const satisfies readonly FieldType[];

/** What a repeatable group may hold: no files and no groups inside a group. */
export const GROUP_ITEM_TYPES = FIELD_TYPES.filter(
  (t): t is GroupItemField['type'] => t !== 'file' && t !== 'group',
);

export const TEXT_WIDTHS = ['2', '3', '4', '5', '10', '20', '30'] as const;

/** Where a question of each type may take its first answer from (none for the others). */
export const PREFILL_BY_TYPE: Partial<Record<FieldType, readonly PrefillSource[]>> = {
  text: ['account.name', 'organization.legalName', 'organization.neq', 'organization.contactName'],
  email: ['account.email', 'organization.contactEmail'],
  phone: ['organization.contactPhone'],
  address: ['organization.address'],
};

/** The types a condition ("show only when…") may look at. */
const CONDITION_TYPES: readonly FieldType[] = ['yesNo', 'choice', 'multiChoice'];

export const FIELD_NAME = /^[a-z][a-zA-Z0-9]*$/;
export const OPTION_VALUE = /^[a-zA-Z][a-zA-Z0-9]*$/;
export const MAX_NAME_LENGTH = 50;
export const MAX_LABEL_LENGTH = 300;
export const MAX_HINT_LENGTH = 1000;
export const MAX_OPTIONS = 40;
export const MAX_FILES_LIMIT = 20;
export const MAX_SUB_FIELDS = 20;
export const MAX_RULES = 30;

/** The editor's form: every input as text (what was typed, shown again after a refusal). */
export type FieldForm = Record<string, string>;

/** The button that sent the editor's form: save, move an option or a group's question, or add one to the group. */
export type EditorAction =
  | { kind: 'save' }
  /** Save, then choose the type of a new question of the group. */
  | { kind: 'addSub' }
  | { kind: 'move'; list: 'option' | 'sub'; index: number; direction: 'up' | 'down' };

const SIMPLE_KEYS = [
  'version',
  'action',
  'type',
  'name',
  'labelFr',
  'labelEn',
  'hintFr',
  'hintEn',
  'required',
  'only',
  'prefill',
  'maxLength',
  'patternRegex',
  'patternMessageFr',
  'patternMessageEn',
  'width',
  'min',
  'max',
  'integer',
  'suffixFr',
  'suffixEn',
  'dateLimit',
  'maxFiles',
  'itemLabelFr',
  'itemLabelEn',
  'minItems',
  'maxItems',
] as const;
const ROW_KEY = /^(option|sub)-(\d{1,2})-(value|labelFr|labelEn|hintFr|hintEn|remove|name)$/;

/**
 * The editor's values from a posted body: only its own inputs, as trimmed
 * text (anything else counts as empty); the condition's checkboxes joined by
 * line breaks.
 */
export function readFieldForm(body: unknown): FieldForm {
  const source = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const values: FieldForm = {};
  for (const key of SIMPLE_KEYS)
    if (typeof source[key] === 'string') values[key] = (source[key] as string).trim();
  for (const [key, value] of Object.entries(source)) {
    const row = ROW_KEY.exec(key);
    if (row && Number(row[2]) <= MAX_OPTIONS && typeof value === 'string')
      values[key] = value.trim();
  }
  const showIf = source.showIf;
  const tokens = (Array.isArray(showIf) ? showIf : [showIf]).filter(
    (t): t is string => typeof t === 'string' && t !== '',
  );
  if (tokens.length > 0) values.showIf = tokens.slice(0, 100).join('\n');
  return values;
}

/** The button a form was sent with (`save` for Enter or an unknown value). */
export function editorAction(values: FieldForm): EditorAction {
  if (values.action === 'add-sub') return { kind: 'addSub' };
  const move = /^(option|sub)-(up|down)-(\d{1,2})$/.exec(values.action ?? '');
  if (!move) return { kind: 'save' };
  return {
    kind: 'move',
    list: move[1] as 'option' | 'sub',
    direction: move[2] as 'up' | 'down',
    index: Number(move[3]),
  };
}

// ---------------------------------------------------------------------------
// Names

/** Every answer key of the form, the questions inside groups included. */
export function namesIn(form: FormDefinition | undefined): Set<string> {
  const names = new Set<string>();
  for (const step of form?.steps ?? [])
    for (const field of step.fields) {
      names.add(field.name);
      if (field.type === 'group') for (const sub of field.fields) names.add(sub.name);
    }
  return names;
}

/** A fresh answer key for a new question of `type`: `date1`, `date2`… unique in the form. */
export function newFieldName(form: FormDefinition, type: FieldType): string {
  const taken = namesIn(form);
  for (let n = 1; n <= 10_000; n++) if (!taken.has(`${type}${n}`)) return `${type}${n}`;
  return `${type}${Date.now()}`;
}

const PLACEHOLDER: Localized = { fr: 'Nouvelle question', en: 'New question' };

/**
 * A new question of `type`, with a placeholder label: a group starts with one
 * question of its own (a group holds at least one).
 */
export function newField(form: FormDefinition, type: FieldType): FieldDefinition {
  const name = newFieldName(form, type);
  const base = { name, label: { ...PLACEHOLDER } };
  switch (type) {
    case 'choice':
    case 'multiChoice':
      return { ...base, type, options: [] };
    case 'group': {
      const group: GroupField = {
        ...base,
        type,
        itemLabel: { fr: 'élément', en: 'item' },
        fields: [],
      };
      const withGroup = {
        steps: [...form.steps, { slug: '', title: PLACEHOLDER, fields: [group] }],
      };
      group.fields.push(newField(withGroup, 'text') as GroupItemField);
      return group;
    }
    default:
      return { ...base, type } as FieldDefinition;
  }
}

// ---------------------------------------------------------------------------
// Where a question is

/** A question of a draft, found by its step and name (and its group's, for a group's question). */
export interface FieldPath {
  step: string;
  field: string;
  sub?: string;
}

export interface Located {
  step: StepDefinition;
  stepIndex: number;
  field: FieldDefinition;
  /** The group holding it, for a group's question. */
  group?: GroupField;
}

export function locate(form: FormDefinition, path: FieldPath): Located | undefined {
  const stepIndex = form.steps.findIndex((s) => s.slug === path.step);
  const step = form.steps[stepIndex];
  const top = step?.fields.find((f) => f.name === path.field);
  if (!top) return undefined;
  if (path.sub === undefined) return { step, stepIndex, field: top };
  if (top.type !== 'group') return undefined;
  const sub = top.fields.find((f) => f.name === path.sub);
  return sub && { step, stepIndex, field: sub, group: top };
}

/** Replaces the question at `path` (renamed, maybe) in `form`. */
export function replaceField(
  form: FormDefinition,
  path: FieldPath,
  field: FieldDefinition,
): FormDefinition {
  const steps = form.steps.map((step) => {
    if (step.slug !== path.step) return step;
    const fields = step.fields.map((f) => {
      if (f.name !== path.field) return f;
      if (path.sub === undefined) return field;
      if (f.type !== 'group') return f;
      return {
        ...f,
        fields: f.fields.map((s) => (s.name === path.sub ? (field as GroupItemField) : s)),
      };
    });
    return { ...step, fields };
  });
  const renamed = { ...form, steps };
  const old = path.sub ?? path.field;
  return old === field.name ? renamed : renameReferences(renamed, old, field.name);
}

/** Conditions and rules that named a question by its old key name it by its new one. */
function renameReferences(form: FormDefinition, from: string, to: string): FormDefinition {
  const steps = form.steps.map((step) => ({
    ...step,
    fields: step.fields.map((f) =>
      f.showIf?.field === from ? { ...f, showIf: { ...f.showIf, field: to } } : f,
    ),
  }));
  const rules = rulesOf(form).map((r) => ({
    ...r,
    field: r.field === from ? to : r.field,
    other: r.other === from ? to : r.other,
  }));
  return form.rules ? { ...form, steps, rules } : { ...form, steps };
}

/** Adds a new question of `type` at the end of a step, or of a group (`group`). */
export function addField(
  form: FormDefinition,
  stepSlug: string,
  type: FieldType,
  group?: string,
): { form: FormDefinition; name: string } | undefined {
  const step = form.steps.find((s) => s.slug === stepSlug);
  if (!step) return undefined;
  if (group === undefined) {
    const field = newField(form, type);
    return {
      name: field.name,
      form: {
        ...form,
        steps: form.steps.map((s) => (s === step ? { ...s, fields: [...s.fields, field] } : s)),
      },
    };
  }
  const holder = step.fields.find((f) => f.name === group);
  if (holder?.type !== 'group' || !(GROUP_ITEM_TYPES as readonly string[]).includes(type))
    return undefined;
  const sub = newField(form, type) as GroupItemField;
  const fields = step.fields.map((f) =>
    f === holder ? { ...holder, fields: [...holder.fields, sub] } : f,
  );
  return {
    name: sub.name,
    form: { ...form, steps: form.steps.map((s) => (s === step ? { ...s, fields } : s)) },
  };
}

// ---------------------------------------------------------------------------
// Conditions

/** A question a condition may look at, and the answers it may look for. */
export interface ConditionCandidate {
  field: FieldDefinition;
  answers: { value: string; label: Localized }[];
}

const YES_NO: { value: string; label: Localized }[] = [
  { value: 'yes', label: { fr: 'Oui', en: 'Yes' } },
  { value: 'no', label: { fr: 'Non', en: 'No' } },
];

/**
 * The yes/no and choice questions a question of `stepSlug` may be shown
 * after: those of earlier steps, and the others of its own step.
 */
export function conditionCandidates(
  form: FormDefinition,
  stepSlug: string,
  self: string,
): ConditionCandidate[] {
  const at = form.steps.findIndex((s) => s.slug === stepSlug);
  return form.steps
    .slice(0, at + 1)
    .flatMap((s) => s.fields)
    .filter((f) => f.name !== self && CONDITION_TYPES.includes(f.type))
    .map((field) => ({
      field,
      answers:
        field.type === 'choice' || field.type === 'multiChoice'
          ? field.options.map((o) => ({ value: o.value, label: o.label }))
          : YES_NO,
    }));
}

// ---------------------------------------------------------------------------
// A question as the editor's form

/** A question's settings as the editor's values. */
export function fieldValues(field: FieldDefinition): FieldForm {
  const values: FieldForm = {
    type: field.type,
    name: field.name,
    labelFr: field.label.fr,
    labelEn: field.label.en,
    hintFr: field.hint?.fr ?? '',
    hintEn: field.hint?.en ?? '',
    required: field.optional ? 'no' : 'yes',
    only: field.only ?? '',
    prefill: field.prefill ?? '',
  };
  if (field.showIf) {
    const equals = [field.showIf.equals].flat();
    values.showIf = equals.map((v) => `${field.showIf!.field}:${v}`).join('\n');
  }
  const number = (n: number | undefined) => (n === undefined ? '' : String(n));
  switch (field.type) {
    case 'text':
      values.maxLength = number(field.maxLength);
      values.patternRegex = field.pattern?.regex ?? '';
      values.patternMessageFr = field.pattern?.message.fr ?? '';
      values.patternMessageEn = field.pattern?.message.en ?? '';
      values.width = field.width ?? '';
      break;
    case 'longText':
      values.maxLength = number(field.maxLength);
      break;
    case 'number':
      values.min = number(field.min);
      values.max = number(field.max);
      values.integer = field.integer ? 'yes' : '';
      values.suffixFr = field.suffix?.fr ?? '';
      values.suffixEn = field.suffix?.en ?? '';
      break;
    case 'money':
      values.min = number(field.min);
      values.max = number(field.max);
      break;
    case 'date':
      values.dateLimit = field.notBefore ? 'notBefore' : field.notAfter ? 'notAfter' : '';
      break;
    case 'choice':
    case 'multiChoice':
      field.options.forEach((o, i) => {
        values[`option-${i}-value`] = o.value;
        values[`option-${i}-labelFr`] = o.label.fr;
        values[`option-${i}-labelEn`] = o.label.en;
        values[`option-${i}-hintFr`] = o.hint?.fr ?? '';
        values[`option-${i}-hintEn`] = o.hint?.en ?? '';
      });
      break;
    case 'file':
      values.maxFiles = number(field.maxFiles);
      break;
    case 'group':
      values.itemLabelFr = field.itemLabel.fr;
      values.itemLabelEn = field.itemLabel.en;
      values.minItems = number(field.minItems);
      values.maxItems = number(field.maxItems);
      field.fields.forEach((f, i) => (values[`sub-${i}-name`] = f.name));
      break;
  }
  return values;
}

/** The option rows of the editor's values, in order (the blank row left out). */
export function optionRows(values: FieldForm): { index: number; remove: boolean }[] {
  const rows: { index: number; remove: boolean }[] = [];
  for (let i = 0; i <= MAX_OPTIONS; i++) {
    const parts = ['value', 'labelFr', 'labelEn', 'hintFr', 'hintEn'].map(
      (p) => values[`option-${i}-${p}`] ?? '',
    );
    if (parts.some((p) => p !== ''))
      rows.push({ index: i, remove: !!values[`option-${i}-remove`] });
  }
  return rows;
}

/** What the editor needs to know besides the values: the draft around the question. */
export interface EditContext {
  form: FormDefinition;
  /** The question as saved. */
  located: Located;
  /** Absent from the revision the draft is based on: its key and type may still change. */
  isNew: boolean;
}

export type ParsedField =
  { ok: true; field: FieldDefinition } | { ok: false; problems: FieldProblem[] };

const E = 'studioFields.errors';

/**
 * The question the editor's values describe, or every problem with them (in
 * the order the form shows them). A question's key and type change only while
 * it is new in the draft; a condition names an earlier yes/no or choice
 * question and answers it has; moves of options and of a group's questions
 * are applied (`action`).
 */
export function parseField(values: FieldForm, context: EditContext): ParsedField {
  const { form, located, isNew } = context;
  const current = located.field;
  const inGroup = located.group !== undefined;
  const problems: FieldProblem[] = [];
  const problem = (field: string, message: string, params?: Record<string, string | number>) =>
    problems.push({ field, message: `${E}.${message}`, ...(params ? { params } : {}) });
  const allowed: readonly string[] = inGroup ? GROUP_ITEM_TYPES : FIELD_TYPES;
  const type = (
    isNew && allowed.includes(values.type ?? '') ? values.type : current.type
  ) as FieldType;

  if (type !== current.type) {
    // A question others depend on keeps a kind they can use.
    const dependent = dependentsOf(form, current.name)[0];
    if (dependent && !CONDITION_TYPES.includes(type))
      problem('type', 'typeInCondition', { question: dependent.name });
    const rule = rulesOf(form).find((r) => r.field === current.name || r.other === current.name);
    if (
      rule &&
      !(type === 'date'
        ? current.type === 'date'
        : ['number', 'money'].includes(type) && current.type !== 'date')
    )
      problem('type', 'typeInRule');
  }

  let name = current.name;
  if (isNew && values.name !== undefined && values.name !== current.name) {
    const taken = namesIn(form);
    if (values.name === '') problem('name', 'nameMissing');
    else if (values.name.length > MAX_NAME_LENGTH || !FIELD_NAME.test(values.name))
      problem('name', 'nameFormat', { max: MAX_NAME_LENGTH });
    // `new` is the address of the type chooser, not of a question.
    else if (taken.has(values.name) || values.name === 'new') problem('name', 'nameTaken');
    else name = values.name;
  }

  const label = localized(values, 'label', MAX_LABEL_LENGTH, problem, { required: 'fr' });
  const hint = localized(values, 'hint', MAX_HINT_LENGTH, problem);
  const field: Record<string, unknown> = { name, type, label: label ?? current.label };
  if (hint) field.hint = hint;
  if (values.required === 'no') field.optional = true;
  const stepOnly = located.step.only;
  if (!inGroup && values.only === 'business' && stepOnly !== 'business') field.only = 'business';

  if (!inGroup && values.prefill) {
    if ((PREFILL_BY_TYPE[type] ?? []).includes(values.prefill as PrefillSource))
      field.prefill = values.prefill;
    else problem('prefill', 'prefillType');
  }

  switch (type) {
    case 'text': {
      const maxLength = whole(values.maxLength, 'maxLength', 1, TEXT_MAX_LENGTH, problem);
      if (maxLength !== undefined) field.maxLength = maxLength;
      const regex = values.patternRegex ?? '';
      const message = localized(values, 'patternMessage', MAX_LABEL_LENGTH, problem);
      if (regex !== '') {
        if (!compiles(regex)) problem('patternRegex', 'patternInvalid');
        else if (repeatsRepetition(regex)) problem('patternRegex', 'patternSlow');
        if (!message?.fr) problem('patternMessageFr', 'patternMessageMissing');
        field.pattern = { regex, message: message ?? { fr: '', en: '' } };
      } else if (message) problem('patternRegex', 'patternMissing');
      if (values.width) {
        if ((TEXT_WIDTHS as readonly string[]).includes(values.width))
          field.width = values.width as TextField['width'];
        else problem('width', 'widthUnknown');
      }
      break;
    }
    case 'longText': {
      const maxLength = whole(values.maxLength, 'maxLength', 1, LONG_TEXT_MAX_LENGTH, problem);
      if (maxLength !== undefined) field.maxLength = maxLength;
      break;
    }
    case 'number':
    case 'money': {
      const lowest = type === 'money' ? 0 : -1e12;
      const min = decimal(values.min, 'min', lowest, problem);
      const max = decimal(values.max, 'max', lowest, problem);
      if (min !== undefined) field.min = min;
      if (max !== undefined) field.max = max;
      if (min !== undefined && max !== undefined && min > max) problem('min', 'minAboveMax');
      if (type === 'number') {
        if (values.integer === 'yes') field.integer = true;
        const suffix = localized(values, 'suffix', 20, problem);
        if (suffix) field.suffix = suffix;
      }
      break;
    }
    case 'date':
      if (values.dateLimit === 'notBefore') field.notBefore = 'today';
      else if (values.dateLimit === 'notAfter') field.notAfter = 'today';
      break;
    case 'choice':
    case 'multiChoice':
      field.options = options(values, context, problem);
      break;
    case 'file': {
      const maxFiles = whole(values.maxFiles, 'maxFiles', 1, MAX_FILES_LIMIT, problem);
      if (maxFiles !== undefined) field.maxFiles = maxFiles;
      break;
    }
    case 'group': {
      if (current.type !== 'group') {
        // Just made a group: it starts as a new one does.
        const fresh = newField(form, 'group') as GroupField;
        field.itemLabel = fresh.itemLabel;
        field.fields = fresh.fields;
        break;
      }
      const itemLabel = localized(values, 'itemLabel', 60, problem, { required: 'fr' });
      field.itemLabel = itemLabel ?? current.itemLabel;
      const minItems = whole(values.minItems, 'minItems', 0, MAX_ITEMS_LIMIT, problem);
      const maxItems = whole(values.maxItems, 'maxItems', 1, MAX_ITEMS_LIMIT, problem);
      if (minItems !== undefined) field.minItems = minItems;
      if (maxItems !== undefined) field.maxItems = maxItems;
      if (minItems !== undefined && maxItems !== undefined && minItems > maxItems)
        problem('minItems', 'minItemsAboveMax');
      field.fields = subFields(values, context, problem);
      break;
    }
  }

  if (!inGroup && values.showIf) {
    const showIf = condition(values.showIf, form, located, name, problem);
    if (showIf) {
      const target = conditionCandidates(form, located.step.slug, current.name).find(
        (c) => c.field.name === showIf.field,
      )!.field;
      const only = (field.only as string | undefined) ?? stepOnly;
      if (target.only === 'business' && only !== 'business')
        problem('showIf', 'conditionBusinessOnly');
      field.showIf = showIf;
    }
  }
  if (problems.length > 0) return { ok: false, problems: ordered(problems) };
  return { ok: true, field: field as unknown as FieldDefinition };
}

/** The problems in the order the editor shows its inputs. */
function ordered(problems: FieldProblem[]): FieldProblem[] {
  const order = [
    'type',
    'name',
    'labelFr',
    'labelEn',
    'hintFr',
    'hintEn',
    'maxLength',
    'patternRegex',
    'patternMessageFr',
    'patternMessageEn',
    'width',
    'min',
    'max',
    'suffixFr',
    'suffixEn',
    'maxFiles',
    'itemLabelFr',
    'itemLabelEn',
    'minItems',
    'maxItems',
  ];
  const rank = (f: string) => {
    const at = order.indexOf(f);
    if (at >= 0) return at;
    if (f.startsWith('option-')) return 100 + Number(f.split('-')[1]);
    if (f.startsWith('sub-')) return 200 + Number(f.split('-')[1]);
    return f === 'showIf' ? 300 : 400;
  };
  return [...problems].sort((a, b) => rank(a.field) - rank(b.field));
}

type Problem = (field: string, message: string, params?: Record<string, string | number>) => void;

/** `<prefix>Fr` and `<prefix>En`: undefined when both are blank. */
function localized(
  values: FieldForm,
  prefix: string,
  max: number,
  problem: Problem,
  options: { required?: 'fr' } = {},
): Localized | undefined {
  const fr = values[`${prefix}Fr`] ?? '';
  const en = values[`${prefix}En`] ?? '';
  if (fr.length > max) problem(`${prefix}Fr`, 'tooLong', { max });
  if (en.length > max) problem(`${prefix}En`, 'tooLong', { max });
  if (options.required === 'fr' && fr === '') problem(`${prefix}Fr`, `${prefix}Missing`);
  if (fr === '' && en === '') return undefined;
  return { fr, en };
}

/** A whole number from `low` to `high`, or undefined when blank. */
function whole(
  value: string | undefined,
  field: string,
  low: number,
  high: number,
  problem: Problem,
): number | undefined {
  if (!value) return undefined;
  const n = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < low || n > high) {
    problem(field, 'wholeNumber', { min: low, max: high });
    return undefined;
  }
  return n;
}

/** A number (a comma or a point for decimals, spaces between thousands), or undefined when blank. */
function decimal(
  value: string | undefined,
  field: string,
  low: number,
  problem: Problem,
): number | undefined {
  if (!value) return undefined;
  const cleaned = value.replace(/[\s\u00a0\u202f]/g, '').replace(',', '.');
  const n = /^-?\d{1,13}(\.\d{1,2})?$/.test(cleaned) ? Number(cleaned) : NaN;
  if (!Number.isFinite(n) || n < low) {
    problem(field, low === 0 ? 'amount' : 'number');
    return undefined;
  }
  return n;
}

function compiles(regex: string): boolean {
  if (regex.length > 500) return false;
  try {
    new RegExp(regex);
    return true;
  } catch {
    return false;
  }
}

/** The options typed, in order, the ones marked to remove left out, a move applied. */
function options(values: FieldForm, context: EditContext, problem: Problem): ChoiceOption[] {
  const rows = optionRows(values);
  const action = editorAction(values);
  if (action.kind === 'move' && action.list === 'option') move(rows, action);
  const kept = rows.filter((r) => !r.remove);
  if (kept.length > MAX_OPTIONS) problem('option-0-value', 'tooManyOptions', { max: MAX_OPTIONS });
  const seen = new Set<string>();
  const typed = new Set(kept.map(({ index }) => values[`option-${index}-value`] ?? ''));
  const result = kept.map(({ index: i }) => {
    const at = (part: string) => `option-${i}-${part}`;
    let value = values[at('value')] ?? '';
    // A new option without a value gets one made from its French label.
    if (value === '' && values[at('labelFr')]) {
      value = valueFrom(values[at('labelFr')], new Set([...typed, ...seen]));
      typed.add(value);
    }
    if (value === '') problem(at('value'), 'optionValueMissing');
    else if (!OPTION_VALUE.test(value) || value.length > MAX_NAME_LENGTH)
      problem(at('value'), 'optionValueFormat', { max: MAX_NAME_LENGTH });
    else if (seen.has(value)) problem(at('value'), 'optionValueTwice');
    seen.add(value);
    const label = localized(values, at('label'), MAX_LABEL_LENGTH, problem);
    if (!label?.fr) problem(at('labelFr'), 'optionLabelMissing');
    const hint = localized(values, at('hint'), MAX_HINT_LENGTH, problem);
    const option: ChoiceOption = { value, label: label ?? { fr: '', en: '' } };
    if (hint) option.hint = hint;
    return option;
  });
  // An answer another question's condition looks for stays an option.
  const values2 = new Set(result.map((o) => o.value));
  for (const dependent of dependentsOf(context.form, context.located.field.name)) {
    const lost = [dependent.showIf!.equals].flat().find((v) => !values2.has(v));
    if (lost !== undefined) {
      const row = rows.find((r) => values[`option-${r.index}-value`] === lost);
      problem(row ? `option-${row.index}-remove` : 'option-0-value', 'optionInUse', {
        value: lost,
        question: dependent.name,
      });
    }
  }
  return result;
}

/** The questions shown only after an answer to `name`. */
function dependentsOf(form: FormDefinition, name: string): FieldDefinition[] {
  return form.steps.flatMap((s) => s.fields).filter((f) => f.showIf?.field === name);
}

/** A stored value made from a label: « Hors terre » → horsTerre (unique among `taken`). */
export function valueFrom(label: string, taken: ReadonlySet<string>): string {
  const words = label
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  let value = words
    .map((w, i) => (i === 0 ? w.toLowerCase() : w[0].toUpperCase() + w.slice(1).toLowerCase()))
    .join('')
    .slice(0, 40);
  if (!/^[a-zA-Z]/.test(value)) value = `option${value}`;
  if (!taken.has(value)) return value;
  for (let n = 2; n < 1000; n++) if (!taken.has(`${value}${n}`)) return `${value}${n}`;
  return `${value}${Date.now()}`;
}

/** A group's questions as saved, in the order typed, those marked to remove left out. */
function subFields(values: FieldForm, context: EditContext, problem: Problem): GroupItemField[] {
  const current = context.located.field;
  const saved = current.type === 'group' ? current.fields : [];
  const rows: { index: number; remove: boolean; field: GroupItemField }[] = [];
  for (let i = 0; i <= MAX_OPTIONS; i++) {
    const name = values[`sub-${i}-name`];
    const field = saved.find((f) => f.name === name);
    if (field && !rows.some((r) => r.field === field))
      rows.push({ index: i, remove: !!values[`sub-${i}-remove`], field });
  }
  // Questions saved since the form was shown (none typed about them) stay at the end.
  for (const field of saved)
    if (!rows.some((r) => r.field === field)) rows.push({ index: -1, remove: false, field });
  const action = editorAction(values);
  if (action.kind === 'move' && action.list === 'sub') move(rows, action);
  const kept = rows.filter((r) => !r.remove).map((r) => r.field);
  if (kept.length === 0) problem('sub-0-remove', 'groupEmpty');
  return kept.length > 0 ? kept : saved;
}

/** Moves the row whose index is `action.index` one place up or down. */
function move<T extends { index: number }>(
  rows: T[],
  action: { index: number; direction: 'up' | 'down' },
): void {
  const at = rows.findIndex((r) => r.index === action.index);
  const to = action.direction === 'up' ? at - 1 : at + 1;
  if (at < 0 || to < 0 || to >= rows.length) return;
  [rows[at], rows[to]] = [rows[to], rows[at]];
}

/** The condition the ticked answers describe (`field:value` each), checked against the form. */
function condition(
  tokens: string,
  form: FormDefinition,
  located: Located,
  self: string,
  problem: Problem,
): FieldDefinition['showIf'] | undefined {
  const pairs = tokens.split('\n').map((t) => {
    const at = t.indexOf(':');
    return at < 0 ? { field: t, value: '' } : { field: t.slice(0, at), value: t.slice(at + 1) };
  });
  const fields = new Set(pairs.map((p) => p.field));
  if (fields.size > 1) {
    problem('showIf', 'conditionOneQuestion');
    return undefined;
  }
  const [{ field }] = pairs;
  const candidate = conditionCandidates(form, located.step.slug, located.field.name).find(
    (c) => c.field.name === field,
  );
  if (!candidate || field === self) {
    problem('showIf', 'conditionUnknown', { field: field.slice(0, MAX_NAME_LENGTH) });
    return undefined;
  }
  const known = new Set(candidate.answers.map((a) => a.value));
  const equals = [...new Set(pairs.map((p) => p.value))];
  if (equals.some((v) => !known.has(v))) {
    problem('showIf', 'conditionAnswerUnknown', { field: field.slice(0, MAX_NAME_LENGTH) });
    return undefined;
  }
  return { field, equals: equals.length === 1 ? equals[0] : equals };
}

// ---------------------------------------------------------------------------
// Cross-field rules

/** The form's cross-field rules (none when it has none). */
export function rulesOf(form: FormDefinition): CrossFieldRule[] {
  return form.rules ?? [];
}

/** The questions a rule may compare: dates, numbers and amounts (two of one type). */
export function ruleCandidates(form: FormDefinition): FieldDefinition[] {
  return form.steps
    .flatMap((s) => s.fields)
    .filter((f) => (COMPARABLE_TYPES as readonly string[]).includes(f.type));
}

export type ParsedRule =
  { ok: true; rule: CrossFieldRule } | { ok: false; problems: FieldProblem[] };

/** Where the form engine's check of a rule puts its problem, and the message the page shows. */
const RULE_PROBLEMS: Partial<Record<string, { field: string; message: string }>> = {
  ruleUnknownField: { field: 'field', message: 'ruleFieldUnknown' },
  ruleNotComparable: { field: 'field', message: 'ruleFieldUnknown' },
  ruleSelf: { field: 'other', message: 'ruleSameField' },
  ruleUnknownOther: { field: 'other', message: 'ruleFieldUnknown' },
  ruleTypesDiffer: { field: 'other', message: 'ruleKinds' },
  ruleOtherLater: { field: 'other', message: 'ruleOtherLater' },
  ruleOtherVariant: { field: 'other', message: 'ruleOtherVariant' },
  ruleCycle: { field: 'field', message: 'ruleCycle' },
};

/**
 * A rule from the rules page's form: two questions of one comparable type,
 * the other on the same page or an earlier one (the rule is checked on the
 * first's page), no cycle; a comparison; its message in both languages. The
 * questions are checked as the form engine checks a definition.
 */
export function parseRule(values: FieldForm, form: FormDefinition): ParsedRule {
  const problems: FieldProblem[] = [];
  const problem: Problem = (field, message, params) =>
    problems.push({ field, message: `${E}.${message}`, ...(params ? { params } : {}) });
  const names = new Set(ruleCandidates(form).map((f) => f.name));
  const field = values.field ?? '';
  const other = values.other ?? '';
  if (!names.has(field)) problem('field', 'ruleFieldUnknown');
  if (!(COMPARISONS as readonly string[]).includes(values.must ?? ''))
    problem('must', 'ruleComparison');
  if (!names.has(other)) problem('other', 'ruleFieldUnknown');
  const rule: CrossFieldRule = {
    field,
    must: values.must as Comparison,
    other,
    message: localized(values, 'message', MAX_LABEL_LENGTH, problem) ?? { fr: '', en: '' },
  };
  if (names.has(field) && names.has(other)) {
    const index = rulesOf(form).length;
    const found = referenceProblems({ ...form, rules: [...rulesOf(form), rule] }).filter((p) =>
      p.pointer.startsWith(`/rules/${index}`),
    );
    for (const { code } of found.slice(0, 1)) {
      const known = RULE_PROBLEMS[code];
      if (known) problem(known.field, known.message);
    }
  }
  if (!rule.message.fr) problem('messageFr', 'ruleMessageMissing');
  if (!rule.message.en) problem('messageEn', 'ruleMessageMissing');
  if (rulesOf(form).length >= MAX_RULES) problem('field', 'tooManyRules', { max: MAX_RULES });
  if (rulesOf(form).some((r) => r.field === field && r.other === other && r.must === values.must))
    problem('field', 'ruleTwice');
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, rule };
}

/** The form with a rule added at the end. */
export function addRule(form: FormDefinition, rule: CrossFieldRule): FormDefinition {
  return { ...form, rules: [...rulesOf(form), rule] };
}

/** The form without its `index`th rule (undefined when there is none). */
export function removeRule(form: FormDefinition, index: number): FormDefinition | undefined {
  const rules = rulesOf(form);
  if (!Number.isInteger(index) || index < 0 || index >= rules.length) return undefined;
  return { ...form, rules: rules.filter((_, i) => i !== index) };
}

/** The rules page's values from a posted body. */
export function readRuleForm(body: unknown): FieldForm {
  const source = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const values: FieldForm = {};
  for (const key of ['version', 'field', 'must', 'other', 'messageFr', 'messageEn'])
    if (typeof source[key] === 'string') values[key] = (source[key] as string).trim();
  return values;
}
