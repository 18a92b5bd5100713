import type { StaffRole } from '../staff/staff-role.js';
import { FEEDBACK_STATUSES, type FeedbackStatus } from '../feedback/feedback-options.js';

/**
 * The CSV export's columns that reach a person (their name, address, phone).
 * Analysts study feedback, they do not contact people: their export leaves
 * these out (docs/adr/0018). The SME's name and NEQ are public and stay.
 */
export const CONTACT_COLUMNS = ['person', 'email', 'contact_name', 'contact_detail'] as const;

/**
 * The export's columns someone holding `roles` does not get: an analyst's
 * contact columns, unless another of their roles works with the people.
 */
export function omittedExportColumns(roles: readonly StaffRole[]): readonly string[] {
  return roles.every((role) => role === 'analyst') ? CONTACT_COLUMNS : [];
}

/**
 * The statuses staff move an item to. `new` means nobody has looked at it
 * yet, so nothing goes back to it.
 */
export const TRIAGE_STATUSES = FEEDBACK_STATUSES.filter(
  (s): s is Exclude<FeedbackStatus, 'new'> => s !== 'new',
);
export type TriageStatus = (typeof TRIAGE_STATUSES)[number];

/** Bulk changes: every status but `duplicate`, which needs its own original. */
export const BULK_STATUSES = TRIAGE_STATUSES.filter(
  (s): s is Exclude<TriageStatus, 'duplicate'> => s !== 'duplicate',
);

/** A tag: a short lowercase word or kebab-case words (`upload`, `faq-candidate`). */
export const TAG = /^[a-z0-9]+(-[a-z0-9]+)*$/;
export const MAX_TAG_LENGTH = 40;
export const MAX_TAGS = 20;

/** A reply or an internal note (the database's limit too). */
export const MAX_TRIAGE_TEXT = 5000;

/** A feedback item's reference, as people type it (`FB-000123`, any case, spaces around). */
export const REFERENCE = /^FB-\d{6,}$/;

export const INBOX_PAGE_SIZE = 50;
/** The most items one bulk action changes (the page's checkboxes: one page). */
export const MAX_BULK_ITEMS = INBOX_PAGE_SIZE;
/** The most rows one CSV export holds. */
export const INBOX_EXPORT_LIMIT = 50_000;

/** Super-users: the first of each list per cohort. */
export const SUPER_USERS_PER_COHORT = 5;

/** A tag as typed, the way it is stored: trimmed, lowercase (`Upload ` is `upload`). */
export function normalizeTag(value: string): string {
  return value.trim().toLowerCase();
}
