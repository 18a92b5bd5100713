import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Audience } from '../../platform/flags/flag-context.js';
import { PilotEvidence, type FeedbackFigures, type PilotFigures } from '../rollout/gates.js';

/**
 * The evidence the rollout gates read (ARCHITECTURE.md, `insights`): what the
 * members of a variant's pilot cohorts filed, and how long the city took to
 * decide, and what their feedback says. A reporting read model: it reads the
 * applications, cohort and feedback tables, never writes.
 */
@Injectable()
export class PilotEvidenceReadModel extends PilotEvidence {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  /**
   * The variant's feedback: items received (duplicates aside), problems still
   * open that block or are major, the average overall satisfaction. Acceptance
   * criteria have no campaigns yet: null, which the gate shows as "no data".
   */
  private async feedback(slug: string, variant: Audience): Promise<FeedbackFigures> {
    const [items] = await this.dataSource.query<{ received: number; open: number }[]>(
      `SELECT count(*) FILTER (WHERE feedback_item.status <> 'duplicate')::int AS received,
              count(*) FILTER (WHERE feedback_item.status IN ('new', 'acknowledged', 'planned')
                                 AND feedback_item.severity IN ('blocker', 'major'))::int AS open
         FROM feedback_item
        WHERE feedback_item.service_slug = $1 AND feedback_item.variant = $2`,
      [slug, variant],
    );
    const [survey] = await this.dataSource.query<{ average: string | null }[]>(
      `SELECT avg(satisfaction_response.overall) AS average FROM satisfaction_response
        WHERE satisfaction_response.service_slug = $1 AND satisfaction_response.variant = $2`,
      [slug, variant],
    );
    return {
      received: items.received,
      openBlockingOrMajor: items.open,
      averageSatisfaction:
        survey.average === null ? null : Math.round(Number(survey.average) * 10) / 10,
      acceptance: null,
    };
  }

  async figures(slug: string, variant: Audience, cohortIds: string[]): Promise<PilotFigures> {
    const [row] = await this.dataSource.query<
      { applications: number; participants: number; median_days: number | null }[]
    >(
      `WITH pilot_member AS (
         SELECT DISTINCT CASE cohort.audience WHEN 'business' THEN cohort_member.organization_id
                                              ELSE cohort_member.account_id END AS id
           FROM cohort_member JOIN cohort ON cohort.id = cohort_member.cohort_id
          WHERE cohort_member.cohort_id = ANY($3::uuid[]) AND cohort_member.status = 'active'
       ), pilot_application AS (
         SELECT application.submitted_at, application.decided_at,
                COALESCE(application.organization_id, application.account_id) AS filer
           FROM application
          WHERE application.service_slug = $1 AND application.variant = $2
            AND application.status <> 'draft'
            AND COALESCE(application.organization_id, application.account_id) IN (SELECT id FROM pilot_member)
       )
       SELECT count(*)::int AS applications,
              count(DISTINCT pilot_application.filer)::int AS participants,
              percentile_cont(0.5) WITHIN GROUP (
                ORDER BY extract(epoch FROM pilot_application.decided_at - pilot_application.submitted_at) / 86400
              ) FILTER (WHERE pilot_application.decided_at IS NOT NULL) AS median_days
         FROM pilot_application`,
      [slug, variant, cohortIds],
    );
    return {
      applications: row.applications,
      participants: row.participants,
      medianProcessingDays:
        row.median_days === null ? null : Math.round(Number(row.median_days) * 10) / 10,
      feedback: await this.feedback(slug, variant),
    };
  }
}
