import { scanBadge, type ScanBadge } from '../../platform/virus-scan/scan-badge.js';
import type { FileScans } from './applications.read-model.js';
import type { Audience } from '../../platform/flags/flag-context.js';
import type { I18nService, Locale } from '../../platform/i18n/i18n.service.js';
import {
  fieldsFor,
  firstInputId,
  isShown,
  itemCount,
  maxFiles,
  maxItems,
  type FormProblem,
  type RawValues,
} from '../catalogue/form-engine.js';
import type {
  AddressAnswer,
  Answers,
  AnswerValue,
  FieldDefinition,
  FileAnswer,
  GroupItemField,
  StepDefinition,
} from '../catalogue/form-schema.js';
import { intlLocale } from '../../platform/i18n/intl-locale.js';

/** One error, as the error summary and the field show it. */
export interface ShownError {
  field: string;
  message: string;
}

/** A problem's message in the locale. */
export function problemMessage(problem: FormProblem, locale: Locale, i18n: I18nService): string {
  const label = problem.label[locale];
  const base = problem.message
    ? problem.message[locale]
    : i18n.t(locale, problem.key, { ...problem.params, label });
  const item = problem.params.item;
  if (item === undefined) return base;
  return i18n.t(locale, 'form.errors.inItem', {
    item: locale === 'fr' ? problem.params.itemLabelFr : problem.params.itemLabelEn,
    number: item,
    message: base,
  });
}

export function shownErrors(
  problems: FormProblem[],
  locale: Locale,
  i18n: I18nService,
): ShownError[] {
  return problems.map((p) => ({ field: p.inputId, message: problemMessage(p, locale, i18n) }));
}

interface Part {
  id: string;
  name: string;
  label: string;
  value: string;
  width?: string;
  autocomplete?: string;
  inputmode?: string;
  error: boolean;
}

/** Everything a template needs to show one field. */
export interface FieldView {
  kind: 'input' | 'textarea' | 'date' | 'radios' | 'checkboxes' | 'address' | 'file' | 'group';
  id: string;
  name: string;
  label: string;
  hint?: string;
  optional: boolean;
  error?: string;
  value?: string;
  inputType?: string;
  inputmode?: string;
  autocomplete?: string;
  width?: string;
  prefix?: string;
  suffix?: string;
  rows?: number;
  options?: { id: string; value: string; label: string; hint?: string; checked: boolean }[];
  parts?: Part[];
  files?: ({ id: string; filename: string; sizeKb: string } & Partial<ScanBadge>)[];
  canUpload?: boolean;
  items?: {
    number: number;
    legend: string;
    fields: FieldView[];
    removeAction: string;
    removeLabel: string;
  }[];
  addAction?: string;
  addLabel?: string;
  canAdd?: boolean;
  /** For progressive enhancement: hide unless the named radio/checkbox has one of these values. */
  showIf?: { field: string; values: string };
  /** The ids of the hint and error message, for aria-describedby (empty: no attribute). */
  ariaDescribedBy: string;
}

export interface StepViewInput {
  step: StepDefinition;
  audience: Audience;
  raw: RawValues;
  answers: Answers;
  problems: FormProblem[];
  locale: Locale;
  i18n: I18nService;
  /** Extra empty items to show in groups (after "add another"). */
  extraItems?: Record<string, number>;
  /** The virus scan of the stored files: pending and refused ones are labelled. */
  fileScans?: FileScans;
}

/** A file's virus-scan label for the person who sent it; none when its scan is not known. */
function fileBadge(input: StepViewInput, fileId: string): ScanBadge | undefined {
  const scan = input.fileScans?.get(fileId);
  if (!scan) return undefined;
  return scanBadge(
    scan.status,
    'own',
    (key, vars) => input.i18n.t(input.locale, key, vars),
    scan.signature,
  );
}

/** The fields of a step to show: those of the variant, without those hidden by an answer from another step. */
export function stepFieldViews(input: StepViewInput): FieldView[] {
  const { step, audience, answers } = input;
  const sameStep = new Set(step.fields.map((f) => f.name));
  return fieldsFor(step.fields, audience)
    .filter((f) => !f.showIf || sameStep.has(f.showIf.field) || isShown(f, answers))
    .map((field) => fieldView(field, '', input, sameStep));
}

function fieldView(
  field: FieldDefinition | GroupItemField,
  prefix: string,
  input: StepViewInput,
  sameStep: Set<string>,
): FieldView {
  const { raw, locale, i18n } = input;
  const id = `${prefix}${field.name}`;
  const errorFor = (inputId: string) => {
    const problem = input.problems.find((p) => p.inputId === inputId);
    return problem ? problemMessage(problem, locale, i18n) : undefined;
  };
  const fieldErrorIds = (ids: string[]) => input.problems.filter((p) => ids.includes(p.inputId));
  const value = (name: string) => {
    const v = raw[name];
    return typeof v === 'string' ? v : '';
  };
  const hint = field.hint?.[locale];
  const base = {
    id,
    name: id,
    label: field.label[locale],
    hint,
    optional: field.optional === true,
    showIf:
      field.showIf && sameStep.has(field.showIf.field) && !prefix
        ? {
            field: field.showIf.field,
            values: ([] as string[]).concat(field.showIf.equals).join(' '),
          }
        : undefined,
  };
  const describedBy = (error?: string) =>
    [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');

  switch (field.type) {
    case 'text':
    case 'email':
    case 'phone':
    case 'number':
    case 'money': {
      const error = errorFor(id);
      return {
        ...base,
        kind: 'input',
        error,
        value: value(id),
        inputType: field.type === 'email' ? 'email' : field.type === 'phone' ? 'tel' : 'text',
        inputmode:
          field.type === 'number' || field.type === 'money'
            ? 'decimal'
            : field.type === 'phone'
              ? 'tel'
              : undefined,
        autocomplete: field.type === 'email' ? 'email' : field.type === 'phone' ? 'tel' : undefined,
        width:
          field.type === 'text'
            ? field.width
            : field.type === 'number' || field.type === 'money'
              ? '10'
              : field.type === 'phone'
                ? '20'
                : undefined,
        prefix: field.type === 'money' && locale === 'en' ? '$' : undefined,
        suffix:
          field.type === 'money' && locale === 'fr'
            ? '$'
            : field.type === 'number'
              ? field.suffix?.[locale]
              : undefined,
        ariaDescribedBy: describedBy(error),
      };
    }
    case 'longText': {
      const error = errorFor(id);
      return {
        ...base,
        kind: 'textarea',
        error,
        value: value(id),
        rows: 5,
        ariaDescribedBy: describedBy(error),
      };
    }
    case 'date': {
      const problems = fieldErrorIds([`${id}-day`]);
      const error = errorFor(`${id}-day`);
      const part = (p: 'day' | 'month' | 'year', width: string): Part => ({
        id: `${id}-${p}`,
        name: `${id}-${p}`,
        label: i18n.t(locale, `form.${p}`),
        value: value(`${id}-${p}`),
        width,
        inputmode: 'numeric',
        error: problems.length > 0,
      });
      return {
        ...base,
        kind: 'date',
        error,
        parts: [part('day', '2'), part('month', '2'), part('year', '4')],
        ariaDescribedBy: describedBy(error),
      };
    }
    case 'yesNo':
    case 'choice':
    case 'multiChoice': {
      const error = errorFor(id);
      const options =
        field.type === 'yesNo'
          ? [
              { value: 'yes', label: i18n.t(locale, 'form.yes') },
              { value: 'no', label: i18n.t(locale, 'form.no') },
            ]
          : field.options.map((o) => ({
              value: o.value,
              label: o.label[locale],
              hint: o.hint?.[locale],
            }));
      const chosen = raw[id];
      const checked = (v: string) => (Array.isArray(chosen) ? chosen.includes(v) : chosen === v);
      return {
        ...base,
        kind: field.type === 'multiChoice' ? 'checkboxes' : 'radios',
        hint: field.type === 'multiChoice' ? (hint ?? i18n.t(locale, 'form.selectAll')) : hint,
        error,
        options: options.map((o, i) => ({
          ...o,
          id: i === 0 ? id : `${id}-${i + 1}`,
          checked: checked(o.value),
        })),
        ariaDescribedBy: [
          hint || field.type === 'multiChoice' ? `${id}-hint` : '',
          error ? `${id}-error` : '',
        ]
          .filter(Boolean)
          .join(' '),
      };
    }
    case 'address': {
      const parts = (['line1', 'line2', 'city', 'postalCode'] as const).map((p): Part => ({
        id: `${id}-${p}`,
        name: `${id}-${p}`,
        label: i18n.t(locale, `form.address.${p}`),
        value: value(`${id}-${p}`),
        width: p === 'postalCode' ? '10' : p === 'city' ? '20' : undefined,
        autocomplete:
          p === 'line1'
            ? 'address-line1'
            : p === 'line2'
              ? 'address-line2'
              : p === 'city'
                ? 'address-level2'
                : 'postal-code',
        error: Boolean(errorFor(`${id}-${p}`)),
      }));
      const error = ['line1', 'line2', 'city', 'postalCode']
        .map((p) => errorFor(`${id}-${p}`))
        .find(Boolean);
      return { ...base, kind: 'address', error, parts, ariaDescribedBy: describedBy(error) };
    }
    case 'file': {
      const files = (input.answers[field.name] as FileAnswer[] | undefined) ?? [];
      const error = errorFor(id);
      return {
        ...base,
        kind: 'file',
        error,
        files: files.map((f) => ({
          ...fileBadge(input, f.id),
          id: f.id,
          filename: f.filename,
          sizeKb: i18n.t(locale, 'form.fileSize', {
            size: Math.max(1, Math.round(f.size / 1024)).toLocaleString(intlLocale(locale)),
          }),
        })),
        canUpload: files.length < maxFiles(field),
        ariaDescribedBy: describedBy(error),
      };
    }
    case 'group': {
      const count = Math.min(
        maxItems(field),
        Math.max(
          itemCount(field, raw) + (input.extraItems?.[field.name] ?? 0),
          field.optional ? 0 : 1,
        ),
      );
      const itemLabel = field.itemLabel[locale];
      const error = errorFor(firstInputId(field));
      return {
        ...base,
        kind: 'group',
        error,
        items: Array.from({ length: count }, (_, i) => ({
          number: i + 1,
          legend: i18n.t(locale, 'form.item', { item: itemLabel, number: i + 1 }),
          fields: field.fields.map((sub) => fieldView(sub, `${id}-${i}-`, input, sameStep)),
          removeAction: `remove:${field.name}:${i}`,
          removeLabel: i18n.t(locale, 'form.removeItem', {
            item: itemLabel.toLowerCase(),
            number: i + 1,
          }),
        })),
        addAction: `add:${field.name}`,
        addLabel: i18n.t(locale, 'form.addItem', { item: itemLabel.toLowerCase() }),
        canAdd: count < maxItems(field),
        ariaDescribedBy: describedBy(error),
      };
    }
  }
}

/** One answer as the check-answers page and the receipt show it (lines of text). */
export function answerLines(
  field: FieldDefinition | GroupItemField,
  value: AnswerValue | undefined,
  locale: Locale,
  i18n: I18nService,
): string[] {
  if (value === undefined || value === '') return [];
  switch (field.type) {
    case 'yesNo':
      return [i18n.t(locale, value === 'yes' ? 'form.yes' : 'form.no')];
    case 'choice':
      return [field.options.find((o) => o.value === value)?.label[locale] ?? String(value)];
    case 'multiChoice':
      return (value as string[]).map(
        (v) => field.options.find((o) => o.value === v)?.label[locale] ?? v,
      );
    case 'money':
      return [
        new Intl.NumberFormat(intlLocale(locale), {
          style: 'currency',
          currency: 'CAD',
        }).format(Number(value)),
      ];
    case 'number':
      return [
        `${new Intl.NumberFormat(intlLocale(locale)).format(Number(value))}${field.suffix ? ` ${field.suffix[locale]}` : ''}`,
      ];
    case 'date':
      return [
        new Intl.DateTimeFormat(intlLocale(locale), {
          dateStyle: 'long',
          timeZone: 'UTC',
        }).format(new Date(String(value))),
      ];
    case 'address': {
      const a = value as AddressAnswer;
      return [a.line1, a.line2, `${a.city} ${a.postalCode}`].filter((l) => l && l.trim());
    }
    case 'file':
      return (value as FileAnswer[]).map((f) => f.filename);
    case 'group':
      return (value as Record<string, AnswerValue>[]).map((item, i) =>
        [
          `${field.itemLabel[locale]} ${i + 1} :`.replace(' :', locale === 'fr' ? ' :' : ':'),
          ...field.fields.flatMap((sub) => answerLines(sub, item[sub.name], locale, i18n)),
        ].join(' '),
      );
    default:
      return String(value).split('\n');
  }
}

export interface SummarySection {
  slug: string;
  title: string;
  rows: { name: string; label: string; lines: string[] }[];
}

/** The answers of every step a variant has, for "check your answers", the receipt and staff. */
export function summarize(
  steps: StepDefinition[],
  audience: Audience,
  answers: Answers,
  locale: Locale,
  i18n: I18nService,
): SummarySection[] {
  return steps.map((step) => ({
    slug: step.slug,
    title: step.title[locale],
    rows: fieldsFor(step.fields, audience)
      .filter((f) => isShown(f, answers))
      .map((f) => ({
        name: f.name,
        label: f.label[locale],
        lines: answerLines(f, answers[f.name], locale, i18n),
      })),
  }));
}
