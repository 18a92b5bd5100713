import type { Audience } from '../../platform/flags/flag-context.js';
import {
  COMPARABLE_TYPES,
  COMPARISONS,
  MAX_ITEMS_LIMIT,
  type FieldDefinition,
  type FormDefinition,
  type GroupItemField,
  type StepDefinition,
} from './form-schema.js';
import { repeatsRepetition } from './pattern-safety.js';
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
 * variant also has, cross-field rules between two answers of one comparable
 * type (referenceProblems), both languages everywhere, sound regular expressions.
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
  (form.rules ?? []).forEach((rule, i) => {
    const at = `rules[${i}]`;
    if (!COMPARISONS.includes(rule.must))
      list.add(
        `/rules/${i}/must`,
        `${at}: must is one of ${COMPARISONS.join(', ')}, not ${String(rule.must)}`,
      );
    list.missingText(`/rules/${i}/message`, `${at}.message`, rule.message);
  });
  for (const p of referenceProblems(form)) list.add(p.pointer, referenceMessage(p));
  return list.problems;
}

/** What is wrong with a condition or a cross-field rule: a code and its identifiers. */
export type ReferenceCode =
  | 'showIfNotEarlier'
  | 'showIfNotChoice'
  | 'showIfOtherVariant'
  | 'showIfUnknownAnswer'
  | 'ruleUnknownField'
  | 'ruleUnknownOther'
  | 'ruleSelf'
  | 'ruleNotComparable'
  | 'ruleTypesDiffer'
  | 'ruleOtherLater'
  | 'ruleOtherVariant'
  | 'ruleCycle';

/**
 * A condition or cross-field rule naming a field it may not: the pointer
 * (relative to the form), a code, and the names involved (field and step
 * names, the same in every language), for a message in words.
 */
export interface ReferenceProblem {
  pointer: string;
  code: ReferenceCode;
  params: Record<string, string>;
}

interface Placed {
  field: FieldDefinition;
  step: number;
  /** The only audience that has it, if any (its own `only`, else its step's). */
  only?: Audience;
}

/**
 * Conditions (showIf) and cross-field rules that name a field the form does
 * not have, a later one, one the variant may lack, or the wrong kind, and
 * rules that go round in a cycle (a after b, b after a).
 */
export function referenceProblems(form: FormDefinition): ReferenceProblem[] {
  const problems: ReferenceProblem[] = [];
  const placed = new Map<string, Placed>();
  const steps: StepDefinition[] = form.steps ?? [];
  steps.forEach((step, s) =>
    (step.fields ?? []).forEach((field) => {
      if (!placed.has(field.name))
        placed.set(field.name, { field, step: s, only: field.only ?? step.only });
    }),
  );
  // showIf: an earlier field of this or an earlier step (not the field itself).
  const seen = new Set<string>();
  steps.forEach((step, s) =>
    (step.fields ?? []).forEach((field, f) => {
      const showIf = field.showIf;
      if (showIf) {
        const pointer = `/steps/${s}/fields/${f}/showIf/field`;
        const params = { step: step.slug, field: field.name, target: showIf.field };
        const target = placed.get(showIf.field);
        const inStep = (step.fields ?? []).some((x) => x.name === showIf.field);
        if (!target || showIf.field === field.name || (!seen.has(showIf.field) && !inStep))
          problems.push({ pointer, code: 'showIfNotEarlier', params });
        else if (!['yesNo', 'choice', 'multiChoice'].includes(target.field.type))
          problems.push({ pointer, code: 'showIfNotChoice', params });
        else if (target.only && target.only !== (field.only ?? step.only))
          problems.push({ pointer, code: 'showIfOtherVariant', params });
        else {
          // Each answer it waits for must be one the target can give.
          const answers =
            target.field.type === 'yesNo'
              ? ['yes', 'no']
              : 'options' in target.field
                ? (target.field.options ?? []).map((o) => o.value)
                : [];
          const wanted = Array.isArray(showIf.equals) ? showIf.equals : [showIf.equals];
          const unknown = wanted.filter((v) => !answers.includes(v));
          if (unknown.length > 0)
            problems.push({
              pointer: `/steps/${s}/fields/${f}/showIf/equals`,
              code: 'showIfUnknownAnswer',
              params: { ...params, answers: unknown.join(', ') },
            });
        }
      }
      seen.add(field.name);
    }),
  );
  // Cross-field rules: two answers of one comparable type, the other not on a later page.
  const edges = new Map<string, { to: string; rule: number }[]>();
  (form.rules ?? []).forEach((rule, i) => {
    const at = `/rules/${i}`;
    const params = { field: rule.field, other: rule.other };
    const field = placed.get(rule.field);
    const other = placed.get(rule.other);
    if (!field) return problems.push({ pointer: `${at}/field`, code: 'ruleUnknownField', params });
    if (!(COMPARABLE_TYPES as readonly string[]).includes(field.field.type))
      return problems.push({
        pointer: `${at}/field`,
        code: 'ruleNotComparable',
        params: { ...params, type: field.field.type },
      });
    if (rule.other === rule.field)
      return problems.push({ pointer: `${at}/other`, code: 'ruleSelf', params });
    if (!other) return problems.push({ pointer: `${at}/other`, code: 'ruleUnknownOther', params });
    if (other.field.type !== field.field.type)
      return problems.push({
        pointer: `${at}/other`,
        code: 'ruleTypesDiffer',
        params: { ...params, type: field.field.type, otherType: other.field.type },
      });
    if (other.step > field.step)
      return problems.push({ pointer: `${at}/other`, code: 'ruleOtherLater', params });
    if (other.only && other.only !== field.only)
      return problems.push({ pointer: `${at}/other`, code: 'ruleOtherVariant', params });
    edges.set(rule.field, [...(edges.get(rule.field) ?? []), { to: rule.other, rule: i }]);
  });
  for (const cycle of cycles(edges))
    problems.push({
      pointer: `/rules/${cycle.rule}`,
      code: 'ruleCycle',
      params: { fields: cycle.path.join(' → ') },
    });
  return problems;
}

/**
 * The cycles among rules (field → other), each reported once, at the rule
 * that closes it, with the fields it goes through (a → b → a).
 */
function cycles(
  edges: Map<string, { to: string; rule: number }[]>,
): { rule: number; path: string[] }[] {
  const found: { rule: number; path: string[] }[] = [];
  const done = new Set<string>();
  const onPath: string[] = [];
  const visit = (node: string) => {
    onPath.push(node);
    for (const edge of edges.get(node) ?? []) {
      const back = onPath.indexOf(edge.to);
      if (back !== -1) found.push({ rule: edge.rule, path: [...onPath.slice(back), edge.to] });
      else if (!done.has(edge.to)) visit(edge.to);
    }
    onPath.pop();
    done.add(node);
  };
  for (const node of edges.keys()) if (!done.has(node)) visit(node);
  return found;
}

/** A reference problem in the words of the boot check (English, naming the place). */
function referenceMessage(problem: ReferenceProblem): string {
  const { step, field, target, other, type, otherType, fields } = problem.params;
  const path = `step ${step}.${field}`;
  const rule = `rule ${field} / ${other}`;
  switch (problem.code) {
    case 'showIfNotEarlier':
      return `${path}: showIf points at ${target}, not an earlier field`;
    case 'showIfNotChoice':
      return `${path}: showIf must point at a yes/no or choice field`;
    case 'showIfOtherVariant':
      return `${path}: showIf points at a field the variant may not have`;
    case 'showIfUnknownAnswer':
      return `${path}: showIf waits for ${problem.params.answers}, which ${target} cannot answer`;
    case 'ruleUnknownField':
      return `${rule}: the form has no field ${field}`;
    case 'ruleUnknownOther':
      return `${rule}: the form has no field ${other}`;
    case 'ruleSelf':
      return `${rule}: compares a field with itself`;
    case 'ruleNotComparable':
      return `${rule}: compares only dates, numbers or amounts, not a ${type} field`;
    case 'ruleTypesDiffer':
      return `${rule}: compares a ${type} field with a ${otherType} field`;
    case 'ruleOtherLater':
      return `${rule}: ${other} must be on the same page as ${field} or an earlier one`;
    case 'ruleOtherVariant':
      return `${rule}: ${other} is a field the variant of ${field} may not have`;
    case 'ruleCycle':
      return `rules go round in a cycle: ${fields}`;
  }
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
    if (repeatsRepetition(field.pattern.regex))
      list.add(
        `${pointer}/pattern/regex`,
        `${path}: the pattern repeats a group that repeats (it could take exponential time)`,
      );
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
