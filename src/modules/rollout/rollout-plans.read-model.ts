import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Audience } from '../../platform/flags/flag-context.js';
import type { CohortSnapshot, PlanSnapshot, VariantRevisions } from './desired-state.js';
import { candidateOf, type BusinessRevisionStage, type RevisionStage } from './revision-track.js';
import type { SmeFirstOverride } from './sme-first.js';
import type { Stage } from './stages.js';

/** A plan as stored: what it implies, and where its sync to Unleash stands. */
export interface PlanRow extends PlanSnapshot {
  driftPolicy: 'correct' | 'adopt';
  version: number;
  syncedVersion: number;
  applied: string | null;
  /** On a citizen plan: the SME-first override staff gave, if one stands (ADR 0034). */
  smeFirstOverride: SmeFirstOverride | null;
}

/**
 * Every rollout plan and cohort, as the desired state reads them: what the
 * reconciler makes Unleash hold and what the plan fence enforces (the same two
 * queries, so both read the same plan).
 */
@Injectable()
export class RolloutPlansReadModel {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Plans and cohorts read together in one snapshot (REPEATABLE READ), so a
   * cohort attached or removed meanwhile is seen on both sides or neither.
   */
  snapshot(): Promise<{ plans: PlanRow[]; cohorts: CohortSnapshot[] }> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => ({
      plans: await this.plans(manager),
      cohorts: await this.cohorts(manager),
    }));
  }

  async plans(manager: EntityManager = this.dataSource.manager): Promise<PlanRow[]> {
    const rows = await manager.query<
      ({
        service_slug: string;
        stage: Stage;
        paused: boolean;
        gradual_percentage: number;
        drift_policy: 'correct' | 'adopt';
        version: string;
        synced_version: string;
        applied: string | null;
        sme_first_override: SmeFirstOverride | null;
        cohorts: string[];
      } & RevisionColumns)[]
    >(
      `SELECT rollout_plan.service_slug, rollout_plan.variant, rollout_plan.stage, rollout_plan.paused,
              rollout_plan.gradual_percentage, rollout_plan.drift_policy, rollout_plan.version,
              rollout_plan.synced_version, rollout_plan.applied, rollout_plan.sme_first_override,
              COALESCE(array_agg(cohort.slug ORDER BY cohort.slug)
                FILTER (WHERE cohort.slug IS NOT NULL), '{}') AS cohorts,
              service.citizen_revision, service.business_revision,
              revision_rollout.revision AS candidate, revision_rollout.stage AS candidate_stage,
              revision_rollout.business_stage, revision_rollout.business_percentage,
              revision_rollout.citizen_percentage
         FROM rollout_plan
         LEFT JOIN rollout_plan_cohort
           ON rollout_plan_cohort.service_slug = rollout_plan.service_slug
          AND rollout_plan_cohort.variant = rollout_plan.variant
         LEFT JOIN cohort ON cohort.id = rollout_plan_cohort.cohort_id
         LEFT JOIN service ON service.slug = rollout_plan.service_slug
         LEFT JOIN revision_rollout ON revision_rollout.service_slug = rollout_plan.service_slug
        GROUP BY rollout_plan.service_slug, rollout_plan.variant, service.slug,
                 revision_rollout.service_slug
        ORDER BY rollout_plan.service_slug, rollout_plan.variant`,
    );
    return rows.map((r) => ({
      slug: r.service_slug,
      variant: r.variant,
      stage: r.stage,
      paused: r.paused,
      gradualPercentage: r.gradual_percentage,
      cohorts: r.cohorts,
      driftPolicy: r.drift_policy,
      version: Number(r.version),
      syncedVersion: Number(r.synced_version),
      applied: r.applied,
      smeFirstOverride: r.sme_first_override,
      revisions: variantRevisions(r),
    }));
  }

  /** Every cohort with its active members' ids. */
  async cohorts(manager: EntityManager = this.dataSource.manager): Promise<CohortSnapshot[]> {
    return manager.query<CohortSnapshot[]>(
      `SELECT cohort.slug, cohort.audience,
              COALESCE(array_agg(
                CASE cohort.audience WHEN 'business' THEN cohort_member.organization_id::text
                                     ELSE cohort_member.account_id::text END)
                FILTER (WHERE cohort_member.id IS NOT NULL), '{}') AS members
         FROM cohort
         LEFT JOIN cohort_member
           ON cohort_member.cohort_id = cohort.id AND cohort_member.status = 'active'
          AND CASE cohort.audience WHEN 'business' THEN cohort_member.organization_id IS NOT NULL
                                   ELSE cohort_member.account_id IS NOT NULL END
        GROUP BY cohort.id
        ORDER BY cohort.slug`,
    );
  }
}

/** A plan's row joined with its service's revisions and candidate (null: none). */
interface RevisionColumns {
  variant: Audience;
  citizen_revision: number | null;
  business_revision: number | null;
  candidate: number | null;
  candidate_stage: RevisionStage | null;
  business_stage: BusinessRevisionStage | null;
  business_percentage: number | null;
  citizen_percentage: number | null;
}

/** The revisions a variant's flag names: its current one, and the candidate's reach. */
function variantRevisions(row: RevisionColumns): VariantRevisions | undefined {
  const current = row.variant === 'business' ? row.business_revision : row.citizen_revision;
  if (current === null) return undefined;
  if (row.candidate === null || !row.candidate_stage || !row.business_stage) return { current };
  const candidate = candidateOf(
    {
      revision: row.candidate,
      stage: row.candidate_stage,
      businessStage: row.business_stage,
      percentage: {
        business: row.business_percentage ?? 10,
        citizen: row.citizen_percentage ?? 10,
      },
    },
    row.variant,
  );
  return candidate ? { current, candidate } : { current };
}
