import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AUDIENCES, type Audience } from '../../platform/flags/flag-context.js';
import { AppConfig } from '../../platform/config/app-config.js';
import { returningRows } from '../../platform/database/database.js';
import { isDatabaseUnavailable } from '../../platform/database/database-unavailable.js';
import { cityDateTime } from '../../platform/i18n/city-time.js';
import { isLocale } from '../../platform/i18n/i18n.service.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { AuditService } from '../audit/audit.service.js';
import type { RequestOrigin } from '../audit/request-origin.js';
import { OutboxService } from '../notifications/outbox.service.js';
import { StaffService } from '../staff/staff.service.js';
import {
  CHECKLIST_ITEMS,
  evaluateGates,
  GATE_IDS,
  PilotEvidence,
  type ChecklistItem,
  type GateId,
  type GateResult,
  type Thresholds,
} from './gates.js';
import { markPlanChanged, PLAN_LOCK_ORDER } from './rollout-changes.js';
import {
  heldCitizens,
  smeFirstHolds,
  smeFirstViolation,
  type SmeFirstOverride,
  type VariantReach,
} from './sme-first.js';
import { isGatedPromotion, nextStage, previousStage, stageKind, type Stage } from './stages.js';
import { variantFlag } from './variant-flags.js';

export type RolloutErrorCode =
  | 'plan-not-found'
  | 'stage-changed'
  | 'no-next-stage'
  | 'no-previous-stage'
  | 'gates-failing'
  | 'sme-first'
  | 'reason-required'
  | 'already-paused'
  | 'not-paused'
  | 'percentage-invalid'
  | 'cohort-not-found'
  | 'cohort-audience'
  | 'schedule-in-past'
  | 'schedule-not-found'
  | 'threshold-invalid'
  | 'no-candidate'
  | 'candidate-in-rollout'
  | 'revision-not-ready'
  | 'already-current'
  | 'not-before-citizens'
  | 'variant-invalid';

/** A rollout rule said no; the console maps each code to a status and a message. */
export class RolloutError extends Error {
  constructor(
    readonly code: RolloutErrorCode,
    readonly gates: GateResult[] = [],
  ) {
    super(code);
    this.name = 'RolloutError';
  }
}

/** What a run of the due schedules did: the flags promoted and skipped, and the schedules that failed. */
export interface DueSchedulesRun {
  promoted: string[];
  skipped: string[];
  failed: { schedule: string; flag: string; error: string }[];
}

/** A member of staff acting on a plan, and where the request came from. */
export interface RolloutActor {
  accountId: string;
  origin: RequestOrigin;
}

export interface PlanRecord {
  slug: string;
  variant: Audience;
  stage: Stage;
  paused: boolean;
  gradualPercentage: number;
  thresholds: Thresholds;
  driftPolicy: 'correct' | 'adopt';
  version: number;
  syncedVersion: number;
  syncedAt: Date | null;
  syncError: string | null;
  cohorts: { id: string; slug: string; name: string; members: number }[];
  /** On a citizen plan: the SME-first override it stands under, if any (ADR 0034). */
  smeFirstOverride: SmeFirstOverride | null;
  checklist: { item: ChecklistItem; tickedBy: string | null; tickedAt: Date | null }[];
}

export type DecisionKind =
  | 'promote'
  | 'rollback'
  | 'pause'
  | 'resume'
  | 'percentage'
  | 'cohort-attached'
  | 'cohort-detached'
  | 'schedule'
  | 'schedule-cancelled'
  | 'scheduled-promotion'
  | 'scheduled-skipped'
  | 'thresholds'
  | 'checklist';

interface StageChange {
  /** The stage the person saw when they decided: a concurrent change makes this a 409. */
  expectedStage?: string;
  reason: string;
}

interface PromoteInput extends StageChange {
  /** Promote despite failing gates or SME-first, with a reason (recorded). */
  override?: boolean;
}

/**
 * A rollback or a pause: on the business variant, `override` keeps citizens
 * where they are although that breaks SME-first (the reason is recorded);
 * without it, the citizen twin is carried along (ADR 0034).
 */
interface NarrowingInput extends StageChange {
  override?: boolean;
}

/** What a business rollback or pause did to the citizen twin, for the decision's details. */
export interface CitizensCarried {
  /** `rolled-back`: to internal; `paused`: the kill switch too; `kept`: an override. */
  outcome: 'rolled-back' | 'paused' | 'kept';
  stage: Stage;
}

/**
 * The settings as a person typed them: a threshold per gate (blank = the
 * default; a decimal comma is read as a point) and the drift policy
 * ('adopt', anything else = 'correct').
 */
export interface TypedSettings {
  reason: string;
  driftPolicy: string;
  thresholds: Partial<Record<GateId, string>>;
}

/** A promotion's time as a person typed it: a date (YYYY-MM-DD) and a time (HH:MM), the city's. */
export interface TypedSchedule {
  date: string;
  time: string;
  reason: string;
}

/**
 * The rollout plans and every decision taken on them. Each change is one
 * transaction: the plan, its decision record (with a snapshot of every gate's
 * value and threshold), its audit event, and a NOTIFY for the reconciler, which
 * then makes Unleash follow (the console waits for it: docs/architecture.md, "Decisions").
 */
@Injectable()
export class RolloutService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly evidence: PilotEvidence,
    private readonly outbox: OutboxService,
    private readonly catalogue: CatalogueService,
    private readonly config: AppConfig,
    private readonly staff: StaffService,
  ) {}

  /** A plan for every variant of the catalogue, closed when new. */
  async ensurePlans(variants: { slug: string; variant: Audience }[]): Promise<void> {
    if (variants.length === 0) return;
    await this.dataSource.query(
      `INSERT INTO rollout_plan (service_slug, variant)
       SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`,
      [variants.map((v) => v.slug), variants.map((v) => v.variant)],
    );
  }

  /**
   * A plan named as a page's address names it (any text): `plan-not-found`
   * for a service the catalogue does not hold or a variant that is not one.
   */
  async planAsTyped(slug: string, variant: string): Promise<PlanRecord> {
    if (!this.catalogue.find(slug) || !(AUDIENCES as readonly string[]).includes(variant))
      throw new RolloutError('plan-not-found');
    return this.plan(slug, variant as Audience);
  }

  async plan(slug: string, variant: Audience, manager?: EntityManager): Promise<PlanRecord> {
    const db = manager ?? this.dataSource.manager;
    const [row] = await db.query<
      {
        stage: Stage;
        paused: boolean;
        gradual_percentage: number;
        gate_thresholds: Thresholds;
        drift_policy: 'correct' | 'adopt';
        version: string;
        synced_version: string;
        synced_at: Date | null;
        sync_error: string | null;
        sme_first_override: SmeFirstOverride | null;
      }[]
    >(
      `SELECT rollout_plan.stage, rollout_plan.paused, rollout_plan.gradual_percentage,
              rollout_plan.gate_thresholds, rollout_plan.drift_policy, rollout_plan.version,
              rollout_plan.synced_version, rollout_plan.synced_at, rollout_plan.sync_error,
              rollout_plan.sme_first_override
         FROM rollout_plan WHERE rollout_plan.service_slug = $1 AND rollout_plan.variant = $2`,
      [slug, variant],
    );
    if (!row) throw new RolloutError('plan-not-found');
    const cohorts = await db.query<PlanRecord['cohorts']>(
      `SELECT cohort.id, cohort.slug, cohort.name,
              (SELECT count(*)::int FROM cohort_member
                WHERE cohort_member.cohort_id = cohort.id AND cohort_member.status = 'active') AS members
         FROM rollout_plan_cohort JOIN cohort ON cohort.id = rollout_plan_cohort.cohort_id
        WHERE rollout_plan_cohort.service_slug = $1 AND rollout_plan_cohort.variant = $2
        ORDER BY cohort.name`,
      [slug, variant],
    );
    const ticks = await db.query<{ item: ChecklistItem; ticked_by: string; ticked_at: Date }[]>(
      `SELECT rollout_checklist_tick.item, account.display_name AS ticked_by, rollout_checklist_tick.ticked_at
         FROM rollout_checklist_tick
         LEFT JOIN account ON account.id = rollout_checklist_tick.ticked_by
        WHERE rollout_checklist_tick.service_slug = $1 AND rollout_checklist_tick.variant = $2`,
      [slug, variant],
    );
    return {
      slug,
      variant,
      stage: row.stage,
      paused: row.paused,
      gradualPercentage: row.gradual_percentage,
      thresholds: row.gate_thresholds,
      driftPolicy: row.drift_policy,
      version: Number(row.version),
      syncedVersion: Number(row.synced_version),
      syncedAt: row.synced_at,
      syncError: row.sync_error,
      smeFirstOverride: row.sme_first_override,
      cohorts,
      checklist: CHECKLIST_ITEMS.map((item) => {
        const tick = ticks.find((t) => t.item === item);
        return { item, tickedBy: tick?.ticked_by ?? null, tickedAt: tick?.ticked_at ?? null };
      }),
    };
  }

  /**
   * Every gate's value, threshold and verdict for the plan now; with a
   * revision, on that revision's own evidence (a candidate's, ADR 0032).
   */
  async gates(plan: PlanRecord, revision?: number): Promise<GateResult[]> {
    const figures = await this.evidence.figures(
      plan.slug,
      plan.variant,
      plan.cohorts.map((c) => c.id),
      revision,
      // The plan's own gates judge its stage; a candidate's, its revision (ADR 0035).
      revision === undefined ? plan.stage : undefined,
    );
    const ticked = plan.checklist.filter((c) => c.tickedAt).length;
    return evaluateGates(plan.slug, plan.variant, figures, ticked, plan.thresholds);
  }

  /**
   * One stage forward. Out of a pilot or gradual stage every gate must pass;
   * a citizen variant may not pass `internal` before its business twin reaches
   * `sme-all`, unpaused (SME-first, ADR 0034). Either can be overridden with a
   * written reason, recorded.
   */
  async promote(actor: RolloutActor, slug: string, variant: Audience, input: PromoteInput) {
    return this.change(actor, slug, variant, input, async (manager, plan) => {
      const to = nextStage(variant, plan.stage);
      if (!to) throw new RolloutError('no-next-stage');
      const gates = await this.gates(plan);
      const failing = isGatedPromotion(variant, plan.stage)
        ? gates.filter((g) => g.status !== 'pass').map((g) => g.id)
        : [];
      const business = variant === 'citizen' ? await this.plan(slug, 'business', manager) : plan;
      const twin = variant === 'citizen' ? business.stage : to;
      const smeFirst =
        variant === 'citizen' && !!smeFirstViolation(business, { stage: to, paused: false });
      const override = failing.length > 0 || smeFirst;
      if (override && !input.override)
        throw new RolloutError(smeFirst ? 'sme-first' : 'gates-failing', gates);
      await this.setStage(manager, plan, to);
      if (stageKind(variant, to) === 'all' && variant === 'citizen')
        await this.notifySubscribers(manager, slug);
      return {
        kind: 'promote' as const,
        to,
        override,
        gates,
        details: { failingGates: failing, smeFirst, businessStage: twin },
      };
    });
  }

  /**
   * One stage back, at once: no gate holds a rollback. Taking the business
   * variant out of `sme-all` while citizens have the service rolls the citizen
   * twin back to `internal` in the same transaction, unless `override` keeps
   * citizens where they are (SME-first broken, the reason recorded).
   */
  async rollback(actor: RolloutActor, slug: string, variant: Audience, input: NarrowingInput) {
    return this.change(actor, slug, variant, input, async (manager, plan) => {
      const to = previousStage(variant, plan.stage);
      if (!to) throw new RolloutError('no-previous-stage');
      await this.setStage(manager, plan, to);
      const citizens =
        variant === 'business'
          ? await this.carryCitizens(manager, actor, slug, {
              business: { stage: to, paused: plan.paused },
              how: 'rollback',
              reason: input.reason,
              keep: input.override === true,
            })
          : undefined;
      return {
        kind: 'rollback' as const,
        to,
        override: citizens?.outcome === 'kept',
        gates: await this.gates(plan),
        ...(citizens ? { details: { citizens } } : {}),
      };
    });
  }

  /**
   * The kill switch: the variant closes to everyone at once; drafts are kept.
   * Never refused. Pausing the business variant while citizens have the
   * service pauses the citizen twin too, unless `override` keeps citizens open
   * (SME-first broken, the reason recorded).
   */
  async pause(actor: RolloutActor, slug: string, variant: Audience, input: NarrowingInput) {
    return this.change(actor, slug, variant, input, async (manager, plan) => {
      if (plan.paused) throw new RolloutError('already-paused');
      await this.setPaused(manager, plan, true);
      const citizens =
        variant === 'business'
          ? await this.carryCitizens(manager, actor, slug, {
              business: { stage: plan.stage, paused: true },
              how: 'pause',
              reason: input.reason,
              keep: input.override === true,
            })
          : undefined;
      return {
        kind: 'pause' as const,
        override: citizens?.outcome === 'kept',
        gates: await this.gates(plan),
        ...(citizens ? { details: { citizens } } : {}),
      };
    });
  }

  /**
   * Resumes what was there. Resuming the citizen variant past `internal`
   * while the SMEs are paused or behind `sme-all` breaks SME-first: refused
   * unless overridden with a reason (the check runs in `change`).
   */
  async resume(actor: RolloutActor, slug: string, variant: Audience, input: PromoteInput) {
    return this.change(actor, slug, variant, input, async (manager, plan) => {
      if (!plan.paused) throw new RolloutError('not-paused');
      await this.setPaused(manager, plan, false);
      const business = variant === 'citizen' ? await this.plan(slug, 'business', manager) : plan;
      const smeFirst =
        variant === 'citizen' &&
        !smeFirstHolds(business, { stage: plan.stage, paused: false }, plan.smeFirstOverride);
      return {
        kind: 'resume' as const,
        override: smeFirst && input.override === true,
        gates: await this.gates(plan),
        ...(smeFirst ? { details: { smeFirst, businessStage: business.stage } } : {}),
      };
    });
  }

  /**
   * The percentage as typed: up to three digits, else percentage-invalid
   * (as one out of 1–100); then as `setPercentage`.
   */
  async setPercentageAsTyped(
    actor: RolloutActor,
    slug: string,
    variant: Audience,
    typed: { percentage: string; reason: string },
  ) {
    const percentage = typed.percentage.trim();
    return this.setPercentage(actor, slug, variant, {
      percentage: /^\d{1,3}$/.test(percentage) ? Number(percentage) : NaN,
      reason: typed.reason,
    });
  }

  async setPercentage(
    actor: RolloutActor,
    slug: string,
    variant: Audience,
    input: StageChange & { percentage: number },
  ) {
    const percentage = input.percentage;
    if (!Number.isInteger(percentage) || percentage < 1 || percentage > 100)
      throw new RolloutError('percentage-invalid');
    return this.change(actor, slug, variant, input, async (manager, plan) => {
      await manager.query(
        `UPDATE rollout_plan SET gradual_percentage = $3 WHERE service_slug = $1 AND variant = $2`,
        [slug, variant, percentage],
      );
      await markPlanChanged(manager, slug, variant);
      return {
        kind: 'percentage' as const,
        gates: await this.gates(plan),
        details: { from: plan.gradualPercentage, to: percentage },
      };
    });
  }

  async attachCohort(
    actor: RolloutActor,
    slug: string,
    variant: Audience,
    input: StageChange & { cohortId: string },
  ) {
    return this.change(actor, slug, variant, input, async (manager, plan) => {
      const cohort = await this.cohort(manager, input.cohortId);
      if (cohort.audience !== variant) throw new RolloutError('cohort-audience');
      await manager.query(
        `INSERT INTO rollout_plan_cohort (service_slug, variant, cohort_id, attached_by)
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
        [slug, variant, cohort.id, actor.accountId],
      );
      await markPlanChanged(manager, slug, variant);
      return {
        kind: 'cohort-attached' as const,
        gates: await this.gates(plan),
        details: { cohort: cohort.slug },
      };
    });
  }

  async detachCohort(
    actor: RolloutActor,
    slug: string,
    variant: Audience,
    input: StageChange & { cohortId: string },
  ) {
    return this.change(actor, slug, variant, input, async (manager, plan) => {
      const cohort = await this.cohort(manager, input.cohortId);
      await manager.query(
        `DELETE FROM rollout_plan_cohort WHERE service_slug = $1 AND variant = $2 AND cohort_id = $3`,
        [slug, variant, cohort.id],
      );
      await markPlanChanged(manager, slug, variant);
      return {
        kind: 'cohort-detached' as const,
        gates: await this.gates(plan),
        details: { cohort: cohort.slug },
      };
    });
  }

  /** Gate thresholds for this service variant (blank = the default) and the drift policy. */
  async setSettings(
    actor: RolloutActor,
    slug: string,
    variant: Audience,
    input: StageChange & { thresholds: Thresholds; driftPolicy: 'correct' | 'adopt' },
  ) {
    for (const id of GATE_IDS) {
      const value = input.thresholds[id];
      if (value !== undefined && (!Number.isFinite(value) || value < 0))
        throw new RolloutError('threshold-invalid');
    }
    return this.change(actor, slug, variant, input, async (manager, plan) => {
      await manager.query(
        `UPDATE rollout_plan SET gate_thresholds = $3, drift_policy = $4, updated_at = now()
          WHERE service_slug = $1 AND variant = $2`,
        [slug, variant, JSON.stringify(input.thresholds), input.driftPolicy],
      );
      return {
        kind: 'thresholds' as const,
        gates: await this.gates({ ...plan, thresholds: input.thresholds }),
        details: {
          before: { thresholds: plan.thresholds, driftPolicy: plan.driftPolicy },
          after: { thresholds: input.thresholds, driftPolicy: input.driftPolicy },
        },
      };
    });
  }

  /**
   * The settings as typed (the console's form, or any other way in): a
   * threshold that is not a non-negative number → threshold-invalid, before
   * anything else is checked; then as `setSettings`.
   */
  async setSettingsAsTyped(
    actor: RolloutActor,
    slug: string,
    variant: Audience,
    typed: TypedSettings,
  ) {
    const thresholds: Thresholds = {};
    for (const id of GATE_IDS) {
      const raw = (typed.thresholds[id] ?? '').trim().replace(',', '.');
      if (raw === '') continue;
      if (!/^\d+(\.\d+)?$/.test(raw)) throw new RolloutError('threshold-invalid');
      thresholds[id] = Number(raw);
    }
    return this.setSettings(actor, slug, variant, {
      reason: typed.reason,
      thresholds,
      driftPolicy: typed.driftPolicy === 'adopt' ? 'adopt' : 'correct',
    });
  }

  /** Ticks or unticks a checklist item; the ticker is named on the plan page. */
  async setChecklistItem(
    actor: RolloutActor,
    slug: string,
    variant: Audience,
    input: { item: ChecklistItem; ticked: boolean; reason?: string },
  ) {
    return this.change(
      actor,
      slug,
      variant,
      { reason: input.reason ?? '' },
      async (manager) => {
        if (input.ticked)
          await manager.query(
            `INSERT INTO rollout_checklist_tick (service_slug, variant, item, ticked_by)
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
            [slug, variant, input.item, actor.accountId],
          );
        else
          await manager.query(
            `DELETE FROM rollout_checklist_tick WHERE service_slug = $1 AND variant = $2 AND item = $3`,
            [slug, variant, input.item],
          );
        const after = await this.plan(slug, variant, manager);
        return {
          kind: 'checklist' as const,
          gates: await this.gates(after),
          details: { item: input.item, ticked: input.ticked },
        };
      },
      { reasonOptional: true },
    );
  }

  /**
   * A promotion at a date and time typed in the city's time zone: one that is
   * not a date and time → schedule-in-past (as one in the past), before
   * anything else is checked; then as `schedule`.
   */
  async scheduleAsTyped(
    actor: RolloutActor,
    slug: string,
    variant: Audience,
    typed: TypedSchedule,
  ) {
    const runAt = cityDateTime(typed.date, typed.time);
    if (!runAt) throw new RolloutError('schedule-in-past');
    return this.schedule(actor, slug, variant, { runAt, reason: typed.reason });
  }

  /**
   * A promotion to run at `runAt`: then, only if every gate passes and the
   * stage is still the one seen now; otherwise it is recorded as skipped and the
   * rollout managers are emailed.
   */
  async schedule(
    actor: RolloutActor,
    slug: string,
    variant: Audience,
    input: StageChange & { runAt: Date },
  ) {
    if (input.runAt.getTime() <= Date.now()) throw new RolloutError('schedule-in-past');
    return this.change(actor, slug, variant, input, async (manager, plan) => {
      const to = nextStage(variant, plan.stage);
      if (!to) throw new RolloutError('no-next-stage');
      const [row] = await manager.query<{ id: string }[]>(
        `INSERT INTO rollout_schedule (service_slug, variant, from_stage, to_stage, run_at, reason, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
        [slug, variant, plan.stage, to, input.runAt, input.reason.trim(), actor.accountId],
      );
      return {
        kind: 'schedule' as const,
        to,
        gates: await this.gates(plan),
        details: { scheduleId: row.id, runAt: input.runAt.toISOString() },
      };
    });
  }

  async cancelSchedule(
    actor: RolloutActor,
    slug: string,
    variant: Audience,
    input: { scheduleId: string; reason: string },
  ) {
    return this.change(actor, slug, variant, input, async (manager, plan) => {
      const rows = await returningRows<{ id: string; run_at: Date; to_stage: Stage }>(
        manager,
        `UPDATE rollout_schedule SET status = 'cancelled', ran_at = now()
          WHERE id = $1 AND service_slug = $2 AND variant = $3 AND status = 'pending'
          RETURNING id, run_at, to_stage`,
        [input.scheduleId, slug, variant],
      );
      if (rows.length === 0) throw new RolloutError('schedule-not-found');
      return {
        kind: 'schedule-cancelled' as const,
        to: rows[0].to_stage,
        gates: await this.gates(plan),
        details: { scheduleId: rows[0].id, runAt: new Date(rows[0].run_at).toISOString() },
      };
    });
  }

  /**
   * Runs the scheduled promotions that are due, each once across instances.
   * Locks in the order every decision takes them: the plan(s) first
   * (`lockPlans`), then the schedule row (FOR UPDATE SKIP LOCKED), read again
   * there: another instance may have run it, or staff cancelled it, while this
   * one waited for the plans. Claiming the row first would deadlock with a
   * cancellation, which holds the plans when it updates the row. Returns
   * which ran, were skipped or failed. A schedule that fails (whatever the
   * reason, every time perhaps) stays pending for the next run and does not
   * hold up those due after it; the database being away stops the run.
   */
  async runDueSchedules(limit = 20): Promise<DueSchedulesRun> {
    const result: DueSchedulesRun = { promoted: [], skipped: [], failed: [] };
    /** Schedules not to pick again in this run: taken by another transaction, or failed. */
    const taken: string[] = [];
    for (let i = 0; i < limit; i++) {
      let picked: { schedule: string; flag: string } | undefined;
      const outcome = await this.dataSource
        .transaction(async (manager) => {
          const [next] = await manager.query<
            { id: string; service_slug: string; variant: Audience }[]
          >(
            `SELECT rollout_schedule.id, rollout_schedule.service_slug, rollout_schedule.variant
             FROM rollout_schedule
            WHERE rollout_schedule.status = 'pending' AND rollout_schedule.run_at <= now()
              AND rollout_schedule.id <> ALL($1::uuid[])
            ORDER BY rollout_schedule.run_at LIMIT 1`,
            [taken],
          );
          if (!next) return undefined;
          picked = { schedule: next.id, flag: variantFlag(next.service_slug, next.variant) };
          await this.lockPlans(manager, next.service_slug, next.variant);
          const [due] = await manager.query<
            {
              id: string;
              service_slug: string;
              variant: Audience;
              from_stage: Stage;
              to_stage: Stage;
              reason: string;
              created_by: string | null;
              run_at: Date;
            }[]
          >(
            `SELECT id, service_slug, variant, from_stage, to_stage, reason, created_by, run_at
             FROM rollout_schedule WHERE id = $1 AND status = 'pending' AND run_at <= now()
              FOR UPDATE SKIP LOCKED`,
            [next.id],
          );
          if (!due) {
            taken.push(next.id);
            return 'taken' as const;
          }
          const plan = await this.plan(due.service_slug, due.variant, manager);
          const gates = await this.gates(plan);
          const failing = isGatedPromotion(plan.variant, plan.stage)
            ? gates.filter((g) => g.status !== 'pass').map((g) => g.id)
            : [];
          // A scheduled promotion cannot give an override: one into a state
          // that breaks SME-first (SMEs behind sme-all, or paused) is skipped.
          const smeFirst =
            plan.variant === 'citizen' &&
            !!smeFirstViolation(await this.plan(plan.slug, 'business', manager), {
              stage: due.to_stage,
              paused: false,
            });
          const why =
            plan.stage !== due.from_stage || plan.paused
              ? 'stage-changed'
              : failing.length > 0
                ? 'gates-failing'
                : smeFirst
                  ? 'sme-first'
                  : undefined;
          const flag = variantFlag(plan.slug, plan.variant);
          if (why) {
            await manager.query(
              `UPDATE rollout_schedule SET status = 'skipped', ran_at = now(), outcome = $2 WHERE id = $1`,
              [due.id, JSON.stringify({ why, failingGates: failing })],
            );
            await this.recordDecision(manager, plan, {
              kind: 'scheduled-skipped',
              to: due.to_stage,
              reason: due.reason,
              gates,
              details: { scheduleId: due.id, why, failingGates: failing },
              actor: undefined,
            });
            await this.emailRolloutManagers(manager, {
              flag,
              link: `${this.config.PUBLIC_URL}/staff/rollout/${plan.slug}/${plan.variant}`,
              from: plan.stage,
              to: due.to_stage,
              runAt: new Date(due.run_at).toISOString(),
              why,
              failing: failing.join(', '),
            });
            return { flag, skipped: true };
          }
          await this.setStage(manager, plan, due.to_stage);
          await this.dropSpentOverride(manager, plan.slug);
          if (stageKind(plan.variant, due.to_stage) === 'all' && plan.variant === 'citizen')
            await this.notifySubscribers(manager, plan.slug);
          await manager.query(
            `UPDATE rollout_schedule SET status = 'done', ran_at = now(), outcome = '{}' WHERE id = $1`,
            [due.id],
          );
          await this.recordDecision(manager, plan, {
            kind: 'scheduled-promotion',
            to: due.to_stage,
            reason: due.reason,
            gates,
            details: { scheduleId: due.id, scheduledBy: due.created_by },
            actor: undefined,
          });
          return { flag, skipped: false };
        })
        .catch((error: unknown) => {
          if (!picked || isDatabaseUnavailable(error)) throw error;
          return { failed: picked, error: (error as Error).message };
        });
      if (!outcome) break;
      if (outcome === 'taken') continue;
      if ('failed' in outcome) {
        taken.push(outcome.failed.schedule);
        result.failed.push({ ...outcome.failed, error: outcome.error });
        continue;
      }
      (outcome.skipped ? result.skipped : result.promoted).push(outcome.flag);
    }
    return result;
  }

  /** The runner of every staff decision: lock, check, change, record, audit. */
  private async change<
    T extends {
      kind: DecisionKind;
      to?: Stage;
      override?: boolean;
      gates: GateResult[];
      details?: Record<string, unknown>;
    },
  >(
    actor: RolloutActor,
    slug: string,
    variant: Audience,
    input: StageChange & { override?: boolean },
    body: (manager: EntityManager, plan: PlanRecord) => Promise<T>,
    options: { reasonOptional?: boolean } = {},
  ): Promise<T & { from: Stage }> {
    const reason = input.reason.trim();
    return this.dataSource.transaction(async (manager) => {
      await this.lockPlans(manager, slug, variant);
      const plan = await this.plan(slug, variant, manager);
      if (input.expectedStage !== undefined && input.expectedStage !== plan.stage)
        throw new RolloutError('stage-changed');
      const before = await this.twins(manager, slug);
      const outcome = await body(manager, plan);
      // Checked after the rules, so "gates failing" is said before "give a reason".
      if (!reason && !options.reasonOptional) throw new RolloutError('reason-required');
      const decision = await this.recordDecision(manager, plan, { ...outcome, reason, actor });
      await this.keepSmeFirst(manager, slug, before, { ...outcome, decision });
      return { ...outcome, from: plan.stage };
    });
  }

  /** Both plans of a service as SME-first reads them, with the citizen plan's override. */
  private async twins(manager: EntityManager, slug: string) {
    const rows = await manager.query<
      { variant: Audience; stage: Stage; paused: boolean; sme_first_override: SmeFirstOverride }[]
    >(
      `SELECT rollout_plan.variant, rollout_plan.stage, rollout_plan.paused, rollout_plan.sme_first_override
         FROM rollout_plan WHERE rollout_plan.service_slug = $1`,
      [slug],
    );
    const of = (variant: Audience): VariantReach => {
      const row = rows.find((r) => r.variant === variant);
      if (!row) throw new RolloutError('plan-not-found');
      return { stage: row.stage, paused: row.paused };
    };
    const override = rows.find((r) => r.variant === 'citizen')?.sme_first_override ?? null;
    return { business: of('business'), citizen: of('citizen'), override };
  }

  /**
   * Drops the citizen plan's SME-first override once the plans keep SME-first
   * again (ADR 0034): an override covers the breach it was given for, never a
   * later one. For the paths that change a stage outside `change` (scheduled
   * promotions, edits adopted from Unleash); `change` does it in keepSmeFirst.
   */
  async dropSpentOverride(manager: EntityManager, slug: string): Promise<void> {
    const twins = await this.twins(manager, slug);
    if (!twins.override || smeFirstViolation(twins.business, twins.citizen)) return;
    await manager.query(
      `UPDATE rollout_plan SET sme_first_override = NULL WHERE service_slug = $1 AND variant = 'citizen'`,
      [slug],
    );
  }

  /**
   * SME-first, the last check of every decision's transaction (ADR 0034): the
   * plans as changed must keep it, or break it no further than before the
   * change or than the override they stand under (a rollback or a pause never
   * makes it worse); otherwise the decision needs an override, which then
   * stands on the citizen plan. Plans back within SME-first drop theirs.
   */
  private async keepSmeFirst(
    manager: EntityManager,
    slug: string,
    before: Awaited<ReturnType<RolloutService['twins']>>,
    outcome: { override?: boolean; gates: GateResult[]; decision: string },
  ): Promise<void> {
    const after = await this.twins(manager, slug);
    let override: SmeFirstOverride | null = after.override;
    if (!smeFirstViolation(after.business, after.citizen)) override = null;
    else if (
      !smeFirstHolds(after.business, after.citizen, after.override) &&
      !smeFirstHolds(after.business, after.citizen, before)
    ) {
      if (!outcome.override) throw new RolloutError('sme-first', outcome.gates);
      override = { decision: outcome.decision, business: after.business, citizen: after.citizen };
    }
    if (JSON.stringify(override) === JSON.stringify(after.override)) return;
    await manager.query(
      `UPDATE rollout_plan SET sme_first_override = $2 WHERE service_slug = $1 AND variant = 'citizen'`,
      [slug, override === null ? null : JSON.stringify(override)],
    );
  }

  /**
   * The citizen twin, after the business plan narrowed to `business` (a
   * rollback, a pause, or such an edit adopted from Unleash): if citizens would
   * be left ahead of the SMEs, it is rolled back to `internal` (a rollback) or
   * paused too (a pause), recorded as its own decision; `keep` leaves it as it
   * is (the caller records the override). Nothing for a citizen plan.
   */
  async carryCitizens(
    manager: EntityManager,
    actor: RolloutActor | undefined,
    slug: string,
    change: { business: VariantReach; how: 'rollback' | 'pause'; reason: string; keep: boolean },
  ): Promise<CitizensCarried | undefined> {
    const citizen = await this.plan(slug, 'citizen', manager);
    const { business } = change;
    if (smeFirstHolds(business, citizen, citizen.smeFirstOverride)) return undefined;
    if (change.keep) return { outcome: 'kept', stage: citizen.stage };
    const to = change.how === 'rollback' ? heldCitizens(citizen).stage : citizen.stage;
    if (change.how === 'rollback') await this.setStage(manager, citizen, to);
    else await this.setPaused(manager, citizen, true);
    await this.recordDecision(manager, citizen, {
      kind: change.how,
      to,
      reason: change.reason.trim(),
      gates: await this.gates(citizen),
      details: { smeFirst: true, carriedBy: 'business', businessStage: business.stage },
      actor,
    });
    return { outcome: change.how === 'rollback' ? 'rolled-back' : 'paused', stage: to };
  }

  private async recordDecision(
    manager: EntityManager,
    plan: PlanRecord,
    decision: {
      kind: DecisionKind;
      to?: Stage;
      override?: boolean;
      reason: string;
      gates: GateResult[];
      details?: Record<string, unknown>;
      actor: RolloutActor | undefined;
    },
  ): Promise<string> {
    const flag = variantFlag(plan.slug, plan.variant);
    const [row] = await manager.query<{ id: string }[]>(
      `INSERT INTO rollout_decision
         (service_slug, variant, kind, from_stage, to_stage, override, reason, details, gates, actor_type, actor_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
      [
        plan.slug,
        plan.variant,
        decision.kind,
        plan.stage,
        decision.to ?? plan.stage,
        decision.override ?? false,
        decision.reason || null,
        JSON.stringify(decision.details ?? {}),
        JSON.stringify(decision.gates),
        decision.actor ? 'staff' : 'system',
        decision.actor?.accountId ?? null,
      ],
    );
    await this.audit.record(manager, {
      actor: decision.actor
        ? { type: 'staff', id: decision.actor.accountId }
        : { type: 'system', id: 'rollout-scheduler' },
      action: `rollout.${decision.kind}${decision.override ? '.override' : ''}`,
      entity: { type: 'rollout-plan', id: flag },
      before: { stage: plan.stage, paused: plan.paused },
      after: {
        decision: row.id,
        stage: decision.to ?? plan.stage,
        reason: decision.reason || undefined,
        ...(decision.details ?? {}),
      },
      ip: decision.actor?.origin.ip,
      requestId: decision.actor?.origin.requestId,
    });
    return row.id;
  }

  /**
   * The plan locks a change to `variant` takes, before any other row (a
   * schedule, a decision): its own plan, and a business change its citizen
   * twin too (it may carry it along), in `PLAN_LOCK_ORDER`. Every path taking
   * them in this order cannot deadlock with another.
   */
  private async lockPlans(manager: EntityManager, slug: string, variant: Audience) {
    for (const each of PLAN_LOCK_ORDER)
      if (each === variant || variant === 'business') await this.lockPlan(manager, slug, each);
  }

  private async lockPlan(manager: EntityManager, slug: string, variant: Audience) {
    const rows = await manager.query<unknown[]>(
      `SELECT 1 FROM rollout_plan WHERE service_slug = $1 AND variant = $2 FOR UPDATE`,
      [slug, variant],
    );
    if (rows.length === 0) throw new RolloutError('plan-not-found');
  }

  private async setStage(manager: EntityManager, plan: PlanRecord, to: Stage) {
    await manager.query(
      `UPDATE rollout_plan SET stage = $3 WHERE service_slug = $1 AND variant = $2`,
      [plan.slug, plan.variant, to],
    );
    await markPlanChanged(manager, plan.slug, plan.variant);
  }

  private async setPaused(manager: EntityManager, plan: PlanRecord, paused: boolean) {
    await manager.query(
      `UPDATE rollout_plan SET paused = $3 WHERE service_slug = $1 AND variant = $2`,
      [plan.slug, plan.variant, paused],
    );
    await markPlanChanged(manager, plan.slug, plan.variant);
  }

  private async cohort(manager: EntityManager, id: string) {
    const [cohort] = /^[0-9a-f-]{36}$/i.test(id)
      ? await manager.query<{ id: string; slug: string; audience: Audience }[]>(
          `SELECT cohort.id, cohort.slug, cohort.audience FROM cohort WHERE cohort.id = $1`,
          [id],
        )
      : [];
    if (!cohort) throw new RolloutError('cohort-not-found');
    return cohort;
  }

  /** "Notify me when it opens" (idempotent: asking twice keeps one subscription). */
  async subscribe(
    accountId: string,
    slug: string,
    language: 'fr' | 'en',
    origin: RequestOrigin,
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const rows = await manager.query<{ id: string }[]>(
        `INSERT INTO release_subscription (service_slug, account_id, language) VALUES ($1, $2, $3)
         ON CONFLICT (service_slug, account_id)
           DO UPDATE SET language = EXCLUDED.language, notified_at = NULL
           WHERE release_subscription.notified_at IS NOT NULL
         RETURNING id`,
        [slug, accountId, language],
      );
      if (rows.length === 0) return;
      await this.audit.record(manager, {
        actor: { type: 'person', id: accountId },
        action: 'rollout.release_subscribed',
        entity: { type: 'release-subscription', id: rows[0].id },
        after: { service: slug, language },
        ip: origin.ip,
        requestId: origin.requestId,
      });
    });
  }

  /** "Notify me when it opens": the citizen variant reached `general`. */
  private async notifySubscribers(manager: EntityManager, slug: string) {
    const rows = await returningRows<{ email: string; language: string; name: string }>(
      manager,
      `UPDATE release_subscription SET notified_at = now()
         FROM account
        WHERE release_subscription.account_id = account.id
          AND release_subscription.service_slug = $1 AND release_subscription.notified_at IS NULL
          AND account.closed_at IS NULL
        RETURNING account.email, release_subscription.language, account.display_name AS name`,
      [slug],
    );
    const title = this.catalogue.find(slug)?.title;
    for (const row of rows) {
      const locale = isLocale(row.language) ? row.language : 'fr';
      await this.outbox.enqueue(manager, {
        kind: 'service-released',
        to: row.email,
        locale,
        values: {
          name: row.name,
          service: title?.[locale] ?? slug,
          link: `${this.config.PUBLIC_URL}/services/${slug}/citizen`,
        },
      });
    }
  }

  private async emailRolloutManagers(manager: EntityManager, values: Record<string, string>) {
    const managers = await this.staff.contactsWithRoles(manager, ['rollout-manager', 'admin']);
    for (const row of managers) {
      await this.outbox.enqueue(manager, {
        kind: 'rollout-schedule-skipped',
        to: row.email,
        locale: isLocale(row.preferredLocale) ? row.preferredLocale : 'fr',
        values,
      });
    }
  }
}
