import { Injectable } from '@nestjs/common';
import { AUDIENCES, type Audience } from '../../platform/flags/flag-context.js';
import type { FieldError } from '../../platform/forms/form.js';
import { formatDateTime } from '../../platform/i18n/city-time.js';
import { errorsByField } from '../../platform/forms/form.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { stageKind, type Stage } from '../rollout/stages.js';
import { choices } from '../feedback/feedback-view.js';
import { formatNumber } from '../../platform/i18n/intl-locale.js';
import {
  MAX_CRITERION_DESCRIPTION,
  MAX_CRITERION_TITLE,
  MAX_RESULT_NOTE,
  OUTCOMES,
} from './acceptance-options.js';
import type { CriterionVerdict, VariantReport, VariantSummary } from './acceptance.read-model.js';
import type { Checklist } from './acceptance.service.js';
import { noteField, outcomeField } from './dto/acceptance.dto.js';

/** Each outcome's govuk tag colour. */
export const OUTCOME_TAG = {
  pass: 'govuk-tag--green',
  fail: 'govuk-tag--red',
  blocked: 'govuk-tag--orange',
} as const;

const VERDICT_TAG: Record<CriterionVerdict, string> = {
  passed: 'govuk-tag--green',
  failed: 'govuk-tag--red',
  blocked: 'govuk-tag--orange',
  untested: 'govuk-tag--grey',
};

const GATE_TAG = {
  pass: 'govuk-tag--green',
  fail: 'govuk-tag--red',
  'no-data': 'govuk-tag--grey',
} as const;

const NAV = { navActive: 'staff', staffNavActive: 'acceptance' };

/** A variant's criteria page for staff. */
export function staffVariantPath(found: { slug: string; variant: Audience }): string {
  return `/staff/acceptance/${found.slug}/${found.variant}`;
}

function fieldLimits(locale: Locale) {
  return {
    maxTitle: formatNumber(MAX_CRITERION_TITLE, locale),
    maxTitleValue: MAX_CRITERION_TITLE,
    maxDescription: formatNumber(MAX_CRITERION_DESCRIPTION, locale),
    maxDescriptionValue: MAX_CRITERION_DESCRIPTION,
  };
}

/**
 * The acceptance pages as they show: a tester's checklist, and for staff the
 * overview, a variant's criteria with their results and the gate's figure,
 * and a criterion's edit form.
 */
@Injectable()
export class AcceptancePresenter {
  constructor(
    private readonly catalogue: CatalogueService,
    private readonly i18n: I18nService,
  ) {}

  /** The checklist's view model (renderForm adds the title, the error summary and the CSRF token). */
  checklist(
    checklist: Checklist,
    data: {
      values?: Record<string, string>;
      errors?: FieldError[];
      notice?: { changed: number; feedbackCreated: number };
    },
    locale: Locale,
  ) {
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const errors = data.errors ?? [];
    const errorOf = (field: string) => errors.find((e) => e.field === field)?.message;
    const values = data.values;
    return {
      navActive: 'services',
      errors,
      // The phase banner and the page's caption read these.
      service: { slug: checklist.serviceSlug, title: checklist.serviceTitle },
      audience: checklist.variant,
      action: `/services/${checklist.serviceSlug}/${checklist.variant}/acceptance`,
      backLink: `/services/${checklist.serviceSlug}/${checklist.variant}`,
      testerLabel:
        checklist.tester.kind === 'organization'
          ? t('acceptance.checklist.forOrganization', { organization: checklist.tester.name })
          : t('acceptance.checklist.forYourself'),
      cohorts: checklist.cohorts.map((c) => c.name).join(', '),
      notice: data.notice
        ? {
            changed: t('acceptance.checklist.notice.changed', { count: data.notice.changed }),
            feedback:
              data.notice.feedbackCreated > 0
                ? t('acceptance.checklist.notice.feedback', { count: data.notice.feedbackCreated })
                : undefined,
          }
        : undefined,
      maxNote: formatNumber(MAX_RESULT_NOTE, locale),
      maxNoteValue: MAX_RESULT_NOTE,
      criteria: checklist.criteria.map((criterion, index) => {
        const outcome = outcomeField(criterion.id);
        const note = noteField(criterion.id);
        const result = criterion.result;
        const chosen = values ? (values[outcome] ?? '') : (result?.outcome ?? '');
        return {
          number: index + 1,
          title: criterion.title[locale],
          description: criterion.description[locale],
          outcomeField: outcome,
          noteField: note,
          outcomeError: errorOf(outcome),
          noteError: errorOf(note),
          note: values ? (values[note] ?? '') : (result?.note ?? ''),
          options: choices(
            outcome,
            OUTCOMES,
            chosen,
            (o) => t(`acceptance.outcome.${o}`),
            (o) => t(`acceptance.outcomeHint.${o}`),
          ),
          result: result
            ? {
                label: t(`acceptance.outcome.${result.outcome}`),
                tag: OUTCOME_TAG[result.outcome],
                outcome: result.outcome,
                at: formatDateTime(result.updatedAt, locale),
                feedback: result.feedback
                  ? {
                      reference: result.feedback.reference,
                      href: result.feedback.own ? `/feedback/${result.feedback.id}` : undefined,
                    }
                  : undefined,
              }
            : undefined,
        };
      }),
    };
  }

  /** Staff's overview: each service variant's criteria and testers. */
  overview(summaries: VariantSummary[], stages: Map<string, { stage: Stage }>, locale: Locale) {
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    return {
      pageTitle: t('acceptance.staff.overview.title'),
      ...NAV,
      services: this.catalogue.all().map((service) => ({
        title: service.title[locale],
        variants: AUDIENCES.map((variant) => {
          const summary = summaries.find((s) => s.slug === service.slug && s.variant === variant);
          const stage = stages.get(`${service.slug}.${variant}`)?.stage ?? 'closed';
          return {
            key: `${service.slug}.${variant}`,
            href: `/staff/acceptance/${service.slug}/${variant}`,
            label: t(`rollout.variant.${variant}`),
            stage: t(`rollout.stage.${stage}`),
            active: summary?.active ?? 0,
            retired: summary?.retired ?? 0,
            testers: summary?.testers ?? 0,
          };
        }),
      })),
    };
  }

  /** A variant's criteria page for staff (the caller adds the CSRF token). */
  variant(
    found: { slug: string; variant: Audience },
    report: VariantReport,
    canWrite: boolean,
    data: {
      values: Record<string, string>;
      errors?: FieldError[];
      notice?: { key: string; title: string };
    },
    locale: Locale,
  ) {
    const base = staffVariantPath(found);
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const service = this.catalogue.find(found.slug)!;
    const variantLabel = t(`rollout.variant.${found.variant}`);
    const errors = data.errors ?? [];
    const criterion = (c: (typeof report.criteria)[number]) => ({
      id: c.id,
      position: c.position,
      title: c.title,
      description: c.description,
      passed: c.passed,
      failed: c.failed,
      blocked: c.blocked,
      others: c.others,
      verdict: c.verdict,
      verdictLabel: t(`acceptance.staff.verdict.${c.verdict}`),
      verdictTag: VERDICT_TAG[c.verdict],
      retired: c.retiredAt
        ? t('acceptance.staff.variant.retiredOn', {
            at: formatDateTime(c.retiredAt, locale),
            name: c.retiredBy ?? t('acceptance.staff.variant.someone'),
          })
        : undefined,
      editHref: `${base}/criteria/${c.id}/edit`,
      retireAction: `${base}/criteria/${c.id}/retire`,
      notes: c.notes.map((n) => ({
        outcome: t(`acceptance.outcome.${n.outcome}`),
        tag: OUTCOME_TAG[n.outcome],
        note: n.note,
        tester: n.tester,
        recordedBy: n.recordedBy && n.recordedBy !== n.tester ? n.recordedBy : undefined,
        at: formatDateTime(n.at, locale),
        feedbackReference: n.feedbackReference,
      })),
    });
    const figures = report.figures;
    return {
      pageTitle: t('acceptance.staff.variant.title', {
        service: service.title[locale],
        variant: variantLabel,
      }),
      ...NAV,
      ...fieldLimits(locale),
      hasErrors: errors.length > 0,
      errors,
      fieldErrors: errorsByField(errors),
      values: data.values,
      notice: data.notice ? t(data.notice.key, { title: data.notice.title }) : undefined,
      canWrite,
      serviceTitle: service.title[locale],
      variantLabel,
      action: `${base}/criteria`,
      rolloutHref: `/staff/rollout/${found.slug}/${found.variant}`,
      stageLabel: t(`rollout.stage.${report.stage}`),
      paused: report.paused,
      trial: ['pilot', 'gradual'].includes(stageKind(found.variant, report.stage)),
      cohorts: report.cohorts.map((c) =>
        t('acceptance.staff.variant.cohortMembers', { name: c.name, count: c.members }),
      ),
      gate: {
        status: report.gate.status,
        statusLabel: t(`rollout.gates.status.${report.gate.status}`),
        tag: GATE_TAG[report.gate.status],
        figure: figures
          ? t('acceptance.staff.variant.figure', {
              passed: figures.passed,
              total: figures.total,
              percent: report.gate.value ?? 0,
            })
          : t('acceptance.staff.variant.noCriteria'),
        threshold: t('acceptance.staff.variant.threshold', { threshold: report.gate.threshold }),
      },
      active: report.criteria.filter((c) => !c.retiredAt).map(criterion),
      retired: report.criteria.filter((c) => c.retiredAt).map(criterion),
    };
  }

  /** A criterion's edit form (renderForm adds the title, the error summary and the CSRF token). */
  edit(
    found: { slug: string; variant: Audience },
    id: string,
    values: Record<string, string>,
    errors: FieldError[],
    locale: Locale,
  ) {
    const base = staffVariantPath(found);
    return {
      ...NAV,
      ...fieldLimits(locale),
      values,
      errors,
      backLink: base,
      serviceTitle: this.catalogue.find(found.slug)!.title[locale],
      variantLabel: this.i18n.t(locale, `rollout.variant.${found.variant}`),
      action: `${base}/criteria/${id}/edit`,
    };
  }
}
