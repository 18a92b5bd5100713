import type { Audience } from '../../platform/flags/flag-context.js';
import type {
  ChoiceOption,
  FieldDefinition,
  FormDefinition,
  GroupItemField,
  StepDefinition,
} from '../catalogue/form-schema.js';
import type { Localized, ServiceDefinition } from '../catalogue/service-definition.js';
import { canonicalJson } from '../catalogue/canonical-json.js';

/**
 * What changed between two revisions of a service (issue 14's "compare two
 * revisions"): the service's texts and settings, each variant's start page,
 * the steps, the fields and their options, the cross-field rules. Texts are
 * kept in both languages, whatever the page that shows them.
 *
 * Steps are matched by slug, fields by name (the answer's key; a group's
 * sub-field by `group.sub`), options by value, rules by equality: a step or a
 * field whose key changed is one removed and one added, as it is for the
 * applications filed through it.
 */
export interface RevisionComparison {
  /** The service's texts and settings (title, summary, department, processingTime, fees, referencePrefix, bulkFiling). */
  service: AttributeChange[];
  /** The variants whose start page changed. */
  variants: VariantComparison[];
  /** Steps added, removed, moved or changed: the newer revision's order, then the removed ones. */
  steps: StepComparison[];
  /** Fields (and groups' sub-fields) added, removed, moved or changed, in the same order. */
  fields: FieldComparison[];
  /** Cross-field rules (`form.rules`) added or removed. */
  rules: RuleComparison[];
}

export type Change = 'added' | 'removed' | 'changed';

/** A field's condition, as compared: the values always as a list. */
export interface ComparedCondition {
  field: string;
  equals: string[];
}

/**
 * A value before or after a change: a text in both languages, a setting, a
 * condition, or `undefined` when it is not set (or, for a whole step or field
 * added or removed, when there is nothing on that side).
 */
export type ComparedValue = Localized | string | number | boolean | ComparedCondition | undefined;

/** Every attribute a comparison may report. */
export type ComparedAttribute =
  // the service
  | 'title'
  | 'summary'
  | 'department'
  | 'processingTime'
  | 'fees'
  | 'referencePrefix'
  | 'bulkFiling'
  // steps (title too)
  | 'intro'
  | 'only'
  // fields (only too)
  | 'label'
  | 'hint'
  | 'type'
  | 'required'
  | 'pattern'
  | 'patternMessage'
  | 'maxLength'
  | 'width'
  | 'min'
  | 'max'
  | 'integer'
  | 'suffix'
  | 'notBefore'
  | 'notAfter'
  | 'showIf'
  | 'prefill'
  | 'maxFiles'
  | 'itemLabel'
  | 'minItems'
  | 'maxItems'
  /** A choice's option values in order, when the kept options were reordered. */
  | 'optionOrder';

export interface AttributeChange {
  attribute: ComparedAttribute;
  before: ComparedValue;
  after: ComparedValue;
  /** For a text changed on both sides: the languages whose text differs. */
  languages?: (keyof Localized)[];
}

/** An item of a start page's list (`useThisServiceTo`, `beforeYouStart`). */
export interface ListItemChange {
  list: 'useThisServiceTo' | 'beforeYouStart';
  change: Change;
  /** Undefined when added. */
  before?: Localized;
  /** Undefined when removed. */
  after?: Localized;
}

export interface VariantComparison {
  audience: Audience;
  /** The variant's summary, when it changed. */
  summary?: AttributeChange;
  items: ListItemChange[];
}

/** Where something stands in its revision: its step (for a field), and its position (1 is the first). */
export interface Place {
  step?: string;
  /** For a group's sub-field: the group's name. */
  group?: string;
  position: number;
}

export interface StepComparison {
  change: Change;
  slug: string;
  /** The newer revision's title (the older one's when the step was removed). */
  title: Localized;
  before?: Place;
  after?: Place;
  /** Kept, but no longer in the same order relative to the other kept steps. */
  moved: boolean;
  /** What differs (for a step added or removed: everything it has, against nothing). */
  changes: AttributeChange[];
}

export interface OptionComparison {
  change: Change;
  value: string;
  /** The newer label (the older one when the option was removed). */
  label: Localized;
  changes: AttributeChange[];
}

export interface FieldComparison {
  change: Change;
  /** The answer's key; a group's sub-field is `group.sub`. */
  name: string;
  /** The newer label (the older one when the field was removed). */
  label: Localized;
  before?: Place;
  after?: Place;
  /**
   * Kept, but in another step (or group), or no longer in the same order
   * relative to the other fields kept in its step (or group).
   */
  moved: boolean;
  /** What differs (for a field added or removed: everything it has, against nothing). */
  changes: AttributeChange[];
  /** A choice's options added, removed or relabelled. */
  options: OptionComparison[];
}

export interface RuleComparison {
  change: 'added' | 'removed';
  /** The rule as the revision has it (`{ field, must, other, message }`). */
  rule: unknown;
}

const SERVICE_TEXTS = ['title', 'summary', 'department', 'processingTime', 'fees'] as const;
const LISTS = ['useThisServiceTo', 'beforeYouStart'] as const;
const AUDIENCES: readonly Audience[] = ['citizen', 'business'];

/** What changed from `older` to `newer` (two revisions of one service). */
export function compareRevisions(
  older: ServiceDefinition,
  newer: ServiceDefinition,
): RevisionComparison {
  const service = diffAttributes(serviceAttributes(older), serviceAttributes(newer));
  const variants = AUDIENCES.map((audience) => compareVariant(audience, older, newer)).filter(
    (v): v is VariantComparison => v !== undefined,
  );
  return {
    service,
    variants,
    steps: compareSteps(older.form, newer.form),
    fields: compareFields(older.form, newer.form),
    rules: compareRules(older.form, newer.form),
  };
}

/** True when the two revisions are the same in everything a comparison reports. */
export function isEmpty(comparison: RevisionComparison): boolean {
  return (
    comparison.service.length === 0 &&
    comparison.variants.length === 0 &&
    comparison.steps.length === 0 &&
    comparison.fields.length === 0 &&
    comparison.rules.length === 0
  );
}

type Attributes = Partial<Record<ComparedAttribute, ComparedValue>>;

function serviceAttributes(definition: ServiceDefinition): Attributes {
  const attributes: Attributes = {};
  for (const text of SERVICE_TEXTS) attributes[text] = definition[text];
  attributes.referencePrefix = definition.referencePrefix;
  attributes.bulkFiling = Boolean(definition.bulkFiling);
  return attributes;
}

function compareVariant(
  audience: Audience,
  older: ServiceDefinition,
  newer: ServiceDefinition,
): VariantComparison | undefined {
  const before = older.variants[audience];
  const after = newer.variants[audience];
  const [summary] = diffAttributes({ summary: before.summary }, { summary: after.summary });
  const items = LISTS.flatMap((list) => compareList(list, before[list], after[list]));
  if (!summary && items.length === 0) return undefined;
  return { audience, ...(summary ? { summary } : {}), items };
}

/**
 * A list's items, matched by their text: the same in both languages is kept;
 * the same in one language only is a change (a translation fixed, a phrasing
 * improved); the rest is added or removed.
 */
function compareList(
  list: ListItemChange['list'],
  before: Localized[],
  after: Localized[],
): ListItemChange[] {
  const removed = before.filter((b) => !after.some((a) => sameText(a, b)));
  const added = after.filter((a) => !before.some((b) => sameText(a, b)));
  const changes: ListItemChange[] = [];
  for (const item of added) {
    const index = removed.findIndex((r) => r.fr === item.fr || r.en === item.en);
    if (index >= 0) {
      const [was] = removed.splice(index, 1);
      changes.push({ list, change: 'changed', before: was, after: item });
    } else changes.push({ list, change: 'added', after: item });
  }
  for (const item of removed) changes.push({ list, change: 'removed', before: item });
  return changes;
}

function compareSteps(older: FormDefinition, newer: FormDefinition): StepComparison[] {
  const before = new Map(older.steps.map((s, i) => [s.slug, { step: s, position: i + 1 }]));
  const after = new Map(newer.steps.map((s, i) => [s.slug, { step: s, position: i + 1 }]));
  const kept = keptInOrder(
    older.steps.map((s) => s.slug),
    newer.steps.map((s) => s.slug),
  );
  const comparisons: StepComparison[] = [];
  for (const [slug, now] of after) {
    const was = before.get(slug);
    const changes = diffAttributes(was ? stepAttributes(was.step) : {}, stepAttributes(now.step));
    const moved = Boolean(was) && !kept.has(slug);
    if (was && !moved && changes.length === 0) continue;
    comparisons.push({
      change: was ? 'changed' : 'added',
      slug,
      title: now.step.title,
      ...(was ? { before: { position: was.position } } : {}),
      after: { position: now.position },
      moved,
      changes,
    });
  }
  for (const [slug, was] of before)
    if (!after.has(slug))
      comparisons.push({
        change: 'removed',
        slug,
        title: was.step.title,
        before: { position: was.position },
        moved: false,
        changes: diffAttributes(stepAttributes(was.step), {}),
      });
  return comparisons;
}

function stepAttributes(step: StepDefinition): Attributes {
  return { title: step.title, intro: step.intro, only: step.only ?? 'everyone' };
}

/** A field where it stands in its revision; a group's sub-fields follow their group. */
interface PlacedField {
  field: FieldDefinition | GroupItemField;
  place: Place;
  /** The name of the step, or group, whose order it is compared in. */
  container: string;
}

function placedFields(form: FormDefinition): Map<string, PlacedField> {
  const placed = new Map<string, PlacedField>();
  for (const step of form.steps)
    step.fields.forEach((field, i) => {
      placed.set(field.name, {
        field,
        place: { step: step.slug, position: i + 1 },
        container: `step:${step.slug}`,
      });
      if (field.type === 'group')
        field.fields.forEach((sub, j) =>
          placed.set(`${field.name}.${sub.name}`, {
            field: sub,
            place: { step: step.slug, group: field.name, position: j + 1 },
            container: `group:${field.name}`,
          }),
        );
    });
  return placed;
}

function compareFields(older: FormDefinition, newer: FormDefinition): FieldComparison[] {
  const before = placedFields(older);
  const after = placedFields(newer);
  // In each step (or group), the fields kept there that are still in the same order.
  const inOrder = new Set<string>();
  const containers = new Set([...after.values()].map((p) => p.container));
  for (const container of containers) {
    const names = (fields: Map<string, PlacedField>, other: Map<string, PlacedField>) =>
      [...fields]
        .filter(
          ([name, p]) => p.container === container && other.get(name)?.container === container,
        )
        .map(([name]) => name);
    for (const name of keptInOrder(names(before, after), names(after, before))) inOrder.add(name);
  }
  const comparisons: FieldComparison[] = [];
  for (const [name, now] of after) {
    const was = before.get(name);
    const changes = diffAttributes(
      was ? fieldAttributes(was.field) : {},
      fieldAttributes(now.field),
    );
    const options = compareOptions(was?.field, now.field);
    const moved = Boolean(was) && !inOrder.has(name);
    if (was && !moved && changes.length === 0 && options.length === 0) continue;
    comparisons.push({
      change: was ? 'changed' : 'added',
      name,
      label: now.field.label,
      ...(was ? { before: was.place } : {}),
      after: now.place,
      moved,
      changes,
      options,
    });
  }
  for (const [name, was] of before)
    if (!after.has(name))
      comparisons.push({
        change: 'removed',
        name,
        label: was.field.label,
        before: was.place,
        moved: false,
        changes: diffAttributes(fieldAttributes(was.field), {}),
        options: compareOptions(was.field, undefined),
      });
  return comparisons;
}

/** A field's attributes as compared: its sub-fields and options are compared on their own. */
function fieldAttributes(field: FieldDefinition | GroupItemField): Attributes {
  const attributes: Attributes = {
    label: field.label,
    hint: field.hint,
    type: field.type,
    required: !field.optional,
    only: field.only ?? 'everyone',
    showIf: field.showIf && {
      field: field.showIf.field,
      equals: ([] as string[]).concat(field.showIf.equals),
    },
    prefill: field.prefill,
  };
  switch (field.type) {
    case 'text':
      Object.assign(attributes, {
        maxLength: field.maxLength,
        width: field.width,
        pattern: field.pattern?.regex,
        patternMessage: field.pattern?.message,
      });
      break;
    case 'longText':
      attributes.maxLength = field.maxLength;
      break;
    case 'number':
      Object.assign(attributes, {
        min: field.min,
        max: field.max,
        integer: Boolean(field.integer),
        suffix: field.suffix,
      });
      break;
    case 'money':
      Object.assign(attributes, { min: field.min, max: field.max });
      break;
    case 'date':
      Object.assign(attributes, { notBefore: field.notBefore, notAfter: field.notAfter });
      break;
    case 'choice':
    case 'multiChoice':
      attributes.optionOrder = field.options.map((o) => o.value).join(', ');
      break;
    case 'file':
      attributes.maxFiles = field.maxFiles;
      break;
    case 'group':
      Object.assign(attributes, {
        itemLabel: field.itemLabel,
        minItems: field.minItems,
        maxItems: field.maxItems,
      });
      break;
    default:
      break;
  }
  return attributes;
}

function optionsOf(field: FieldDefinition | GroupItemField | undefined): ChoiceOption[] {
  return field && (field.type === 'choice' || field.type === 'multiChoice') ? field.options : [];
}

function compareOptions(
  older: FieldDefinition | GroupItemField | undefined,
  newer: FieldDefinition | GroupItemField | undefined,
): OptionComparison[] {
  const before = optionsOf(older);
  const after = optionsOf(newer);
  const attributes = (o: ChoiceOption | undefined): Attributes =>
    o ? { label: o.label, hint: o.hint } : {};
  const comparisons: OptionComparison[] = [];
  for (const option of after) {
    const was = before.find((o) => o.value === option.value);
    const changes = diffAttributes(attributes(was), attributes(option));
    if (was && changes.length === 0) continue;
    comparisons.push({
      change: was ? 'changed' : 'added',
      value: option.value,
      label: option.label,
      changes,
    });
  }
  for (const option of before)
    if (!after.some((o) => o.value === option.value))
      comparisons.push({
        change: 'removed',
        value: option.value,
        label: option.label,
        changes: diffAttributes(attributes(option), {}),
      });
  return comparisons;
}

/**
 * The option order is reported only when the options kept on both sides were
 * reordered: an option added or removed (or a field that had or has no
 * options) is reported as such, not as a new order.
 */
function withoutMereOptionOrder(
  changes: AttributeChange[],
  before: Attributes,
  after: Attributes,
): AttributeChange[] {
  const order = changes.find((c) => c.attribute === 'optionOrder');
  if (!order) return changes;
  if (typeof before.optionOrder === 'string' && typeof after.optionOrder === 'string') {
    const was = before.optionOrder.split(', ');
    const now = after.optionOrder.split(', ');
    const keptBefore = was.filter((v) => now.includes(v));
    const keptAfter = now.filter((v) => was.includes(v));
    if (keptBefore.join() !== keptAfter.join()) return changes;
  }
  return changes.filter((c) => c !== order);
}

function compareRules(older: FormDefinition, newer: FormDefinition): RuleComparison[] {
  const rulesOf = (form: FormDefinition) => (form as { rules?: unknown[] }).rules ?? [];
  const before = rulesOf(older);
  const after = rulesOf(newer);
  const key = (rule: unknown) => canonicalJson(rule);
  const beforeKeys = new Set(before.map(key));
  const afterKeys = new Set(after.map(key));
  return [
    ...after
      .filter((r) => !beforeKeys.has(key(r)))
      .map((rule) => ({ change: 'added' as const, rule })),
    ...before
      .filter((r) => !afterKeys.has(key(r)))
      .map((rule) => ({ change: 'removed' as const, rule })),
  ];
}

/** Every attribute set on either side whose value differs, in a stable order. */
function diffAttributes(before: Attributes, after: Attributes): AttributeChange[] {
  const names = [
    ...new Set([...Object.keys(before), ...Object.keys(after)]),
  ] as ComparedAttribute[];
  const changes: AttributeChange[] = [];
  for (const attribute of names) {
    const was = before[attribute];
    const now = after[attribute];
    if (canonicalJson(was) === canonicalJson(now)) continue;
    const change: AttributeChange = { attribute, before: was, after: now };
    if (isLocalized(was) && isLocalized(now))
      change.languages = (['fr', 'en'] as const).filter((l) => was[l] !== now[l]);
    changes.push(change);
  }
  return withoutMereOptionOrder(changes, before, after);
}

export function isLocalized(value: unknown): value is Localized {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Localized).fr === 'string' &&
    typeof (value as Localized).en === 'string'
  );
}

function sameText(a: Localized, b: Localized): boolean {
  return a.fr === b.fr && a.en === b.en;
}

/**
 * The items of `before` also in `after` that stay in the same relative order
 * (a longest common subsequence): the other kept items moved.
 */
function keptInOrder(before: string[], after: string[]): Set<string> {
  const common = new Set(after);
  const a = before.filter((x) => common.has(x));
  const inA = new Set(a);
  const b = after.filter((x) => inA.has(x));
  const lengths = Array.from({ length: a.length + 1 }, () =>
    new Array<number>(b.length + 1).fill(0),
  );
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      lengths[i][j] =
        a[i] === b[j] ? lengths[i + 1][j + 1] + 1 : Math.max(lengths[i + 1][j], lengths[i][j + 1]);
  const kept = new Set<string>();
  for (let i = 0, j = 0; i < a.length && j < b.length;) {
    if (a[i] === b[j]) {
      kept.add(a[i]);
      i++;
      j++;
    } else if (lengths[i + 1][j] >= lengths[i][j + 1]) i++;
    else j++;
  }
  return kept;
}
