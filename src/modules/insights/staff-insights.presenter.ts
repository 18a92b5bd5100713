import { Injectable } from '@nestjs/common';
import { AUDIENCES, type Audience } from '../../platform/flags/flag-context.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { fieldsFor } from '../catalogue/form-engine.js';
import { FormService } from '../catalogue/form.service.js';
import type { PeriodField } from './period.js';
import type { ServiceFigures } from './service-insights.read-model.js';
import type { GroupFigures, SmeFirstComparison } from './sme-first.read-model.js';
import { CITY_TIME_ZONE } from '../../platform/i18n/city-time.js';

const NAV = { navActive: 'staff', staffNavActive: 'insights' };

/** The tables of a variant's page, each downloadable as CSV. */
export const INSIGHTS_TABLES = ['summary', 'adoption', 'channels', 'funnel', 'fields'] as const;

/** The insights' pages as the views show them: figures written in the page's language. */
@Injectable()
export class StaffInsightsPresenter {
  constructor(
    private readonly i18n: I18nService,
    private readonly catalogue: CatalogueService,
    private readonly forms: FormService,
  ) {}

  overview(locale: Locale) {
    const t = (key: string) => this.i18n.t(locale, key);
    return {
      pageTitle: t('insights.overview.title'),
      ...NAV,
      services: this.catalogue.all().map((service) => ({
        title: service.title[locale],
        comparison: `/staff/insights/${service.slug}/sme-first`,
        variants: AUDIENCES.map((variant) => ({
          label: t(`rollout.variant.${variant}`),
          href: `/staff/insights/${service.slug}/${variant}`,
        })),
      })),
    };
  }

  service(
    slug: string,
    variant: Audience,
    locale: Locale,
    data: {
      typed: Record<PeriodField, string>;
      figures?: ServiceFigures;
      errors?: { field: PeriodField; key: string }[];
    },
  ) {
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const service = this.catalogue.find(slug)!;
    const title = t('insights.service.title', {
      service: service.title[locale],
      variant: t(`rollout.variant.${variant}`),
    });
    const errors = (data.errors ?? []).map((e) => ({ field: e.field, message: t(e.key) }));
    const errorOf = (field: PeriodField) => errors.find((e) => e.field === field)?.message;
    const number = new Intl.NumberFormat(locale === 'fr' ? 'fr-CA' : 'en-CA');
    const percent = new Intl.NumberFormat(locale === 'fr' ? 'fr-CA' : 'en-CA', {
      style: 'percent',
      maximumFractionDigits: 1,
    });
    const figures = data.figures;
    const served = this.catalogue.served(slug, variant);
    const steps = served ? this.forms.steps(served.definition, variant) : [];
    const hidden = figures ? t('insights.hidden', { min: figures.minGroup }) : '';
    const count = (value: number | null) => (value === null ? hidden : number.format(value));
    const share = (value: number | null) => (value === null ? hidden : percent.format(value));
    const min = figures?.minGroup ?? 0;
    /** A count behind a figure, said only when it is not small. */
    const basis = (key: string, n: number) => (n < min ? hidden : t(key, { count: n }));
    // A single hidden cell of a column whose total is known elsewhere could be
    // worked out by subtraction: the smallest shown one is hidden with it.
    const channels = suppressed(figures?.channels.map((c) => c.applications) ?? []);
    const weeks = suppressed(figures?.adoption.map((w) => w.applications) ?? []);
    return {
      pageTitle: title,
      ...NAV,
      hasErrors: errors.length > 0,
      errors,
      title,
      overviewHref: '/staff/insights',
      revisionsHref: `/staff/rollout/${slug}/revisions`,
      action: `/staff/insights/${slug}/${variant}`,
      from: { value: data.typed.from, error: errorOf('from') },
      to: { value: data.typed.to, error: errorOf('to') },
      figures: figures && {
        csv: Object.fromEntries(
          INSIGHTS_TABLES.map((table) => [
            table,
            `/staff/insights/${slug}/${variant}/export.csv?${new URLSearchParams({
              table,
              from: data.typed.from,
              to: data.typed.to,
            }).toString()}`,
          ]),
        ),
        lead: t('insights.service.lead', {
          from: data.typed.from,
          to: data.typed.to,
          min: figures.minGroup,
        }),
        filers: t(`insights.adoption.filers.${variant}`),
        adoptionChart: barChart(
          figures.adoption.map((w, i) => ({ label: w.week.slice(5), value: weeks[i] })),
          t('insights.adoption.chart', { weeks: figures.adoption.length }),
        ),
        adoption: figures.adoption.map((w, i) => ({
          week: w.week,
          applications: count(weeks[i]),
          filers: count(weeks[i] === null ? null : w.filers),
        })),
        summary: [
          {
            label: t('insights.summary.completion'),
            value: share(figures.completion.rate),
            detail:
              figures.completion.submitted < min || figures.completion.started < min
                ? hidden
                : t('insights.summary.completionDetail', {
                    submitted: figures.completion.submitted,
                    started: figures.completion.started,
                  }),
          },
          {
            label: t('insights.summary.timeToComplete'),
            value:
              figures.timeToComplete.medianMinutes === null
                ? hidden
                : t('insights.minutes', { minutes: figures.timeToComplete.medianMinutes }),
            detail: basis('insights.summary.applications', figures.timeToComplete.count),
          },
          {
            label: t('insights.summary.processingMedian'),
            value: days(figures.processing.medianDays),
            detail: basis('insights.summary.decided', figures.processing.count),
          },
          {
            label: t('insights.summary.processingP90'),
            value: days(figures.processing.p90Days),
            detail: basis('insights.summary.decided', figures.processing.count),
          },
          {
            label: t('insights.summary.satisfaction'),
            value:
              figures.satisfaction.average === null
                ? hidden
                : t('insights.outOfFive', { value: number.format(figures.satisfaction.average) }),
            detail: basis('insights.summary.responses', figures.satisfaction.responses),
          },
          {
            label: t('insights.summary.takeUp'),
            value:
              figures.takeUp.offline === null
                ? t('insights.summary.notRecorded')
                : share(figures.takeUp.share),
            detail:
              figures.takeUp.offline === null
                ? t('insights.summary.takeUpNotRecorded')
                : figures.takeUp.share === null
                  ? hidden
                  : t('insights.summary.takeUpDetail', {
                      online: figures.takeUp.online,
                      offline: figures.takeUp.offline,
                    }),
          },
        ],
        channels: figures.channels.map((c, i) => ({
          channel: t(`insights.channel.${c.channel}`),
          applications: count(channels[i]),
        })),
        funnel: figures.funnel.map((s) => ({
          step: s.title ? s.title[locale] : s.step,
          shown: count(s.shown),
          completed: count(s.completed),
          dropOff: share(s.dropOff),
        })),
        fieldErrors: figures.fieldErrors.map((f) => {
          const step = f.step ? steps.find((s) => s.slug === f.step) : undefined;
          const field = step && fieldsFor(step.fields, variant).find((d) => d.name === f.field);
          return {
            field: field ? field.label[locale] : f.field,
            name: f.field,
            step: step ? step.title[locale] : (f.step ?? ''),
            errors: number.format(f.errors),
          };
        }),
        fieldErrorsEmpty:
          figures.refusals === 0
            ? t('insights.fields.none')
            : t('insights.fields.fewerThan', { min: figures.minGroup }),
      },
    };

    function days(value: number | null) {
      return value === null ? hidden : t('insights.days', { days: value });
    }
  }

  /**
   * One of a variant's tables as CSV records (its header, then its rows), as
   * the page shows it (hidden figures say so); undefined for another name.
   */
  serviceCsv(
    slug: string,
    variant: Audience,
    locale: Locale,
    typed: Record<PeriodField, string>,
    figures: ServiceFigures,
    table: string,
  ): string[][] | undefined {
    const t = (key: string) => this.i18n.t(locale, key);
    const shown = this.service(slug, variant, locale, { typed, figures }).figures!;
    switch (table) {
      case 'summary':
        return [
          [t('insights.summary.figure'), t('insights.summary.value'), t('insights.summary.basis')],
          ...shown.summary.map((r) => [r.label, r.value, r.detail]),
        ];
      case 'adoption':
        return [
          [t('insights.adoption.week'), t('insights.adoption.applications'), shown.filers],
          ...shown.adoption.map((r) => [r.week, r.applications, r.filers]),
        ];
      case 'channels':
        return [
          [t('insights.channel.name'), t('insights.channel.applications')],
          ...shown.channels.map((r) => [r.channel, r.applications]),
        ];
      case 'funnel':
        return [
          [
            t('insights.funnel.step'),
            t('insights.funnel.shown'),
            t('insights.funnel.completed'),
            t('insights.funnel.dropOff'),
          ],
          ...shown.funnel.map((r) => [r.step, r.shown, r.completed, r.dropOff]),
        ];
      case 'fields':
        return [
          [t('insights.fields.field'), t('insights.fields.step'), t('insights.fields.errors')],
          ...shown.fieldErrors.map((r) => [r.field, r.step, r.errors]),
        ];
      default:
        return undefined;
    }
  }

  /** What a CSV download asked wrongly says (plain text). */
  csvProblem(locale: Locale): string {
    return this.i18n.t(locale, 'insights.csvProblem');
  }

  /** The SME-first comparison's tables as CSV records, one after the other. */
  smeFirstCsv(comparison: SmeFirstComparison, locale: Locale): string[][] {
    const page = this.smeFirst(comparison, locale);
    return [...page.tables, ...(page.adoption ? [page.adoption.table] : [])].flatMap((table) => [
      [table.caption],
      [table.heading, ...table.groups],
      ...table.rows.map((r) => [r.label, ...r.values]),
      [],
    ]);
  }

  /** The SME-first comparison: SMEs beside residents, each pilot cohort beside the others. */
  smeFirst(comparison: SmeFirstComparison, locale: Locale) {
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const service = this.catalogue.find(comparison.slug)!;
    const title = t('insights.smeFirst.title', { service: service.title[locale] });
    const number = new Intl.NumberFormat(locale === 'fr' ? 'fr-CA' : 'en-CA', {
      maximumFractionDigits: 1,
    });
    const percent = new Intl.NumberFormat(locale === 'fr' ? 'fr-CA' : 'en-CA', {
      style: 'percent',
      maximumFractionDigits: 0,
    });
    const hidden = t('insights.hidden', { min: comparison.minGroup });
    const day = new Intl.DateTimeFormat(locale === 'fr' ? 'fr-CA' : 'en-CA', {
      dateStyle: 'long',
      timeZone: CITY_TIME_ZONE,
    });
    const groupName = (g: GroupFigures) =>
      g.kind === 'audience'
        ? t(`insights.smeFirst.group.${g.audience}`)
        : g.kind === 'cohort'
          ? t('insights.smeFirst.group.cohort', { name: g.cohort!.name })
          : t(`insights.smeFirst.group.others.${g.audience}`);
    const value = (v: number | null, format: (n: number) => string = (n) => number.format(n)) =>
      v === null ? hidden : format(v);
    const rows = (groups: GroupFigures[]) => {
      const filers =
        groups[0].audience === groups[groups.length - 1].audience
          ? t(`insights.smeFirst.figure.filers.${groups[0].audience}`)
          : t('insights.smeFirst.figure.filers.both');
      const figure = (label: string, pick: (g: GroupFigures) => string) => ({
        label,
        values: groups.map(pick),
      });
      return [
        figure(filers, (g) => value(g.filers)),
        figure(t('insights.smeFirst.figure.applications'), (g) => value(g.applications)),
        figure(t('insights.smeFirst.figure.feedback'), (g) => value(g.feedback)),
        figure(t('insights.smeFirst.figure.feedbackPer100'), (g) => value(g.feedbackPer100)),
        figure(t('insights.smeFirst.figure.averageWords'), (g) => value(g.averageWords)),
        figure(t('insights.smeFirst.figure.withScreenshot'), (g) =>
          value(g.withScreenshot, (n) => percent.format(n)),
        ),
        figure(t('insights.smeFirst.figure.kinds'), (g) => value(g.kinds)),
        figure(t('insights.smeFirst.figure.steps'), (g) => value(g.steps)),
        figure(t('insights.smeFirst.figure.daysToFirstFiling'), (g) =>
          g.filers === null
            ? hidden
            : g.daysToFirstFiling === null
              ? '–'
              : number.format(g.daysToFirstFiling),
        ),
      ];
    };
    const table = (caption: string, groups: GroupFigures[]) => ({
      caption,
      heading: t('insights.smeFirst.figure.label'),
      groups: groups.map(groupName),
      rows: rows(groups),
    });
    const audiences = comparison.groups.filter((g) => g.kind === 'audience');
    const cohortTables = comparison.groups
      .filter((g) => g.kind === 'cohort')
      .map((g) =>
        table(t('insights.smeFirst.cohortCaption', { name: g.cohort!.name }), [
          g,
          comparison.groups.find((o) => o.kind === 'others' && o.cohort?.slug === g.cohort!.slug)!,
        ]),
      );
    const opened = comparison.opened.citizen;
    const before = comparison.beforeCitizens;
    return {
      pageTitle: title,
      ...NAV,
      title,
      overviewHref: '/staff/insights',
      csv: `/staff/insights/${comparison.slug}/sme-first.csv`,
      lead: t('insights.smeFirst.lead', { min: comparison.minGroup }),
      tables: [table(t('insights.smeFirst.audienceCaption'), audiences), ...cohortTables],
      adoption: this.adoption(comparison, locale),
      beforeCitizens: before
        ? opened
          ? t('insights.smeFirst.beforeCitizens', {
              date: day.format(new Date(opened)),
              found: before.found,
              fixed: before.fixed,
            })
          : t('insights.smeFirst.citizensNotYet', { found: before.found, fixed: before.fixed })
        : '',
    };
  }

  /**
   * The audiences' adoption curves: a chart of each (the share of its filers
   * who had filed, week by week after the opening) and one table of both.
   */
  private adoption(comparison: SmeFirstComparison, locale: Locale) {
    if (comparison.adoption.length === 0) return null;
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const number = new Intl.NumberFormat(locale === 'fr' ? 'fr-CA' : 'en-CA');
    const percent = new Intl.NumberFormat(locale === 'fr' ? 'fr-CA' : 'en-CA', {
      style: 'percent',
      maximumFractionDigits: 0,
    });
    const hidden = t('insights.hidden', { min: comparison.minGroup });
    const weeks = Math.max(...comparison.adoption.map((c) => c.weeks.length));
    const caption = t('insights.smeFirst.adoption.caption', { weeks });
    // A curve with no week shown is left out: the page says why.
    const drawn = comparison.adoption.filter((c) => c.weeks.some((w) => w.filers !== null));
    return {
      caption,
      tooFew: t('insights.smeFirst.adoption.tooFew', { min: comparison.minGroup }),
      charts: drawn.map((c) => ({
        id: `adoption-${c.audience}`,
        group: t(`insights.smeFirst.group.${c.audience}`),
        chart: barChart(
          c.weeks.map((w) => ({
            label: String(w.week),
            value: w.share === null ? null : Math.round(w.share * 100),
          })),
          t('insights.smeFirst.adoption.chart', {
            group: t(`insights.smeFirst.group.${c.audience}`),
            weeks: c.weeks.length,
          }),
        ),
      })),
      table: {
        caption,
        heading: t('insights.smeFirst.adoption.week'),
        groups: comparison.adoption.map((c) => t(`insights.smeFirst.group.${c.audience}`)),
        rows: Array.from({ length: weeks }, (_, i) => ({
          label: t('insights.smeFirst.adoption.weekNumber', { week: i + 1 }),
          values: comparison.adoption.map((c) => {
            const week = c.weeks[i];
            if (!week) return '–';
            if (week.filers === null || week.share === null) return hidden;
            return t('insights.smeFirst.adoption.cell', {
              filers: number.format(week.filers),
              share: percent.format(week.share),
            });
          }),
        })),
      },
    };
  }
}

/**
 * Cells of one column, hidden ones null: when exactly one is hidden, the
 * smallest shown is hidden too, so that the column's total (said elsewhere)
 * does not give the hidden one away.
 */
export function suppressed(values: (number | null)[]): (number | null)[] {
  if (values.filter((v) => v === null).length !== 1 || values.length < 2) return values;
  const shown = values.filter((v): v is number => v !== null);
  const smallest = values.indexOf(Math.min(...shown));
  return values.map((v, i) => (i === smallest ? null : v));
}

const CHART = { width: 640, height: 220, top: 20, bottom: 30, gap: 6, maxBar: 56 } as const;

/**
 * A bar chart drawn on the server (an SVG the view writes out, every text
 * escaped by Handlebars): one bar a value, a hidden value drawn as a dash. The
 * table beside it carries the same figures for screen readers and without
 * images; the chart's title says what it shows.
 */
export function barChart(values: { label: string; value: number | null }[], title: string) {
  const max = Math.max(1, ...values.map((v) => v.value ?? 0));
  const slot = values.length === 0 ? 0 : CHART.width / values.length;
  const plot = CHART.height - CHART.top - CHART.bottom;
  return {
    title,
    width: CHART.width,
    height: CHART.height,
    baseline: CHART.height - CHART.bottom,
    bars: values.map((v, i) => {
      const height = v.value === null ? 0 : Math.round((v.value / max) * plot);
      const width = Math.max(1, Math.min(CHART.maxBar, Math.round(slot - CHART.gap)));
      const x = Math.round(i * slot + (slot - width) / 2);
      return {
        x,
        width,
        y: CHART.height - CHART.bottom - height,
        height,
        centre: Math.round(x + width / 2),
        value: v.value === null ? '–' : String(v.value),
        valueY: CHART.height - CHART.bottom - height - 4,
        label: v.label,
        labelY: CHART.height - 10,
      };
    }),
  };
}
