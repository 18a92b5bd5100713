/**
 * The keys whose values are personal data in an audit event's `before` and
 * `after` (docs/adr/0047): past AUDIT_PERSONAL_DATA_RETENTION_DAYS the scrub
 * (`audit_scrub_personal`, migration 1765400000300) replaces their values, at
 * any depth, with "[erased]". Where the code's events use them:
 *
 * - `email`: account.registered, account.email_changed, account.created_for_staff,
 *   staff.member_added, staff.member_removed, organization.invitation_sent,
 *   cohort.invited; `newEmail`: account.email_change_requested;
 *   `invitedEmail`: organization.member_joined / invitation_used /
 *   invitation_refused, pilot.declined, pilot.invitation_refused,
 *   cohort.member_removed; `recipients`: cohort.invited,
 *   cohort.invitation_released (`recipient`: kept for emails' events);
 * - `displayName`: account.registered, account.profile_updated,
 *   account.created_for_staff;
 * - `contactName`, `contactEmail`, `contactPhone`, `streetAddress`,
 *   `postalCode`: organization.registered and organization.details_updated (an
 *   SME may be one person working from home); `contactDetail`, `phone`,
 *   `address`: feedback's typed-in contact and kept for events to come;
 * - `subject`: staff.directory_linked (the person's id in the city's directory);
 * - `filename`: the name a person gave a file (application.attachment_added,
 *   application.attachment_removed, organization.evidence_submitted,
 *   organization.review_requested, attachment.infected), often their own name;
 * - `lastError`: outbox.retried (a mail server's refusal quotes the address).
 *
 * Free text a person typed (a message, a note, a reason, an approval's
 * conditions) is not scanned: the keys are (ADR 0047, "Consequences").
 * A key added here needs a migration that adds it to the function: the spec
 * test/retention.spec.ts compares this list with the database's.
 */
export const PERSONAL_AUDIT_KEYS: readonly string[] = [
  'email',
  'newEmail',
  'invitedEmail',
  'recipient',
  'recipients',
  'displayName',
  'contactName',
  'contactEmail',
  'contactPhone',
  'contactDetail',
  'phone',
  'address',
  'streetAddress',
  'postalCode',
  'subject',
  'filename',
  'lastError',
];

/** Entity types whose id names a person (`issuer#subject`, staff.directory_sign_in_refused): scrubbed to "[erased]". */
export const PERSONAL_AUDIT_ENTITY_TYPES: readonly string[] = ['directory_identity'];
