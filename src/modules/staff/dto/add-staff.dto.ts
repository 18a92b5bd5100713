import { IsEmail, IsIn, IsNotEmpty, Matches, MaxLength } from 'class-validator';
import { OneLine } from '../../../platform/forms/form.js';
import { STAFF_ROLES } from '../staff-role.js';

/** The "add a staff member" form. Messages are catalog keys. */
export class AddStaffDto {
  // Listed first, so it runs last: a name of spaces only, once the other rules pass.
  @Matches(/\S/, { message: 'staff.people.errors.nameRequired' })
  @IsNotEmpty({ message: 'staff.people.errors.nameRequired' })
  @MaxLength(120, { message: 'staff.people.errors.nameTooLong' })
  @OneLine('staff.people.errors.nameOneLine')
  displayName = '';

  @IsNotEmpty({ message: 'staff.people.errors.emailRequired' })
  @IsEmail({}, { message: 'staff.people.errors.emailInvalid' })
  // The lowest decorator runs first: the length before any pattern.
  @MaxLength(254, { message: 'staff.people.errors.emailInvalid' })
  email = '';

  @IsIn(STAFF_ROLES, { message: 'staff.people.errors.roleRequired' })
  role = '';
}

export const ADD_STAFF_FIELDS = ['displayName', 'email', 'role'] as const;
