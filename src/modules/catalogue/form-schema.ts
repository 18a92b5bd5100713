import type { Audience } from '../../platform/flags/flag-context.js';
import type { Localized } from './service-definition.js';

/**
 * A service's form, declared in its definition: steps of fields. The citizen
 * variant sees every step and field not marked `only: 'business'`; the business
 * variant sees them all (identical or augmented, never less).
 *
 * Answers are stored flat, by field name (names are unique across a form):
 * text-like fields as strings, number and money as numbers, date as
 * `YYYY-MM-DD`, yes/no as `'yes' | 'no'`, single choice as the option's value,
 * multiple choice as an array of values, address as an `AddressAnswer`, file as
 * an array of `FileAnswer`, a repeatable group as an array of objects keyed by
 * its sub-fields' names.
 */
export interface FormDefinition {
  steps: StepDefinition[];
  /** Rules comparing two answers, e.g. an end date on or after its start date. */
  rules?: CrossFieldRule[];
}

/** How a rule compares `field` with `other`: for numbers and money, after is greater. */
export type Comparison = 'after' | 'onOrAfter' | 'before' | 'onOrBefore';

export const COMPARISONS: readonly Comparison[] = ['after', 'onOrAfter', 'before', 'onOrBefore'];

/** The field types a cross-field rule may compare (two of the same type). */
export const COMPARABLE_TYPES = ['date', 'number', 'money'] as const;

/**
 * A rule between two answers of the same comparable type: `field` must be
 * `must` `other` (e.g. endDate onOrAfter startDate). Checked on the step that
 * holds `field` (`other` is in that step or an earlier one), only when both are
 * shown and answered; the message is shown on `field`.
 */
export interface CrossFieldRule {
  field: string;
  must: Comparison;
  other: string;
  message: Localized;
}

export interface StepDefinition {
  /** The step's path segment and id, e.g. `work` → /…/steps/work. */
  slug: string;
  title: Localized;
  /** Shown under the title. */
  intro?: Localized;
  only?: Audience;
  fields: FieldDefinition[];
}

export type FieldDefinition =
  | TextField
  | LongTextField
  | NumberField
  | MoneyField
  | DateField
  | YesNoField
  | ChoiceField
  | MultiChoiceField
  | AddressField
  | EmailField
  | PhoneField
  | FileField
  | GroupField;

export type FieldType = FieldDefinition['type'];

interface FieldBase {
  /** Unique in the form: the answer's key and the input's id. Lower camel case. */
  name: string;
  label: Localized;
  hint?: Localized;
  /** Required unless set. */
  optional?: boolean;
  /** Only for this audience (a business-only field augments the business variant). */
  only?: Audience;
  /** Shown (and validated) only when another field has one of these answers. */
  showIf?: { field: string; equals: string | string[] };
  /** Filled in from who is filing, when the field has no answer yet. */
  prefill?: PrefillSource;
}

export type PrefillSource =
  | 'organization.legalName'
  | 'organization.neq'
  | 'organization.address'
  | 'organization.contactName'
  | 'organization.contactEmail'
  | 'organization.contactPhone'
  | 'account.name'
  | 'account.email';

/** A rule the answer must match, with the message to show when it does not. */
export interface PatternRule {
  regex: string;
  message: Localized;
}

export interface TextField extends FieldBase {
  type: 'text';
  maxLength?: number;
  pattern?: PatternRule;
  /** govuk width class suffix, e.g. '10' → govuk-input--width-10. */
  width?: '2' | '3' | '4' | '5' | '10' | '20' | '30';
}

export interface LongTextField extends FieldBase {
  type: 'longText';
  maxLength?: number;
}

export interface NumberField extends FieldBase {
  type: 'number';
  min?: number;
  max?: number;
  integer?: boolean;
  /** Shown after the input, e.g. m² or storeys. */
  suffix?: Localized;
}

/** An amount in dollars, to the cent. */
export interface MoneyField extends FieldBase {
  type: 'money';
  min?: number;
  max?: number;
}

export interface DateField extends FieldBase {
  type: 'date';
  /** 'today': the date may not be in the past. */
  notBefore?: 'today';
  /** 'today': the date may not be in the future. */
  notAfter?: 'today';
}

export interface YesNoField extends FieldBase {
  type: 'yesNo';
}

export interface ChoiceOption {
  value: string;
  label: Localized;
  hint?: Localized;
}

export interface ChoiceField extends FieldBase {
  type: 'choice';
  options: ChoiceOption[];
}

export interface MultiChoiceField extends FieldBase {
  type: 'multiChoice';
  options: ChoiceOption[];
}

export interface AddressField extends FieldBase {
  type: 'address';
}

export interface EmailField extends FieldBase {
  type: 'email';
}

export interface PhoneField extends FieldBase {
  type: 'phone';
}

export interface FileField extends FieldBase {
  type: 'file';
  /** At most this many files (default 5). */
  maxFiles?: number;
}

/** Fields a repeatable group may hold: no files and no groups inside a group. */
export type GroupItemField = Exclude<FieldDefinition, FileField | GroupField>;

export interface GroupField extends FieldBase {
  type: 'group';
  /** What one item is called, e.g. « site » / "site". */
  itemLabel: Localized;
  fields: GroupItemField[];
  minItems?: number;
  /** At most this many items (default 10, at most 50). */
  maxItems?: number;
}

export interface AddressAnswer {
  line1: string;
  line2: string;
  city: string;
  postalCode: string;
}

export interface FileAnswer {
  id: string;
  filename: string;
  size: number;
  contentType: string;
}

export type AnswerValue =
  string | number | string[] | AddressAnswer | FileAnswer[] | Record<string, unknown>[];

export type Answers = Record<string, AnswerValue>;

export const DEFAULT_MAX_FILES = 5;
export const DEFAULT_MAX_ITEMS = 10;
export const MAX_ITEMS_LIMIT = 50;
