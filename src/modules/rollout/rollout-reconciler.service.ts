import { BeforeApplicationShutdown, Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AppConfig } from '../../platform/config/app-config.js';
import type { Audience } from '../../platform/flags/flag-context.js';
import { FlagsService, type LocalFlag } from '../../platform/flags/flags.service.js';
import { Jobs } from '../../platform/jobs/jobs.js';
import {
  UnleashAdminClient,
  UnleashAdminError,
  evaluationOrder,
  type FlagEnvironmentState,
  type Segment,
} from '../../platform/flags/unleash-admin.client.js';
import { JsonLogger } from '../../platform/logging/json-logger.js';
import { AuditService } from '../audit/audit.service.js';
import {
  desiredFlag,
  desiredSegment,
  environmentKey,
  resolveSegments,
  type CohortSnapshot,
  type DesiredSegment,
  type PlanSnapshot,
} from './desired-state.js';
import { notifyRolloutChange, type RolloutChange } from './rollout-changes.js';
import { adoptableState } from './drift-adoption.js';
import { PlanFence } from './plan-fence.js';
import { RolloutPlansReadModel, type PlanRow } from './rollout-plans.read-model.js';
import { variantFlag } from './variant-flags.js';
import { RolloutService } from './rollout.service.js';
import {
  citizensPastInternal,
  heldCitizens,
  reach,
  smeFirstHolds,
  smeFirstViolation,
  type SmeFirstOverride,
} from './sme-first.js';
import { isGatedPromotion, stageIndex, track, type Stage } from './stages.js';

/** What the console shows while the reconciler holds a citizen flag to SME-first (ADR 0034). */
const SME_FIRST_HELD =
  'SME-first: citizens held at internal in Unleash (the business variant is not at sme-all, or is paused, and no override covers it)';

/** Why an edit made in Unleash was put back instead of adopted. */
type AdoptionRefusal = 'inexpressible' | 'gates-failing' | 'sme-first';

/** One reconciler at a time across every portal instance (a PostgreSQL advisory lock). */
const LOCK_KEY = 7_146_229_001;
/** Flags read and written at once: Unleash's Admin API is quick, but one at a time adds up. */
const CONCURRENCY = 8;
const MAX_BACKOFF_MS = 30_000;

export interface ReconcileReport {
  /** `busy`: another instance holds the lock; `failed`: Unleash could not be read at all. */
  status: 'done' | 'busy' | 'failed';
  /** Flags changed in Unleash by this run. */
  applied: string[];
  /** Flags whose drift was put back (or adopted). */
  drift: string[];
  errors: { flag: string; error: string }[];
  durationMs: number;
}

/**
 * Makes Unleash hold what the rollout plans imply (docs/architecture.md,
 * "Reconciler and scheduler"; ADR 0010): one segment per cohort, and each variant's flag with the
 * strategies of its stage. Idempotent: a run with nothing to change only reads.
 *
 * It runs right after a change (the console waits for it; a NOTIFY wakes every
 * instance through RolloutChangesListener), as a periodic job every
 * ROLLOUT_RECONCILE_INTERVAL_MS (one instance per tick, ADR 0026), and again
 * with backoff while Unleash is unreachable; meanwhile the plan fence enforces
 * what narrows access (ADR 0033). A flag whose plan has not changed since the
 * reconciler last applied it, but which Unleash now holds differently, was
 * edited in Unleash directly: that drift is recorded, then put back to the plan
 * or, if the plan's drift policy says so and the edit is a state the plan can
 * express, adopted into the plan.
 */
@Injectable()
export class RolloutReconciler implements OnModuleInit, BeforeApplicationShutdown {
  private running: Promise<ReconcileReport> | undefined;
  private next: Promise<ReconcileReport> | undefined;
  /** Changes announced by NOTIFY and not yet looked at: flag → version. */
  private readonly wanted = new Map<string, number>();
  private wantAll = false;
  private wantedTimer: NodeJS.Timeout | undefined;
  /** The plan version this instance last found applied in Unleash, per flag. */
  private readonly appliedVersions = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private failures = 0;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly admin: UnleashAdminClient,
    private readonly flags: FlagsService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly logger: JsonLogger,
    private readonly jobs: Jobs,
    private readonly plans: RolloutPlansReadModel,
    private readonly fence: PlanFence,
    private readonly rollout: RolloutService,
  ) {}

  /**
   * Retries as soon as Unleash answers again; the periodic run, when
   * ROLLOUT_RECONCILE_INTERVAL_MS is not 0 (whole seconds, at least 1).
   */
  async onModuleInit(): Promise<void> {
    // Unleash is back: what failed is retried now, not at the end of a backoff
    // that may have grown to MAX_BACKOFF_MS during a long outage, and the
    // backoff starts again from its shortest should Unleash still refuse.
    this.flags.onReachableAgain(() => {
      if (this.failures === 0) return;
      this.failures = 1;
      this.schedule(0);
    });
    const intervalMs = this.config.ROLLOUT_RECONCILE_INTERVAL_MS;
    if (intervalMs === 0) return;
    await this.jobs.every({
      name: 'rollout-reconcile',
      everySeconds: Math.max(1, Math.round(intervalMs / 1000)),
      run: () => this.reconcile(),
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.wantedTimer);
    await this.running?.catch(() => undefined);
  }

  /**
   * Asks for a run soon (debounced), after a change committed on any instance.
   * A change this instance has already applied (its own decision, reconciled
   * before the NOTIFY arrived) needs no second run.
   */
  requestSync(change: RolloutChange = {}): void {
    if (change.flag && change.version !== undefined) {
      const known = this.wanted.get(change.flag) ?? 0;
      this.wanted.set(change.flag, Math.max(known, change.version));
    } else {
      this.wantAll = true;
    }
    if (this.wantedTimer || this.stopped) return;
    this.wantedTimer = setTimeout(() => {
      this.wantedTimer = undefined;
      void this.syncWanted();
    }, 20);
    this.wantedTimer.unref();
  }

  private async syncWanted(): Promise<void> {
    // Let a run under way finish: it may be the one that applied these changes.
    await this.running?.catch(() => undefined);
    const wanted = [...this.wanted];
    const all = this.wantAll;
    this.wanted.clear();
    this.wantAll = false;
    const covered =
      !all && wanted.every(([flag, version]) => (this.appliedVersions.get(flag) ?? 0) >= version);
    if (!covered) await this.reconcile();
  }

  /**
   * Runs now and waits, so the change a staff member just made is effective on
   * this instance's next request: first through the plan fence (whatever state
   * Unleash is in, ADR 0033), then in Unleash. Waits for another instance's run
   * to finish (bounded). Returns false if something is still pending (Unleash
   * down): the console then shows "pending sync" and the background retries.
   */
  async syncNow(timeoutMs = 10_000): Promise<boolean> {
    await this.fence.reload();
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; attempt < 200; attempt++) {
      const report = await this.reconcile();
      if (report.status === 'done') return report.errors.length === 0;
      if (report.status === 'failed' || Date.now() > deadline) return false;
      await sleep(100);
    }
    return false;
  }

  /**
   * One run. If one is under way in this instance, the caller gets the run
   * that follows it (one follow-up shared by every caller meanwhile), since the
   * run under way may have read the plans before the caller's change.
   */
  reconcile(): Promise<ReconcileReport> {
    if (!this.running) return this.start();
    this.next ??= this.running.then(() => {
      this.next = undefined;
      return this.start();
    });
    return this.next;
  }

  private start(): Promise<ReconcileReport> {
    const running = this.run().finally(() => {
      if (this.running === running) this.running = undefined;
    });
    this.running = running;
    return running;
  }

  private async run(): Promise<ReconcileReport> {
    const started = Date.now();
    const report: ReconcileReport = {
      status: 'done',
      applied: [],
      drift: [],
      errors: [],
      durationMs: 0,
    };
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [
        LOCK_KEY,
      ])) as { locked: boolean }[];
      if (!locked) {
        report.status = 'busy';
        return report;
      }
      try {
        await this.reconcileAll(report);
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]);
      }
    } catch (error) {
      report.status = 'failed';
      report.errors.push({ flag: '*', error: (error as Error).message });
    } finally {
      await runner.release();
      report.durationMs = Date.now() - started;
      this.afterRun(report);
    }
    return report;
  }

  private async reconcileAll(report: ReconcileReport): Promise<void> {
    const { plans, cohorts } = await this.plans.snapshot();
    const segments = await this.syncSegments(cohorts);
    const segmentIds = new Map(segments.map((s) => [s.name, s.id]));
    const segmentNames = new Map(segments.map((s) => [s.id, s.name]));
    const local: LocalFlag[] = [];
    const queue = [...plans];
    const worker = async () => {
      for (let plan = queue.shift(); plan; plan = queue.shift()) {
        const flag = variantFlag(plan.slug, plan.variant);
        try {
          const outcome = await this.reconcilePlan(plan, segmentIds, segmentNames, cohorts);
          if (outcome.changed) report.applied.push(flag);
          if (outcome.drift) report.drift.push(flag);
          // In the order Unleash evaluates them: the first match names the revision.
          local.push({
            name: flag,
            enabled: outcome.state.enabled,
            strategies: evaluationOrder(outcome.state.strategies),
          });
        } catch (error) {
          const message = (error as Error).message;
          report.errors.push({ flag, error: message });
          await this.dataSource.query(
            `UPDATE rollout_plan SET sync_error = $3, sync_attempts = sync_attempts + 1
              WHERE service_slug = $1 AND variant = $2`,
            [plan.slug, plan.variant, message.slice(0, 500)],
          );
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    // Effective on this instance's next request, not its next fetch.
    this.flags.applyLocally(local, segments);
  }

  private async reconcilePlan(
    plan: PlanRow,
    segmentIds: Map<string, number>,
    segmentNames: Map<number, string>,
    cohorts: CohortSnapshot[],
  ): Promise<{ changed: boolean; drift: boolean; state: FlagEnvironmentState }> {
    const flag = variantFlag(plan.slug, plan.variant);
    // The last check before writing: a citizen flag is never written wider than SME-first allows.
    const held = await this.smeFirstHold(plan);
    const desired = resolveSegments(desiredFlag(held ? heldCitizens(plan) : plan), segmentIds);
    const current = await this.currentState(flag, plan);
    const desiredKey = environmentKey(desired);
    const currentKey = environmentKey(current);
    if (currentKey === desiredKey) {
      if (held) await this.recordHold(plan, held);
      else if (plan.syncedVersion < plan.version || plan.applied !== currentKey)
        await this.markSynced(plan, currentKey);
      else this.appliedVersions.set(flag, plan.version);
      return { changed: false, drift: false, state: current };
    }

    // Unchanged plan, already applied, yet Unleash differs: edited in Unleash directly.
    const drift = !held && plan.syncedVersion >= plan.version && plan.applied !== null;
    let refused: AdoptionRefusal | undefined;
    if (drift && plan.driftPolicy === 'adopt') {
      const adopted = adoptableState(plan, current, segmentNames, cohorts);
      refused = adopted ? await this.adoptionRefusal(plan, adopted) : 'inexpressible';
      if (adopted && !refused) {
        if (await this.adopt(plan, adopted, current, currentKey))
          return { changed: false, drift: true, state: current };
        // The plan moved on since this run read it (a decision meanwhile, which
        // notified): the next run judges Unleash against the newer plan.
        return { changed: false, drift: false, state: current };
      }
    }
    if (drift) await this.recordCorrection(plan, desired, current, refused);

    const after = await this.admin.applyEnvironmentState(flag, desired, current);
    if (held) await this.recordHold(plan, held);
    else await this.markSynced(plan, environmentKey(after));
    this.logger.event('info', 'rollout.flag_applied', {
      flag,
      stage: plan.stage,
      paused: plan.paused,
      drift,
    });
    return { changed: true, drift, state: after };
  }

  /** The flag's state in Unleash; a missing flag is created (off) first. */
  private async currentState(flag: string, plan: PlanSnapshot): Promise<FlagEnvironmentState> {
    try {
      return await this.admin.getEnvironmentState(flag);
    } catch (error) {
      if (!(error instanceof UnleashAdminError) || error.status !== 404) throw error;
      await this.admin.createFlag(flag, `Guichet: ${plan.slug} (${plan.variant} variant)`);
      return this.admin.getEnvironmentState(flag);
    }
  }

  private async markSynced(plan: PlanRow, appliedKey: string): Promise<void> {
    this.appliedVersions.set(variantFlag(plan.slug, plan.variant), plan.version);
    await this.dataSource.query(
      `UPDATE rollout_plan
          SET synced_version = GREATEST(synced_version, $3), applied = $4::jsonb,
              synced_at = now(), sync_error = NULL, sync_attempts = 0
        WHERE service_slug = $1 AND variant = $2`,
      [plan.slug, plan.variant, plan.version, JSON.stringify(appliedKey)],
    );
  }

  private async recordCorrection(
    plan: PlanRow,
    desired: FlagEnvironmentState,
    actual: FlagEnvironmentState,
    refused: AdoptionRefusal | undefined,
  ): Promise<void> {
    const flag = variantFlag(plan.slug, plan.variant);
    await this.dataSource.transaction(async (manager) => {
      await this.insertDrift(manager, plan, desired, actual, 'corrected');
      await this.insertDecision(manager, plan, 'drift-corrected', {
        flag,
        reason: refused
          ? ADOPTION_REFUSED[refused]
          : 'Edited in Unleash directly; put back to the plan.',
        ...(refused ? { refused } : {}),
      });
      await this.audit.record(manager, {
        actor: { type: 'system', id: 'rollout-reconciler' },
        action: 'rollout.drift_corrected',
        entity: { type: 'rollout-plan', id: flag },
        before: actual,
        after: desired,
      });
    });
    this.logger.event('warn', 'rollout.drift_corrected', { flag });
  }

  /**
   * Takes an edit made in Unleash into the plan, under the service's plan
   * locks (business first, `PLAN_LOCK_ORDER`). False, changing nothing, when
   * the plan moved on since this run read it (a pause decided meanwhile must
   * not be undone by an older edit) or when, for citizens, the business twin
   * as locked now no longer allows the edit (SME-first).
   */
  private async adopt(
    plan: PlanRow,
    adopted: PlanSnapshot,
    actual: FlagEnvironmentState,
    actualKey: string,
  ): Promise<boolean> {
    const flag = variantFlag(plan.slug, plan.variant);
    const done = await this.dataSource.transaction(async (manager) => {
      const locked = await manager.query<
        { variant: Audience; stage: Stage; paused: boolean; version: string }[]
      >(
        `SELECT rollout_plan.variant, rollout_plan.stage, rollout_plan.paused, rollout_plan.version
           FROM rollout_plan WHERE rollout_plan.service_slug = $1
          ORDER BY rollout_plan.variant = 'citizen' FOR UPDATE`,
        [plan.slug],
      );
      const mine = locked.find((row) => row.variant === plan.variant);
      if (!mine || Number(mine.version) !== plan.version) return false;
      const business = locked.find((row) => row.variant === 'business');
      if (
        plan.variant === 'citizen' &&
        reach('citizen', adopted) > reach('citizen', plan) &&
        smeFirstViolation(business ?? { stage: 'closed', paused: false }, adopted)
      )
        return false;
      await manager.query(
        `UPDATE rollout_plan
            SET stage = $3, paused = $4, gradual_percentage = $5, version = version + 1,
                synced_version = version + 1, applied = $6::jsonb, synced_at = now(),
                sync_error = NULL, updated_at = now()
          WHERE service_slug = $1 AND variant = $2`,
        [
          plan.slug,
          plan.variant,
          adopted.stage,
          adopted.paused,
          adopted.gradualPercentage,
          JSON.stringify(actualKey),
        ],
      );
      await manager.query(
        `DELETE FROM rollout_plan_cohort WHERE service_slug = $1 AND variant = $2
            AND cohort_id NOT IN (SELECT cohort.id FROM cohort WHERE cohort.slug = ANY($3))`,
        [plan.slug, plan.variant, adopted.cohorts],
      );
      await manager.query(
        `INSERT INTO rollout_plan_cohort (service_slug, variant, cohort_id)
         SELECT $1, $2, cohort.id FROM cohort WHERE cohort.slug = ANY($3)
         ON CONFLICT DO NOTHING`,
        [plan.slug, plan.variant, adopted.cohorts],
      );
      // A pause or a rollback of the SMEs made in Unleash carries the citizens along, as in the console.
      if (plan.variant === 'business' && reach('business', adopted) < reach('business', plan))
        await this.rollout.carryCitizens(manager, undefined, plan.slug, {
          business: adopted,
          how: adopted.paused && !plan.paused ? 'pause' : 'rollback',
          reason: `${flag} edited in Unleash and adopted; SME-first carries the citizen variant along.`,
          keep: false,
        });
      await this.rollout.dropSpentOverride(manager, plan.slug);
      const expected = resolveSegmentsLoosely(plan);
      await this.insertDrift(manager, plan, expected, actual, 'adopted');
      // The plan changed: every instance's plan fence follows.
      await notifyRolloutChange(manager);
      await this.insertDecision(manager, plan, 'drift-adopted', {
        flag,
        reason: 'Edited in Unleash directly; adopted into the plan (drift policy "adopt").',
        to: adopted,
      });
      await this.audit.record(manager, {
        actor: { type: 'system', id: 'rollout-reconciler' },
        action: 'rollout.drift_adopted',
        entity: { type: 'rollout-plan', id: flag },
        before: snapshotOf(plan),
        after: adopted,
      });
      return true;
    });
    if (done) this.logger.event('warn', 'rollout.drift_adopted', { flag, stage: adopted.stage });
    return done;
  }

  private async insertDrift(
    manager: EntityManager,
    plan: PlanRow,
    expected: unknown,
    actual: FlagEnvironmentState,
    resolution: 'corrected' | 'adopted',
  ): Promise<void> {
    await manager.query(
      `INSERT INTO rollout_drift (service_slug, variant, flag, expected, actual, resolution)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        plan.slug,
        plan.variant,
        variantFlag(plan.slug, plan.variant),
        JSON.stringify(expected),
        JSON.stringify(actual),
        resolution,
      ],
    );
  }

  /**
   * Whether an edit made in Unleash may be adopted into the plan (ADR 0034): a
   * widening edit only with the gates a promotion to it would need passing,
   * and a citizen edit only if it keeps SME-first. Narrowing edits (a pause, a
   * stage back) are always adopted.
   */
  private async adoptionRefusal(
    plan: PlanRow,
    adopted: PlanSnapshot,
  ): Promise<AdoptionRefusal | undefined> {
    if (reach(plan.variant, adopted) <= reach(plan.variant, plan)) return undefined;
    if (plan.variant === 'citizen') {
      const business = await this.rollout.plan(plan.slug, 'business');
      if (smeFirstViolation(business, adopted)) return 'sme-first';
    }
    const from = stageIndex(plan.variant, plan.stage);
    const to = stageIndex(plan.variant, adopted.stage);
    const crossed = track(plan.variant).slice(from, to);
    if (crossed.some((stage) => isGatedPromotion(plan.variant, stage))) {
      const gates = await this.rollout.gates(await this.rollout.plan(plan.slug, plan.variant));
      if (gates.some((g) => g.status !== 'pass')) return 'gates-failing';
    }
    return undefined;
  }

  /**
   * A citizen plan that reaches past `internal` while SME-first does not hold
   * (the SMEs behind `sme-all` or paused, no override covering it): `held`, or
   * `stale` when the citizen plan changed since it was read (a run follows).
   */
  private async smeFirstHold(plan: PlanRow): Promise<'held' | 'stale' | undefined> {
    if (plan.variant !== 'citizen' || !citizensPastInternal(plan)) return undefined;
    const [row] = await this.dataSource.query<
      { stage: Stage; paused: boolean; version: string; override: SmeFirstOverride | null }[]
    >(
      `SELECT business.stage, business.paused, citizen.version, citizen.sme_first_override AS override
         FROM rollout_plan AS citizen
         LEFT JOIN rollout_plan AS business
           ON business.service_slug = citizen.service_slug AND business.variant = 'business'
        WHERE citizen.service_slug = $1 AND citizen.variant = 'citizen'`,
      [plan.slug],
    );
    const business = { stage: row?.stage ?? 'closed', paused: row?.paused ?? false };
    if (smeFirstHolds(business, plan, row?.override)) return undefined;
    return row && Number(row.version) === plan.version ? 'held' : 'stale';
  }

  /**
   * The citizen flag was written (or left) at `internal` instead of the plan:
   * the plan stays "pending sync" with the reason, and the first time, a
   * decision and an audit event say so.
   */
  private async recordHold(plan: PlanRow, held: 'held' | 'stale'): Promise<void> {
    const flag = variantFlag(plan.slug, plan.variant);
    if (held === 'stale') return;
    const first = await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `UPDATE rollout_plan SET sync_error = $3 WHERE service_slug = $1 AND variant = $2`,
        [plan.slug, plan.variant, SME_FIRST_HELD],
      );
      // Once per version of the plan, however often the reconciler runs.
      const [known] = await manager.query<unknown[]>(
        `SELECT 1 FROM rollout_decision
          WHERE rollout_decision.service_slug = $1 AND rollout_decision.variant = $2
            AND rollout_decision.kind = 'sme-first-held'
            AND rollout_decision.details->>'version' = $3`,
        [plan.slug, plan.variant, String(plan.version)],
      );
      if (known) return false;
      await this.insertDecision(manager, plan, 'sme-first-held', {
        flag,
        version: plan.version,
        reason: SME_FIRST_HELD,
        to: heldCitizens(snapshotOf(plan)),
      });
      await this.audit.record(manager, {
        actor: { type: 'system', id: 'rollout-reconciler' },
        action: 'rollout.sme_first_held',
        entity: { type: 'rollout-plan', id: flag },
        before: snapshotOf(plan),
        after: heldCitizens(snapshotOf(plan)),
      });
      return true;
    });
    if (first) this.logger.event('warn', 'rollout.sme_first_held', { flag, stage: plan.stage });
  }

  private async insertDecision(
    manager: EntityManager,
    plan: PlanRow,
    kind: 'drift-corrected' | 'drift-adopted' | 'sme-first-held',
    details: {
      flag: string;
      reason: string;
      to?: PlanSnapshot;
      refused?: AdoptionRefusal;
      version?: number;
    },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO rollout_decision (service_slug, variant, kind, from_stage, to_stage, reason, details, actor_type)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'system')`,
      [
        plan.slug,
        plan.variant,
        kind,
        plan.stage,
        details.to?.stage ?? plan.stage,
        details.reason,
        JSON.stringify({
          flag: details.flag,
          ...(details.to ? { [kind === 'sme-first-held' ? 'held' : 'adopted']: details.to } : {}),
          ...(details.refused ? { refused: details.refused } : {}),
          ...(details.version !== undefined ? { version: String(details.version) } : {}),
        }),
      ],
    );
  }

  /**
   * Each cohort's segment `cohort:<slug>`, created or corrected; returns every
   * cohort segment. A segment that holds neither the cohort's members nor what
   * this reconciler last applied to it was edited in Unleash directly: that
   * drift is recorded once put back (ADR 0035). One that still holds what was
   * last applied only lags behind a change of membership made in the portal.
   */
  private async syncSegments(cohorts: CohortSnapshot[]): Promise<Segment[]> {
    const [segments, applied] = await Promise.all([this.admin.segments(), this.appliedSegments()]);
    const existing = new Map(segments.map((s) => [s.name, s]));
    const result: Segment[] = [];
    for (const cohort of cohorts) {
      const desired = desiredSegment(cohort);
      const wanted = segmentKey(desired.constraints);
      const last = applied.get(desired.name);
      const current = existing.get(desired.name);
      if (current && segmentKey(current.constraints) === wanted) {
        if (last !== wanted)
          await this.markSegmentApplied(this.dataSource.manager, desired.name, wanted);
        result.push(current);
        continue;
      }
      // Deleted or changed in Unleash since it was last applied: an edit made there.
      const drift = last !== undefined && (!current || segmentKey(current.constraints) !== last);
      if (!current) {
        result.push(await this.admin.createSegment(desired));
        this.logger.event('info', 'rollout.segment_created', { segment: desired.name });
      } else {
        await this.admin.updateSegment({ ...desired, id: current.id });
        result.push({ ...desired, id: current.id });
        this.logger.event('info', 'rollout.segment_updated', { segment: desired.name });
      }
      if (drift) await this.recordSegmentCorrection(desired, current ?? null, wanted);
      else await this.markSegmentApplied(this.dataSource.manager, desired.name, wanted);
    }
    return result;
  }

  /** What was last applied to each cohort segment (`segmentKey`), by segment name. */
  private async appliedSegments(): Promise<Map<string, string>> {
    const rows = await this.dataSource.query<{ segment: string; applied: string }[]>(
      `SELECT rollout_segment_applied.segment, rollout_segment_applied.applied
         FROM rollout_segment_applied`,
    );
    return new Map(rows.map((r) => [r.segment, r.applied]));
  }

  private async markSegmentApplied(
    manager: EntityManager,
    segment: string,
    key: string,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO rollout_segment_applied (segment, applied) VALUES ($1, $2::jsonb)
       ON CONFLICT (segment) DO UPDATE SET applied = EXCLUDED.applied, applied_at = now()`,
      [segment, JSON.stringify(key)],
    );
  }

  /** A segment edited in Unleash and put back: its drift row, audit event and applied state. */
  private async recordSegmentCorrection(
    desired: DesiredSegment,
    actual: Segment | null,
    key: string,
  ): Promise<void> {
    const found = actual ? { constraints: actual.constraints } : { deleted: true };
    await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO rollout_drift (segment, expected, actual, resolution)
         VALUES ($1, $2, $3, 'corrected')`,
        [desired.name, JSON.stringify({ constraints: desired.constraints }), JSON.stringify(found)],
      );
      await this.audit.record(manager, {
        actor: { type: 'system', id: 'rollout-reconciler' },
        action: 'rollout.segment_drift_corrected',
        entity: { type: 'cohort-segment', id: desired.name },
        before: found,
        after: { constraints: desired.constraints },
      });
      await this.markSegmentApplied(manager, desired.name, key);
    });
    this.logger.event('warn', 'rollout.segment_drift_corrected', { segment: desired.name });
  }

  private afterRun(report: ReconcileReport): void {
    if (this.stopped) return;
    if (report.status === 'done' && report.errors.length === 0) this.failures = 0;
    else if (report.status !== 'busy') this.failures++;
    if (report.errors.length > 0)
      this.logger.event('warn', 'rollout.reconcile_failed', {
        errors: report.errors.slice(0, 5),
        failures: this.failures,
      });
    // Another instance is reconciling: look again soon, to apply its result here too.
    if (report.status === 'busy') return this.schedule(150);
    if (this.failures > 0) {
      // Unleash down or refusing: retry with backoff until it takes the change.
      this.schedule(Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(this.failures, 10)));
    }
    // Otherwise the periodic job (onModuleInit) runs the next one.
  }

  /** Sets the next run, keeping an earlier one if there is one. */
  private schedule(delayMs: number): void {
    if (this.stopped) return;
    const at = Date.now() + delayMs;
    if (this.timer && this.timerAt <= at) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      void this.reconcile();
    }, delayMs);
    this.timer.unref();
  }
}

/** A segment's constraints in a comparable form (values sorted), as last applied or found. */
function segmentKey(constraints: unknown[]): string {
  return JSON.stringify(
    (constraints as { contextName: string; operator: string; values?: string[] }[]).map((c) => ({
      contextName: c.contextName,
      operator: c.operator,
      values: [...(c.values ?? [])].sort(),
    })),
  );
}

function snapshotOf(plan: PlanRow): PlanSnapshot {
  const { slug, variant, stage, paused, gradualPercentage, cohorts, revisions } = plan;
  return { slug, variant, stage, paused, gradualPercentage, cohorts, revisions };
}

/** What the plan wanted, with segments named (for the drift record). */
function resolveSegmentsLoosely(plan: PlanRow) {
  return desiredFlag(snapshotOf(plan));
}

const ADOPTION_REFUSED: Record<AdoptionRefusal, string> = {
  inexpressible: 'Edited in Unleash into a state the plan cannot express; put back to the plan.',
  'gates-failing':
    'Edited in Unleash to open it wider, but the gates a promotion to it needs do not all pass; put back to the plan.',
  'sme-first':
    'Edited in Unleash to open it to citizens before every SME has it (SME-first); put back to the plan.',
};

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
