import type { Audience } from '../../platform/flags/flag-context.js';
import type {
  ChoiceOption,
  CrossFieldRule,
  FieldDefinition,
  GroupItemField,
  StepDefinition,
} from '../catalogue/form-schema.js';
import type { Localized, ServiceDefinition } from '../catalogue/service-definition.js';

/** What the preview shows in place of a text the designer has not written yet. */
export type MissingText = (
  what: 'step' | 'field' | 'option' | 'item' | 'rule',
  name: string,
) => Localized;

const BLANK: Localized = { fr: '', en: '' };

/**
 * A revision's definition made safe to show and validate, whatever state a
 * draft is in: missing texts become blanks, a question or a step without a
 * label gets a placeholder naming it (so the page still says which question
 * it is), missing lists become empty, and a pattern whose regular expression
 * does not compile is left out (the revision's checks report it). A sound
 * definition comes back unchanged (as a copy).
 */
export function previewable(source: unknown, missing: MissingText): ServiceDefinition {
  return normalized(source, missing);
}

/**
 * A revision's definition in the shape its type promises, whatever a draft's
 * document holds (a part missing or of the wrong type, e.g. written by hand
 * in the database or by an older portal): missing texts become blanks,
 * missing lists empty, and what is not an object where a step, a question or
 * an option should be is left out. Unlike `previewable` it adds no
 * placeholder and keeps every pattern, so the checks still report what is
 * blank or wrong; a sound definition comes back unchanged (as a copy). The
 * studio reads every revision through it, so no page of a draft gives a 500.
 */
export function wellFormed(source: unknown): ServiceDefinition {
  return normalized(source, undefined);
}

function normalized(source: unknown, missing: MissingText | undefined): ServiceDefinition {
  const d = (isObject(source) ? source : {}) as Partial<ServiceDefinition>;
  const variant = (v: unknown) => {
    const content = (isObject(v) ? v : {}) as Partial<ServiceDefinition['variants'][Audience]>;
    return {
      summary: localized(content.summary),
      useThisServiceTo: list(content.useThisServiceTo).map(localized),
      beforeYouStart: list(content.beforeYouStart).map(localized),
    };
  };
  const steps = list(d.form?.steps)
    .filter(isObject)
    .map((s, i) => step(s as Partial<StepDefinition>, i, missing));
  const rules =
    d.form?.rules === undefined
      ? undefined
      : list(d.form.rules)
          .filter(isObject)
          .map((rule) => rule as unknown as CrossFieldRule)
          .map((rule) => ({
            ...rule,
            field: text(rule.field),
            other: text(rule.other),
            message: orMissing(rule.message, missing && (() => missing('rule', text(rule.field)))),
          }));
  return {
    ...(d as ServiceDefinition),
    slug: text(d.slug),
    referencePrefix: text(d.referencePrefix),
    title: localized(d.title),
    summary: localized(d.summary),
    department: localized(d.department),
    processingTime: localized(d.processingTime),
    fees: localized(d.fees),
    variants: { citizen: variant(d.variants?.citizen), business: variant(d.variants?.business) },
    form: { ...(isObject(d.form) ? d.form : {}), steps, ...(rules ? { rules } : {}) },
  };
}

function step(
  s: Partial<StepDefinition>,
  index: number,
  missing: MissingText | undefined,
): StepDefinition {
  const slug = text(s.slug) || `step-${index + 1}`;
  return {
    ...(s as StepDefinition),
    slug,
    title: orMissing(s.title, missing && (() => missing('step', slug))),
    ...(s.intro === undefined ? {} : { intro: localized(s.intro) }),
    fields: list(s.fields)
      .filter(isObject)
      .map((f) => field(f as unknown as FieldDefinition, missing)),
  };
}

function field<F extends FieldDefinition | GroupItemField>(
  f: F,
  missing: MissingText | undefined,
): F {
  const name = text(f.name);
  const shown = {
    ...f,
    name,
    label: orMissing(f.label, missing && (() => missing('field', name))),
    ...(f.hint === undefined ? {} : { hint: localized(f.hint) }),
  } as F;
  if (shown.type === 'choice' || shown.type === 'multiChoice')
    shown.options = list(shown.options)
      .filter(isObject)
      .map((option) => option as unknown as ChoiceOption)
      .map((o) => ({
        ...o,
        value: text(o.value),
        label: orMissing(o.label, missing && (() => missing('option', text(o.value)))),
        ...(o.hint === undefined ? {} : { hint: localized(o.hint) }),
      }));
  // A preview validates with the pattern: one that does not compile is left out.
  if (missing && shown.type === 'text' && shown.pattern && !compiles(shown.pattern.regex))
    delete shown.pattern;
  if (shown.type === 'number' && shown.suffix !== undefined) shown.suffix = localized(shown.suffix);
  if (shown.type === 'group') {
    shown.itemLabel = orMissing(shown.itemLabel, missing && (() => missing('item', name)));
    shown.fields = list(shown.fields)
      .filter(isObject)
      .map((sub) => field(sub as unknown as GroupItemField, missing));
  }
  return shown;
}

function compiles(regex: unknown): boolean {
  if (typeof regex !== 'string') return false;
  try {
    new RegExp(regex);
    return true;
  } catch {
    return false;
  }
}

function localized(value: unknown): Localized {
  if (!isObject(value)) return { ...BLANK };
  const v = value as Partial<Localized>;
  return { fr: text(v.fr), en: text(v.en) };
}

/** The text in each language, or the placeholder (if any) where it is blank. */
function orMissing(value: unknown, placeholder: (() => Localized) | undefined): Localized {
  const l = localized(value);
  if (!placeholder || (l.fr.trim() && l.en.trim())) return l;
  const p = placeholder();
  return { fr: l.fr.trim() ? l.fr : p.fr, en: l.en.trim() ? l.en : p.en };
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
