import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Audience } from '../../platform/flags/flag-context.js';
import {
  PilotEvidence,
  type FeedbackFigures,
  type PilotFigures,
  type RevisionComparison,
  type RevisionFigures,
} from '../rollout/gates.js';

/**
 * The evidence the rollout gates read (docs/architecture.md, "insights"): what the
 * members of a variant's pilot cohorts filed, and how long the city took to
 * decide, and what their feedback says. A reporting read model: it reads the
 * applications, cohort, feedback and acceptance tables, never writes.
 */
@Injectable()
export class PilotEvidenceReadModel extends PilotEvidence {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  /**
   * The variant's feedback: items received (duplicates aside), problems still
   * open that block or are major, the average overall satisfaction, and its
   * acceptance criteria (below).
   */
  private async feedback(
    slug: string,
    variant: Audience,
    cohortIds: string[],
  ): Promise<FeedbackFigures> {
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
      acceptance: await this.acceptance(slug, variant, cohortIds),
    };
  }

  /**
   * The variant's acceptance criteria (ADR 0013): `total` is its active
   * (not retired) criteria; `passed` those that every pilot tester who
   * answered passed, with at least one pass. A pilot tester is an active
   * member of a cohort attached to the plan now (an SME for the business
   * variant, a person for the citizen one); each tester's result is their
   * latest (one row per criterion and tester, updated in place). One fail or
   * one blocked result keeps a criterion from passing; a criterion nobody
   * answered has not passed. Null with no active criterion: the gate shows
   * "no data" and blocks until staff write criteria.
   */
  private async acceptance(
    slug: string,
    variant: Audience,
    cohortIds: string[],
  ): Promise<{ passed: number; total: number } | null> {
    const [row] = await this.dataSource.query<{ total: number; passed: number }[]>(
      `WITH pilot_tester AS (
         SELECT DISTINCT CASE cohort.audience WHEN 'business' THEN cohort_member.organization_id
                                              ELSE cohort_member.account_id END AS id
           FROM cohort_member JOIN cohort ON cohort.id = cohort_member.cohort_id
          WHERE cohort_member.cohort_id = ANY($3::uuid[]) AND cohort_member.status = 'active'
       ), criterion AS (
         SELECT acceptance_criterion.id,
                count(*) FILTER (WHERE acceptance_result.outcome = 'pass') AS passes,
                count(*) FILTER (WHERE acceptance_result.outcome <> 'pass') AS others
           FROM acceptance_criterion
           LEFT JOIN acceptance_result
                  ON acceptance_result.criterion_id = acceptance_criterion.id
                 AND COALESCE(acceptance_result.organization_id, acceptance_result.account_id)
                     IN (SELECT pilot_tester.id FROM pilot_tester)
          WHERE acceptance_criterion.service_slug = $1 AND acceptance_criterion.variant = $2
            AND acceptance_criterion.retired_at IS NULL
          GROUP BY acceptance_criterion.id
       )
       SELECT count(*)::int AS total,
              count(*) FILTER (WHERE criterion.passes > 0 AND criterion.others = 0)::int AS passed
         FROM criterion`,
      [slug, variant, cohortIds],
    );
    return row.total === 0 ? null : { passed: row.passed, total: row.total };
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
      feedback: await this.feedback(slug, variant, cohortIds),
    };
  }

  /**
   * Placeholder until the evidence part lands: applications started and
   * submitted per revision (feedback and steps are not yet per revision).
   */
  async compareRevisions(
    slug: string,
    variant: Audience,
    revisions: { candidate: number; current: number },
    since: Date,
  ): Promise<RevisionComparison> {
    const figures = async (revision: number): Promise<RevisionFigures> => {
      const [row] = await this.dataSource.query<{ started: number; submitted: number }[]>(
        `SELECT count(*)::int AS started,
                count(*) FILTER (WHERE application.status <> 'draft')::int AS submitted
           FROM application
          WHERE application.service_slug = $1 AND application.variant = $2
            AND application.service_revision = $3 AND application.created_at >= $4`,
        [slug, variant, revision, since],
      );
      return {
        revision,
        started: row.started,
        submitted: row.submitted,
        completionRate:
          row.started === 0 ? null : Math.round((row.submitted / row.started) * 1000) / 10,
        feedback: 0,
        averageSatisfaction: null,
        steps: [],
      };
    };
    return {
      since,
      candidate: await figures(revisions.candidate),
      current: await figures(revisions.current),
    };
  }
}
