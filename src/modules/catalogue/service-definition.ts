import type { Audience } from '../../platform/flags/flag-context.js';
import type { FormDefinition } from './form-schema.js';
import { formProblems, ProblemList, type DefinitionProblem } from './form-problems.js';

/** Text in both of the portal's languages; French is the reference. */
export interface Localized {
  fr: string;
  en: string;
}

/** What a variant's start page tells before someone begins. */
export interface VariantContent {
  summary: Localized;
  useThisServiceTo: Localized[];
  beforeYouStart: Localized[];
}

/**
 * A service of the catalogue, declared in the repo. Its citizen and business
 * variants share the definition; the business one is identical or augmented.
 */
export interface ServiceDefinition {
  slug: string;
  /** Two to four capitals: the reference numbers' prefix, e.g. PC → PC-2026-000123. */
  referencePrefix: string;
  title: Localized;
  summary: Localized;
  department: Localized;
  processingTime: Localized;
  fees: Localized;
  variants: Record<Audience, VariantContent>;
  form: FormDefinition;
  /**
   * Businesses may file many applications at once from a CSV file (one row per
   * application). Only for forms without files or repeatable groups.
   */
  bulkFiling?: boolean;
}

const SLUG = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Problems with a definition (empty when it is sound), each prefixed by the service's slug. */
export function definitionProblems(definition: ServiceDefinition): string[] {
  const where = definition.slug || '(no slug)';
  return locatedDefinitionProblems(definition).map((p) => `${where}: ${p.message}`);
}

/**
 * Problems with a definition (empty when it is sound), each with the JSON
 * pointer of the part at fault, relative to the definition: checked at boot
 * and on every service document (service-document.ts).
 */
export function locatedDefinitionProblems(definition: ServiceDefinition): DefinitionProblem[] {
  const list = new ProblemList();
  if (!SLUG.test(definition.slug))
    list.add('/slug', 'slug must be lower-case words joined by hyphens');
  if (!/^[A-Z]{2,4}$/.test(definition.referencePrefix ?? ''))
    list.add('/referencePrefix', 'referencePrefix must be two to four capital letters');
  list.missingText('/title', 'title', definition.title);
  list.missingText('/summary', 'summary', definition.summary);
  list.missingText('/department', 'department', definition.department);
  list.missingText('/processingTime', 'processingTime', definition.processingTime);
  list.missingText('/fees', 'fees', definition.fees);
  for (const audience of ['citizen', 'business'] as const) {
    const variant = definition.variants?.[audience];
    if (!variant) {
      list.add(`/variants/${audience}`, `the ${audience} variant is missing`);
      continue;
    }
    const at = `/variants/${audience}`;
    list.missingText(`${at}/summary`, `${audience}.summary`, variant.summary);
    variant.useThisServiceTo.forEach((t, i) =>
      list.missingText(`${at}/useThisServiceTo/${i}`, `${audience}.useThisServiceTo[${i}]`, t),
    );
    variant.beforeYouStart.forEach((t, i) =>
      list.missingText(`${at}/beforeYouStart/${i}`, `${audience}.beforeYouStart[${i}]`, t),
    );
  }
  const { citizen, business } = definition.variants ?? {};
  if (citizen && business)
    for (const key of ['useThisServiceTo', 'beforeYouStart'] as const)
      for (const item of citizen[key])
        if (!business[key].some((b) => b.fr === item.fr && b.en === item.en))
          list.add(
            `/variants/business/${key}`,
            `business.${key} must keep every item of citizen.${key}, and lacks « ${item.fr} »`,
          );
  if (!definition.form) list.add('/form', 'the form is missing');
  else
    for (const p of formProblems(definition.form, Boolean(definition.bulkFiling)))
      list.add(`/form${p.pointer}`, p.message);
  return list.problems;
}
