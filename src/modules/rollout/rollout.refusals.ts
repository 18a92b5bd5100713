import { defineRefusals } from '../../platform/errors/refusal.js';
import type { DecisionForm } from './dto/decision.dto.js';
import type { RolloutErrorCode } from './rollout.service.js';

/**
 * Everything RolloutService refuses on the console, with its status and
 * message. `field` is the input of the decision's form the message sits beside
 * (`<form>-<field>` on the page, see `rolloutRefusal`).
 */
export const ROLLOUT_REFUSALS = defineRefusals<RolloutErrorCode>('rollout', {
  // Answered as the platform's own 404, as before.
  'plan-not-found': { status: 404, code: 'not_found', message: 'errors.not_found.message' },
  'stage-changed': { status: 409, message: 'rollout.errors.stage-changed', field: 'reason' },
  'already-paused': { status: 409, message: 'rollout.errors.already-paused', field: 'reason' },
  'not-paused': { status: 409, message: 'rollout.errors.not-paused', field: 'reason' },
  'no-next-stage': { status: 409, message: 'rollout.errors.no-next-stage', field: 'reason' },
  'no-previous-stage': {
    status: 409,
    message: 'rollout.errors.no-previous-stage',
    field: 'reason',
  },
  'schedule-not-found': {
    status: 409,
    message: 'rollout.errors.schedule-not-found',
    field: 'reason',
  },
  'gates-failing': { status: 422, message: 'rollout.errors.gates-failing', field: 'override' },
  'sme-first': { status: 422, message: 'rollout.errors.sme-first', field: 'override' },
  'reason-required': { status: 422, message: 'rollout.errors.reason-required', field: 'reason' },
  // Only the percentage form sets a percentage, the cohorts form a cohort, and so on.
  'percentage-invalid': {
    status: 422,
    message: 'rollout.errors.percentage-invalid',
    field: 'percentage',
  },
  'cohort-not-found': { status: 422, message: 'rollout.errors.cohort-not-found', field: 'cohort' },
  'cohort-audience': { status: 422, message: 'rollout.errors.cohort-audience', field: 'cohort' },
  'schedule-in-past': { status: 422, message: 'rollout.errors.schedule-in-past', field: 'date' },
  // The revision track's (ADR 0032).
  'no-candidate': { status: 409, message: 'rollout.errors.no-candidate', field: 'reason' },
  'candidate-in-rollout': {
    status: 409,
    message: 'rollout.errors.candidate-in-rollout',
    field: 'revision',
  },
  'revision-not-ready': {
    status: 422,
    message: 'rollout.errors.revision-not-ready',
    field: 'revision',
  },
  'already-current': { status: 422, message: 'rollout.errors.already-current', field: 'revision' },
  'not-before-citizens': {
    status: 409,
    message: 'rollout.errors.not-before-citizens',
    field: 'reason',
  },
  'variant-invalid': {
    status: 422,
    message: 'revisionRollout.errors.variant-invalid',
    field: 'variant',
  },
  'threshold-invalid': {
    status: 422,
    message: 'rollout.errors.threshold-invalid',
    field: 'thresholds',
  },
});

/**
 * The refusal of a decision made with `form`: its message beside the form's
 * input (`promote-reason`, `cohorts-cohort`...), naming the failing gates.
 */
export function rolloutRefusal(code: RolloutErrorCode, form: DecisionForm, failing: string) {
  return ROLLOUT_REFUSALS.of(code, {
    field: ROLLOUT_REFUSALS.table[code].field && `${form}-${ROLLOUT_REFUSALS.table[code].field}`,
    params: { failing },
  });
}
