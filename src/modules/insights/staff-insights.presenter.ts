import { Injectable } from '@nestjs/common';
import { AUDIENCES, type Audience } from '../../platform/flags/flag-context.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { fieldsFor } from '../catalogue/form-engine.js';
import { FormService } from '../catalogue/form.service.js';
import type { PeriodField } from './period.js';
import type { ServiceFigures } from './service-insights.read-model.js';

const NAV = { navActive: 'staff', staffNavActive: 'insights' };

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
    return {
      pageTitle: title,
      ...NAV,
      hasErrors: errors.length > 0,
      errors,
      title,
      overviewHref: '/staff/insights',
      action: `/staff/insights/${slug}/${variant}`,
      from: { value: data.typed.from, error: errorOf('from') },
      to: { value: data.typed.to, error: errorOf('to') },
      figures: figures && {
        lead: t('insights.service.lead', {
          from: data.typed.from,
          to: data.typed.to,
          min: figures.minGroup,
        }),
        filers: t(`insights.adoption.filers.${variant}`),
        adoption: figures.adoption.map((w) => ({
          week: w.week,
          applications: count(w.applications),
          filers: count(w.filers),
        })),
        summary: [
          {
            label: t('insights.summary.completion'),
            value: share(figures.completion.rate),
            detail: t('insights.summary.completionDetail', {
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
            detail: t('insights.summary.applications', { count: figures.timeToComplete.count }),
          },
          {
            label: t('insights.summary.processingMedian'),
            value: days(figures.processing.medianDays),
            detail: t('insights.summary.decided', { count: figures.processing.count }),
          },
          {
            label: t('insights.summary.processingP90'),
            value: days(figures.processing.p90Days),
            detail: t('insights.summary.decided', { count: figures.processing.count }),
          },
          {
            label: t('insights.summary.satisfaction'),
            value:
              figures.satisfaction.average === null
                ? hidden
                : t('insights.outOfFive', { value: number.format(figures.satisfaction.average) }),
            detail: t('insights.summary.responses', { count: figures.satisfaction.responses }),
          },
        ],
        channels: figures.channels.map((c) => ({
          channel: t(`insights.channel.${c.channel}`),
          applications: count(c.applications),
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
        fieldErrorsEmpty: t('insights.fields.none', {
          refusals: figures.refusals,
          min: figures.minGroup,
        }),
      },
    };

    function days(value: number | null) {
      return value === null ? hidden : t('insights.days', { days: number.format(value) });
    }
  }
}
