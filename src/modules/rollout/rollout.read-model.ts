import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Audience } from '../../platform/flags/flag-context.js';
import type { ActingAs } from '../accounts/acting-as.js';
import type { RevisionStage } from './revision-track.js';
import { isTrialStage, type Stage } from './stages.js';

export interface VariantStage {
  stage: Stage;
  paused: boolean;
  /** A pilot or gradual stage: its pages carry the phase banner and a feedback link. */
  trial: boolean;
}

export interface CohortRef {
  id: string;
  slug: string;
  name: string;
}

/**
 * What other modules may read of the rollout: a variant's stage and the cohorts
 * someone belongs to. (Only the owning module writes a table; read models may
 * join: docs/architecture.md, "Module boundaries", and ADR 0021.)
 */
@Injectable()
export class RolloutReadModel {
  constructor(private readonly dataSource: DataSource) {}

  /** The variant's stage; a variant with no plan yet is closed. */
  async stageOf(slug: string, variant: Audience): Promise<VariantStage> {
    const [row] = await this.dataSource.query<{ stage: Stage; paused: boolean }[]>(
      `SELECT rollout_plan.stage, rollout_plan.paused FROM rollout_plan
        WHERE rollout_plan.service_slug = $1 AND rollout_plan.variant = $2`,
      [slug, variant],
    );
    const stage = row?.stage ?? 'closed';
    return { stage, paused: row?.paused ?? false, trial: isTrialStage(variant, stage) };
  }

  /** Every variant's stage, keyed `<slug>.<variant>`. */
  async stages(): Promise<Map<string, VariantStage>> {
    const rows = await this.dataSource.query<
      { service_slug: string; variant: Audience; stage: Stage; paused: boolean }[]
    >(
      `SELECT rollout_plan.service_slug, rollout_plan.variant, rollout_plan.stage, rollout_plan.paused
         FROM rollout_plan`,
    );
    return new Map(
      rows.map((r) => [
        `${r.service_slug}.${r.variant}`,
        { stage: r.stage, paused: r.paused, trial: isTrialStage(r.variant, r.stage) },
      ]),
    );
  }

  /** Every service's candidate revision in rollout (ADR 0032), keyed by slug. */
  async candidates(): Promise<Map<string, { revision: number; stage: RevisionStage }>> {
    const rows = await this.dataSource.query<
      { service_slug: string; revision: number; stage: RevisionStage }[]
    >(
      `SELECT revision_rollout.service_slug, revision_rollout.revision, revision_rollout.stage
         FROM revision_rollout`,
    );
    return new Map(rows.map((r) => [r.service_slug, { revision: r.revision, stage: r.stage }]));
  }

  /** Has this person asked to be emailed when the service opens to citizens? */
  async isSubscribed(accountId: string, slug: string): Promise<boolean> {
    const rows = await this.dataSource.query(
      `SELECT 1 FROM release_subscription
        WHERE release_subscription.account_id = $1 AND release_subscription.service_slug = $2
          AND release_subscription.notified_at IS NULL`,
      [accountId, slug],
    );
    return rows.length > 0;
  }

  /** The cohorts attached to a variant's plan: its pilot's testers are their active members. */
  async cohortsOfPlan(slug: string, variant: Audience): Promise<CohortRef[]> {
    return this.dataSource.query<CohortRef[]>(
      `SELECT cohort.id, cohort.slug, cohort.name FROM rollout_plan_cohort
         JOIN cohort ON cohort.id = rollout_plan_cohort.cohort_id
        WHERE rollout_plan_cohort.service_slug = $1 AND rollout_plan_cohort.variant = $2
        ORDER BY cohort.name`,
      [slug, variant],
    );
  }

  /**
   * The cohorts the person belongs to as they are acting: the SME's cohorts
   * when acting for an SME, their own tester cohorts when acting as themselves.
   */
  async cohortsOf(actingAs: ActingAs): Promise<CohortRef[]> {
    if (actingAs.audience === 'business' && actingAs.organization)
      return this.cohortsFor({ organizationId: actingAs.organization.id });
    if (actingAs.audience === 'citizen' && actingAs.accountId)
      return this.cohortsFor({ accountId: actingAs.accountId });
    return [];
  }

  /**
   * The active cohorts of an SME (business cohorts) or of a person as
   * themselves (citizen tester cohorts): what `cohortsOf` answers for someone
   * acting so, for staff who record feedback on their behalf.
   */
  async cohortsFor(
    party: { organizationId: string } | { accountId: string },
  ): Promise<CohortRef[]> {
    if ('organizationId' in party) {
      return this.dataSource.query<CohortRef[]>(
        `SELECT cohort.id, cohort.slug, cohort.name FROM cohort_member
           JOIN cohort ON cohort.id = cohort_member.cohort_id
          WHERE cohort_member.organization_id = $1 AND cohort_member.status = 'active'
            AND cohort.audience = 'business'
          ORDER BY cohort.name`,
        [party.organizationId],
      );
    }
    return this.dataSource.query<CohortRef[]>(
      `SELECT cohort.id, cohort.slug, cohort.name FROM cohort_member
         JOIN cohort ON cohort.id = cohort_member.cohort_id
        WHERE cohort_member.account_id = $1 AND cohort_member.organization_id IS NULL
          AND cohort_member.status = 'active' AND cohort.audience = 'citizen'
        ORDER BY cohort.name`,
      [party.accountId],
    );
  }

  /** Every cohort, by name (e.g. to filter what was sent from each). */
  async cohortList(): Promise<(CohortRef & { audience: Audience })[]> {
    return this.dataSource.query<(CohortRef & { audience: Audience })[]>(
      `SELECT cohort.id, cohort.slug, cohort.name, cohort.audience FROM cohort
        ORDER BY cohort.name, cohort.slug`,
    );
  }
}
