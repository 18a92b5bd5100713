import { randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Locale } from '../../platform/i18n/i18n.service.js';
import { hashPassword } from '../../platform/security/passwords.js';
import type { AuditService, AuditEventInput } from '../audit/audit.service.js';
import { inRoleOrder, type StaffRole } from './staff-role.js';

export interface GrantInput {
  email: string;
  displayName: string;
  role: StaffRole;
  /** The language of a new account's emails. */
  preferredLocale: Locale;
  /**
   * A new account's password; when absent it gets a random one nobody knows
   * (the person then chooses theirs through a password-reset link).
   */
  password?: string;
  /** Also give the role to someone who already holds others (the command does; the page refuses). */
  allowRoleChange: boolean;
  /** Mark a new account's address as confirmed (the operator vouches for it). */
  confirmEmail: boolean;
}

export type GrantResult =
  | { ok: true; accountId: string; accountCreated: boolean; previousRoles: StaffRole[] }
  | { ok: false; problem: 'already-staff'; roles: StaffRole[] };

/**
 * Makes the holder of an email address a staff member with a role, creating the
 * account if there is none, in the caller's transaction, with an audit event for
 * each change. Shared by the staff pages (StaffService) and `npm run staff:create`.
 * Someone already staff is refused unless `allowRoleChange` (the command), which
 * adds the role to those they hold.
 */
export async function grantStaffRole(
  manager: EntityManager,
  audit: AuditService,
  input: GrantInput,
  actor: AuditEventInput['actor'],
  origin: { ip?: string; requestId?: string } = {},
): Promise<GrantResult> {
  const email = input.email.trim();
  const createdBy = actor.type === 'staff' ? (actor.id ?? null) : null;
  const existing: { id: string; roles: (string | null)[] }[] = await manager.query(
    `SELECT a.id, array_agg(s.role) AS roles FROM account a LEFT JOIN staff_member s ON s.account_id = a.id
     WHERE lower(a.email) = lower($1) AND a.closed_at IS NULL GROUP BY a.id`,
    [email],
  );
  let accountId: string;
  let accountCreated = false;
  const previousRoles = inRoleOrder(existing[0]?.roles ?? []);
  if (existing.length > 0) {
    accountId = existing[0].id;
    await manager.query(`SELECT id FROM account WHERE id = $1 FOR UPDATE`, [accountId]);
    if (previousRoles.length > 0 && !input.allowRoleChange)
      return { ok: false, problem: 'already-staff', roles: previousRoles };
    if (previousRoles.includes(input.role))
      return { ok: true, accountId, accountCreated: false, previousRoles };
  } else {
    const password = input.password ?? randomBytes(32).toString('base64url');
    const [row] = await manager.query(
      `INSERT INTO account (email, display_name, password_hash, preferred_locale, email_confirmed_at)
       VALUES ($1, $2, $3, $4, CASE WHEN $5::boolean THEN now() END) RETURNING id`,
      [
        email,
        input.displayName.trim(),
        await hashPassword(password),
        input.preferredLocale,
        input.confirmEmail,
      ],
    );
    accountId = row.id as string;
    accountCreated = true;
    await audit.record(manager, {
      actor,
      action: 'account.created_for_staff',
      entity: { type: 'account', id: accountId },
      after: {
        email,
        displayName: input.displayName.trim(),
        preferredLocale: input.preferredLocale,
      },
      ...origin,
    });
  }
  await manager.query(
    `INSERT INTO staff_member (account_id, role, created_by) VALUES ($1, $2, $3)`,
    [accountId, input.role, createdBy],
  );
  // Added again by an admin (or the command): no longer "removed" (ADR 0045).
  await manager.query(
    `DELETE FROM staff_removal WHERE account_id = $1 OR email_digest = ${DIGEST_OF_EMAIL('$2')}`,
    [accountId, email],
  );
  if (previousRoles.length > 0) {
    await audit.record(manager, {
      actor,
      action: 'staff.roles_changed',
      entity: { type: 'staff_member', id: accountId },
      before: { roles: previousRoles },
      after: { roles: inRoleOrder([...previousRoles, input.role]) },
      ...origin,
    });
  } else {
    await audit.record(manager, {
      actor,
      action: 'staff.member_added',
      entity: { type: 'staff_member', id: accountId },
      after: { roles: [input.role], email },
      ...origin,
    });
  }
  return { ok: true, accountId, accountCreated, previousRoles };
}

/** SQL: the digest a removal keeps of an address (SHA-256 of it in lower case, hex). */
export const DIGEST_OF_EMAIL = (param: string) =>
  `encode(sha256(convert_to(lower(${param}), 'UTF8')), 'hex')`;

/** SQL: the digest a removal keeps of a directory identity (SHA-256 of issuer#subject, hex). */
export const DIGEST_OF_IDENTITY = (issuer: string, subject: string) =>
  `encode(sha256(convert_to(${issuer} || '#' || ${subject}, 'UTF8')), 'hex')`;
