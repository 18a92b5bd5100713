import { Transform } from 'class-transformer';
import { IsIn, MaxLength } from 'class-validator';
import { trim } from '../../organizations/dto/organization.dto.js';
import { multiline } from './cohort.dto.js';
import { TERMS_ACCEPTED } from './volunteer.dto.js';

/**
 * Accepting an invitation: the pilot terms, and (for an invitation by email to
 * a business cohort) which of the person's SMEs joins. Messages are catalog keys.
 */
export class AcceptInvitationDto {
  @Transform(trim)
  organizationId = '';

  @IsIn([TERMS_ACCEPTED], { message: 'pilot.errors.termsRequired' })
  terms = '';
}

export const ACCEPT_INVITATION_FIELDS = ['organizationId', 'terms'] as const;

/** Withdrawing from a pilot cohort, with an optional reason. */
export class WithdrawDto {
  @Transform(multiline)
  @MaxLength(2000, { message: 'pilot.errors.reasonTooLong' })
  reason = '';
}

export const WITHDRAW_FIELDS = ['reason'] as const;
