import { Transform } from 'class-transformer';
import { IsNotEmpty, isEmail, MaxLength } from 'class-validator';
import { normalizeNeq, Satisfies, trim } from '../../organizations/dto/organization.dto.js';

/** Invite an SME by its NEQ (business cohorts). Messages are catalog keys. */
export class InviteByNeqDto {
  @Transform(trim)
  @IsNotEmpty({ message: 'cohorts.errors.neqRequired' })
  @Satisfies('neq', (v) => normalizeNeq(v) !== undefined, 'cohorts.errors.neqInvalid')
  neq = '';
}

export const INVITE_BY_NEQ_FIELDS = ['neq'] as const;

/** Invite someone by email: an SME's owner (business cohorts) or a tester (citizen cohorts). */
export class InviteByEmailDto {
  @Transform(trim)
  @IsNotEmpty({ message: 'cohorts.errors.emailRequired' })
  @MaxLength(254, { message: 'cohorts.errors.emailInvalid' })
  @Satisfies('email', (v) => isEmail(v), 'cohorts.errors.emailInvalid')
  email = '';
}

export const INVITE_BY_EMAIL_FIELDS = ['email'] as const;
