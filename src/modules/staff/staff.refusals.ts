import { defineRefusals } from '../../platform/errors/refusal.js';

/** Everything the staff module refuses (see docs/architecture.md, "Errors and forms"). */
export type StaffProblem = 'already-staff';

export const STAFF_REFUSALS = defineRefusals<StaffProblem>('staff', {
  /** Roles are not changed from the "add a staff member" form; the message names the role held. */
  'already-staff': { status: 422, message: 'staff.people.errors.alreadyStaff', field: 'email' },
});
