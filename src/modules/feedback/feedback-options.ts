import { holdsRole, type StaffRole } from '../staff/staff-role.js';

/**
 * The choices a piece of feedback and a satisfaction response are made of. The
 * migration's CHECK constraints list the same values; the catalogs label them
 * under `feedback.kind.*`, `feedback.severity.*`, `feedback.status.*` and
 * `satisfaction.*`.
 */

export const FEEDBACK_KINDS = [
  'problem',
  'hard-to-use',
  'unclear-wording',
  'missing-feature',
  'question',
  'praise',
] as const;
export type FeedbackKind = (typeof FEEDBACK_KINDS)[number];

/** How bad a problem is; only problems have one. */
export const SEVERITIES = ['blocker', 'major', 'minor', 'cosmetic'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Where an item stands; staff triage moves it along (later). */
export const FEEDBACK_STATUSES = [
  'new',
  'acknowledged',
  'planned',
  'fixed',
  'wont-fix',
  'duplicate',
] as const;
export type FeedbackStatus = (typeof FEEDBACK_STATUSES)[number];

/** How an item reached the city: the portal's form, or staff typing it in. */
export const FEEDBACK_CHANNELS = ['web', 'phone', 'counter', 'email'] as const;
export type FeedbackChannel = (typeof FEEDBACK_CHANNELS)[number];

/** How feedback reaches the City other than through the portal's form. */
export const ASSISTED_CHANNELS = FEEDBACK_CHANNELS.filter(
  (c): c is Exclude<(typeof FEEDBACK_CHANNELS)[number], 'web'> => c !== 'web',
);
export type AssistedChannel = (typeof ASSISTED_CHANNELS)[number];

/** Each of "what you were trying to do", "what happened" and "what you expected". */
export const MAX_FEEDBACK_TEXT = 2000;

/** The survey's scales: 1 (worst) to 5 (best), as GOV.UK and « Je donne mon avis » ask. */
export const SCALE = ['5', '4', '3', '2', '1'] as const;
export const TIME_COMPARED = ['faster', 'same', 'slower', 'dont-know'] as const;
export type TimeCompared = (typeof TIME_COMPARED)[number];
export const HELP = ['not-needed', 'needed-and-got', 'needed-not-got'] as const;
export type Help = (typeof HELP)[number];

/** The survey's free text, as long as GOV.UK's. */
export const MAX_SURVEY_COMMENT = 1200;

/**
 * Who works on feedback (docs/adr/0012-feedback-triage.md): the people who run
 * the pilots, answer the public, and analyse what the pilots teach (issue 6
 * has an analyst triage and reply). Feedback holds personal data, so this is
 * the whole list; analysts still see no applications.
 */
export const FEEDBACK_ROLES = [
  'admin',
  'rollout-manager',
  'clerk',
  'analyst',
] as const satisfies readonly StaffRole[];
export type FeedbackRole = (typeof FEEDBACK_ROLES)[number];

/** Whether someone holding `roles` works on feedback. */
export function holdsFeedbackRole(roles: readonly string[]): boolean {
  return holdsRole(roles, FEEDBACK_ROLES);
}
