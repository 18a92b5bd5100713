import { Injectable } from '@nestjs/common';
import type { Audience, FlagContext } from '../../platform/flags/flag-context.js';
import { FlagsService } from '../../platform/flags/flags.service.js';
import type { ActingAs } from '../accounts/acting-as.js';

export type UnavailableReason = 'other-audience' | 'not-released' | 'flags-unavailable';
/**
 * `revision`: the revision Unleash says this person gets (ADR 0032), when the
 * flag names one; undefined means the variant's current revision.
 */
export type VariantAccess =
  | { available: true; revision: number | undefined }
  | { available: false; reason: UnavailableReason };

/** The Unleash flag of a service variant: `<service-slug>.<citizen|business>`. */
export function variantFlag(slug: string, variant: Audience): string {
  return `${slug}.${variant}`;
}

/**
 * The gate on every service variant: may this person, acting as they are, use
 * this variant now, and which revision do they get? Unleash decides both from
 * the flag in one evaluation; the reason explains a "no".
 */
@Injectable()
export class VariantAccessService {
  constructor(private readonly flags: FlagsService) {}

  check(slug: string, variant: Audience, actingAs: ActingAs): VariantAccess {
    if (actingAs.audience !== variant) return { available: false, reason: 'other-audience' };
    if (this.flags.state() === 'degraded') return { available: false, reason: 'flags-unavailable' };
    const answer = this.flags.evaluate(variantFlag(slug, variant), flagContext(actingAs));
    if (!answer.enabled) return { available: false, reason: 'not-released' };
    return { available: true, revision: revisionNamed(answer.payload) };
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
