import { Transform } from 'class-transformer';
import { IsIn, Matches, MaxLength } from 'class-validator';
import type { FieldProblem } from '../../../platform/forms/form.js';
import { text } from '../../../platform/forms/form.js';
import { multiline } from '../../rollout/dto/cohort.dto.js';
import { trim } from '../../organizations/dto/organization.dto.js';
import type { Localized } from '../../catalogue/service-definition.js';
import { LISTS, STEP_SLUG, type ListName, type ServiceDetails } from '../step-edits.js';

/** A one-line text of a service (a title, a department, a processing time). */
export const MAX_SHORT_TEXT = 200;
/** A paragraph of a service (a summary, the fees, an item of a list, a step's intro). */
export const MAX_LONG_TEXT = 2000;
/** Items of one part of a list (shared, or the business variant's own). */
export const MAX_LIST_ITEMS = 20;
export const MAX_STEP_SLUG = 40;

/** A new step: its slug (its path segment, lower-case words joined by hyphens) and title. */
export class NewStepDto {
  @Transform(trim)
  @Matches(STEP_SLUG, { message: 'studioEditor.errors.stepSlug' })
  @MaxLength(MAX_STEP_SLUG, { message: 'studioEditor.errors.stepSlug' })
  slug = '';

  @Transform(trim)
  @MaxLength(MAX_SHORT_TEXT, { message: 'studioEditor.errors.shortTooLongFr' })
  titleFr = '';

  @Transform(trim)
  @MaxLength(MAX_SHORT_TEXT, { message: 'studioEditor.errors.shortTooLongEn' })
  titleEn = '';

  @Transform(trim)
  @Matches(/^\d{0,9}$/, { message: 'studioEditor.errors.version' })
  version = '';
}

export const NEW_STEP_FIELDS = ['slug', 'titleFr', 'titleEn', 'version'] as const;

/** A step's texts and audience. Blank texts are allowed in a draft: the checks report them. */
export class StepDto {
  @Transform(trim)
  @MaxLength(MAX_SHORT_TEXT, { message: 'studioEditor.errors.shortTooLongFr' })
  titleFr = '';

  @Transform(trim)
  @MaxLength(MAX_SHORT_TEXT, { message: 'studioEditor.errors.shortTooLongEn' })
  titleEn = '';

  @Transform(multiline)
  @MaxLength(MAX_LONG_TEXT, { message: 'studioEditor.errors.longTooLongFr' })
  introFr = '';

  @Transform(multiline)
  @MaxLength(MAX_LONG_TEXT, { message: 'studioEditor.errors.longTooLongEn' })
  introEn = '';

  @Transform(trim)
  @IsIn(['', 'yes'], { message: 'studioEditor.errors.businessOnly' })
  businessOnly = '';

  @Transform(trim)
  @Matches(/^\d{0,9}$/, { message: 'studioEditor.errors.version' })
  version = '';
}

export const STEP_FIELDS = [
  'titleFr',
  'titleEn',
  'introFr',
  'introEn',
  'businessOnly',
  'version',
] as const;

/** The draft's version a form was shown with (anything else: a version no draft has, so 409). */
export function versionOf(value: unknown): number {
  const typed = text(value);
  return /^\d{1,9}$/.test(typed) ? Number(typed) : -1;
}

// -- the details form --

/** The texts of the details form, each with its length limit, in the order the page shows them. */
const TEXTS: { key: TextKey; max: number }[] = [
  { key: 'title', max: MAX_SHORT_TEXT },
  { key: 'summary', max: MAX_LONG_TEXT },
  { key: 'department', max: MAX_SHORT_TEXT },
  { key: 'processingTime', max: MAX_SHORT_TEXT },
  { key: 'fees', max: MAX_LONG_TEXT },
  { key: 'citizenSummary', max: MAX_LONG_TEXT },
  { key: 'businessSummary', max: MAX_LONG_TEXT },
];

type TextKey =
  | 'title'
  | 'summary'
  | 'department'
  | 'processingTime'
  | 'fees'
  | 'citizenSummary'
  | 'businessSummary';

export const TEXT_KEYS = TEXTS.map((t) => t.key);
export const LIST_PARTS = ['shared', 'business'] as const;
export type ListPart = (typeof LIST_PARTS)[number];

/** What a button of the details form asks besides saving: add an item to a list, or remove one. */
export type ListAction =
  | { kind: 'add'; list: ListName; part: ListPart }
  | { kind: 'remove'; list: ListName; part: ListPart; index: number };

/** The details form as sent: every value as typed (the page shows them again), and its button. */
export interface DetailsForm {
  values: Record<string, string>;
  action: ListAction | null;
}

/** The name of a list item's input, e.g. `beforeYouStart-business-0-en`. */
export const itemName = (list: ListName, part: ListPart, index: number, lang: 'fr' | 'en') =>
  `${list}-${part}-${index}-${lang}`;

/** Reads the details form's body: texts trimmed (paragraphs kept), lists by their inputs' names. */
export function readDetailsForm(body: unknown): DetailsForm {
  const source = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const values: Record<string, string> = {};
  for (const key of TEXT_KEYS)
    for (const lang of ['Fr', 'En']) values[`${key}${lang}`] = paragraph(source[`${key}${lang}`]);
  values.referencePrefix =
    typeof source.referencePrefix === 'string'
      ? String(trim({ value: source.referencePrefix }))
      : '';
  values.bulkFiling = text(source.bulkFiling) === 'yes' ? 'yes' : '';
  values.version = text(source.version);
  for (const list of LISTS)
    for (const part of LIST_PARTS) {
      // Items are numbered from 0; a gap ends the list (bounded by the limit, and one more to refuse).
      for (let i = 0; i <= MAX_LIST_ITEMS; i++) {
        const fr = source[itemName(list, part, i, 'fr')];
        const en = source[itemName(list, part, i, 'en')];
        if (fr === undefined && en === undefined) break;
        values[itemName(list, part, i, 'fr')] = paragraph(fr);
        values[itemName(list, part, i, 'en')] = paragraph(en);
      }
    }
  return { values, action: listAction(text(source.action)) };
}

/** The values the details form shows for a definition's details. */
export function detailsValues(details: ServiceDetails): Record<string, string> {
  const values: Record<string, string> = {};
  for (const key of TEXT_KEYS) {
    values[`${key}Fr`] = details[key].fr;
    values[`${key}En`] = details[key].en;
  }
  values.referencePrefix = details.referencePrefix;
  values.bulkFiling = details.bulkFiling ? 'yes' : '';
  for (const list of LISTS)
    for (const part of LIST_PARTS)
      details[list][part].forEach((item, i) => {
        values[itemName(list, part, i, 'fr')] = item.fr;
        values[itemName(list, part, i, 'en')] = item.en;
      });
  return values;
}

/** The items of one part of a list, from the form's values. */
export function itemsOf(values: Record<string, string>, list: ListName, part: ListPart) {
  const items: Localized[] = [];
  for (let i = 0; i <= MAX_LIST_ITEMS; i++) {
    const fr = values[itemName(list, part, i, 'fr')];
    const en = values[itemName(list, part, i, 'en')];
    if (fr === undefined && en === undefined) break;
    items.push({ fr: fr ?? '', en: en ?? '' });
  }
  return items;
}

/** The details the form's values say (checked first: `detailsProblems`). */
export function detailsFrom(values: Record<string, string>): ServiceDetails {
  const localized = (key: TextKey): Localized => ({
    fr: values[`${key}Fr`] ?? '',
    en: values[`${key}En`] ?? '',
  });
  const list = (name: ListName) => ({
    shared: itemsOf(values, name, 'shared'),
    business: itemsOf(values, name, 'business'),
  });
  return {
    title: localized('title'),
    summary: localized('summary'),
    department: localized('department'),
    processingTime: localized('processingTime'),
    fees: localized('fees'),
    citizenSummary: localized('citizenSummary'),
    businessSummary: localized('businessSummary'),
    useThisServiceTo: list('useThisServiceTo'),
    beforeYouStart: list('beforeYouStart'),
    referencePrefix: values.referencePrefix ?? '',
    bulkFiling: values.bulkFiling === 'yes',
  };
}

/**
 * What is malformed in the details form (blank texts are not: a draft may have
 * them, the checks report them): a reference prefix that is not two to four
 * capitals, a text over its limit, a list with too many items.
 */
export function detailsProblems(values: Record<string, string>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const tooLong = (field: string, max: number, lang: 'fr' | 'en') => {
    if ((values[field] ?? '').length > max)
      problems.push({
        field,
        message: `studioEditor.errors.${max === MAX_SHORT_TEXT ? 'short' : 'long'}TooLong${lang === 'fr' ? 'Fr' : 'En'}`,
      });
  };
  for (const { key, max } of TEXTS) {
    tooLong(`${key}Fr`, max, 'fr');
    tooLong(`${key}En`, max, 'en');
  }
  for (const list of LISTS)
    for (const part of LIST_PARTS) {
      const items = itemsOf(values, list, part);
      if (items.length > MAX_LIST_ITEMS)
        problems.push({
          field: itemName(list, part, MAX_LIST_ITEMS, 'fr'),
          message: 'studioEditor.errors.tooManyItems',
          params: { max: MAX_LIST_ITEMS },
        });
      items.forEach((_, i) => {
        tooLong(itemName(list, part, i, 'fr'), MAX_LONG_TEXT, 'fr');
        tooLong(itemName(list, part, i, 'en'), MAX_LONG_TEXT, 'en');
      });
    }
  if (!/^[A-Z]{2,4}$/.test(values.referencePrefix ?? ''))
    problems.push({ field: 'referencePrefix', message: 'studioEditor.errors.referencePrefix' });
  return problems;
}

/** The details with a list's item added (blank, at the end) or removed. */
export function withListAction(details: ServiceDetails, action: ListAction): ServiceDetails {
  const items = [...details[action.list][action.part]];
  if (action.kind === 'add') items.push({ fr: '', en: '' });
  else items.splice(action.index, 1);
  return { ...details, [action.list]: { ...details[action.list], [action.part]: items } };
}

/** `add:<list>:<part>` or `remove:<list>:<part>:<index>`; anything else saves. */
function listAction(value: string): ListAction | null {
  const [kind, list, part, index] = value.split(':');
  if (!(LISTS as readonly string[]).includes(list)) return null;
  if (!(LIST_PARTS as readonly string[]).includes(part)) return null;
  if (kind === 'add') return { kind, list: list as ListName, part: part as ListPart };
  if (kind === 'remove' && /^\d{1,2}$/.test(index ?? ''))
    return { kind, list: list as ListName, part: part as ListPart, index: Number(index) };
  return null;
}

/** A paragraph as typed: trimmed, line breaks kept as \n, control characters left out. */
function paragraph(value: unknown): string {
  return typeof value === 'string' ? String(multiline({ value })).trim() : '';
}
