/**
 * The SQL fragments an application row is read with, shared by
 * ApplicationsService (its row inside a transaction) and ApplicationsReadModel
 * (the reads), so both say "whose application" the same way.
 */

/** The columns of an `Application` (`filedBy` is the filer's display name). */
export const COLUMNS = `
  a.id, a.reference, a.service_slug AS "serviceSlug",
  a.service_revision AS "serviceRevision", a.variant, a.account_id AS "accountId",
  filer.display_name AS "filedBy", a.organization_id AS "organizationId", a.status, a.answers,
  a.channel, a.assigned_to AS "assignedTo", a.decision_note AS "decisionNote", a.version,
  a.created_at AS "createdAt", a.updated_at AS "updatedAt", a.submitted_at AS "submittedAt",
  a.decided_at AS "decidedAt", a.revision_notice AS "revisionNotice"`;

export const FROM = `FROM application a JOIN account filer ON filer.id = a.account_id`;

/** An applicant's own applications: a person's own, or every one of their SME's. */
export const OWNED = `(CASE WHEN $2::uuid IS NULL
  THEN a.account_id = $1 AND a.organization_id IS NULL
  ELSE a.organization_id = $2 END)`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}
