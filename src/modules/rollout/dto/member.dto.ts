import { Transform } from 'class-transformer';
import { IsNotEmpty, MaxLength } from 'class-validator';
import { multiline } from './cohort.dto.js';

/** Removing a member (or cancelling an invitation) needs a reason, kept with the membership. */
export class RemoveMemberDto {
  @Transform(multiline)
  @IsNotEmpty({ message: 'cohorts.errors.reasonRequired' })
  @MaxLength(2000, { message: 'cohorts.errors.reasonTooLong' })
  reason = '';
}

export const REMOVE_MEMBER_FIELDS = ['reason'] as const;
