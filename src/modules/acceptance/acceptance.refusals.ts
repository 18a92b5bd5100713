import { defineRefusals } from '../../platform/errors/refusal.js';
import type { ChecklistRefusal } from './acceptance.service.js';

/**
 * The checklist's refusals, in one place: not a variant (404); no pilot now, or
 * not one of its testers (403, on ChecklistUnavailablePage, which says which).
 */
export const ACCEPTANCE_REFUSALS = defineRefusals<ChecklistRefusal>('acceptance', {
  'not-found': { status: 404, message: 'errors.not_found.message' },
  'no-pilot': {
    status: 403,
    message: 'acceptance.unavailable.no-pilot.body',
    title: 'acceptance.unavailable.no-pilot.title',
  },
  'not-tester': {
    status: 403,
    message: 'acceptance.unavailable.not-tester.body',
    title: 'acceptance.unavailable.not-tester.title',
  },
});

/** A checklist outcome when it is ok; otherwise throws the refusal of its `reason`. */
export function unwrapChecklist<T extends { ok: true }>(
  outcome: T | { ok: false; reason: ChecklistRefusal },
): T {
  if (outcome.ok) return outcome;
  throw ACCEPTANCE_REFUSALS.of(outcome.reason);
}
