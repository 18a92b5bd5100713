import type { EntityManager } from 'typeorm';
import { returningRows } from '../../platform/database/database.js';
import type { Audience } from '../../platform/flags/flag-context.js';

/** The PostgreSQL channel on which a committed rollout change wakes the reconcilers. */
export const ROLLOUT_CHANGED_CHANNEL = 'guichet_rollout_changed';

/**
 * Records, inside the transaction that changes the desired state, that Unleash
 * must follow: the plans concerned get a new version (the console shows
 * "pending sync" until the reconciler has applied it), and a NOTIFY wakes the
 * reconciler of every instance when, and only if, the transaction commits.
 */
export async function markPlanChanged(
  manager: EntityManager,
  slug: string,
  variant: Audience,
): Promise<void> {
  const [row] = await returningRows<{ version: string }>(
    manager,
    `UPDATE rollout_plan SET version = version + 1, updated_at = now()
      WHERE service_slug = $1 AND variant = $2 RETURNING version`,
    [slug, variant],
  );
  await notify(manager, row ? { flag: `${slug}.${variant}`, version: Number(row.version) } : {});
}

/**
 * The order in which a transaction touching both plans of a service locks
 * them: business, then citizen, as `RolloutService.change` does (a business
 * decision carries its citizen twin along). Two decisions taking them in
 * opposite orders could deadlock.
 */
export const PLAN_LOCK_ORDER: readonly Audience[] = ['business', 'citizen'];

/** `markPlanChanged` for several plans of one service, in `PLAN_LOCK_ORDER`. */
export async function markPlansChanged(
  manager: EntityManager,
  slug: string,
  variants: readonly Audience[],
): Promise<void> {
  for (const variant of PLAN_LOCK_ORDER)
    if (variants.includes(variant)) await markPlanChanged(manager, slug, variant);
}

/** A cohort's members changed: every plan it is attached to must resync its segment. */
export async function markCohortChanged(manager: EntityManager, cohortId: string): Promise<void> {
  // The plans are locked in one order (service, then variant: business before
  // citizen, as PLAN_LOCK_ORDER), so two cohorts' changes never deadlock.
  await manager.query(
    `UPDATE rollout_plan SET version = rollout_plan.version + 1, updated_at = now()
       FROM (SELECT service_slug, variant FROM rollout_plan
              WHERE (service_slug, variant) IN (
                SELECT rollout_plan_cohort.service_slug, rollout_plan_cohort.variant
                  FROM rollout_plan_cohort WHERE rollout_plan_cohort.cohort_id = $1)
              ORDER BY service_slug, variant FOR UPDATE) AS locked
      WHERE rollout_plan.service_slug = locked.service_slug
        AND rollout_plan.variant = locked.variant`,
    [cohortId],
  );
  await notify(manager);
}

/** What a NOTIFY says: one plan's flag and new version, or nothing (look at everything). */
export interface RolloutChange {
  flag?: string;
  version?: number;
}

/**
 * Announces a committed change to the plans that bumps no version of its own
 * (a drift adopted into the plan): every instance's plan fence reloads.
 */
export async function notifyRolloutChange(
  manager: EntityManager,
  change: RolloutChange = {},
): Promise<void> {
  await notify(manager, change);
}

async function notify(manager: EntityManager, change: RolloutChange = {}): Promise<void> {
  await manager.query(`SELECT pg_notify($1, $2)`, [
    ROLLOUT_CHANGED_CHANNEL,
    JSON.stringify(change),
  ]);
}

/** A NOTIFY's payload, read defensively (anything unexpected means "look at everything"). */
export function parseRolloutChange(payload: string | undefined): RolloutChange {
  try {
    const value = JSON.parse(payload ?? '') as unknown;
    if (value && typeof value === 'object') {
      const { flag, version } = value as Record<string, unknown>;
      if (typeof flag === 'string' && typeof version === 'number') return { flag, version };
    }
  } catch {
    // An empty or foreign payload.
  }
  return {};
}
