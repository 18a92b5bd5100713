import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Locale } from '../../platform/i18n/i18n.service.js';
import { AccountService } from '../accounts/account.service.js';
import type { RequestOrigin } from '../audit/request-origin.js';
import { AuditService } from '../audit/audit.service.js';
import { endSessions } from '../../platform/http/sessions.js';
import { isUuid } from '../../platform/http/uuid.js';
import { DIGEST_OF_EMAIL, DIGEST_OF_IDENTITY, grantStaffRole } from './staff-membership.js';
import { inRoleOrder, type StaffRole } from './staff-role.js';
import { STAFF_REFUSALS } from './staff.refusals.js';
import { StaffReadModel, type StaffContact, type StaffMember } from './staff.read-model.js';

/** A staff member as listed; read by `StaffReadModel`. */
export type { StaffMember } from './staff.read-model.js';

export interface StaffAdded {
  accountId: string;
  /** The name as recorded (trimmed). */
  displayName: string;
  /** True when the person had no account: one was made, and a link sent to choose a password. */
  accountCreated: boolean;
}

/** Who works for the city in Guichet, and with which role. */
@Injectable()
export class StaffService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly accounts: AccountService,
    private readonly readModel: StaffReadModel,
  ) {}

  /**
   * The roles of an open account, none when it is not staff. For other
   * modules' services (ADR 0021, rule 3); the query is `StaffReadModel`'s.
   */
  rolesOf(accountId: string): Promise<StaffRole[]> {
    return this.readModel.rolesOf(accountId);
  }

  /** One staff member of an open account, or undefined; the query is `StaffReadModel`'s. */
  member(accountId: string): Promise<StaffMember | undefined> {
    return this.readModel.member(accountId);
  }

  /** An open staff account named in an address, or the `not-staff` refusal (404). */
  async memberOrRefuse(accountId: string): Promise<StaffMember> {
    const member = isUuid(accountId) ? await this.readModel.member(accountId) : undefined;
    if (!member) throw STAFF_REFUSALS.of('not-staff');
    return member;
  }

  /** The staff of open accounts, by name; the query is `StaffReadModel`'s. */
  list(): Promise<StaffMember[]> {
    return this.readModel.list();
  }

  /**
   * The addresses of open staff accounts with one of `roles`, in the caller's
   * transaction; the query is `StaffReadModel`'s.
   */
  contactsWithRoles(manager: EntityManager, roles: readonly StaffRole[]): Promise<StaffContact[]> {
    return this.readModel.contactsWithRoles(manager, roles);
  }

  /**
   * An admin makes someone staff. A person without an account gets one, with a
   * password nobody knows, and is emailed a link to choose theirs (the
   * password-reset link, which also confirms their address). Someone who is
   * already staff is refused: roles are not changed from this form. The name
   * and address are trimmed here.
   */
  async add(
    adminId: string,
    input: { displayName: string; email: string; role: StaffRole; preferredLocale: Locale },
    origin: RequestOrigin,
  ): Promise<StaffAdded> {
    const person = { ...input, displayName: input.displayName.trim(), email: input.email.trim() };
    const result = await this.dataSource.transaction((manager) =>
      grantStaffRole(
        manager,
        this.audit,
        { ...person, allowRoleChange: false, confirmEmail: false },
        { type: 'staff', id: adminId },
        origin,
      ),
    );
    if (!result.ok) throw STAFF_REFUSALS.of('already-staff');
    if (result.accountCreated) await this.accounts.sendResetLink(origin, person.email);
    return {
      accountId: result.accountId,
      displayName: person.displayName,
      accountCreated: result.accountCreated,
    };
  }

  /**
   * An admin sets the roles someone holds (at least one: taking the last away
   * is `remove`). A role taken away ends every session of the person at once,
   * on every instance (they sign in again with what they have left); the last
   * admin of an open account keeps that role. Audited with the roles before and
   * after; nothing changes (and nothing is recorded) when the roles are the same.
   */
  async changeRoles(
    adminId: string,
    accountId: string,
    wanted: readonly StaffRole[],
    origin: RequestOrigin,
  ): Promise<{ displayName: string }> {
    const roles = inRoleOrder(wanted);
    if (roles.length === 0) throw STAFF_REFUSALS.of('no-role');
    return this.dataSource.transaction(async (manager) => {
      await lockStaffRoles(manager);
      const held = await this.lockMember(manager, accountId);
      const taken = held.roles.filter((role) => !roles.includes(role));
      const given = roles.filter((role) => !held.roles.includes(role));
      if (taken.length === 0 && given.length === 0) return { displayName: held.displayName };
      if (taken.includes('admin')) await this.keepAnAdmin(manager, accountId);
      if (taken.length > 0)
        await manager.query(
          `DELETE FROM staff_member WHERE account_id = $1 AND role = ANY($2::text[])`,
          [accountId, taken],
        );
      for (const role of given)
        await manager.query(
          `INSERT INTO staff_member (account_id, role, created_by) VALUES ($1, $2, $3)`,
          [accountId, role, adminId],
        );
      if (taken.length > 0) await endSessions(manager, accountId);
      await this.audit.record(manager, {
        actor: { type: 'staff', id: adminId },
        action: 'staff.roles_changed',
        entity: { type: 'staff_member', id: accountId },
        before: { roles: held.roles },
        after: { roles, sessionsEnded: taken.length > 0 },
        ...origin,
      });
      return { displayName: held.displayName };
    });
  }

  /**
   * An admin removes someone from staff: every role goes, and every session of
   * the person ends at once on every instance. Their account stays (they may
   * also be a resident or an SME's member). The last admin cannot be removed.
   */
  async remove(
    adminId: string,
    accountId: string,
    origin: RequestOrigin,
  ): Promise<{ displayName: string }> {
    return this.dataSource.transaction(async (manager) => {
      await lockStaffRoles(manager);
      const held = await this.lockMember(manager, accountId);
      if (held.roles.includes('admin')) await this.keepAnAdmin(manager, accountId);
      await manager.query(`DELETE FROM staff_member WHERE account_id = $1`, [accountId]);
      // Remembered until an admin adds them again: the directory cannot bring them back.
      await manager.query(
        `INSERT INTO staff_removal (account_id, email_digest, identity_digests, removed_by)
         SELECT $1, ${DIGEST_OF_EMAIL('$2')},
                ARRAY(SELECT ${DIGEST_OF_IDENTITY('i.issuer', 'i.subject')}
                        FROM staff_directory_identity i WHERE i.account_id = $1),
                $3`,
        [accountId, held.email, adminId],
      );
      await endSessions(manager, accountId);
      await this.audit.record(manager, {
        actor: { type: 'staff', id: adminId },
        action: 'staff.member_removed',
        entity: { type: 'staff_member', id: accountId },
        before: { roles: held.roles, email: held.email },
        after: { sessionsEnded: true },
        ...origin,
      });
      return { displayName: held.displayName };
    });
  }

  /** The roles of an open staff account, its rows locked for this transaction; 404 when not staff. */
  private async lockMember(manager: EntityManager, accountId: string) {
    if (!isUuid(accountId)) throw STAFF_REFUSALS.of('not-staff');
    const rows: { role: string; email: string; display_name: string }[] = await manager.query(
      `SELECT s.role, a.email, a.display_name FROM staff_member s JOIN account a ON a.id = s.account_id
       WHERE s.account_id = $1 AND a.closed_at IS NULL FOR UPDATE OF s`,
      [accountId],
    );
    if (rows.length === 0) throw STAFF_REFUSALS.of('not-staff');
    return {
      roles: inRoleOrder(rows.map((r) => r.role)),
      email: rows[0].email,
      displayName: rows[0].display_name,
    };
  }

  /**
   * Refuses to take the admin role from `accountId` when no other open account
   * holds it. The caller holds the staff roles' lock (`lockStaffRoles`), so two
   * admins removing each other at once cannot both succeed: the second waits,
   * then counts one.
   */
  private async keepAnAdmin(manager: EntityManager, accountId: string): Promise<void> {
    const admins: { account_id: string }[] = await manager.query(
      `SELECT s.account_id FROM staff_member s JOIN account a ON a.id = s.account_id
       WHERE s.role = 'admin' AND a.closed_at IS NULL FOR UPDATE OF s`,
    );
    if (!admins.some((admin) => admin.account_id !== accountId))
      throw STAFF_REFUSALS.of('last-admin');
  }
}

/**
 * One change of staff roles at a time (the last-admin rule reads the set of
 * admins): a transaction-level advisory lock, taken first by every change that
 * may take the admin role away (here, and an account's closing).
 */
export async function lockStaffRoles(manager: EntityManager): Promise<void> {
  await manager.query(`SELECT pg_advisory_xact_lock(hashtext('staff-roles'))`);
}
