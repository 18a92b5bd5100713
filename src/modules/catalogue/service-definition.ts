import type { Audience } from '../../platform/flags/flag-context.js';
import type { FormDefinition } from './form-schema.js';
import { formProblems } from './form-problems.js';

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

/** Problems with a definition (empty when it is sound): checked at boot. */
export function definitionProblems(definition: ServiceDefinition): string[] {
  const problems: string[] = [];
  const where = definition.slug || '(no slug)';
  if (!SLUG.test(definition.slug))
    problems.push(`${where}: slug must be lower-case words joined by hyphens`);
  if (!/^[A-Z]{2,4}$/.test(definition.referencePrefix ?? ''))
    problems.push(`${where}: referencePrefix must be two to four capital letters`);
  const texts: [string, Localized][] = [
    ['title', definition.title],
    ['summary', definition.summary],
    ['department', definition.department],
    ['processingTime', definition.processingTime],
    ['fees', definition.fees],
  ];
  for (const audience of ['citizen', 'business'] as const) {
    const variant = definition.variants[audience];
    if (!variant) {
      problems.push(`${where}: the ${audience} variant is missing`);
      continue;
    }
    texts.push([`${audience}.summary`, variant.summary]);
    variant.useThisServiceTo.forEach((t, i) =>
      texts.push([`${audience}.useThisServiceTo[${i}]`, t]),
    );
    variant.beforeYouStart.forEach((t, i) => texts.push([`${audience}.beforeYouStart[${i}]`, t]));
  }
  if (!definition.form) problems.push(`${where}: the form is missing`);
  else
    problems.push(
      ...formProblems(definition.form, Boolean(definition.bulkFiling)).map((p) => `${where}: ${p}`),
    );
  for (const [field, text] of texts) {
    if (!text?.fr?.trim()) problems.push(`${where}: ${field} has no French text`);
    if (!text?.en?.trim()) problems.push(`${where}: ${field} has no English text`);
  }
  return problems;
}
