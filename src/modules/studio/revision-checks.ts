import { referenceProblems, type DefinitionProblem } from '../catalogue/form-problems.js';
import type { FieldDefinition, FieldType, GroupItemField } from '../catalogue/form-schema.js';
import {
  locatedDefinitionProblems,
  type Localized,
  type ServiceDefinition,
} from '../catalogue/service-definition.js';
import {
  SERVICE_DOCUMENT_FORMAT,
  SERVICE_DOCUMENT_FORMAT_VERSION,
  validateServiceDocument,
} from '../catalogue/service-document.js';

/**
 * The checks a service revision must pass before it may be marked ready, in
 * the order the studio lists them (a task list, as GOV.UK Forms shows before
 * a form goes live). Each has its title at `studio.checks.<id>.title`.
 */
export const CHECK_IDS = [
  'languages',
  'labels',
  'references',
  'business-keeps-citizen',
  'reference-prefix',
  'keys',
  'sound',
] as const;

export type CheckId = (typeof CHECK_IDS)[number];

/** A message of the studio's catalogs (locales/*\/studio.json) and its values. */
export interface CheckMessage {
  key: string;
  params?: Record<string, string | number>;
}

export interface CheckProblem {
  /** JSON pointer into the definition, e.g. /form/steps/2/fields/0/label/en. */
  pointer: string;
  message: CheckMessage;
}

export interface RevisionCheck {
  id: CheckId;
  passed: boolean;
  problems: CheckProblem[];
}

export interface RevisionChecksInput {
  definition: ServiceDefinition;
  /** The service's earlier revisions (any order): a key they used keeps its meaning. */
  earlierRevisions: { number: number; definition: ServiceDefinition }[];
  /** The slug of another service already using this reference prefix (looked up by the caller). */
  prefixTakenBy?: string;
}

/** The catalog key of a check's title. */
export function checkTitleKey(id: CheckId): string {
  return `studio.checks.${id}.title`;
}

/** Whether a revision may be marked ready: every check passed. */
export function allChecksPass(checks: RevisionCheck[]): boolean {
  return checks.every((c) => c.passed);
}

/**
 * Every check of a revision, in order. Pure: what needs the database (whether
 * another service uses the reference prefix) is looked up by the caller. The
 * last check, `sound`, reports whatever else the boot check of a definition
 * (locatedDefinitionProblems) or the JSON Schema of service documents finds,
 * so that no broken definition passes them all, and a ready one exports and
 * imports as it is.
 */
export function revisionChecks(input: RevisionChecksInput): RevisionCheck[] {
  const { definition } = input;
  const found: Record<Exclude<CheckId, 'sound'>, CheckProblem[]> = {
    languages: languageProblems(definition),
    labels: labelProblems(definition),
    references: definition.form
      ? referenceProblems(definition.form).map((p) => ({
          pointer: `/form${p.pointer}`,
          message: { key: `studio.checks.references.${p.code}`, params: p.params },
        }))
      : [],
    'business-keeps-citizen': businessProblems(definition),
    'reference-prefix': prefixProblems(definition, input.prefixTakenBy),
    keys: keyProblems(definition, input.earlierRevisions),
  };
  // What the checks above already report, by pointer (a missing label stands
  // for both of its languages): the rest is `sound`'s.
  const covered = new Set(
    (['languages', 'labels', 'references', 'business-keeps-citizen', 'reference-prefix'] as const)
      .flatMap((id) => found[id])
      .flatMap((p) => [p.pointer, `${p.pointer}/fr`, `${p.pointer}/en`]),
  );
  const sound = soundnessProblems(definition)
    .filter((p) => !covered.has(p.pointer))
    .map((p) => ({ pointer: p.pointer, message: soundMessage(p) }));
  const problems: Record<CheckId, CheckProblem[]> = { ...found, sound };
  return CHECK_IDS.map((id) => ({
    id,
    passed: problems[id].length === 0,
    problems: problems[id],
  }));
}

/**
 * The problems a new service's draft always has, in the designer's words;
 * any other keeps the engine's English detail.
 */
function soundMessage(problem: DefinitionProblem): CheckMessage {
  if (problem.pointer === '/form/steps' && /no steps/.test(problem.message))
    return { key: 'studio.checks.sound.noSteps' };
  const step = /^step ([a-z0-9-]+): has no fields$/.exec(problem.message);
  if (step) return { key: 'studio.checks.sound.noFields', params: { step: step[1] } };
  if (/fewer than 1 items/.test(problem.message))
    return {
      key: /useThisServiceTo$/.test(problem.pointer)
        ? 'studio.checks.sound.noUseThisServiceTo'
        : /beforeYouStart$/.test(problem.pointer)
          ? 'studio.checks.sound.noBeforeYouStart'
          : 'studio.checks.sound.emptyList',
    };
  return { key: 'studio.checks.sound.problem', params: { detail: problem.message } };
}

/**
 * What the boot check finds (locatedDefinitionProblems), then what the JSON
 * Schema of documents finds elsewhere (a revision marked ready must export and
 * import as it is): its shape, e.g. a setting of the wrong type.
 */
function soundnessProblems(definition: ServiceDefinition): DefinitionProblem[] {
  let engine: DefinitionProblem[] = [];
  try {
    engine = locatedDefinitionProblems(definition);
  } catch {
    // A definition of the wrong shape: the schema says where.
  }
  const document = {
    format: SERVICE_DOCUMENT_FORMAT,
    formatVersion: SERVICE_DOCUMENT_FORMAT_VERSION,
    revision: 1,
    service: definition,
  };
  const check = validateServiceDocument(document);
  const reported = new Set(engine.map((p) => p.pointer));
  const shape = check.ok
    ? []
    : check.problems
        .map((p) => ({ ...p, pointer: p.pointer.replace(/^\/service(?=\/|$)/, '') }))
        .filter((p) => !reported.has(p.pointer));
  return [
    ...engine,
    ...shape.filter((p, i) => shape.findIndex((q) => q.pointer === p.pointer) === i),
  ];
}

// ---------------------------------------------------------------------------
// languages and labels

/** A text of the definition: where it is, how the problem names it, and whether it is a label. */
interface PlacedText {
  pointer: string;
  where: string;
  text: Localized | undefined;
  label?: boolean;
}

function blank(text: string | undefined): boolean {
  return !text?.trim();
}

/** Every text of a definition, in document order (absent optional texts left out). */
function texts(definition: ServiceDefinition): PlacedText[] {
  const all: PlacedText[] = [];
  const add = (pointer: string, where: string, text: Localized | undefined, label?: boolean) =>
    all.push({ pointer, where, text, label });
  for (const key of ['title', 'summary', 'department', 'processingTime', 'fees'] as const)
    add(`/${key}`, key, definition[key]);
  for (const audience of ['citizen', 'business'] as const) {
    const variant = definition.variants?.[audience];
    if (!variant) continue;
    const at = `/variants/${audience}`;
    add(`${at}/summary`, `${audience}.summary`, variant.summary);
    for (const list of ['useThisServiceTo', 'beforeYouStart'] as const)
      (variant[list] ?? []).forEach((t, i) =>
        add(`${at}/${list}/${i}`, `${audience}.${list}[${i + 1}]`, t),
      );
  }
  const fieldTexts = (field: FieldDefinition | GroupItemField, pointer: string, where: string) => {
    add(`${pointer}/label`, `${where}.label`, field.label, true);
    if (field.hint) add(`${pointer}/hint`, `${where}.hint`, field.hint);
    if (field.type === 'text' && field.pattern)
      add(`${pointer}/pattern/message`, `${where}.pattern.message`, field.pattern.message);
    if (field.type === 'number' && field.suffix)
      add(`${pointer}/suffix`, `${where}.suffix`, field.suffix);
    if (field.type === 'choice' || field.type === 'multiChoice')
      (field.options ?? []).forEach((option, i) => {
        const at = `${pointer}/options/${i}`;
        add(`${at}/label`, `${where}.options.${option.value}.label`, option.label, true);
        if (option.hint) add(`${at}/hint`, `${where}.options.${option.value}.hint`, option.hint);
      });
    if (field.type === 'group') {
      add(`${pointer}/itemLabel`, `${where}.itemLabel`, field.itemLabel);
      (field.fields ?? []).forEach((sub, i) =>
        fieldTexts(sub, `${pointer}/fields/${i}`, `${where}.${sub.name}`),
      );
    }
  };
  (definition.form?.steps ?? []).forEach((step, s) => {
    const at = `/form/steps/${s}`;
    add(`${at}/title`, `${step.slug}.title`, step.title);
    if (step.intro) add(`${at}/intro`, `${step.slug}.intro`, step.intro);
    (step.fields ?? []).forEach((field, f) =>
      fieldTexts(field, `${at}/fields/${f}`, `${step.slug}.${field.name}`),
    );
  });
  (definition.form?.rules ?? []).forEach((rule, i) =>
    add(`/form/rules/${i}/message`, `rules[${i + 1}].message`, rule.message),
  );
  return all;
}

/** Every text in French and in English (a label with neither is the labels check's). */
function languageProblems(definition: ServiceDefinition): CheckProblem[] {
  const problems: CheckProblem[] = [];
  for (const { pointer, where, text, label } of texts(definition)) {
    if (label && blank(text?.fr) && blank(text?.en)) continue;
    for (const language of ['fr', 'en'] as const)
      if (blank(text?.[language]))
        problems.push({
          pointer: `${pointer}/${language}`,
          message: { key: 'studio.checks.languages.missing', params: { where, language } },
        });
  }
  return problems;
}

/** Every question, question of a group and option has a label (in at least one language). */
function labelProblems(definition: ServiceDefinition): CheckProblem[] {
  return texts(definition)
    .filter((t) => t.label && blank(t.text?.fr) && blank(t.text?.en))
    .map(({ pointer, where }) => ({
      pointer,
      message: {
        key: where.includes('.options.')
          ? 'studio.checks.labels.missingOption'
          : 'studio.checks.labels.missing',
        params: { where: where.replace(/\.label$/, '') },
      },
    }));
}

// ---------------------------------------------------------------------------
// business-keeps-citizen and reference-prefix

/**
 * The business variant keeps all of the citizen one: no step only for
 * citizens, and the business start page keeps every item of the citizen one's
 * lists. (A question may be for citizens only when businesses get a stricter
 * one instead, e.g. a certificate to attach rather than a yes/no.)
 */
function businessProblems(definition: ServiceDefinition): CheckProblem[] {
  const problems: CheckProblem[] = [];
  const { citizen, business } = definition.variants ?? {};
  if (citizen && business)
    for (const list of ['useThisServiceTo', 'beforeYouStart'] as const)
      (citizen[list] ?? []).forEach((item, i) => {
        if (!(business[list] ?? []).some((b) => b.fr === item.fr && b.en === item.en))
          problems.push({
            pointer: `/variants/business/${list}`,
            message: {
              key: 'studio.checks.business-keeps-citizen.missingItem',
              params: { list, number: i + 1 },
            },
          });
      });
  (definition.form?.steps ?? []).forEach((step, s) => {
    if (step.only === 'citizen')
      problems.push({
        pointer: `/form/steps/${s}/only`,
        message: {
          key: 'studio.checks.business-keeps-citizen.citizenStep',
          params: { step: step.slug },
        },
      });
  });
  return problems;
}

function prefixProblems(definition: ServiceDefinition, takenBy?: string): CheckProblem[] {
  const prefix = definition.referencePrefix ?? '';
  if (!/^[A-Z]{2,4}$/.test(prefix))
    return [
      {
        pointer: '/referencePrefix',
        message: { key: 'studio.checks.reference-prefix.format', params: { prefix } },
      },
    ];
  if (takenBy && takenBy !== definition.slug)
    return [
      {
        pointer: '/referencePrefix',
        message: {
          key: 'studio.checks.reference-prefix.taken',
          params: { prefix, service: takenBy },
        },
      },
    ];
  return [];
}

// ---------------------------------------------------------------------------
// keys

/** Every key of a form with its type: top-level names, and `group.sub` for a group's questions. */
function keyTypes(definition: ServiceDefinition): Map<string, FieldType> {
  const types = new Map<string, FieldType>();
  for (const step of definition.form?.steps ?? [])
    for (const field of step.fields ?? []) {
      if (!types.has(field.name)) types.set(field.name, field.type);
      if (field.type === 'group')
        for (const sub of field.fields ?? [])
          if (!types.has(`${field.name}.${sub.name}`))
            types.set(`${field.name}.${sub.name}`, sub.type);
    }
  return types;
}

/**
 * A key keeps its meaning: a question (or a group's question) whose key an
 * earlier revision used for another kind of question is reported, naming the
 * latest such revision. Filed applications keep their answers under the key,
 * so a new question needs a new key; a new label for the same question is fine.
 */
function keyProblems(
  definition: ServiceDefinition,
  earlier: RevisionChecksInput['earlierRevisions'],
): CheckProblem[] {
  const before = [...earlier]
    .sort((a, b) => b.number - a.number)
    .map((r) => ({ number: r.number, types: keyTypes(r.definition) }));
  const problems: CheckProblem[] = [];
  const check = (key: string, type: FieldType, pointer: string) => {
    const other = before.find((r) => {
      const was = r.types.get(key);
      return was !== undefined && was !== type;
    });
    if (other)
      problems.push({
        pointer: `${pointer}/name`,
        message: {
          key: 'studio.checks.keys.typeChanged',
          params: {
            key,
            type,
            earlierType: other.types.get(key)!,
            revision: other.number,
          },
        },
      });
  };
  (definition.form?.steps ?? []).forEach((step, s) =>
    (step.fields ?? []).forEach((field, f) => {
      const pointer = `/form/steps/${s}/fields/${f}`;
      check(field.name, field.type, pointer);
      if (field.type === 'group')
        (field.fields ?? []).forEach((sub, i) =>
          check(`${field.name}.${sub.name}`, sub.type, `${pointer}/fields/${i}`),
        );
    }),
  );
  return problems;
}
