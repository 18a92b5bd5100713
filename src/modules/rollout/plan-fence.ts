import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../../platform/config/app-config.js';
import { RetryTimer } from '../../platform/database/retry-timer.js';
import type { FlagContext } from '../../platform/flags/flag-context.js';
import type {
  FlagEvaluation,
  LocalFlag,
  LocalSegment,
} from '../../platform/flags/flags.service.js';
import { LocalFlagEvaluator } from '../../platform/flags/local-flag-evaluator.js';
import { evaluationOrder } from '../../platform/flags/unleash-admin.client.js';
import { JsonLogger } from '../../platform/logging/json-logger.js';
import {
  desiredFlag,
  desiredSegment,
  resolveSegments,
  type CohortSnapshot,
  type PlanSnapshot,
} from './desired-state.js';
import { RolloutPlansReadModel } from './rollout-plans.read-model.js';
import { heldCitizens, smeFirstHolds, type SmeFirstOverride } from './sme-first.js';
import { variantFlag } from './variant-flags.js';

/**
 * The flag configuration the plans imply, as the reconciler writes it to
 * Unleash (desiredFlag, desiredSegment), with the cohorts' segments numbered
 * locally instead of by Unleash. A plan naming a cohort the snapshot does not
 * hold gets a segment that matches nobody: the fence only ever errs closed. A
 * citizen plan that breaks SME-first without an override is held at
 * `internal`, as the reconciler writes it.
 */
export function planConfiguration(
  plans: (PlanSnapshot & { smeFirstOverride?: SmeFirstOverride | null })[],
  cohorts: CohortSnapshot[],
): { flags: LocalFlag[]; segments: LocalSegment[] } {
  const segments: LocalSegment[] = cohorts.map((cohort, index) => {
    const { name, constraints } = desiredSegment(cohort);
    return { id: index + 1, name, constraints };
  });
  const ids = new Map(segments.map((s) => [s.name, s.id]));
  for (const plan of plans)
    for (const slug of plan.cohorts) {
      const { name, constraints } = desiredSegment({ slug, audience: plan.variant, members: [] });
      if (ids.has(name)) continue;
      segments.push({ id: segments.length + 1, name, constraints });
      ids.set(name, segments.length);
    }
  const business = new Map(plans.filter((p) => p.variant === 'business').map((p) => [p.slug, p]));
  const flags = plans.map((plan) => {
    // Held to SME-first as the reconciler writes it (ADR 0034): citizens past
    // internal only while every SME has the service, or under an override.
    const twin = business.get(plan.slug) ?? { stage: 'closed' as const, paused: false };
    const held =
      plan.variant === 'citizen' && !smeFirstHolds(twin, plan, plan.smeFirstOverride ?? null);
    const desired = desiredFlag(held ? heldCitizens(plan) : plan);
    const state = resolveSegments(desired, ids);
    // In the order Unleash evaluates them: the first match names the revision.
    return {
      name: desired.flag,
      enabled: state.enabled,
      strategies: evaluationOrder(state.strategies),
    };
  });
  return { flags, segments };
}

/** A failed reload is tried again after 200 ms, doubling, at most every second. */
const FIRST_RETRY_MS = 200;
const MAX_RETRY_MS = 1000;

/**
 * The portal's second fence (ADR 0033): what the rollout plans in PostgreSQL
 * allow, held in memory and evaluated with unleash-client's own evaluator, so
 * it answers exactly as Unleash would if it held the plans. A pause, rollback
 * or closed stage is enforced through it within a second, whatever state
 * Unleash is in; Unleash's answer can then only narrow access.
 *
 * It reloads the plans at boot (before the app serves), at once on the
 * instance that decides (RolloutReconciler.syncNow), on every instance when a
 * committed change's NOTIFY arrives (RolloutChangesListener), and every
 * PLAN_FENCE_REFRESH_MS as a safety net. Reloads are coalesced: at most one
 * in flight and one waiting. Until it has loaded once (the database down at
 * boot), it answers nothing and every gated variant stays closed.
 */
@Injectable()
export class PlanFence implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly evaluator = new LocalFlagEvaluator();
  private plans: Map<string, PlanSnapshot> | undefined;
  /** Each cohort's audience and active members (organization or account ids). */
  private cohorts = new Map<
    string,
    { audience: CohortSnapshot['audience']; members: Set<string> }
  >();
  private running: Promise<boolean> | undefined;
  private next: Promise<boolean> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failing = false;
  private readonly retry = new RetryTimer(FIRST_RETRY_MS, MAX_RETRY_MS);

  constructor(
    private readonly read: RolloutPlansReadModel,
    private readonly config: AppConfig,
    private readonly logger: JsonLogger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.reload();
    const every = this.config.PLAN_FENCE_REFRESH_MS;
    if (every > 0) {
      this.timer = setInterval(() => void this.reload(), every);
      this.timer.unref();
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.retry.stop();
    clearInterval(this.timer);
    this.timer = undefined;
    await this.next?.catch(() => undefined);
    await this.running?.catch(() => undefined);
    this.evaluator.close();
  }

  /** Whether the fence holds the plans (it has loaded at least once). */
  loaded(): boolean {
    return this.plans !== undefined;
  }

  /**
   * What the plans allow this person on this flag, as Unleash would answer
   * holding them; undefined while the fence has never loaded (fail closed).
   */
  evaluate(flag: string, context: FlagContext): FlagEvaluation | undefined {
    if (!this.plans) return undefined;
    return this.evaluator.evaluate(flag, context);
  }

  /**
   * Where a person stands on a variant's rollout, for the insights: the plan's
   * stage, and the first of its pilot cohorts they belong to (by their SME, or
   * themselves for a citizen cohort). Nulls while the fence has never loaded.
   */
  standing(
    flag: string,
    who: { accountId: string; organizationId?: string },
  ): { stage: string | null; cohort: string | null } {
    const plan = this.plans?.get(flag);
    if (!plan) return { stage: null, cohort: null };
    const cohort = plan.cohorts.find((slug) => {
      const held = this.cohorts.get(slug);
      if (!held) return false;
      const id = held.audience === 'business' ? who.organizationId : who.accountId;
      return id !== undefined && held.members.has(id);
    });
    return { stage: plan.stage, cohort: cohort ?? null };
  }

  /** The revision the plan serves everyone with access on a variant's flag, if it names one. */
  currentRevision(flag: string): number | undefined {
    return this.plans?.get(flag)?.revisions?.current;
  }

  /**
   * Reads the plans again. A caller gets a load that starts after its call
   * (the one under way may have read before the caller's change). Resolves
   * false if the database could not be read: the fence keeps what it held.
   */
  reload(): Promise<boolean> {
    if (!this.running) return this.start();
    this.next ??= this.running.then(() => {
      this.next = undefined;
      return this.start();
    });
    return this.next;
  }

  private start(): Promise<boolean> {
    const running = this.load().finally(() => {
      if (this.running === running) this.running = undefined;
    });
    this.running = running;
    return running;
  }

  private async load(): Promise<boolean> {
    try {
      const { plans, cohorts } = await this.read.snapshot();
      const { flags, segments } = planConfiguration(plans, cohorts);
      this.evaluator.hold(flags, segments);
      this.plans = new Map(plans.map((p) => [variantFlag(p.slug, p.variant), p]));
      this.cohorts = new Map(
        cohorts.map((c) => [c.slug, { audience: c.audience, members: new Set(c.members) }]),
      );
      if (this.failing) this.logger.event('info', 'rollout.fence_recovered');
      this.failing = false;
      this.retry.succeeded();
      return true;
    } catch (error) {
      if (!this.failing)
        this.logger.event('warn', 'rollout.fence_reload_failed', {
          error: (error as Error).message,
          loaded: this.loaded(),
        });
      this.failing = true;
      // Tried again soon, not at the next periodic reread: what it was asked
      // to enforce may be a pause.
      this.retry.schedule(() => void this.reload());
      return false;
    }
  }
}
