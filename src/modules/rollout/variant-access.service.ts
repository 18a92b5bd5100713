import { Injectable } from '@nestjs/common';
import type { Audience, FlagContext } from '../../platform/flags/flag-context.js';
import { FlagsService } from '../../platform/flags/flags.service.js';
import type { ActingAs } from '../accounts/acting-as.js';
import { PlanFence } from './plan-fence.js';
import { variantFlag } from './variant-flags.js';

export { variantFlag };

export type UnavailableReason = 'other-audience' | 'not-released' | 'flags-unavailable';
/**
 * `revision`: the revision Unleash says this person gets (ADR 0032), when the
 * flag names one; undefined means the variant's current revision.
 */
export type VariantAccess =
  | { available: true; revision: number | undefined }
  | { available: false; reason: UnavailableReason };

/**
 * Both fences' answer for a context on a variant's flag (ADR 0033):
 * - `enabled`: Unleash says yes AND the plans in PostgreSQL say yes;
 * - `revision`: the revision both name; when they differ, the variant's current
 *   one (undefined: the catalogue's current): a rolled-back candidate is never
 *   served, a promotion not yet in Unleash waits for it;
 * - `unleashOnly`: Unleash would open it, the plan does not (a pause, a
 *   rollback or a closed stage that Unleash does not hold yet);
 * - `unavailable`: no flag configuration at all (Unleash never reached, no backup).
 */
export interface VariantAnswer {
  enabled: boolean;
  revision: number | undefined;
  unleashOnly: boolean;
  unavailable: boolean;
}

/**
 * The gate on every service variant: may this person, acting as they are, use
 * this variant now, and which revision do they get? Unleash decides both from
 * the flag in one evaluation, and the plan fence (the plans as Unleash would
 * evaluate them) can only narrow its answer; the reason explains a "no".
 */
@Injectable()
export class VariantAccessService {
  constructor(
    private readonly flags: FlagsService,
    private readonly fence: PlanFence,
  ) {}

  check(slug: string, variant: Audience, actingAs: ActingAs): VariantAccess {
    if (actingAs.audience !== variant) return { available: false, reason: 'other-audience' };
    const answer = this.answer(variantFlag(slug, variant), flagContext(actingAs));
    if (answer.unavailable) return { available: false, reason: 'flags-unavailable' };
    if (!answer.enabled) return { available: false, reason: 'not-released' };
    return { available: true, revision: answer.revision };
  }

  /** Where this person stands on the variant's rollout: its stage, and their pilot cohort if any. */
  standing(slug: string, variant: Audience, who: { accountId: string; organizationId?: string }) {
    return this.fence.standing(variantFlag(slug, variant), who);
  }

  /** One evaluation of a variant's flag by Unleash and by the plan fence, combined. */
  answer(flag: string, context: FlagContext): VariantAnswer {
    const closed = { enabled: false, revision: undefined, unleashOnly: false };
    if (this.flags.state() === 'degraded') return { ...closed, unavailable: true };
    const unleash = this.flags.evaluate(flag, context);
    // Never loaded (the database was down at boot): the plans are unknown, so closed.
    const plan = this.fence.evaluate(flag, context) ?? { enabled: false };
    if (!plan.enabled) return { ...closed, unleashOnly: unleash.enabled, unavailable: false };
    if (!unleash.enabled) return { ...closed, unavailable: false };
    const named = revisionNamed(unleash.payload);
    return {
      enabled: true,
      revision: named === revisionNamed(plan.payload) ? named : this.fence.currentRevision(flag),
      unleashOnly: false,
      unavailable: false,
    };
  }
}

/** The evaluation context for a request (docs/architecture.md, "Evaluation context"). */
export function flagContext(actingAs: ActingAs): FlagContext {
  const organization = actingAs.audience === 'business' ? actingAs.organization : undefined;
  return {
    userId: organization?.id ?? actingAs.accountId,
    properties: {
      audience: actingAs.audience,
      organizationId: organization?.id,
      accountId: actingAs.accountId,
      employeeCount: organization ? String(organization.employeeCount) : undefined,
      staff: actingAs.staff ? 'true' : 'false',
    },
  };
}

/** The revision a strategy variant's payload names, if it is one. */
export function revisionNamed(payload: string | undefined): number | undefined {
  return payload && /^[1-9]\d{0,8}$/.test(payload) ? Number(payload) : undefined;
}
