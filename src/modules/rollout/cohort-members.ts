import type { EntityManager } from 'typeorm';
import { returningRows } from '../../platform/database/database.js';
import type { Audience } from '../../platform/flags/flag-context.js';
import type { MemberSource, MemberStatus } from './cohorts.read-model.js';

/** How long an invitation link works. */
export const COHORT_INVITATION_TTL_DAYS = 14;

export interface LockedCohort {
  id: string;
  slug: string;
  name: string;
  audience: Audience;
}

export interface LockedMember {
  id: string;
  cohortId: string;
  status: MemberStatus;
  source: MemberSource;
  organizationId: string | null;
  accountId: string | null;
  invitedEmail: string | null;
  invitedBy: string | null;
  tokenHash: string | null;
  tokenExpired: boolean;
}

const MEMBER_COLUMNS = `cohort_member.id, cohort_member.cohort_id, cohort_member.status,
  cohort_member.source, cohort_member.organization_id, cohort_member.account_id,
  cohort_member.invited_email, cohort_member.invited_by, cohort_member.token_hash,
  (cohort_member.token_expires_at IS NULL OR cohort_member.token_expires_at <= now()) AS token_expired`;

const toMember = (r: Record<string, unknown>): LockedMember => ({
  id: r.id as string,
  cohortId: r.cohort_id as string,
  status: r.status as MemberStatus,
  source: r.source as MemberSource,
  organizationId: (r.organization_id as string | null) ?? null,
  accountId: (r.account_id as string | null) ?? null,
  invitedEmail: (r.invited_email as string | null) ?? null,
  invitedBy: (r.invited_by as string | null) ?? null,
  tokenHash: (r.token_hash as string | null) ?? null,
  tokenExpired: r.token_expired as boolean,
});

/**
 * Locks the cohort's row for the rest of the transaction: every change to its
 * membership takes this lock first, so two of them (an import and an
 * acceptance, say) never interleave. FOR NO KEY UPDATE, not FOR UPDATE: a plan
 * being attached to the cohort meanwhile (which holds the plan's lock, then
 * takes the foreign key's share lock on this row) is not blocked, so it cannot
 * deadlock with a membership change waiting for that plan (markCohortChanged).
 */
export async function lockCohort(
  manager: EntityManager,
  cohortId: string,
): Promise<LockedCohort | undefined> {
  const [row] = await manager.query(
    `SELECT cohort.id, cohort.slug, cohort.name, cohort.audience FROM cohort
      WHERE cohort.id = $1 FOR NO KEY UPDATE`,
    [cohortId],
  );
  return row
    ? { id: row.id, slug: row.slug, name: row.name, audience: row.audience as Audience }
    : undefined;
}

/** A membership row, locked; `by` picks it by id, by SME or by person (citizen cohorts). */
export async function lockMember(
  manager: EntityManager,
  cohortId: string,
  by: { id: string } | { organizationId: string } | { accountId: string },
): Promise<LockedMember | undefined> {
  const [column, value] =
    'id' in by
      ? ['cohort_member.id = $2', by.id]
      : 'organizationId' in by
        ? ['cohort_member.organization_id = $2', by.organizationId]
        : ['cohort_member.account_id = $2 AND cohort_member.organization_id IS NULL', by.accountId];
  const [row] = await manager.query(
    `SELECT ${MEMBER_COLUMNS} FROM cohort_member
      WHERE cohort_member.cohort_id = $1 AND ${column} FOR UPDATE`,
    [cohortId, value],
  );
  return row ? toMember(row) : undefined;
}

/** The invitation row a link's token hash names, locked. */
export async function lockInvitation(
  manager: EntityManager,
  tokenHash: string,
): Promise<LockedMember | undefined> {
  const [row] = await manager.query(
    `SELECT ${MEMBER_COLUMNS} FROM cohort_member WHERE cohort_member.token_hash = $1 FOR UPDATE`,
    [tokenHash],
  );
  return row ? toMember(row) : undefined;
}

export interface Activation {
  source: MemberSource;
  organizationId?: string;
  accountId?: string;
  /** Who accepted the pilot terms, and when (default: now). */
  termsAcceptedBy?: string | null;
  termsAcceptedAt?: Date;
  invitedBy?: string | null;
}

/**
 * (New rows take clock_timestamp() as their created_at, so that the members an
 * import adds in one transaction keep the order of the file.)
 *
 * Makes a membership active from now on (a new row, or a row that was
 * invited, withdrawn or declined): the end of any earlier membership is
 * cleared, the history stays in the audit log. Returns the row's id.
 */
export async function activateMember(
  manager: EntityManager,
  cohortId: string,
  existingId: string | undefined,
  activation: Activation,
): Promise<string> {
  const params = [
    activation.source,
    activation.termsAcceptedBy ?? null,
    activation.termsAcceptedAt ?? null,
    activation.invitedBy ?? null,
    activation.organizationId ?? null,
    activation.accountId ?? null,
  ];
  if (existingId) {
    await manager.query(
      `UPDATE cohort_member SET status = 'active', source = $2,
          terms_accepted_by = $3, terms_accepted_at = CASE WHEN $3::uuid IS NULL THEN NULL ELSE COALESCE($4::timestamptz, now()) END,
          invited_by = COALESCE($5::uuid, cohort_member.invited_by),
          organization_id = COALESCE($6::uuid, cohort_member.organization_id),
          account_id = COALESCE($7::uuid, cohort_member.account_id),
          joined_at = now(), withdrawn_at = NULL, withdrawn_by = NULL, withdrawal_reason = NULL,
          updated_at = now()
        WHERE cohort_member.id = $1`,
      [existingId, ...params],
    );
    return existingId;
  }
  const [row] = await manager.query(
    `INSERT INTO cohort_member (cohort_id, status, source, terms_accepted_by, terms_accepted_at,
       invited_by, organization_id, account_id, joined_at, created_at)
     VALUES ($1, 'active', $2, $3, CASE WHEN $3::uuid IS NULL THEN NULL ELSE COALESCE($4::timestamptz, now()) END,
       $5, $6, $7, now(), clock_timestamp())
     RETURNING id`,
    [cohortId, ...params],
  );
  return row.id as string;
}

/**
 * Issues an invitation on a new row or renews it on an existing one (a new
 * token, 14 more days; an earlier link stops working). Returns the row's id
 * and when the link expires.
 */
export async function issueInvitation(
  manager: EntityManager,
  cohortId: string,
  existingId: string | undefined,
  invitation: {
    tokenHash: string;
    source: MemberSource;
    invitedBy: string;
    organizationId?: string;
    invitedEmail?: string;
  },
): Promise<{ id: string; expiresAt: Date }> {
  if (existingId) {
    const [row] = await returningRows<{ id: string; token_expires_at: Date }>(
      manager,
      `UPDATE cohort_member SET status = 'invited', source = $2, token_hash = $3,
          token_expires_at = now() + make_interval(days => $6), invited_by = $4,
          invited_email = COALESCE($5::text, cohort_member.invited_email),
          terms_accepted_by = NULL, terms_accepted_at = NULL, joined_at = NULL,
          withdrawn_at = NULL, withdrawn_by = NULL, withdrawal_reason = NULL, updated_at = now()
        WHERE cohort_member.id = $1
        RETURNING cohort_member.id, cohort_member.token_expires_at`,
      [
        existingId,
        invitation.source,
        invitation.tokenHash,
        invitation.invitedBy,
        invitation.invitedEmail ?? null,
        COHORT_INVITATION_TTL_DAYS,
      ],
    );
    return { id: row.id, expiresAt: row.token_expires_at };
  }
  const params = [
    invitation.source,
    invitation.tokenHash,
    invitation.invitedBy,
    invitation.organizationId ?? null,
    invitation.invitedEmail ?? null,
    COHORT_INVITATION_TTL_DAYS,
  ];
  const [row] = await manager.query(
    `INSERT INTO cohort_member (cohort_id, status, source, token_hash, token_expires_at, invited_by,
       organization_id, invited_email, created_at)
     VALUES ($1, 'invited', $2, $3, now() + make_interval(days => $7), $4, $5, $6, clock_timestamp())
     RETURNING id, token_expires_at`,
    [cohortId, ...params],
  );
  return { id: row.id as string, expiresAt: row.token_expires_at as Date };
}
