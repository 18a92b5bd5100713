import type { I18nService, Locale } from '../../platform/i18n/i18n.service.js';
import { formatNumber } from '../../platform/i18n/intl-locale.js';
import type { Localized } from '../catalogue/service-definition.js';
import {
  isEmpty,
  isLocalized,
  type AttributeChange,
  type Change,
  type ComparedAttribute,
  type ComparedValue,
  type FieldComparison,
  type ListItemChange,
  type Place,
  type RevisionComparison,
  type RuleComparison,
  type StepComparison,
  type VariantComparison,
} from './revision-comparison.js';

/**
 * What the partial `studio-comparison` shows (views/partials/studio-comparison.hbs):
 * every string already in the page's language, texts of the service in both.
 */
export interface ComparisonView {
  /** True when the two revisions are the same: the partial then says so. */
  empty: boolean;
  emptyText: string;
  /** The tables' column headings. */
  columns: { item: string; before: string; after: string };
  sections: ComparisonSectionView[];
}

/** One part of the comparison (the service, start pages, steps, questions, rules), an `<h2>`. */
export interface ComparisonSectionView {
  id: string;
  heading: string;
  tables: ComparisonTableView[];
}

/** What changed in one thing (the service, a variant, a step, a question), a table with its caption. */
export interface ComparisonTableView {
  /** The caption's id (the scrolling region is labelled by it). */
  id: string;
  /** The thing's name in the page's language. */
  caption: string;
  /** Its name in the other language, when it has one. */
  captionOther?: TextView;
  /** Its key (a step's slug, a question's name), shown as code. */
  key?: string;
  /** Where it is, for a question kept in its place: its step (and group). */
  detail?: string;
  tag: TagView;
  rows: ComparisonRowView[];
}

export interface TagView {
  text: string;
  /** Its classes: govuk-tag and its colour. */
  classes: string;
  change: Change | 'moved';
}

/** One attribute, one language of a text, or one list item or option: a row of a table. */
export interface ComparisonRowView {
  header: string;
  /** Whether an item of a list, an option or a rule was added, removed or changed. */
  tag?: TagView;
  before: CellView;
  after: CellView;
}

/** A value as shown: `lang` when its language is not the page's; `none` when there is nothing. */
export interface TextView {
  text: string;
  lang?: Locale;
}

export interface CellView extends TextView {
  code: boolean;
  none: boolean;
}

const TAG_CLASSES: Record<TagView['change'], string> = {
  added: 'govuk-tag govuk-tag--green',
  removed: 'govuk-tag govuk-tag--red',
  changed: 'govuk-tag',
  moved: 'govuk-tag govuk-tag--purple',
};

/** Attributes whose value is a key or a pattern, shown as code. */
const CODE_ATTRIBUTES: readonly ComparedAttribute[] = ['referencePrefix', 'pattern', 'optionOrder'];

const LANGUAGES = ['fr', 'en'] as const;

/**
 * The view of a comparison in the page's language (`locale`); `revisions`
 * numbers the before and after columns.
 */
export function comparisonView(
  i18n: I18nService,
  locale: Locale,
  comparison: RevisionComparison,
  revisions?: { from: number; to: number },
): ComparisonView {
  return new ComparisonViewBuilder(i18n, locale).view(comparison, revisions);
}

class ComparisonViewBuilder {
  constructor(
    private readonly i18n: I18nService,
    private readonly locale: Locale,
  ) {}

  private t(key: string, vars?: Record<string, unknown>): string {
    return this.i18n.t(this.locale, `studio.compare.${key}`, vars);
  }

  view(comparison: RevisionComparison, revisions?: { from: number; to: number }): ComparisonView {
    const sections: ComparisonSectionView[] = [
      {
        id: 'compare-service',
        heading: this.t('sections.service'),
        tables:
          comparison.service.length === 0
            ? []
            : [
                {
                  id: 'compare-service-texts',
                  caption: this.t('serviceTable'),
                  tag: this.tag('changed'),
                  rows: comparison.service.flatMap((c) => this.attributeRows(c)),
                },
              ],
      },
      {
        id: 'compare-variants',
        heading: this.t('sections.variants'),
        tables: comparison.variants.map((v) => this.variantTable(v)),
      },
      {
        id: 'compare-steps',
        heading: this.t('sections.steps'),
        tables: comparison.steps.map((s) => this.stepTable(s)),
      },
      {
        id: 'compare-fields',
        heading: this.t('sections.fields'),
        tables: comparison.fields.map((f) => this.fieldTable(f)),
      },
      {
        id: 'compare-rules',
        heading: this.t('sections.rules'),
        tables:
          comparison.rules.length === 0
            ? []
            : [
                {
                  id: 'compare-rules-table',
                  caption: this.t('rulesTable'),
                  tag: this.tag('changed'),
                  rows: comparison.rules.flatMap((r) => this.ruleRows(r)),
                },
              ],
      },
    ];
    return {
      empty: isEmpty(comparison),
      emptyText: this.t('empty'),
      columns: {
        item: this.t('columns.item'),
        before: revisions
          ? this.t('columns.beforeRevision', { revision: revisions.from })
          : this.t('columns.before'),
        after: revisions
          ? this.t('columns.afterRevision', { revision: revisions.to })
          : this.t('columns.after'),
      },
      sections: sections.filter((s) => s.tables.length > 0),
    };
  }

  private tag(change: TagView['change']): TagView {
    return { text: this.t(`tags.${change}`), classes: TAG_CLASSES[change], change };
  }

  /** A change's own tag: "moved" when it only moved. */
  private changeTag(change: Change, moved: boolean, changed: boolean): TagView {
    return this.tag(change === 'changed' && moved && !changed ? 'moved' : change);
  }

  private variantTable(variant: VariantComparison): ComparisonTableView {
    return {
      id: `compare-variant-${variant.audience}`,
      caption: this.t(`variants.${variant.audience}`),
      tag: this.tag('changed'),
      rows: [
        ...(variant.summary ? this.attributeRows(variant.summary) : []),
        ...variant.items.flatMap((item) => this.itemRows(item)),
      ],
    };
  }

  private itemRows(item: ListItemChange): ComparisonRowView[] {
    return LANGUAGES.map((language) => ({
      header: this.inLanguage(this.t(`lists.${item.list}`), language),
      tag: this.tag(item.change),
      before: this.textCell(item.before, language),
      after: this.textCell(item.after, language),
    }));
  }

  private stepTable(step: StepComparison): ComparisonTableView {
    return {
      id: `compare-step-${step.slug}`,
      ...this.captionOf(step.title),
      key: step.slug,
      tag: this.changeTag(step.change, step.moved, step.changes.length > 0),
      rows: [
        ...(step.moved ? [this.positionRow(step.before, step.after)] : []),
        ...step.changes.flatMap((c) => this.attributeRows(c)),
      ],
    };
  }

  private fieldTable(field: FieldComparison): ComparisonTableView {
    const { before, after } = field;
    const rows: ComparisonRowView[] = [];
    if (field.moved) {
      if (before?.step !== after?.step)
        rows.push({
          header: this.t('place.step'),
          before: this.codeCell(before?.step),
          after: this.codeCell(after?.step),
        });
      rows.push(this.positionRow(before, after));
    } else if (field.change !== 'changed') {
      // Where a question was added, or where it was removed from.
      const place = (after ?? before) as Place;
      rows.push({
        header: this.t('place.step'),
        before: field.change === 'removed' ? this.codeCell(place.step) : this.codeCell(undefined),
        after: field.change === 'added' ? this.codeCell(place.step) : this.codeCell(undefined),
      });
    }
    rows.push(...field.changes.flatMap((c) => this.attributeRows(c)));
    for (const option of field.options)
      for (const change of option.changes)
        rows.push(
          ...this.attributeRows(
            change,
            this.t('option', {
              value: option.value,
              attribute: this.t(`attributes.option.${change.attribute}`),
            }),
            this.tag(option.change),
          ),
        );
    return {
      id: `compare-field-${field.name.replace('.', '-')}`,
      ...this.captionOf(field.label),
      key: field.name,
      ...(field.change === 'changed' && !field.moved && after ? { detail: this.where(after) } : {}),
      tag: this.changeTag(
        field.change,
        field.moved,
        field.changes.length + field.options.length > 0,
      ),
      rows,
    };
  }

  private ruleRows(comparison: RuleComparison): ComparisonRowView[] {
    const rule = (comparison.rule ?? {}) as Record<string, unknown>;
    const { message, ...rest } = rule;
    const described = ['field', 'must', 'other'].every((k) => typeof rest[k] === 'string')
      ? this.t('rule', { field: rest.field, must: rest.must, other: rest.other })
      : JSON.stringify(rest);
    const tag = this.tag(comparison.change);
    const side = (value: ComparedValue, language?: Locale) =>
      comparison.change === 'added'
        ? { before: this.noneCell(), after: this.cell('rule', value, language) }
        : { before: this.cell('rule', value, language), after: this.noneCell() };
    if (isLocalized(message))
      return LANGUAGES.map((language) => ({
        header: this.inLanguage(described, language),
        tag,
        ...side(message, language),
      }));
    return [{ header: described, tag, ...side(JSON.stringify(rule)) }];
  }

  private where(place: Place): string {
    return place.group
      ? this.t('place.inGroup', { step: place.step, group: place.group })
      : this.t('place.inStep', { step: place.step });
  }

  private captionOf(text: Localized): Pick<ComparisonTableView, 'caption' | 'captionOther'> {
    const other = this.locale === 'fr' ? 'en' : 'fr';
    return { caption: text[this.locale], captionOther: { text: text[other], lang: other } };
  }

  private positionRow(before?: Place, after?: Place): ComparisonRowView {
    const position = (place?: Place) =>
      place
        ? this.plainCell(this.t('place.positionValue', { position: place.position }))
        : this.noneCell();
    return {
      header: this.t('place.positionLabel'),
      before: position(before),
      after: position(after),
    };
  }

  /**
   * The rows of one attribute: one per language for a text (both, whatever
   * the page's language), one otherwise.
   */
  private attributeRows(
    change: AttributeChange,
    label?: string,
    tag?: TagView,
  ): ComparisonRowView[] {
    const header = label ?? this.t(`attributes.${change.attribute}`);
    if (isLocalized(change.before) || isLocalized(change.after))
      return LANGUAGES.map((language) => ({
        header: this.inLanguage(
          header,
          language,
          change.languages !== undefined && !change.languages.includes(language),
        ),
        ...(tag ? { tag } : {}),
        before: this.cell(change.attribute, change.before, language),
        after: this.cell(change.attribute, change.after, language),
      }));
    return [
      {
        header,
        ...(tag ? { tag } : {}),
        before: this.cell(change.attribute, change.before),
        after: this.cell(change.attribute, change.after),
      },
    ];
  }

  private inLanguage(header: string, language: Locale, unchanged = false): string {
    return this.t('inLanguage', {
      attribute: header,
      language: this.t(`languages.${language}`),
      unchanged: unchanged ? 'yes' : 'no',
    });
  }

  private cell(
    attribute: ComparedAttribute | 'rule',
    value: ComparedValue,
    language?: Locale,
  ): CellView {
    if (value === undefined) return this.noneCell();
    if (isLocalized(value)) return this.textCell(value, language ?? this.locale);
    if (typeof value === 'object')
      return this.plainCell(
        this.t('showIf', { field: value.field, values: value.equals.join(', ') }),
      );
    if (typeof value === 'number') return this.plainCell(formatNumber(value, this.locale));
    if (attribute !== 'rule' && CODE_ATTRIBUTES.includes(attribute))
      return this.codeCell(String(value));
    return this.plainCell(this.valueText(attribute, value));
  }

  private valueText(attribute: ComparedAttribute | 'rule', value: string | boolean): string {
    switch (attribute) {
      case 'type':
        return this.t(`types.${String(value)}`);
      case 'only':
        return this.t(`only.${String(value)}`);
      case 'required':
        return this.t(value ? 'required.yes' : 'required.no');
      case 'prefill':
        return this.t(`prefill.${String(value).replace('.', '_')}`);
      case 'notBefore':
      case 'notAfter':
        return value === 'today' ? this.t('today') : String(value);
      case 'bulkFiling':
      case 'integer':
        return this.t(value ? 'yes' : 'no');
      case 'width':
        return this.t('width', { width: String(value) });
      default:
        return String(value);
    }
  }

  private textCell(text: Localized | undefined, language: Locale): CellView {
    if (!text) return this.noneCell();
    return {
      text: text[language],
      ...(language === this.locale ? {} : { lang: language }),
      code: false,
      none: false,
    };
  }

  private plainCell(text: string): CellView {
    return { text, code: false, none: false };
  }

  private codeCell(text: string | undefined): CellView {
    return text === undefined ? this.noneCell() : { text, code: true, none: false };
  }

  private noneCell(): CellView {
    return { text: this.t('none'), code: false, none: true };
  }
}
