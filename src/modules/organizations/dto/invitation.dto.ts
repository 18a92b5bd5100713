import { Transform } from 'class-transformer';
import { IsIn, IsNotEmpty, isEmail, MaxLength } from 'class-validator';
import { Satisfies, trim } from './organization.dto.js';

export const ROLES = ['owner', 'member'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** The "invite someone" form on an SME's page. Messages are catalog keys. */
export class InvitationDto {
  @Transform(trim)
  @IsNotEmpty({ message: 'organizations.errors.inviteEmailRequired' })
  @MaxLength(254, { message: 'organizations.errors.inviteEmailInvalid' })
  @Satisfies('email', (v) => isEmail(v), 'organizations.errors.inviteEmailInvalid')
  email = '';

  @IsIn(ROLES, { message: 'organizations.errors.roleRequired' })
  role = '';
}

export const INVITATION_FIELDS = ['email', 'role'] as const;
