/** What a member of the city's staff may do; one role per person. */
export const STAFF_ROLES = [
  'admin',
  'rollout-manager',
  'clerk',
  'analyst',
  'service-designer',
] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export function isStaffRole(value: unknown): value is StaffRole {
  return typeof value === 'string' && (STAFF_ROLES as readonly string[]).includes(value);
}
