import { defineRefusals, type Refusal } from '../../platform/errors/refusal.js';
import type { PilotProblem, PilotResult } from './pilot.service.js';

/**
 * Everything the pilot pages refuse, each with its status and message, in one
 * place. The pages (pilot.presenter.ts) answer some with a page of their own:
 * `gone` with the "invitation no longer works" page (410, `params.state`),
 * `not-owner` and `not-addressee` on an invitation with their 403 pages.
 */
export const PILOT_REFUSALS = defineRefusals<PilotProblem | 'forbidden'>('pilot', {
  /** An SME's pilot, left only by one of its owners. */
  forbidden: { status: 403, code: 'forbidden', message: 'errors.forbidden.message' },
  gone: { status: 410, message: 'pilot.errors.gone' },
  'not-found': { status: 404, code: 'not_found', message: 'errors.not_found.message' },
  'not-owner': { status: 403, message: 'pilot.errors.notOwner' },
  'not-addressee': { status: 403, message: 'pilot.errors.notAddressee' },
  'terms-required': { status: 422, message: 'pilot.errors.termsRequired', field: 'terms' },
  'organization-required': {
    status: 422,
    message: 'pilot.errors.organizationRequired',
    field: 'organizationId',
  },
  'already-member': {
    status: 422,
    message: 'pilot.errors.alreadyMember',
    field: 'organizationId',
  },
  pending: { status: 422, message: 'pilot.errors.pending', field: 'message' },
  'too-many': { status: 429, message: 'accounts.errors.tooMany', field: 'message' },
});

/** A pilot outcome when it is ok; otherwise its refusal, with why a link is gone and to whom it was sent. */
export function pilotOutcome<T extends object>(outcome: PilotResult<T>): { ok: true } & T {
  if (outcome.ok) return outcome;
  throw pilotRefusal(outcome);
}

export function pilotRefusal(
  outcome: Extract<PilotResult, { ok: false }>,
): Refusal<PilotProblem | 'forbidden'> {
  return PILOT_REFUSALS.of(outcome.problem, {
    params: { state: outcome.gone ?? 'unknown', invitedTo: outcome.invitedTo ?? '' },
  });
}
