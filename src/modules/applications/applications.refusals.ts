import { defineRefusals, Refusal } from '../../platform/errors/refusal.js';
import type { UnavailableReason } from '../rollout/variant-access.service.js';

/**
 * What filing may refuse, whatever the way in (the pages, the API, a CSV batch,
 * a job): the variant is not open to this person, the application is not
 * theirs or no longer editable, the declaration is missing. Each way in shows
 * these its own way (the pages: the "paused" page or a redirect; the API: its
 * error codes), from this one table.
 */
export type FilingProblem =
  | UnavailableReason
  | 'not-found'
  | 'not-editable'
  | 'declaration-required'
  | 'bulk-declaration-required'
  | 'revision-mismatch';

export const FILING_REFUSALS = defineRefusals<FilingProblem>('applications', {
  // The variant is not open to this person: the draft is kept, the page says it is paused.
  'other-audience': { status: 403, message: 'applications.paused.title' },
  'not-released': { status: 403, message: 'applications.paused.title' },
  'flags-unavailable': { status: 503, message: 'applications.paused.title' },
  'not-found': { status: 404, message: 'errors.not_found.message' },
  'not-editable': { status: 409, message: 'errors.bad_request.message' },
  'declaration-required': {
    status: 422,
    message: 'applications.check.declarationRequired',
    field: 'declaration',
  },
  'bulk-declaration-required': {
    status: 422,
    message: 'bulk.check.declarationRequired',
    field: 'declaration',
  },
  // Answers written for another revision of the form than the one the application
  // is on (or, for a new one, the one the person gets): `expected` names it.
  'revision-mismatch': { status: 409, message: 'applicationRevisions.mismatch' },
});

/** The revision-mismatch refusal: the revision the answers must be written for. */
export function revisionMismatch(expected: number): Refusal<FilingProblem> {
  return FILING_REFUSALS.of('revision-mismatch', {
    params: { expected },
    body: { expected },
  });
}

/** The refusals that say "this variant is not open to you now" (the draft is kept). */
export function isVariantClosed(error: unknown): error is Refusal<UnavailableReason> {
  return (
    error instanceof Refusal &&
    error.module === FILING_REFUSALS.module &&
    (error.code === 'other-audience' ||
      error.code === 'not-released' ||
      error.code === 'flags-unavailable')
  );
}

/** A filing refusal of this code. */
export function isFilingRefusal<C extends FilingProblem>(
  error: unknown,
  code: C,
): error is Refusal<C> {
  return error instanceof Refusal && error.module === FILING_REFUSALS.module && error.code === code;
}
