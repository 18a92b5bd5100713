import { Transform } from 'class-transformer';
import { IsIn, IsNotEmpty, MaxLength } from 'class-validator';
import { trim } from '../../organizations/dto/organization.dto.js';
import { multiline } from './cohort.dto.js';

/** The value of the "I accept the pilot terms" checkbox. */
export const TERMS_ACCEPTED = 'accepted';

/** An SME's owner volunteers it for the pilot programme. Messages are catalog keys. */
export class VolunteerDto {
  @Transform(multiline)
  @MaxLength(2000, { message: 'pilot.errors.messageTooLong' })
  message = '';

  @IsIn([TERMS_ACCEPTED], { message: 'pilot.errors.termsRequired' })
  terms = '';
}

export const VOLUNTEER_FIELDS = ['message', 'terms'] as const;

/** A rollout manager approves a volunteer into a business cohort. */
export class ApproveVolunteerDto {
  @Transform(trim)
  @IsNotEmpty({ message: 'cohorts.errors.cohortRequired' })
  cohortId = '';
}

export const APPROVE_VOLUNTEER_FIELDS = ['cohortId'] as const;

/** A rollout manager declines a volunteer, with an optional note for the email. */
export class DeclineVolunteerDto {
  @Transform(multiline)
  @MaxLength(2000, { message: 'cohorts.errors.noteTooLong' })
  note = '';
}

export const DECLINE_VOLUNTEER_FIELDS = ['note'] as const;
