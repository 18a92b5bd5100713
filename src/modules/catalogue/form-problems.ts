import {
  MAX_ITEMS_LIMIT,
  type FieldDefinition,
  type FormDefinition,
  type GroupItemField,
} from './form-schema.js';
import type { Localized } from './service-definition.js';

/**
 * A problem with a definition: where it is, as a JSON pointer into the
 * definition (e.g. `/form/steps/2/fields/0/label/en`), and what is wrong, in
 * words that also name the place (`step work.startDate: …`).
 */
export interface DefinitionProblem {
  pointer: string;
  message: string;
}

const NAME = /^[a-z][a-zA-Z0-9]*$/;
const STEP_SLUG = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Collects problems; `at` is the JSON pointer of the part being checked. */
export class ProblemList {
  readonly problems: DefinitionProblem[] = [];

  add(pointer: string, message: string): void {
    this.problems.push({ pointer, message });
  }

  /** Both languages present and not blank. */
  missingText(pointer: string, path: string, text: Localized | undefined): void {
    if (!text?.fr?.trim()) this.add(`${pointer}/fr`, `${path} has no French text`);
    if (!text?.en?.trim()) this.add(`${pointer}/en`, `${path} has no English text`);
  }
}

/**
 * What is wrong with a form definition (empty when sound), checked at boot:
 * unique names, conditions that point at an earlier or same-step choice the
 * variant also has, both languages everywhere, sound regular expressions.
 * Pointers are relative to the form (`/steps/0/…`).
 */
export function formProblems(form: FormDefinition, bulkFiling: boolean): DefinitionProblem[] {
  const list = new ProblemList();
  if (form.steps.length === 0) list.add('/steps', 'the form has no steps');
  const seen = new Map<string, FieldDefinition>();
  const stepSlugs = new Set<string>();
  form.steps.forEach((step, s) => {
    const at = `step ${step.slug}`;
    const stepPointer = `/steps/${s}`;
    if (!STEP_SLUG.test(step.slug))
      list.add(`${stepPointer}/slug`, `${at}: slug must be lower-case words`);
    if (stepSlugs.has(step.slug)) list.add(`${stepPointer}/slug`, `${at}: declared twice`);
    stepSlugs.add(step.slug);
    list.missingText(`${stepPointer}/title`, `${at}.title`, step.title);
    if (step.intro) list.missingText(`${stepPointer}/intro`, `${at}.intro`, step.intro);
    if (step.only === 'citizen')
      list.add(
        `${stepPointer}/only`,
        `${at}: a step only for citizens would leave it out of the business variant, which must keep all of the citizen one`,
      );
    if (step.fields.length === 0) list.add(`${stepPointer}/fields`, `${at}: has no fields`);
    step.fields.forEach((field, f) => {
      const path = `${at}.${field.name}`;
      const pointer = `${stepPointer}/fields/${f}`;
      if (seen.has(field.name))
        list.add(`${pointer}/name`, `${path}: the name is used twice in the form`);
      fieldProblems(field, path, pointer, list);
      if (step.only && field.only && field.only !== step.only)
        list.add(
          `${pointer}/only`,
          `${path}: only for ${field.only} in a step only for ${step.only}`,
        );
      if (field.showIf) {
        const showIf = field.showIf;
        const target = seen.get(showIf.field) ?? step.fields.find((x) => x.name === showIf.field);
        if (!target || target === field)
          list.add(
            `${pointer}/showIf/field`,
            `${path}: showIf points at ${showIf.field}, not an earlier field`,
          );
        else if (!['yesNo', 'choice', 'multiChoice'].includes(target.type))
          list.add(
            `${pointer}/showIf/field`,
            `${path}: showIf must point at a yes/no or choice field`,
          );
        else if (target.only && target.only !== (field.only ?? step.only))
          list.add(
            `${pointer}/showIf/field`,
            `${path}: showIf points at a field the variant may not have`,
          );
      }
      if (field.type === 'group') {
        field.fields.forEach((sub, i) =>
          fieldProblems(sub, `${path}.${sub.name}`, `${pointer}/fields/${i}`, list),
        );
        const names = field.fields.map((x) => x.name);
        if (new Set(names).size !== names.length)
          list.add(`${pointer}/fields`, `${path}: sub-field names repeat`);
        if ((field.maxItems ?? 10) > MAX_ITEMS_LIMIT || (field.maxItems ?? 10) < 1)
          list.add(`${pointer}/maxItems`, `${path}: maxItems must be 1 to ${MAX_ITEMS_LIMIT}`);
        list.missingText(`${pointer}/itemLabel`, `${path}.itemLabel`, field.itemLabel);
      }
      if (bulkFiling && (field.type === 'file' || field.type === 'group'))
        list.add(`${pointer}/type`, `${path}: bulk filing allows no files or groups`);
      seen.set(field.name, field);
    });
  });
  return list.problems;
}

function fieldProblems(
  field: FieldDefinition | GroupItemField,
  path: string,
  pointer: string,
  list: ProblemList,
) {
  if (!NAME.test(field.name)) list.add(`${pointer}/name`, `${path}: name must be lower camel case`);
  list.missingText(`${pointer}/label`, `${path}.label`, field.label);
  if (field.hint) list.missingText(`${pointer}/hint`, `${path}.hint`, field.hint);
  if (field.type === 'choice' || field.type === 'multiChoice') {
    if (field.options.length < 2)
      list.add(`${pointer}/options`, `${path}: needs at least two options`);
    const values = field.options.map((o) => o.value);
    if (new Set(values).size !== values.length)
      list.add(`${pointer}/options`, `${path}: option values repeat`);
    field.options.forEach((o, i) =>
      list.missingText(`${pointer}/options/${i}/label`, `${path}.options.${o.value}`, o.label),
    );
  }
  if (field.type === 'text' && field.pattern) {
    try {
      new RegExp(field.pattern.regex);
    } catch {
      list.add(`${pointer}/pattern/regex`, `${path}: the pattern is not a regular expression`);
    }
    list.missingText(
      `${pointer}/pattern/message`,
      `${path}.pattern.message`,
      field.pattern.message,
    );
  }
  if (
    (field.type === 'number' || field.type === 'money') &&
    field.min !== undefined &&
    field.max !== undefined &&
    field.min > field.max
  )
    list.add(`${pointer}/min`, `${path}: min is above max`);
}
