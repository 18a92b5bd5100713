import { Injectable } from '@nestjs/common';
import type { Audience, FlagContext } from '../../platform/flags/flag-context.js';
import { FlagsService } from '../../platform/flags/flags.service.js';
import type { ActingAs } from '../accounts/acting-as.js';

export type UnavailableReason = 'other-audience' | 'not-released' | 'flags-unavailable';
export type VariantAccess = { available: true } | { available: false; reason: UnavailableReason };

/** The Unleash flag of a service variant: `<service-slug>.<citizen|business>`. */
export function variantFlag(slug: string, variant: Audience): string {
  return `${slug}.${variant}`;
}

/**
 * The gate on every service variant: may this person, acting as they are, use
 * this variant now? Unleash decides from the flag; the reason explains a "no".
 */
@Injectable()
export class VariantAccessService {
  constructor(private readonly flags: FlagsService) {}

  check(slug: string, variant: Audience, actingAs: ActingAs): VariantAccess {
    if (actingAs.audience !== variant) return { available: false, reason: 'other-audience' };
    if (this.flags.state() === 'degraded') return { available: false, reason: 'flags-unavailable' };
    return this.flags.isEnabled(variantFlag(slug, variant), flagContext(actingAs))
      ? { available: true }
      : { available: false, reason: 'not-released' };
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
