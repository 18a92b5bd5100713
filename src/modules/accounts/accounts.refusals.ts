import { defineRefusals, type Refusal } from '../../platform/errors/refusal.js';
import type { FieldProblem } from '../../platform/forms/form.js';
import { PASSWORD_MIN_LENGTH, type PasswordProblem } from '../../platform/security/passwords.js';

/** Everything the accounts module refuses (see docs/architecture.md, "Errors and forms"). */
export type AccountProblem =
  | 'too-many'
  | 'email-required'
  | 'email-too-long'
  | 'email-invalid'
  | 'password-required'
  | 'password-incorrect'
  | 'sign-in-failed'
  | 'unconfirmed'
  | 'last-owner'
  | 'last-admin'
  | 'acting-as-required'
  | PasswordProblem;

/**
 * Each refusal's status and message. Without a field of its own, a message goes
 * beside the field the handler's `@FormPage` names (e.g. "too many" beside the
 * email address on the sign-in page, the current password on "change your password").
 */
export const ACCOUNT_REFUSALS = defineRefusals<AccountProblem>('accounts', {
  'too-many': { status: 429, message: 'accounts.errors.tooMany' },
  'email-required': { status: 422, message: 'accounts.errors.emailRequired', field: 'email' },
  'email-too-long': { status: 422, message: 'accounts.errors.emailTooLong', field: 'email' },
  'email-invalid': { status: 422, message: 'accounts.errors.emailInvalid', field: 'email' },
  'password-required': { status: 422, message: 'accounts.errors.passwordRequired' },
  'password-incorrect': { status: 422, message: 'accounts.errors.passwordIncorrect' },
  'sign-in-failed': { status: 422, message: 'accounts.errors.signInFailed', field: 'email' },
  unconfirmed: { status: 422, message: 'accounts.errors.unconfirmed', field: 'email' },
  'last-owner': { status: 422, message: 'accounts.errors.lastOwner', field: 'password' },
  'last-admin': { status: 422, message: 'accounts.errors.lastAdmin', field: 'password' },
  'acting-as-required': {
    status: 422,
    message: 'actingAs.errors.required',
    field: 'actingAs',
  },
  'too-short': { status: 422, message: 'accounts.errors.password.too-short' },
  'too-long': { status: 422, message: 'accounts.errors.password.too-long' },
  'too-common': { status: 422, message: 'accounts.errors.password.too-common' },
  'contains-email': { status: 422, message: 'accounts.errors.password.contains-email' },
});

/** "Too many attempts, try again in N minutes", with Retry-After. */
export function tooMany(retryAfterSeconds: number): Refusal<AccountProblem> {
  return ACCOUNT_REFUSALS.of('too-many', {
    params: { minutes: Math.max(1, Math.ceil(retryAfterSeconds / 60)) },
    headers: { 'Retry-After': String(retryAfterSeconds) },
  });
}

/** A password refused by the policy, for a form with one password field. */
export function passwordRefusal(problem: PasswordProblem): Refusal<AccountProblem> {
  return ACCOUNT_REFUSALS.of(problem, { params: { min: PASSWORD_MIN_LENGTH } });
}

/** A password refused by the policy, as one problem among others of a form. */
export function passwordFieldProblem(field: string, problem: PasswordProblem): FieldProblem {
  return {
    field,
    message: ACCOUNT_REFUSALS.table[problem].message,
    params: { min: PASSWORD_MIN_LENGTH },
  };
}
