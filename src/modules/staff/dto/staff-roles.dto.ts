import { IsIn, IsOptional } from 'class-validator';
import { STAFF_ROLES, type StaffRole } from '../staff-role.js';

const TICKED = { message: 'staff.person.errors.noRole' };

/** A staff member's roles, one checkbox each (`role-<role>` = yes; unticked: absent). Messages are catalog keys. */
export class StaffRolesDto {
  @IsOptional() @IsIn(['yes', ''], TICKED) 'role-admin'?: string;
  @IsOptional() @IsIn(['yes', ''], TICKED) 'role-rollout-manager'?: string;
  @IsOptional() @IsIn(['yes', ''], TICKED) 'role-clerk'?: string;
  @IsOptional() @IsIn(['yes', ''], TICKED) 'role-analyst'?: string;
  @IsOptional() @IsIn(['yes', ''], TICKED) 'role-service-designer'?: string;
}

export const STAFF_ROLES_FIELDS = STAFF_ROLES.map((role) => `role-${role}` as const);

/** The roles ticked on the form. */
export function tickedRoles(dto: StaffRolesDto): StaffRole[] {
  return STAFF_ROLES.filter((role) => dto[`role-${role}`] === 'yes');
}
