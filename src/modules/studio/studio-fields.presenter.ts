import { Injectable } from '@nestjs/common';
import type { FieldError } from '../../platform/forms/form.js';
import { errorsByField } from '../../platform/forms/form.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { COMPARISONS, type FieldType, type StepDefinition } from '../catalogue/form-schema.js';
import {
  conditionCandidates,
  FIELD_TYPES,
  GROUP_ITEM_TYPES,
  MAX_OPTIONS,
  optionRows,
  PREFILL_BY_TYPE,
  ruleCandidates,
  rulesOf,
  TEXT_WIDTHS,
  type FieldForm,
  type FieldPath,
} from './field-edits.js';
import type { FieldEditor } from './studio-fields.service.js';
import type { Revision } from './service-revisions.service.js';
import { revisionPath } from './studio-paths.js';

const NAV = { navActive: 'staff', staffNavActive: 'studio' };

/** Where a draft's pages are. */
export function fieldPath(slug: string, number: number, path: FieldPath): string {
  const step = `${revisionPath(slug, number)}/steps/${encodeURIComponent(path.step)}`;
  const field = `${step}/fields/${encodeURIComponent(path.field)}`;
  return path.sub === undefined ? field : `${field}/fields/${encodeURIComponent(path.sub)}`;
}

/**
 * The question editor's pages as they show, in the page's language: the type
 * chooser, the editor of one question (every type, French and English side by
 * side), and the cross-field rules with the confirmation of a removal.
 */
@Injectable()
export class StudioFieldsPresenter {
  constructor(private readonly i18n: I18nService) {}

  typeChooser(
    locale: Locale,
    revision: Revision,
    target: { step: string; group?: string },
    values: FieldForm,
    state: { errors: FieldError[]; conflict?: string },
  ) {
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const step = revision.definition.form.steps.find((s) => s.slug === target.step)!;
    const group = target.group ? step.fields.find((f) => f.name === target.group) : undefined;
    const types: readonly FieldType[] = target.group ? GROUP_ITEM_TYPES : FIELD_TYPES;
    const base = revisionPath(revision.slug, revision.number);
    return {
      ...NAV,
      caption: this.caption(locale, revision, step),
      lead: group
        ? t('studioFields.new.groupLead', { group: group.label[locale] })
        : t('studioFields.new.lead'),
      action: group
        ? `${fieldPath(revision.slug, revision.number, { step: step.slug, field: group.name })}/fields/new`
        : `${base}/steps/${encodeURIComponent(step.slug)}/fields/new`,
      backLink: group
        ? fieldPath(revision.slug, revision.number, { step: step.slug, field: group.name })
        : `${base}/steps/${encodeURIComponent(step.slug)}`,
      version: values.version ?? String(revision.version),
      conflict: state.conflict,
      types: types.map((type, i) => ({
        id: i === 0 ? 'type' : `type-${type}`,
        value: type,
        label: t(`studioFields.types.${type}`),
        hint: t(`studioFields.typeHints.${type}`),
        checked: values.type === type,
      })),
      values,
      errors: state.errors,
    };
  }

  editor(
    locale: Locale,
    editor: FieldEditor,
    values: FieldForm,
    state: { errors: FieldError[]; conflict?: string; notice?: string },
  ) {
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const { revision, located, isNew } = editor;
    const { step, field, group } = located;
    const errors = errorsByField(state.errors);
    const form = revision.definition.form;
    const type = (isNew && values.type ? values.type : field.type) as FieldType;
    const path: FieldPath = group
      ? { step: step.slug, field: group.name, sub: field.name }
      : { step: step.slug, field: field.name };
    const self = fieldPath(revision.slug, revision.number, path);
    const localized = (name: string, legendKey: string, hintKey?: string, rows?: number) => ({
      name,
      legend: t(legendKey),
      hint: hintKey ? t(hintKey) : undefined,
      rows,
      fr: { id: `${name}Fr`, value: values[`${name}Fr`] ?? '', error: errors[`${name}Fr`] },
      en: { id: `${name}En`, value: values[`${name}En`] ?? '', error: errors[`${name}En`] },
    });
    const input = (name: string, labelKey: string, hintKey?: string, width = '5') => ({
      name,
      label: t(labelKey),
      hint: hintKey ? t(hintKey) : undefined,
      value: values[name] ?? '',
      error: errors[name],
      width,
    });
    const rows = optionRows(values);
    const blank = Math.max(-1, ...rows.map((r) => r.index)) + 1;
    const option = (i: number, position: number, last: boolean) => ({
      index: i,
      number: position + 1,
      legend: values[`option-${i}-labelFr`] || t('studioFields.options.newOption'),
      value: input(`option-${i}-value`, 'studioFields.options.value', undefined, '10'),
      label: localized(`option-${i}-label`, 'studioFields.options.label'),
      hint: localized(`option-${i}-hint`, 'studioFields.options.hint'),
      remove: { id: `option-${i}-remove`, checked: !!values[`option-${i}-remove`] },
      canMoveUp: position > 0,
      canMoveDown: !last,
      moveUp: `option-up-${i}`,
      moveDown: `option-down-${i}`,
    });
    const subFields = field.type === 'group' ? field.fields : [];
    const tokens = new Set((values.showIf ?? '').split('\n').filter(Boolean));
    const candidates = group ? [] : conditionCandidates(form, step.slug, field.name);
    let firstCondition = true;
    const prefill = group ? [] : (PREFILL_BY_TYPE[type] ?? []);
    return {
      ...NAV,
      caption: this.caption(locale, revision, step),
      backLink: group
        ? fieldPath(revision.slug, revision.number, { step: step.slug, field: group.name })
        : `${revisionPath(revision.slug, revision.number)}/steps/${encodeURIComponent(step.slug)}`,
      backText: group
        ? t('studioFields.edit.backToGroup', { group: group.label[locale] })
        : t('studioFields.edit.backToStep', { step: step.title[locale] }),
      action: self,
      version: values.version ?? String(revision.version),
      conflict: state.conflict,
      notice: state.notice,
      inGroup: !!group,
      isNew,
      typeLabel: t(`studioFields.types.${field.type}`),
      types: isNew
        ? (group ? GROUP_ITEM_TYPES : FIELD_TYPES).map((value) => ({
            value,
            label: t(`studioFields.types.${value}`),
            selected: value === type,
          }))
        : undefined,
      typeError: errors.type,
      name: input('name', 'studioFields.edit.name', undefined, '20'),
      label: localized('label', 'studioFields.edit.label'),
      hint: localized('hint', 'studioFields.edit.hint', 'studioFields.edit.hintHint', 3),
      required: values.required !== 'no',
      stepIsBusinessOnly: step.only === 'business',
      businessOnly: values.only === 'business',
      is: Object.fromEntries(FIELD_TYPES.map((x) => [x, x === type])),
      maxLength: input(
        'maxLength',
        'studioFields.settings.maxLength',
        'studioFields.settings.maxLengthHint',
      ),
      patternRegex: input(
        'patternRegex',
        'studioFields.settings.pattern',
        'studioFields.settings.patternHint',
        '20',
      ),
      patternMessage: localized('patternMessage', 'studioFields.settings.patternMessage'),
      width: {
        error: errors.width,
        choices: ['', ...TEXT_WIDTHS].map((w) => ({
          value: w,
          label: w
            ? t('studioFields.settings.widthChars', { count: Number(w) })
            : t('studioFields.settings.widthFull'),
          selected: (values.width ?? '') === w,
        })),
      },
      min: input(
        'min',
        'studioFields.settings.min',
        type === 'money' ? 'studioFields.settings.amountHint' : undefined,
        '10',
      ),
      max: input('max', 'studioFields.settings.max', undefined, '10'),
      integer: values.integer === 'yes',
      suffix: localized(
        'suffix',
        'studioFields.settings.suffix',
        'studioFields.settings.suffixHint',
      ),
      dateLimits: ['', 'notBefore', 'notAfter'].map((value, i) => ({
        id: i === 0 ? 'dateLimit' : `dateLimit-${value}`,
        value,
        label: t(`studioFields.settings.dateLimit.${value || 'none'}`),
        checked: (values.dateLimit ?? '') === value,
      })),
      maxFiles: input(
        'maxFiles',
        'studioFields.settings.maxFiles',
        'studioFields.settings.maxFilesHint',
        '3',
      ),
      options: rows.map((r, position) => option(r.index, position, position === rows.length - 1)),
      newOption:
        rows.length < MAX_OPTIONS
          ? { ...option(blank, rows.length, true), legend: t('studioFields.options.newOption') }
          : undefined,
      itemLabel: localized(
        'itemLabel',
        'studioFields.group.itemLabel',
        'studioFields.group.itemLabelHint',
      ),
      minItems: input('minItems', 'studioFields.group.minItems', undefined, '3'),
      maxItems: input(
        'maxItems',
        'studioFields.group.maxItems',
        'studioFields.group.maxItemsHint',
        '3',
      ),
      subFields: subFields.map((sub, i) => ({
        index: i,
        name: sub.name,
        label: sub.label[locale] || sub.label.fr,
        type: t(`studioFields.types.${sub.type}`),
        href: fieldPath(revision.slug, revision.number, { ...path, sub: sub.name }),
        editText: t('studioFields.group.edit', { label: sub.label[locale] || sub.name }),
        removeText: t('studioFields.group.remove', { label: sub.label[locale] || sub.name }),
        upText: t('studioFields.group.moveUp', { label: sub.label[locale] || sub.name }),
        downText: t('studioFields.group.moveDown', { label: sub.label[locale] || sub.name }),
        remove: this.subRemoved(values, sub.name),
        canMoveUp: i > 0,
        canMoveDown: i < subFields.length - 1,
        moveUp: `sub-up-${i}`,
        moveDown: `sub-down-${i}`,
      })),
      subFieldsError: errors['sub-0-remove'],
      conditions: candidates.map((c) => ({
        legend: c.field.label[locale] || c.field.name,
        name: c.field.name,
        answers: c.answers.map((a) => {
          const token = `${c.field.name}:${a.value}`;
          const id = firstCondition ? 'showIf' : `showIf-${c.field.name}-${a.value}`;
          firstCondition = false;
          return {
            id,
            value: token,
            label: a.label[locale] || a.value,
            checked: tokens.has(token),
          };
        }),
      })),
      hasCondition: tokens.size > 0,
      conditionError: errors.showIf,
      prefill: prefill.length
        ? {
            error: errors.prefill,
            choices: ['', ...prefill].map((value) => ({
              value,
              label: t(`studioFields.prefill.${value ? value.replace('.', '_') : 'none'}`),
              selected: (values.prefill ?? '') === value,
            })),
          }
        : undefined,
      values,
      errors: state.errors,
    };
  }

  rules(
    locale: Locale,
    revision: Revision,
    values: FieldForm,
    state: { errors: FieldError[]; conflict?: string; notice?: string },
  ) {
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const errors = errorsByField(state.errors);
    const form = revision.definition.form;
    const labelOf = (name: string) => {
      const field = form.steps.flatMap((s) => s.fields).find((f) => f.name === name);
      return field ? field.label[locale] || name : name;
    };
    const base = revisionPath(revision.slug, revision.number);
    const candidates = ruleCandidates(form);
    const select = (name: string) => ({
      name,
      error: errors[name],
      choices: [
        { value: '', label: t('studioFields.rules.choose'), selected: !values[name] },
        ...candidates.map((f) => ({
          value: f.name,
          label: `${f.label[locale] || f.name} (${t(`studioFields.types.${f.type}`)})`,
          selected: values[name] === f.name,
        })),
      ],
    });
    const localized = (name: string, legendKey: string) => ({
      name,
      legend: t(legendKey),
      fr: { id: `${name}Fr`, value: values[`${name}Fr`] ?? '', error: errors[`${name}Fr`] },
      en: { id: `${name}En`, value: values[`${name}En`] ?? '', error: errors[`${name}En`] },
    });
    return {
      ...NAV,
      caption: revision.definition.title[locale] || revision.slug,
      backLink: base,
      action: `${base}/rules`,
      version: values.version ?? String(revision.version),
      conflict: state.conflict,
      notice: state.notice,
      rules: rulesOf(form).map((rule, i) => ({
        sentence: t('studioFields.rules.sentence', {
          field: labelOf(rule.field),
          must: t(`studioFields.rules.must.${rule.must}`),
          other: labelOf(rule.other),
        }),
        message: rule.message[locale],
        otherMessage: rule.message[locale === 'fr' ? 'en' : 'fr'],
        otherLang: locale === 'fr' ? 'en' : 'fr',
        removeHref: `${base}/rules/${i}/remove`,
        removeText: t('studioFields.rules.remove', {
          field: labelOf(rule.field),
          other: labelOf(rule.other),
        }),
      })),
      hasCandidates: candidates.length >= 2,
      field: select('field'),
      other: select('other'),
      must: {
        error: errors.must,
        choices: COMPARISONS.map((value, i) => ({
          id: i === 0 ? 'must' : `must-${value}`,
          value,
          label: t(`studioFields.rules.must.${value}`),
          checked: values.must === value,
        })),
      },
      message: localized('message', 'studioFields.rules.message'),
      values,
      errors: state.errors,
    };
  }

  /** The page that asks to confirm a rule's removal. */
  ruleRemoval(locale: Locale, revision: Revision, index: number) {
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const rule = rulesOf(revision.definition.form)[index];
    const labelOf = (name: string) => {
      const field = revision.definition.form.steps
        .flatMap((s) => s.fields)
        .find((f) => f.name === name);
      return field ? field.label[locale] || name : name;
    };
    const rules = `${revisionPath(revision.slug, revision.number)}/rules`;
    return {
      ...NAV,
      caption: revision.definition.title[locale] || revision.slug,
      backLink: rules,
      action: `${rules}/${index}/remove`,
      version: String(revision.version),
      sentence: t('studioFields.rules.sentence', {
        field: labelOf(rule.field),
        must: t(`studioFields.rules.must.${rule.must}`),
        other: labelOf(rule.other),
      }),
      message: rule.message[locale],
    };
  }

  private caption(locale: Locale, revision: Revision, step: StepDefinition): string {
    return this.i18n.t(locale, 'studioFields.caption', {
      service: revision.definition.title[locale] || revision.slug,
      number: revision.number,
      step: step.title[locale] || step.slug,
    });
  }

  private subRemoved(values: FieldForm, name: string): boolean {
    for (let i = 0; i <= MAX_OPTIONS; i++)
      if (values[`sub-${i}-name`] === name) return !!values[`sub-${i}-remove`];
    return false;
  }
}
