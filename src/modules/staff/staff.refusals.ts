import { defineRefusals } from '../../platform/errors/refusal.js';

/** Everything the staff module refuses (see docs/architecture.md, "Errors and forms"). */
export type StaffProblem = 'already-staff' | 'email-not-failed';

export const STAFF_REFUSALS = defineRefusals<StaffProblem>('staff', {
  /** Roles are not changed from the "add a staff member" form; the message names the role held. */
  'already-staff': { status: 422, message: 'staff.people.errors.alreadyStaff', field: 'email' },
  /**
   * Only a failed email is retried: a sent, pending or deleted one is not found
   * here (the ordinary 404 page, ADR 0006; the message is for the logs).
   */
  'email-not-failed': { status: 404, message: 'staff.emails.errors.notFailed' },
});
