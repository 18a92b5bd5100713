import type { StaffRole } from '../staff/staff-role.js';

/**
 * Who works in the service studio (issue 14): service designers, and admins.
 * Designers do nothing else: the staff area's other pages refuse them.
 */
export const STUDIO_ROLES = ['service-designer', 'admin'] as const satisfies readonly StaffRole[];
