import { defineRefusals } from '../../platform/errors/refusal.js';
import type { FaqProblem } from './faq.service.js';

/**
 * The FAQ's refusals, in one place. Staff only reach an entry, a service or a
 * question that exists by following the pages' links: anything else is not
 * found (404), as the staff area answers.
 */
export const FAQ_REFUSALS = defineRefusals<FaqProblem>('faq', {
  'not-found': { status: 404, message: 'errors.not_found.message' },
  'unknown-service': { status: 404, message: 'errors.not_found.message' },
  'not-a-question': { status: 404, message: 'errors.not_found.message' },
});
