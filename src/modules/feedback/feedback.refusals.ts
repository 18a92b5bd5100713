import { defineRefusals } from '../../platform/errors/refusal.js';

/** Everything the feedback feature may refuse (the form, and feedback staff record for someone). */
export type FeedbackProblem = 'not-found' | 'too-many';

/** The feedback feature's refusals, each with its status and message, in one place. */
export const FEEDBACK_REFUSALS = defineRefusals<FeedbackProblem>('feedback', {
  // No such service variant: the ordinary not-found page.
  'not-found': { status: 404, message: 'errors.not_found.message' },
  // Retry-After and the minutes to wait come with each refusal; the message goes beside "what happened".
  'too-many': { status: 429, message: 'feedback.errors.tooMany', field: 'happened' },
});
