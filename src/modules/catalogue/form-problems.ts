import {
  MAX_ITEMS_LIMIT,
  type FieldDefinition,
  type FormDefinition,
  type GroupItemField,
} from './form-schema.js';
import type { Localized } from './service-definition.js';

const NAME = /^[a-z][a-zA-Z0-9]*$/;
const STEP_SLUG = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

function missingText(path: string, text: Localized | undefined, problems: string[]) {
  if (!text?.fr?.trim()) problems.push(`${path} has no French text`);
  if (!text?.en?.trim()) problems.push(`${path} has no English text`);
}

/**
 * What is wrong with a form definition (empty when sound), checked at boot:
 * unique names, conditions that point at an earlier or same-step choice the
 * variant also has, both languages everywhere, sound regular expressions.
 */
export function formProblems(form: FormDefinition, bulkFiling: boolean): string[] {
  const problems: string[] = [];
  if (form.steps.length === 0) problems.push('the form has no steps');
  const seen = new Map<string, FieldDefinition>();
  const stepSlugs = new Set<string>();
  for (const step of form.steps) {
    const at = `step ${step.slug}`;
    if (!STEP_SLUG.test(step.slug)) problems.push(`${at}: slug must be lower-case words`);
    if (stepSlugs.has(step.slug)) problems.push(`${at}: declared twice`);
    stepSlugs.add(step.slug);
    missingText(`${at}.title`, step.title, problems);
    if (step.intro) missingText(`${at}.intro`, step.intro, problems);
    if (step.fields.length === 0) problems.push(`${at}: has no fields`);
    for (const field of step.fields) {
      const path = `${at}.${field.name}`;
      if (seen.has(field.name)) problems.push(`${path}: the name is used twice in the form`);
      fieldProblems(field, path, problems);
      if (step.only && field.only && field.only !== step.only)
        problems.push(`${path}: only for ${field.only} in a step only for ${step.only}`);
      if (field.showIf) {
        const target =
          seen.get(field.showIf.field) ?? step.fields.find((f) => f.name === field.showIf!.field);
        if (!target || target === field)
          problems.push(`${path}: showIf points at ${field.showIf.field}, not an earlier field`);
        else if (!['yesNo', 'choice', 'multiChoice'].includes(target.type))
          problems.push(`${path}: showIf must point at a yes/no or choice field`);
        else if (target.only && target.only !== (field.only ?? step.only))
          problems.push(`${path}: showIf points at a field the variant may not have`);
      }
      if (field.type === 'group') {
        for (const sub of field.fields) fieldProblems(sub, `${path}.${sub.name}`, problems);
        const names = field.fields.map((f) => f.name);
        if (new Set(names).size !== names.length) problems.push(`${path}: sub-field names repeat`);
        if ((field.maxItems ?? 10) > MAX_ITEMS_LIMIT || (field.maxItems ?? 10) < 1)
          problems.push(`${path}: maxItems must be 1 to ${MAX_ITEMS_LIMIT}`);
        missingText(`${path}.itemLabel`, field.itemLabel, problems);
      }
      if (bulkFiling && (field.type === 'file' || field.type === 'group'))
        problems.push(`${path}: bulk filing allows no files or groups`);
      seen.set(field.name, field);
    }
  }
  return problems;
}

function fieldProblems(field: FieldDefinition | GroupItemField, path: string, problems: string[]) {
  if (!NAME.test(field.name)) problems.push(`${path}: name must be lower camel case`);
  missingText(`${path}.label`, field.label, problems);
  if (field.hint) missingText(`${path}.hint`, field.hint, problems);
  if (field.type === 'choice' || field.type === 'multiChoice') {
    if (field.options.length < 2) problems.push(`${path}: needs at least two options`);
    const values = field.options.map((o) => o.value);
    if (new Set(values).size !== values.length) problems.push(`${path}: option values repeat`);
    field.options.forEach((o) => missingText(`${path}.options.${o.value}`, o.label, problems));
  }
  if (field.type === 'text' && field.pattern) {
    try {
      new RegExp(field.pattern.regex);
    } catch {
      problems.push(`${path}: the pattern is not a regular expression`);
    }
    missingText(`${path}.pattern.message`, field.pattern.message, problems);
  }
  if (
    (field.type === 'number' || field.type === 'money') &&
    field.min !== undefined &&
    field.max !== undefined &&
    field.min > field.max
  )
    problems.push(`${path}: min is above max`);
}
