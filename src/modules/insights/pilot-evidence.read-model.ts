import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Audience } from '../../platform/flags/flag-context.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { FormService } from '../catalogue/form.service.js';
import {
  EVIDENCE_FEEDBACK_LIMIT,
  PilotEvidence,
  type EvidenceFeedbackItem,
  type FeedbackFigures,
  type PilotFigures,
  type RevisionComparison,
  type RevisionFigures,
  type StageEvidence,
} from '../rollout/gates.js';
import type { Stage } from '../rollout/stages.js';
import { tenth } from './figures.js';

/**
 * The evidence the rollout gates read (docs/architecture.md, "insights"): what the
 * members of a variant's pilot cohorts filed, and how long the city took to
 * decide, and what their feedback says; for a candidate revision, only what
 * was filed and given on it, and how it compares with the current revision
 * (ADR 0032). A reporting read model: it reads the applications, cohort,
 * feedback, acceptance and step-save tables, never writes.
 *
 * `revision` (SQL parameter): null counts every revision. `stage`: null
 * counts every stage; else the feedback received and the satisfaction count
 * only what was given while the variant was at that stage (each row records
 * the stage in force when it was written), while a blocking or major problem
 * still open counts whatever stage it was reported at (ADR 0035).
 */
@Injectable()
export class PilotEvidenceReadModel extends PilotEvidence {
  constructor(
    private readonly dataSource: DataSource,
    private readonly catalogue: CatalogueService,
    private readonly forms: FormService,
  ) {
    super();
  }

  /**
   * The variant's feedback: items received (duplicates aside) at the stage
   * judged, problems still open that block or are major (at any stage), the
   * average overall satisfaction at the stage judged, and its acceptance
   * criteria (below).
   */
  private async feedback(
    slug: string,
    variant: Audience,
    cohortIds: string[],
    revision: number | null,
    stage: Stage | null,
  ): Promise<FeedbackFigures> {
    const [items] = await this.dataSource.query<{ received: number; open: number }[]>(
      `SELECT count(*) FILTER (WHERE feedback_item.status <> 'duplicate'
                                 AND ($4::text IS NULL OR feedback_item.stage = $4))::int AS received,
              count(*) FILTER (WHERE feedback_item.status IN ('new', 'acknowledged', 'planned')
                                 AND feedback_item.severity IN ('blocker', 'major'))::int AS open
         FROM feedback_item
        WHERE feedback_item.service_slug = $1 AND feedback_item.variant = $2
          AND ($3::int IS NULL OR feedback_item.service_revision = $3)`,
      [slug, variant, revision, stage],
    );
    return {
      received: items.received,
      openBlockingOrMajor: items.open,
      averageSatisfaction: await this.satisfaction(slug, variant, revision, null, stage),
      acceptance: await this.acceptance(slug, variant, cohortIds, revision),
    };
  }

  /**
   * The average overall satisfaction (one decimal), of a revision (null: all)
   * since a date (null: ever), given at a stage (null: any).
   */
  private async satisfaction(
    slug: string,
    variant: Audience,
    revision: number | null,
    since: Date | null,
    stage: Stage | null = null,
  ): Promise<number | null> {
    const [survey] = await this.dataSource.query<{ average: string | null }[]>(
      `SELECT avg(satisfaction_response.overall) AS average FROM satisfaction_response
        WHERE satisfaction_response.service_slug = $1 AND satisfaction_response.variant = $2
          AND ($3::int IS NULL OR satisfaction_response.service_revision = $3)
          AND ($4::timestamptz IS NULL OR satisfaction_response.created_at >= $4)
          AND ($5::text IS NULL OR satisfaction_response.stage = $5)`,
      [slug, variant, revision, since, stage],
    );
    return survey.average === null ? null : tenth(Number(survey.average));
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
   * "no data" and blocks until staff write criteria. With a revision, only
   * the results given on it count.
   */
  private async acceptance(
    slug: string,
    variant: Audience,
    cohortIds: string[],
    revision: number | null,
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
                 AND ($4::int IS NULL OR acceptance_result.service_revision = $4)
          WHERE acceptance_criterion.service_slug = $1 AND acceptance_criterion.variant = $2
            AND acceptance_criterion.retired_at IS NULL
          GROUP BY acceptance_criterion.id
       )
       SELECT count(*)::int AS total,
              count(*) FILTER (WHERE criterion.passes > 0 AND criterion.others = 0)::int AS passed
         FROM criterion`,
      [slug, variant, cohortIds, revision],
    );
    return row.total === 0 ? null : { passed: row.passed, total: row.total };
  }

  async figures(
    slug: string,
    variant: Audience,
    cohortIds: string[],
    revision?: number,
    stage?: Stage,
  ): Promise<PilotFigures> {
    const only = revision ?? null;
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
            AND ($4::int IS NULL OR application.service_revision = $4)
            AND COALESCE(application.organization_id, application.account_id) IN (SELECT id FROM pilot_member)
       )
       SELECT count(*)::int AS applications,
              count(DISTINCT pilot_application.filer)::int AS participants,
              percentile_cont(0.5) WITHIN GROUP (
                ORDER BY extract(epoch FROM pilot_application.decided_at - pilot_application.submitted_at) / 86400
              ) FILTER (WHERE pilot_application.decided_at IS NOT NULL) AS median_days
         FROM pilot_application`,
      [slug, variant, cohortIds, only],
    );
    const journey = await this.journey(slug, variant, cohortIds, only);
    const refusals = journey.steps
      .filter((s) => s.saves > 0)
      .map((s) => (100 * s.refused) / s.saves);
    return {
      applications: row.applications,
      participants: row.participants,
      medianProcessingDays: row.median_days === null ? null : tenth(Number(row.median_days)),
      completionRate:
        journey.completion.started === 0
          ? null
          : tenth((100 * journey.completion.submitted) / journey.completion.started),
      worstStepRefusal: refusals.length === 0 ? null : tenth(Math.max(...refusals)),
      feedback: await this.feedback(slug, variant, cohortIds, only, stage ?? null),
    };
  }

  /**
   * The pilot members' journeys (`revision`: only on it): their applications
   * started on the pages and of them submitted; and the saves of each step by
   * the members of those cohorts (journey events stamped with one of them,
   * ADR 0041), refused for errors or not.
   */
  private async journey(
    slug: string,
    variant: Audience,
    cohortIds: string[],
    revision: number | null,
  ): Promise<Pick<StageEvidence, 'completion' | 'steps'>> {
    const [[completion], steps] = await Promise.all([
      this.dataSource.query<{ started: number; submitted: number }[]>(
        `WITH pilot_member AS (
           SELECT DISTINCT CASE cohort.audience WHEN 'business' THEN cohort_member.organization_id
                                                ELSE cohort_member.account_id END AS id
             FROM cohort_member JOIN cohort ON cohort.id = cohort_member.cohort_id
            WHERE cohort_member.cohort_id = ANY($3::uuid[]) AND cohort_member.status = 'active')
         SELECT count(*)::int AS started,
                count(*) FILTER (WHERE application.submitted_at IS NOT NULL)::int AS submitted
           FROM application
          WHERE application.service_slug = $1 AND application.variant = $2
            AND application.channel = 'web'
            AND ($4::int IS NULL OR application.service_revision = $4)
            AND COALESCE(application.organization_id, application.account_id) IN (SELECT id FROM pilot_member)`,
        [slug, variant, cohortIds, revision],
      ),
      this.dataSource.query<{ step: string; saves: number; refused: number }[]>(
        `SELECT journey_event.step, count(*)::int AS saves,
                count(*) FILTER (WHERE journey_event.kind = 'validation_failed')::int AS refused
           FROM journey_event
          WHERE journey_event.service_slug = $1 AND journey_event.variant = $2
            AND journey_event.kind IN ('step_completed', 'validation_failed')
            AND journey_event.step IS NOT NULL
            AND ($4::int IS NULL OR journey_event.service_revision = $4)
            AND journey_event.cohort IN (SELECT cohort.slug FROM cohort WHERE cohort.id = ANY($3::uuid[]))
          GROUP BY journey_event.step ORDER BY journey_event.step`,
        [slug, variant, cohortIds, revision],
      ),
    ]);
    return { completion, steps };
  }

  async stageEvidence(
    slug: string,
    variant: Audience,
    cohortIds: string[],
    stage: Stage,
  ): Promise<StageEvidence> {
    const [applications, [processing], feedback, [survey]] = await Promise.all([
      this.dataSource.query<{ status: string; count: number }[]>(
        `${PILOT_APPLICATIONS}
         SELECT pilot_application.status, count(*)::int AS count
           FROM pilot_application GROUP BY pilot_application.status
          ORDER BY pilot_application.status`,
        [slug, variant, cohortIds],
      ),
      this.dataSource.query<
        { participants: number; decided: number; median_days: number | null }[]
      >(
        `${PILOT_APPLICATIONS}
         SELECT count(DISTINCT pilot_application.filer)::int AS participants,
                count(*) FILTER (WHERE pilot_application.decided_at IS NOT NULL)::int AS decided,
                percentile_cont(0.5) WITHIN GROUP (
                  ORDER BY extract(epoch FROM pilot_application.decided_at - pilot_application.submitted_at) / 86400
                ) FILTER (WHERE pilot_application.decided_at IS NOT NULL) AS median_days
           FROM pilot_application`,
        [slug, variant, cohortIds],
      ),
      // No author, organization, contact nor free text: only what, where and when.
      this.dataSource.query<
        (Omit<EvidenceFeedbackItem, 'createdAt'> & { createdAt: Date; total: number })[]
      >(
        `SELECT feedback_item.id, feedback_item.reference, feedback_item.stage, feedback_item.kind,
                feedback_item.severity, feedback_item.status,
                substring(feedback_item.page FROM '/steps/([A-Za-z0-9_-]+)') AS step,
                feedback_item.created_at AS "createdAt", count(*) OVER ()::int AS total
           FROM feedback_item
          WHERE feedback_item.service_slug = $1 AND feedback_item.variant = $2
            AND (feedback_item.stage = $3
                 OR feedback_item.status IN ('new', 'acknowledged', 'planned')
                    AND feedback_item.severity IN ('blocker', 'major'))
          ORDER BY feedback_item.created_at DESC, feedback_item.id DESC
          LIMIT $4`,
        [slug, variant, stage, EVIDENCE_FEEDBACK_LIMIT],
      ),
      this.dataSource.query<{ responses: number; average: string | null; overall: number[] }[]>(
        `SELECT count(*)::int AS responses, avg(satisfaction_response.overall) AS average,
                ARRAY[count(*) FILTER (WHERE satisfaction_response.overall = 1),
                      count(*) FILTER (WHERE satisfaction_response.overall = 2),
                      count(*) FILTER (WHERE satisfaction_response.overall = 3),
                      count(*) FILTER (WHERE satisfaction_response.overall = 4),
                      count(*) FILTER (WHERE satisfaction_response.overall = 5)]::int[] AS overall
           FROM satisfaction_response
          WHERE satisfaction_response.service_slug = $1 AND satisfaction_response.variant = $2
            AND satisfaction_response.stage = $3`,
        [slug, variant, stage],
      ),
    ]);
    return {
      applications,
      participants: processing.participants,
      decided: processing.decided,
      medianProcessingDays:
        processing.median_days === null ? null : tenth(Number(processing.median_days)),
      feedback: feedback.map(({ total: _total, ...item }) => item),
      feedbackTotal: feedback[0]?.total ?? 0,
      satisfaction: {
        responses: survey.responses,
        average: survey.average === null ? null : tenth(Number(survey.average)),
        overall: survey.overall,
      },
      ...(await this.journey(slug, variant, cohortIds, null)),
    };
  }

  async compareRevisions(
    slug: string,
    variant: Audience,
    revisions: { candidate: number; current: number },
    since: Date,
  ): Promise<RevisionComparison> {
    const [candidate, current] = await Promise.all([
      this.revisionFigures(slug, variant, revisions.candidate, since),
      this.revisionFigures(slug, variant, revisions.current, since),
    ]);
    return { since, candidate, current };
  }

  /**
   * One revision's figures since a date, whoever filed (not only the pilot's
   * members): its applications started and submitted, its feedback and
   * satisfaction, and each of its steps' saves. A draft moved to another
   * revision (a rollback) counts for the revision it is on now.
   */
  private async revisionFigures(
    slug: string,
    variant: Audience,
    revision: number,
    since: Date,
  ): Promise<RevisionFigures> {
    const [[applications], [feedback], satisfaction, saves, definition] = await Promise.all([
      this.dataSource.query<{ started: number; submitted: number }[]>(
        `SELECT count(*)::int AS started,
                count(*) FILTER (WHERE application.submitted_at IS NOT NULL)::int AS submitted
           FROM application
          WHERE application.service_slug = $1 AND application.variant = $2
            AND application.service_revision = $3 AND application.created_at >= $4`,
        [slug, variant, revision, since],
      ),
      this.dataSource.query<{ received: number }[]>(
        `SELECT count(*)::int AS received FROM feedback_item
          WHERE feedback_item.service_slug = $1 AND feedback_item.variant = $2
            AND feedback_item.service_revision = $3 AND feedback_item.created_at >= $4
            AND feedback_item.status <> 'duplicate'`,
        [slug, variant, revision, since],
      ),
      this.satisfaction(slug, variant, revision, since),
      this.dataSource.query<{ step: string; saves: number; refused: number; errors: number }[]>(
        `SELECT journey_event.step, count(*)::int AS saves,
                count(*) FILTER (WHERE journey_event.kind = 'validation_failed')::int AS refused,
                sum(journey_event.errors)::int AS errors
           FROM journey_event
          WHERE journey_event.service_slug = $1 AND journey_event.variant = $2
            AND journey_event.service_revision = $3 AND journey_event.occurred_at >= $4
            AND journey_event.kind IN ('step_completed', 'validation_failed')
            AND journey_event.step IS NOT NULL
          GROUP BY journey_event.step`,
        [slug, variant, revision, since],
      ),
      this.catalogue.revisionOf(slug, revision),
    ]);
    const { started, submitted } = applications;
    // Every step of the revision in its order, saved or not; then any other step saved.
    const order = definition ? this.forms.steps(definition, variant).map((s) => s.slug) : [];
    const counted = new Map(saves.map((row) => [row.step, row]));
    const steps = [
      ...order.map((step) => counted.get(step) ?? { step, saves: 0, refused: 0, errors: 0 }),
      ...saves
        .filter((row) => !order.includes(row.step))
        .sort((a, b) => a.step.localeCompare(b.step)),
    ];
    return {
      revision,
      started,
      submitted,
      completionRate: started === 0 ? null : tenth((submitted / started) * 100),
      feedback: feedback.received,
      averageSatisfaction: satisfaction,
      steps,
    };
  }
}

/**
 * The applications of a variant's pilot members, drafts aside, as the gates
 * count them ($1 service, $2 variant, $3 the plan's cohort ids).
 */
const PILOT_APPLICATIONS = `
  WITH pilot_member AS (
    SELECT DISTINCT CASE cohort.audience WHEN 'business' THEN cohort_member.organization_id
                                         ELSE cohort_member.account_id END AS id
      FROM cohort_member JOIN cohort ON cohort.id = cohort_member.cohort_id
     WHERE cohort_member.cohort_id = ANY($3::uuid[]) AND cohort_member.status = 'active'
  ), pilot_application AS (
    SELECT application.status, application.submitted_at, application.decided_at,
           COALESCE(application.organization_id, application.account_id) AS filer
      FROM application
     WHERE application.service_slug = $1 AND application.variant = $2
       AND application.status <> 'draft'
       AND COALESCE(application.organization_id, application.account_id) IN (SELECT id FROM pilot_member)
  )`;
