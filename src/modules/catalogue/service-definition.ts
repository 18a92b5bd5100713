import type { Audience } from '../../platform/flags/flag-context.js';

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
 * (The form schema arrives with the online services issue.)
 */
export interface ServiceDefinition {
  slug: string;
  title: Localized;
  summary: Localized;
  department: Localized;
  processingTime: Localized;
  fees: Localized;
  variants: Record<Audience, VariantContent>;
}

const SLUG = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Problems with a definition (empty when it is sound): checked at boot. */
export function definitionProblems(definition: ServiceDefinition): string[] {
  const problems: string[] = [];
  const where = definition.slug || '(no slug)';
  if (!SLUG.test(definition.slug))
    problems.push(`${where}: slug must be lower-case words joined by hyphens`);
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
  for (const [field, text] of texts) {
    if (!text?.fr?.trim()) problems.push(`${where}: ${field} has no French text`);
    if (!text?.en?.trim()) problems.push(`${where}: ${field} has no English text`);
  }
  return problems;
}
