import { defineRefusals } from '../../platform/errors/refusal.js';
import type { RevisionForm } from './dto/revision-decision.dto.js';
import { ROLLOUT_REFUSALS } from './rollout.refusals.js';
import type { RolloutErrorCode } from './rollout.service.js';

/**
 * What the revision page's forms may be refused (ADR 0032): the rollout
 * console's refusals, with the messages that speak of a revision rather than a
 * variant's access.
 */
export const REVISION_REFUSALS = defineRefusals<RolloutErrorCode>('rollout', {
  ...ROLLOUT_REFUSALS.table,
  'gates-failing': {
    status: 422,
    message: 'revisionRollout.errors.gates-failing',
    field: 'override',
  },
  'sme-first': { status: 422, message: 'revisionRollout.errors.sme-first', field: 'override' },
  'stage-changed': {
    status: 409,
    message: 'revisionRollout.errors.stage-changed',
    field: 'reason',
  },
});

/** The refusal of a decision made with `form`: its message beside the form's input (`promote-reason`...). */
export function revisionRefusal(code: RolloutErrorCode, form: RevisionForm, failing = '') {
  const field = REVISION_REFUSALS.table[code].field;
  return REVISION_REFUSALS.of(code, {
    field: field && `${form}-${field}`,
    params: { failing },
  });
}
