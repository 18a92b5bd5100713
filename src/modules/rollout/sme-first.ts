import { stageIndex, type Stage } from './stages.js';

/** What a variant's plan opens: its stage, and whether the kill switch is on. */
export interface VariantReach {
  stage: Stage;
  paused: boolean;
}

/**
 * Why a pair of plans breaks SME-first: the citizen variant reaches past
 * `internal` while the SMEs do not all have the service (`smes-behind`), or
 * while the business variant is paused (`smes-paused`).
 */
export type SmeFirstViolation = 'smes-behind' | 'smes-paused';

/**
 * SME-first, the invariant of the plans (ADR 0034): citizens get a service
 * beyond city staff only once every SME has it, i.e. the citizen variant may
 * reach past `internal` only while the business variant is at `sme-all` and
 * not paused. Every path that changes a plan asks this one question (promote,
 * rollback, pause, resume, scheduled promotions, drift adoption, revision
 * candidates), and the reconciler asks it again before writing to Unleash.
 */
export function smeFirstViolation(
  business: VariantReach,
  citizen: VariantReach,
): SmeFirstViolation | undefined {
  if (!citizensPastInternal(citizen)) return undefined;
  if (business.stage !== 'sme-all') return 'smes-behind';
  return business.paused ? 'smes-paused' : undefined;
}

/** The citizen variant is open to citizens (a pilot, a share, everyone), not only to staff. */
export function citizensPastInternal(citizen: VariantReach): boolean {
  return (
    !citizen.paused && stageIndex('citizen', citizen.stage) > stageIndex('citizen', 'internal')
  );
}

/**
 * A written override of SME-first, kept on the citizen plan: the pair of plans
 * a member of staff accepted, with the decision that records the reason (null
 * for the plans that broke SME-first before it was an invariant: ADR 0034).
 */
export interface SmeFirstOverride {
  decision: string | null;
  business: VariantReach;
  citizen: VariantReach;
}

/** How far a variant reaches along its track: a paused variant reaches nobody (-1). */
export function reach(variant: 'business' | 'citizen', plan: VariantReach): number {
  return plan.paused ? -1 : stageIndex(variant, plan.stage);
}

/**
 * True when the plans keep SME-first, or break it no further than `accepted`
 * (an override given, or the plans as they were before a change): citizens
 * reaching no further, SMEs no further behind (a paused business variant
 * reaches nobody).
 */
export function smeFirstHolds(
  business: VariantReach,
  citizen: VariantReach,
  accepted: Omit<SmeFirstOverride, 'decision'> | null | undefined,
): boolean {
  if (!smeFirstViolation(business, citizen)) return true;
  if (!accepted) return false;
  return (
    reach('citizen', citizen) <= reach('citizen', accepted.citizen) &&
    reach('business', business) >= reach('business', accepted.business)
  );
}

/**
 * The citizen plan held to SME-first: no further than `internal` (city staff
 * keep trying it; citizens lose it). What a business rollback carries along,
 * and what the reconciler writes instead of a plan that breaks SME-first.
 */
export function heldCitizens<T extends VariantReach>(citizen: T): T {
  return citizensPastInternal(citizen) ? { ...citizen, stage: 'internal' } : citizen;
}
