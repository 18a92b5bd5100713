/**
 * What a member of the city's staff may do. A person may hold several roles
 * (issue 18); this order (most capable first) is the one pages list them in.
 */
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

/** Whether someone holding `held` has at least one of `wanted`. */
export function holdsRole(held: readonly string[], wanted: readonly string[]): boolean {
  return held.some((role) => wanted.includes(role));
}

/** `roles` without duplicates or unknown values, in `STAFF_ROLES`'s order. */
export function inRoleOrder(roles: readonly unknown[]): StaffRole[] {
  return STAFF_ROLES.filter((role) => roles.includes(role));
}
