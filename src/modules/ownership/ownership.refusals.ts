import { defineRefusals, type RefusalDetails } from '../../platform/errors/refusal.js';
import type { OwnershipProblem, OwnershipResult } from './ownership.service.js';

/**
 * The refusals of an owner's evidence and of a review request (the owners'
 * and claimants' pages), with their status and message, in one place.
 */
export const CLAIM_REFUSALS = defineRefusals<OwnershipProblem>('ownership', {
  'not-found': { status: 404, message: 'errors.not_found.message', code: 'not_found' },
  forbidden: { status: 403, message: 'errors.forbidden.message' },
  'not-pending': { status: 422, message: 'ownership.errors.notPending', field: 'evidence' },
  'already-verified': {
    status: 409,
    message: 'ownership.errors.alreadyVerified',
    field: 'evidence',
  },
  'too-many': { status: 429, message: 'ownership.errors.tooMany', field: 'evidence' },
  'evidence-missing': { status: 422, message: 'ownership.errors.fileRequired', field: 'evidence' },
  'evidence-too-large': {
    status: 422,
    message: 'ownership.errors.fileTooLarge',
    field: 'evidence',
  },
  'evidence-wrong-type': {
    status: 422,
    message: 'ownership.errors.fileWrongType',
    field: 'evidence',
  },
  'evidence-refused': { status: 422, message: 'ownership.errors.fileRefused', field: 'evidence' },
  'unknown-neq': { status: 422, message: 'ownership.errors.unknownNeq', field: 'neq' },
  'already-member': { status: 422, message: 'ownership.errors.alreadyMember', field: 'neq' },
});

/** The problems a staff decision may meet (it never checks a file or a membership). */
export type DecisionProblem = Extract<
  OwnershipProblem,
  'not-found' | 'not-pending' | 'already-verified'
>;

/** The refusals of the admins' decisions, beside the form of the claim (or SME) decided. */
export const DECISION_REFUSALS = defineRefusals<DecisionProblem>('ownership-decisions', {
  'not-found': { status: 404, message: 'errors.not_found.message', code: 'not_found' },
  'not-pending': { status: 409, message: 'ownership.errors.notPending' },
  'already-verified': { status: 409, message: 'ownership.errors.revokeVerified' },
});

/** The outcome when ok; otherwise throws its refusal (over the limit: Retry-After and the minutes to wait). */
export function claimed<T extends OwnershipResult<object>>(result: T): Extract<T, { ok: true }> {
  if (result.ok) return result as Extract<T, { ok: true }>;
  const failed = result as Extract<OwnershipResult, { ok: false }>;
  const wait = failed.retryAfterSeconds ?? 3600;
  const details: RefusalDetails | undefined =
    failed.problem === 'too-many'
      ? {
          params: { minutes: Math.max(1, Math.ceil(wait / 60)) },
          headers: { 'Retry-After': String(wait) },
        }
      : undefined;
  throw CLAIM_REFUSALS.of(failed.problem, details);
}

const DECISION_PROBLEMS: readonly OwnershipProblem[] = [
  'not-found',
  'not-pending',
  'already-verified',
];

/** A staff decision's outcome: nothing when ok; its refusal, beside `field`, otherwise. */
export function decided(result: OwnershipResult, field: string): void {
  if (result.ok) return;
  if (!DECISION_PROBLEMS.includes(result.problem))
    // Staff decisions never check a file or a membership.
    throw new Error(`Unexpected refusal of a staff decision: ${result.problem}`);
  throw DECISION_REFUSALS.of(result.problem as DecisionProblem, { field });
}
