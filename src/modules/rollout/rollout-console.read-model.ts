import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Audience } from '../../platform/flags/flag-context.js';
import type { GateResult } from './gates.js';
import type { Stage } from './stages.js';

export interface OverviewRow {
  slug: string;
  variant: Audience;
  stage: Stage;
  paused: boolean;
  cohorts: string[];
  version: number;
  syncedVersion: number;
  syncError: string | null;
  /** Drift seen in Unleash over the last seven days. */
  recentDrift: number;
}

export interface DecisionRow {
  id: string;
  kind: string;
  fromStage: Stage | null;
  toStage: Stage | null;
  override: boolean;
  reason: string | null;
  details: Record<string, unknown>;
  gates: GateResult[];
  actorName: string | null;
  createdAt: Date;
}

export interface ScheduleRow {
  id: string;
  toStage: Stage;
  runAt: Date;
  reason: string;
  status: 'pending' | 'done' | 'skipped' | 'cancelled';
  createdBy: string | null;
}

export interface DriftRow {
  id: string;
  /** The variant's flag, or null for a segment's drift. */
  flag: string | null;
  /** The segment of one of the plan's cohorts, edited in Unleash (`cohort:<slug>`). */
  segment: string | null;
  resolution: 'corrected' | 'adopted';
  detectedAt: Date;
}

/** What the rollout console lists: plans at a glance, decisions, schedules, drift. */
@Injectable()
export class RolloutConsoleReadModel {
  constructor(private readonly dataSource: DataSource) {}

  async overview(): Promise<OverviewRow[]> {
    const rows = await this.dataSource.query<
      {
        service_slug: string;
        variant: Audience;
        stage: Stage;
        paused: boolean;
        cohorts: string[];
        version: string;
        synced_version: string;
        sync_error: string | null;
        recent_drift: number;
      }[]
    >(
      `SELECT rollout_plan.service_slug, rollout_plan.variant, rollout_plan.stage, rollout_plan.paused,
              rollout_plan.version, rollout_plan.synced_version, rollout_plan.sync_error,
              COALESCE((SELECT array_agg(cohort.name ORDER BY cohort.name)
                          FROM rollout_plan_cohort JOIN cohort ON cohort.id = rollout_plan_cohort.cohort_id
                         WHERE rollout_plan_cohort.service_slug = rollout_plan.service_slug
                           AND rollout_plan_cohort.variant = rollout_plan.variant), '{}') AS cohorts,
              (SELECT count(*)::int FROM rollout_drift
                WHERE (rollout_drift.service_slug = rollout_plan.service_slug
                       AND rollout_drift.variant = rollout_plan.variant
                       OR rollout_drift.segment IN (
                         SELECT 'cohort:' || cohort.slug
                           FROM rollout_plan_cohort JOIN cohort ON cohort.id = rollout_plan_cohort.cohort_id
                          WHERE rollout_plan_cohort.service_slug = rollout_plan.service_slug
                            AND rollout_plan_cohort.variant = rollout_plan.variant))
                  AND rollout_drift.detected_at > now() - interval '7 days') AS recent_drift
         FROM rollout_plan
        ORDER BY rollout_plan.service_slug, rollout_plan.variant`,
    );
    return rows.map((r) => ({
      slug: r.service_slug,
      variant: r.variant,
      stage: r.stage,
      paused: r.paused,
      cohorts: r.cohorts,
      version: Number(r.version),
      syncedVersion: Number(r.synced_version),
      syncError: r.sync_error,
      recentDrift: r.recent_drift,
    }));
  }

  /** The decisions on the variant's access (those on a revision are on the revision page). */
  async decisions(slug: string, variant: Audience, limit = 50): Promise<DecisionRow[]> {
    const rows = await this.dataSource.query<
      {
        id: string;
        kind: string;
        from_stage: Stage | null;
        to_stage: Stage | null;
        override: boolean;
        reason: string | null;
        details: Record<string, unknown>;
        gates: GateResult[];
        actor_name: string | null;
        created_at: Date;
      }[]
    >(
      `SELECT rollout_decision.id, rollout_decision.kind, rollout_decision.from_stage,
              rollout_decision.to_stage, rollout_decision.override, rollout_decision.reason,
              rollout_decision.details, rollout_decision.gates, account.display_name AS actor_name,
              rollout_decision.created_at
         FROM rollout_decision LEFT JOIN account ON account.id = rollout_decision.actor_id
        WHERE rollout_decision.service_slug = $1 AND rollout_decision.variant = $2
          AND rollout_decision.revision IS NULL
        ORDER BY rollout_decision.created_at DESC, rollout_decision.id DESC
        LIMIT $3`,
      [slug, variant, limit],
    );
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      fromStage: r.from_stage,
      toStage: r.to_stage,
      override: r.override,
      reason: r.reason,
      details: r.details,
      gates: r.gates,
      actorName: r.actor_name,
      createdAt: r.created_at,
    }));
  }

  async schedules(slug: string, variant: Audience): Promise<ScheduleRow[]> {
    const rows = await this.dataSource.query<
      {
        id: string;
        to_stage: Stage;
        run_at: Date;
        reason: string;
        status: ScheduleRow['status'];
        created_by: string | null;
      }[]
    >(
      `SELECT rollout_schedule.id, rollout_schedule.to_stage, rollout_schedule.run_at,
              rollout_schedule.reason, rollout_schedule.status, account.display_name AS created_by
         FROM rollout_schedule LEFT JOIN account ON account.id = rollout_schedule.created_by
        WHERE rollout_schedule.service_slug = $1 AND rollout_schedule.variant = $2
        ORDER BY rollout_schedule.status <> 'pending', rollout_schedule.run_at DESC
        LIMIT 20`,
      [slug, variant],
    );
    return rows.map((r) => ({
      id: r.id,
      toStage: r.to_stage,
      runAt: r.run_at,
      reason: r.reason,
      status: r.status,
      createdBy: r.created_by,
    }));
  }

  /** The drift of the variant's flag and of its cohorts' segments, newest first. */
  async drift(slug: string, variant: Audience): Promise<DriftRow[]> {
    const rows = await this.dataSource.query<
      {
        id: string;
        flag: string | null;
        segment: string | null;
        resolution: DriftRow['resolution'];
        detected_at: Date;
      }[]
    >(
      `SELECT rollout_drift.id, rollout_drift.flag, rollout_drift.segment, rollout_drift.resolution,
              rollout_drift.detected_at
         FROM rollout_drift
        WHERE rollout_drift.service_slug = $1 AND rollout_drift.variant = $2
           OR rollout_drift.segment IN (
                SELECT 'cohort:' || cohort.slug
                  FROM rollout_plan_cohort JOIN cohort ON cohort.id = rollout_plan_cohort.cohort_id
                 WHERE rollout_plan_cohort.service_slug = $1 AND rollout_plan_cohort.variant = $2)
        ORDER BY rollout_drift.detected_at DESC LIMIT 10`,
      [slug, variant],
    );
    return rows.map((r) => ({
      id: r.id,
      flag: r.flag,
      segment: r.segment,
      resolution: r.resolution,
      detectedAt: r.detected_at,
    }));
  }

  /** The cohorts of an audience, with their active member counts (to attach to a plan). */
  async cohorts(audience: Audience): Promise<{ id: string; name: string; members: number }[]> {
    return this.dataSource.query(
      `SELECT cohort.id, cohort.name,
              (SELECT count(*)::int FROM cohort_member
                WHERE cohort_member.cohort_id = cohort.id AND cohort_member.status = 'active') AS members
         FROM cohort WHERE cohort.audience = $1 ORDER BY cohort.name`,
      [audience],
    );
  }
}
