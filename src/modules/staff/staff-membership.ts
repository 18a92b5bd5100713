import { randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Locale } from '../../platform/i18n/i18n.service.js';
import { hashPassword } from '../../platform/security/passwords.js';
import type { AuditService, AuditEventInput } from '../audit/audit.service.js';
import type { StaffRole } from './staff-role.js';

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
  /** Also promote someone who already has another staff role (the command does; the page refuses). */
  allowRoleChange: boolean;
  /** Mark a new account's address as confirmed (the operator vouches for it). */
  confirmEmail: boolean;
}

export type GrantResult =
  | { ok: true; accountId: string; accountCreated: boolean; previousRole?: StaffRole }
  | { ok: false; problem: 'already-staff'; role: StaffRole };

/**
 * Makes the holder of an email address a staff member with a role, creating the
 * account if there is none, in the caller's transaction, with an audit event for
 * each change. Shared by the staff pages (StaffService) and `npm run staff:create`.
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
  const existing = await manager.query(
    `SELECT a.id, s.role FROM account a LEFT JOIN staff_member s ON s.account_id = a.id
     WHERE lower(a.email) = lower($1) AND a.closed_at IS NULL FOR UPDATE OF a`,
    [email],
  );
  let accountId: string;
  let accountCreated = false;
  const previousRole = existing[0]?.role as StaffRole | null | undefined;
  if (existing.length > 0) {
    accountId = existing[0].id as string;
    if (previousRole && (!input.allowRoleChange || previousRole === input.role)) {
      if (previousRole === input.role && input.allowRoleChange)
        return { ok: true, accountId, accountCreated: false, previousRole };
      return { ok: false, problem: 'already-staff', role: previousRole };
    }
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
  if (previousRole) {
    await manager.query(`UPDATE staff_member SET role = $2 WHERE account_id = $1`, [
      accountId,
      input.role,
    ]);
    await audit.record(manager, {
      actor,
      action: 'staff.role_changed',
      entity: { type: 'staff_member', id: accountId },
      before: { role: previousRole },
      after: { role: input.role },
      ...origin,
    });
  } else {
    await manager.query(
      `INSERT INTO staff_member (account_id, role, created_by) VALUES ($1, $2, $3)`,
      [accountId, input.role, createdBy],
    );
    await audit.record(manager, {
      actor,
      action: 'staff.member_added',
      entity: { type: 'staff_member', id: accountId },
      after: { role: input.role, email },
      ...origin,
    });
  }
  return { ok: true, accountId, accountCreated, previousRole: previousRole ?? undefined };
}
