import { defineRefusals } from '../../platform/errors/refusal.js';

/** Everything the staff module refuses (see docs/architecture.md, "Errors and forms"). */
export type StaffProblem =
  | 'already-staff'
  | 'email-not-failed'
  | 'no-role'
  | 'last-admin'
  | 'not-staff'
  | 'code-wrong'
  | 'second-factor-too-many'
  | 'not-enrolled'
  | 'already-enrolled'
  | 'second-factor-locked';

export const STAFF_REFUSALS = defineRefusals<StaffProblem>('staff', {
  /** Roles are not changed from the "add a staff member" form, but on the person's page. */
  'already-staff': { status: 422, message: 'staff.people.errors.alreadyStaff', field: 'email' },
  /** Taking every role away is removing the person from staff (its own button). */
  'no-role': { status: 422, message: 'staff.person.errors.noRole', field: 'roles' },
  /** The city always keeps an administrator with an open account. */
  'last-admin': { status: 422, message: 'staff.person.errors.lastAdmin', field: 'roles' },
  /** Not an open staff account: the ordinary 404 page. */
  'not-staff': { status: 404, message: 'staff.person.errors.notStaff' },
  /** A second factor's code that is wrong, too old, already used, or a recovery code unknown or used. */
  'code-wrong': { status: 422, message: 'staff.secondFactor.errors.codeWrong', field: 'code' },
  'second-factor-too-many': {
    status: 429,
    message: 'staff.secondFactor.errors.tooMany',
    field: 'code',
  },
  /** Too many wrong codes in a row: an admin resets the second factor (ADR 0046). */
  'second-factor-locked': {
    status: 423,
    message: 'staff.secondFactor.errors.locked',
    field: 'code',
  },
  /** Asked for a code before enrolling (the page sends to enrolment first). */
  'not-enrolled': { status: 409, message: 'staff.secondFactor.errors.notEnrolled', field: 'code' },
  /** Enrolled meanwhile (in another tab): the code is asked on the sign-in step instead. */
  'already-enrolled': {
    status: 409,
    message: 'staff.secondFactor.errors.alreadyEnrolled',
    field: 'code',
  },
  /**
   * Only a failed email is retried: a sent, pending or deleted one is not found
   * here (the ordinary 404 page, ADR 0006; the message is for the logs).
   */
  'email-not-failed': { status: 404, message: 'staff.emails.errors.notFailed' },
});
