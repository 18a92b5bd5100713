import { Injectable } from '@nestjs/common';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { CITY_TIME_ZONE } from '../../platform/i18n/city-time.js';
import type {
  PerformanceFigures,
  PublicFigure,
  ServicePerformance,
  Status,
} from './performance.js';

const TAG: Record<Status, string> = {
  good: 'govuk-tag--green',
  fair: 'govuk-tag--yellow',
  poor: 'govuk-tag--red',
};

const FIGURES = [
  'satisfaction',
  'completion',
  'processingMedian',
  'processingP90',
  'digitalTakeUp',
] as const;

/** `/performance` as people read it, and its CSV (the same rows). */
@Injectable()
export class PerformancePresenter {
  /** The page's last view of the figures in each language: they change every 15 minutes. */
  private readonly views = new Map<
    Locale,
    { computedAt: string; view: ReturnType<PerformancePresenter['build']> }
  >();

  constructor(private readonly i18n: I18nService) {}

  /**
   * `/performance`'s view of `figures`, built once per snapshot (its
   * computation time) and language; each request gets its own copy, which
   * rendering may add to.
   */
  page(figures: PerformanceFigures | undefined, locale: Locale) {
    if (!figures) return this.build(undefined, locale);
    let held = this.views.get(locale);
    if (held?.computedAt !== figures.computedAt) {
      held = { computedAt: figures.computedAt, view: this.build(figures, locale) };
      this.views.set(locale, held);
    }
    return { ...held.view };
  }

  private build(figures: PerformanceFigures | undefined, locale: Locale) {
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const day = new Intl.DateTimeFormat(locale === 'fr' ? 'fr-CA' : 'en-CA', {
      dateStyle: 'long',
      timeZone: CITY_TIME_ZONE,
    });
    const percent = (digits: number) =>
      new Intl.NumberFormat(locale === 'fr' ? 'fr-CA' : 'en-CA', {
        style: 'percent',
        maximumFractionDigits: digits,
      });
    return {
      pageTitle: t('performance.title'),
      ready: figures !== undefined,
      figures: figures && {
        period: t('performance.period', {
          from: day.format(new Date(figures.period.from)),
          to: day.format(new Date(figures.period.to)),
        }),
        computed: t('performance.computed', { at: day.format(new Date(figures.computedAt)) }),
        availability: {
          value:
            figures.availability.share === null
              ? t('performance.notYet')
              : percent(2).format(figures.availability.share),
          tag: this.tag(figures.availability.status, locale),
          period: t('performance.availability.period', {
            from: day.format(new Date(figures.availability.from)),
          }),
        },
        services: figures.services.map((service) => ({
          title: service.title[locale],
          filedOnline:
            service.filedOnline === null
              ? t('performance.filedOnlineFew', { min: figures.minGroup })
              : t('performance.filedOnline', { count: service.filedOnline }),
          rows: this.rows(service, figures.minGroup, locale),
        })),
      },
    };
  }

  /** What the open data says before the figures were ever computed. */
  notReady(locale: Locale): string {
    return this.i18n.t(locale, 'performance.notReady');
  }

  /** The figures as CSV records: one row per service and figure. */
  csv(figures: PerformanceFigures, locale: Locale): string[][] {
    const t = (key: string) => this.i18n.t(locale, key);
    return [
      [
        t('performance.csv.service'),
        t('performance.csv.figure'),
        t('performance.csv.value'),
        t('performance.csv.count'),
        t('performance.csv.status'),
      ],
      ...figures.services.flatMap((service) =>
        FIGURES.map((name) => {
          const figure = service[name];
          return [
            service.slug,
            name,
            figure.value === null ? '' : String(figure.value),
            figure.count === null ? '' : String(figure.count),
            figure.status ?? '',
          ];
        }),
      ),
      [
        'portal',
        'availability',
        figures.availability.share === null ? '' : String(figures.availability.share),
        '',
        figures.availability.status ?? '',
      ],
    ];
  }

  private rows(
    service: Record<(typeof FIGURES)[number], PublicFigure> &
      Pick<ServicePerformance, 'digitalTakeUp'>,
    min: number,
    locale: Locale,
  ) {
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const number = new Intl.NumberFormat(locale === 'fr' ? 'fr-CA' : 'en-CA', {
      maximumFractionDigits: 1,
    });
    const percent = new Intl.NumberFormat(locale === 'fr' ? 'fr-CA' : 'en-CA', {
      style: 'percent',
      maximumFractionDigits: 0,
    });
    const format: Record<(typeof FIGURES)[number], (v: number) => string> = {
      satisfaction: (v) => t('performance.outOfFive', { value: number.format(v) }),
      completion: (v) => percent.format(v),
      processingMedian: (v) => t('performance.days', { days: v }),
      processingP90: (v) => t('performance.days', { days: v }),
      digitalTakeUp: (v) => percent.format(v),
    };
    return FIGURES.map((name) => {
      const figure = service[name];
      const unrecorded = name === 'digitalTakeUp' && !service.digitalTakeUp.recorded;
      return {
        label: t(`performance.figure.${name}.label`),
        value: unrecorded
          ? t('performance.notRecorded')
          : figure.value === null
            ? t('performance.tooFew', { min })
            : format[name](figure.value),
        tag: this.tag(figure.status, locale),
        basis: unrecorded
          ? t('performance.figure.digitalTakeUp.notRecorded')
          : figure.count === null
            ? t('performance.basisFew', { min })
            : t(`performance.figure.${name}.basis`, { count: figure.count }),
        meaning: t(`performance.figure.${name}.meaning`),
      };
    });
  }

  private tag(status: Status | null, locale: Locale) {
    return status
      ? { class: TAG[status], text: this.i18n.t(locale, `performance.status.${status}`) }
      : null;
  }
}
