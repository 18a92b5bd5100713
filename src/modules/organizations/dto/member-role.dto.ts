import { IsIn } from 'class-validator';
import { ROLES } from './invitation.dto.js';

/** A member's new role, from the members' table on an SME's page. Messages are catalog keys. */
export class MemberRoleDto {
  @IsIn(ROLES, { message: 'organizations.errors.roleRequired' })
  role = '';
}
