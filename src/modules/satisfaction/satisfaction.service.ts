import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Locale } from '../../platform/i18n/i18n.service.js';
import type { Application } from '../applications/applications.service.js';
import { AuditService } from '../audit/audit.service.js';
import type { RequestOrigin } from '../audit/request-origin.js';
import { RolloutReadModel } from '../rollout/rollout.read-model.js';
import type { SatisfactionInput } from './dto/satisfaction.dto.js';
import { applicantOf, type FeedbackAuthor } from '../feedback/feedback.service.js';
import { ApplicationsReadModel } from '../applications/applications.read-model.js';

export type SurveyOutcome = 'recorded' | 'already-answered' | 'not-found' | 'not-submitted';

/**
 * The one-page survey after a submission: one response per application,
 * answered by its applicant or a member of their SME. The response keeps the
 * stage, audience and cohorts of the moment, so results compare by stage.
 */
@Injectable()
export class SatisfactionService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly rollout: RolloutReadModel,
    private readonly applicationsRead: ApplicationsReadModel,
  ) {}

  /** The application, if the person (as they act now) may answer the survey about it. */
  async applicationFor(author: FeedbackAuthor, id: string): Promise<Application | undefined> {
    return this.applicationsRead.find(applicantOf(author.accountId, author.actingAs), id);
  }

  async answered(applicationId: string): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      `SELECT 1 FROM satisfaction_response WHERE satisfaction_response.application_id = $1`,
      [applicationId],
    );
    return rows.length > 0;
  }

  /** Records the response and its audit event, unless the application already has one. */
  async respond(
    author: FeedbackAuthor,
    applicationId: string,
    input: SatisfactionInput,
    language: Locale,
    origin: RequestOrigin,
  ): Promise<SurveyOutcome> {
    const application = await this.applicationFor(author, applicationId);
    if (!application) return 'not-found';
    if (!application.reference) return 'not-submitted';
    const { actingAs } = author;
    const [stage, cohorts] = await Promise.all([
      this.rollout.stageOf(application.serviceSlug, application.variant),
      this.rollout.cohortsOf(actingAs),
    ]);
    const organizationId = actingAs.audience === 'business' ? actingAs.organization?.id : undefined;
    return this.dataSource.transaction(async (manager) => {
      // Two posts at once (a double click): the unique index keeps one row.
      const inserted = await manager.query<{ id: string }[]>(
        `INSERT INTO satisfaction_response
           (application_id, service_slug, variant, stage, audience, organization_id, account_id,
            cohorts, language, overall, ease, clarity, time_compared, help, comment,
            service_revision)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         ON CONFLICT ON CONSTRAINT satisfaction_response_application_key DO NOTHING
         RETURNING id`,
        [
          application.id,
          application.serviceSlug,
          application.variant,
          stage.stage,
          actingAs.audience,
          organizationId ?? null,
          author.accountId,
          cohorts.map((c) => c.slug),
          language,
          input.overall,
          input.ease,
          input.clarity,
          input.timeCompared,
          input.help,
          input.comment,
          // Given on the revision the application was filed on.
          application.serviceRevision,
        ],
      );
      if (inserted.length === 0) return 'already-answered';
      await this.audit.record(manager, {
        actor: { type: 'person', id: author.accountId },
        actingAs: { audience: actingAs.audience, organizationId },
        action: 'satisfaction.submitted',
        entity: { type: 'application', id: application.id },
        after: {
          responseId: inserted[0].id,
          serviceRevision: application.serviceRevision,
          stage: stage.stage,
          overall: input.overall,
          ease: input.ease,
          clarity: input.clarity,
          timeCompared: input.timeCompared,
          help: input.help,
          commented: input.comment !== '',
        },
        ip: origin.ip,
        requestId: origin.requestId,
      });
      return 'recorded';
    });
  }
}
