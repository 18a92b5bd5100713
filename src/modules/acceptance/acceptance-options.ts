/**
 * What an acceptance-test campaign is made of. The migration's CHECK
 * constraints say the same; the catalogs label the outcomes under
 * `acceptance.outcome.*`.
 */

/** A tester's verdict on one criterion: it works, it does not, or they could not check. */
export const OUTCOMES = ['pass', 'fail', 'blocked'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export function isOutcome(value: unknown): value is Outcome {
  return typeof value === 'string' && (OUTCOMES as readonly string[]).includes(value);
}

/** A criterion's title, in each language. */
export const MAX_CRITERION_TITLE = 200;
/** A criterion's description, in each language. */
export const MAX_CRITERION_DESCRIPTION = 2000;
/** A tester's note on a result (the text of the feedback item a fail creates, which holds 2000). */
export const MAX_RESULT_NOTE = 2000;
/** Criteria (and FAQ entries) are ordered 1 to 999. */
export const MAX_POSITION = 999;

/** The notes the staff page shows under each criterion, newest first. */
export const LATEST_NOTES = 3;
