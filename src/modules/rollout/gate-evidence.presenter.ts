import { Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { cityDateFormat } from '../../platform/i18n/city-time.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { holdsFeedbackRole } from '../feedback/feedback-options.js';
import type { StaffActor } from '../staff/staff-roles.guard.js';
import { EVIDENCE_FEEDBACK_LIMIT, PilotEvidence } from './gates.js';
import type { PlanRecord } from './rollout.service.js';

/**
 * A plan's gate evidence page (`/staff/rollout/:slug/:variant/evidence`): what
 * the gates counted at the plan's stage, for every role that sees the gates,
 * without personal data (ADR 0035). A feedback item links to its page only
 * for the roles that may read it there.
 */
@Injectable()
export class GateEvidencePresenter {
  constructor(
    private readonly evidence: PilotEvidence,
    private readonly catalogue: CatalogueService,
    private readonly i18n: I18nService,
  ) {}

  async show(res: Response, staff: StaffActor, plan: PlanRecord): Promise<void> {
    const locale = res.locals.locale as Locale;
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const service = this.catalogue.find(plan.slug)!;
    const found = await this.evidence.stageEvidence(
      plan.slug,
      plan.variant,
      plan.cohorts.map((c) => c.id),
      plan.stage,
    );
    const date = cityDateFormat(locale);
    const number = new Intl.NumberFormat(locale === 'fr' ? 'fr-CA' : 'en-CA', {
      maximumFractionDigits: 1,
    });
    const linked = holdsFeedbackRole(staff.roles);
    const variantLabel = t(`rollout.variant.${plan.variant}`);
    const stageLabel = t(`rollout.stage.${plan.stage}`);
    const submitted = found.applications.reduce((sum, row) => sum + row.count, 0);
    res.render('rollout/evidence', {
      pageTitle: `${service.title[locale]} (${variantLabel}) – ${t('rollout.evidence.title')}`,
      navActive: 'staff',
      staffNavActive: 'rollout',
      serviceTitle: service.title[locale],
      variantLabel,
      stageLabel,
      planHref: `/staff/rollout/${plan.slug}/${plan.variant}`,
      cohorts: plan.cohorts.map((c) => c.name).join(', '),
      submitted,
      participants: found.participants,
      applications: found.applications.map((row) => ({
        status: row.status,
        label: t(`applicationStatus.${row.status}`),
        count: row.count,
      })),
      decided: found.decided,
      median:
        found.medianProcessingDays === null
          ? t('rollout.gates.noData')
          : t('rollout.evidence.days', {
              value: number.format(found.medianProcessingDays),
            }),
      feedback: found.feedback.map((item) => ({
        ...item,
        href: linked ? `/staff/feedback/${item.id}` : undefined,
        stageLabel: t(`rollout.stage.${item.stage}`),
        atStage: item.stage === plan.stage,
        kindLabel: t(`feedback.kind.${item.kind}`),
        severityLabel: item.severity ? t(`feedback.severity.${item.severity}`) : '',
        statusLabel: t(`feedback.status.${item.status}`),
        dateLabel: date.format(item.createdAt),
      })),
      feedbackTotal: found.feedbackTotal,
      feedbackCut: found.feedbackTotal > found.feedback.length,
      feedbackLimit: EVIDENCE_FEEDBACK_LIMIT,
      completion: {
        started: found.completion.started,
        submitted: found.completion.submitted,
      },
      steps: found.steps.map((row) => ({
        ...row,
        share: new Intl.NumberFormat(locale === 'fr' ? 'fr-CA' : 'en-CA', {
          style: 'percent',
          maximumFractionDigits: 1,
        }).format(row.saves === 0 ? 0 : row.refused / row.saves),
      })),
      satisfaction: {
        responses: found.satisfaction.responses,
        average:
          found.satisfaction.average === null
            ? t('rollout.gates.noData')
            : number.format(found.satisfaction.average),
        scores: found.satisfaction.overall.map((count, i) => ({ score: i + 1, count })),
      },
    });
  }
}
