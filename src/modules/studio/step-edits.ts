import type { FieldDefinition, StepDefinition } from '../catalogue/form-schema.js';
import type {
  Localized,
  ServiceDefinition,
  VariantContent,
} from '../catalogue/service-definition.js';

/**
 * The draft editor's edits (issue 14), as pure functions of a service
 * definition: each takes the definition as saved and returns the new one
 * (never changing its argument), or throws a `StepEditError` when what it is
 * asked to change is not there. The editor's service runs them inside
 * `ServiceRevisionsService.changeDraft`, so that they apply to the draft as it
 * is in the database, not as the designer last saw it.
 */

export type Direction = 'up' | 'down';

export type StepEditProblem = 'unknown-step' | 'unknown-field' | 'step-slug-taken';

export class StepEditError extends Error {
  constructor(readonly problem: StepEditProblem) {
    super(`step edit: ${problem}`);
    this.name = 'StepEditError';
  }
}

/** A step's slug: lower-case words joined by hyphens (its path segment). */
export const STEP_SLUG = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

// -- steps --

/** Adds an empty step at the end of the form; the slug must be new. */
export function addStep(
  definition: ServiceDefinition,
  step: { slug: string; title: Localized },
): ServiceDefinition {
  if (definition.form.steps.some((s) => s.slug === step.slug))
    throw new StepEditError('step-slug-taken');
  return withSteps(definition, [
    ...definition.form.steps,
    { slug: step.slug, title: { ...step.title }, fields: [] },
  ]);
}

/** Moves a step one place up or down (the first stays first, the last stays last). */
export function moveStep(
  definition: ServiceDefinition,
  slug: string,
  direction: Direction,
): ServiceDefinition {
  const steps = definition.form.steps;
  return withSteps(definition, moved(steps, stepIndex(definition, slug), direction));
}

/**
 * Copies a step just after it: the copy gets a new slug (`<slug>-copy`,
 * `-copy-2`, …) and each of its fields a new name (`<name>Copy`, `Copy2`, …),
 * since an answer's key must stay unique across the form; a condition on a
 * field of the same step follows the copy.
 */
export function duplicateStep(definition: ServiceDefinition, slug: string): ServiceDefinition {
  const index = stepIndex(definition, slug);
  const original = definition.form.steps[index];
  const slugs = new Set(definition.form.steps.map((s) => s.slug));
  const copySlug = fresh(`${slug}-copy`, (n) => `${slug}-copy-${n}`, slugs);
  const names = fieldNames(definition);
  const renamed = new Map<string, string>();
  for (const field of original.fields) {
    const name = fresh(`${field.name}Copy`, (n) => `${field.name}Copy${n}`, names);
    names.add(name);
    renamed.set(field.name, name);
  }
  const copy: StepDefinition = {
    ...structuredClone(original),
    slug: copySlug,
    fields: original.fields.map((field) => renameField(field, renamed)),
  };
  const steps = [...definition.form.steps];
  steps.splice(index + 1, 0, copy);
  return withSteps(definition, steps);
}

/** Removes a step and its fields. */
export function removeStep(definition: ServiceDefinition, slug: string): ServiceDefinition {
  const index = stepIndex(definition, slug);
  return withSteps(
    definition,
    definition.form.steps.filter((_, i) => i !== index),
  );
}

/** What the step page changes: its texts, and whether only businesses see it. */
export interface StepTexts {
  title: Localized;
  /** Blank in both languages: no intro. */
  intro: Localized;
  businessOnly: boolean;
}

/**
 * Changes a step's title, intro and audience. A step is for everyone or for
 * businesses only: the business variant keeps every citizen step.
 */
export function updateStep(
  definition: ServiceDefinition,
  slug: string,
  texts: StepTexts,
): ServiceDefinition {
  const index = stepIndex(definition, slug);
  const step = structuredClone(definition.form.steps[index]);
  delete step.only;
  delete step.intro;
  const updated: StepDefinition = {
    ...step,
    title: { ...texts.title },
    ...(texts.intro.fr || texts.intro.en ? { intro: { ...texts.intro } } : {}),
    ...(texts.businessOnly ? { only: 'business' as const } : {}),
  };
  return withSteps(
    definition,
    definition.form.steps.map((s, i) => (i === index ? updated : s)),
  );
}

// -- fields of a step --

/** Moves a field one place up or down within its step. */
export function moveField(
  definition: ServiceDefinition,
  slug: string,
  name: string,
  direction: Direction,
): ServiceDefinition {
  return withFields(definition, slug, (fields) =>
    moved(fields, fieldIndex(fields, name), direction),
  );
}

/** Copies a field just after it, with a new name (`<name>Copy`, `Copy2`, …) unique in the form. */
export function duplicateField(
  definition: ServiceDefinition,
  slug: string,
  name: string,
): ServiceDefinition {
  const names = fieldNames(definition);
  const copyName = fresh(`${name}Copy`, (n) => `${name}Copy${n}`, names);
  return withFields(definition, slug, (fields) => {
    const index = fieldIndex(fields, name);
    const copy = { ...structuredClone(fields[index]), name: copyName } as FieldDefinition;
    return [...fields.slice(0, index + 1), copy, ...fields.slice(index + 1)];
  });
}

/** Removes a field from its step. */
export function removeField(
  definition: ServiceDefinition,
  slug: string,
  name: string,
): ServiceDefinition {
  return withFields(definition, slug, (fields) => {
    const index = fieldIndex(fields, name);
    return fields.filter((_, i) => i !== index);
  });
}

// -- the service's details --

/**
 * A service's texts as the details page edits them. The lists a start page
 * shows ("use this service to", "before you start") are kept as the citizen
 * variant's, shared by both variants, and the items the business variant adds:
 * the business variant keeps every citizen item by construction.
 */
export interface ServiceDetails {
  title: Localized;
  summary: Localized;
  department: Localized;
  processingTime: Localized;
  fees: Localized;
  citizenSummary: Localized;
  businessSummary: Localized;
  useThisServiceTo: SharedList;
  beforeYouStart: SharedList;
  referencePrefix: string;
  bulkFiling: boolean;
}

export interface SharedList {
  /** Both variants show these (the citizen variant's list). */
  shared: Localized[];
  /** Only the business variant shows these, after the shared ones. */
  business: Localized[];
}

export const LISTS = ['useThisServiceTo', 'beforeYouStart'] as const;
export type ListName = (typeof LISTS)[number];

/** A definition's details, its lists split into shared and business-only items. */
export function detailsOf(definition: ServiceDefinition): ServiceDetails {
  const { citizen, business } = definition.variants;
  const split = (list: ListName): SharedList => ({
    shared: citizen[list].map((item) => ({ ...item })),
    business: business[list]
      .filter((item) => !citizen[list].some((c) => c.fr === item.fr && c.en === item.en))
      .map((item) => ({ ...item })),
  });
  return {
    title: { ...definition.title },
    summary: { ...definition.summary },
    department: { ...definition.department },
    processingTime: { ...definition.processingTime },
    fees: { ...definition.fees },
    citizenSummary: { ...citizen.summary },
    businessSummary: { ...business.summary },
    useThisServiceTo: split('useThisServiceTo'),
    beforeYouStart: split('beforeYouStart'),
    referencePrefix: definition.referencePrefix,
    bulkFiling: Boolean(definition.bulkFiling),
  };
}

/**
 * Writes the details into a definition: the citizen variant's lists are the
 * shared items, the business variant's the shared items then its own.
 */
export function updateDetails(
  definition: ServiceDefinition,
  details: ServiceDetails,
): ServiceDefinition {
  const variant = (summary: Localized, audience: 'citizen' | 'business'): VariantContent => ({
    ...definition.variants[audience],
    summary: { ...summary },
    useThisServiceTo: listFor(details.useThisServiceTo, audience),
    beforeYouStart: listFor(details.beforeYouStart, audience),
  });
  const rest = structuredClone(definition);
  delete rest.bulkFiling;
  return {
    ...rest,
    title: { ...details.title },
    summary: { ...details.summary },
    department: { ...details.department },
    processingTime: { ...details.processingTime },
    fees: { ...details.fees },
    referencePrefix: details.referencePrefix,
    variants: {
      citizen: variant(details.citizenSummary, 'citizen'),
      business: variant(details.businessSummary, 'business'),
    },
    ...(details.bulkFiling ? { bulkFiling: true } : {}),
  };
}

/** The fields that keep a form from being filed in bulk (CSV): its files and repeatable groups. */
export function bulkFilingBlockers(definition: ServiceDefinition): FieldDefinition[] {
  return definition.form.steps.flatMap((step) =>
    step.fields.filter((field) => field.type === 'file' || field.type === 'group'),
  );
}

// -- building blocks --

function listFor(list: SharedList, audience: 'citizen' | 'business'): Localized[] {
  const items = audience === 'citizen' ? list.shared : [...list.shared, ...list.business];
  return items.map((item) => ({ ...item }));
}

function withSteps(definition: ServiceDefinition, steps: StepDefinition[]): ServiceDefinition {
  const copy = structuredClone(definition);
  copy.form = { ...copy.form, steps: structuredClone(steps) };
  return copy;
}

function withFields(
  definition: ServiceDefinition,
  slug: string,
  change: (fields: FieldDefinition[]) => FieldDefinition[],
): ServiceDefinition {
  const index = stepIndex(definition, slug);
  return withSteps(
    definition,
    definition.form.steps.map((step, i) =>
      i === index ? { ...step, fields: change(step.fields) } : step,
    ),
  );
}

function stepIndex(definition: ServiceDefinition, slug: string): number {
  const index = definition.form.steps.findIndex((s) => s.slug === slug);
  if (index < 0) throw new StepEditError('unknown-step');
  return index;
}

function fieldIndex(fields: FieldDefinition[], name: string): number {
  const index = fields.findIndex((f) => f.name === name);
  if (index < 0) throw new StepEditError('unknown-field');
  return index;
}

function moved<T>(items: readonly T[], index: number, direction: Direction): T[] {
  const to = direction === 'up' ? index - 1 : index + 1;
  const copy = [...items];
  if (to < 0 || to >= items.length) return copy;
  [copy[index], copy[to]] = [copy[to], copy[index]];
  return copy;
}

/** Every answer key of the form (its fields' names; a group's sub-fields live inside its answer). */
function fieldNames(definition: ServiceDefinition): Set<string> {
  return new Set(definition.form.steps.flatMap((s) => s.fields.map((f) => f.name)));
}

/** `first` when it is free, else `nth(2)`, `nth(3)`, … (bounded: a form has far fewer names). */
function fresh(first: string, nth: (n: number) => string, taken: Set<string>): string {
  if (!taken.has(first)) return first;
  for (let n = 2; n < 10_000; n++) if (!taken.has(nth(n))) return nth(n);
  throw new Error(`no free name after ${first}`);
}

function renameField(field: FieldDefinition, renamed: Map<string, string>): FieldDefinition {
  const copy = structuredClone(field);
  copy.name = renamed.get(field.name) ?? field.name;
  if (copy.showIf && renamed.has(copy.showIf.field))
    copy.showIf = { ...copy.showIf, field: renamed.get(copy.showIf.field)! };
  return copy;
}
