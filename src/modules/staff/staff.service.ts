import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Locale } from '../../platform/i18n/i18n.service.js';
import { AccountService } from '../accounts/account.service.js';
import type { RequestOrigin } from '../audit/request-origin.js';
import { AuditService } from '../audit/audit.service.js';
import { grantStaffRole } from './staff-membership.js';
import type { StaffRole } from './staff-role.js';
import { STAFF_REFUSALS } from './staff.refusals.js';

export interface StaffMember {
  accountId: string;
  email: string;
  displayName: string;
  role: StaffRole;
  createdAt: Date;
  createdByName: string | null;
}

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
  ) {}

  /** The role of an open account, or undefined when it is not staff. */
  async roleOf(accountId: string): Promise<StaffRole | undefined> {
    const rows = await this.dataSource.query(
      `SELECT s.role FROM staff_member s JOIN account a ON a.id = s.account_id
       WHERE s.account_id = $1 AND a.closed_at IS NULL`,
      [accountId],
    );
    return rows[0]?.role as StaffRole | undefined;
  }

  async list(): Promise<StaffMember[]> {
    const rows = await this.dataSource.query(
      `SELECT s.account_id, a.email, a.display_name, s.role, s.created_at, c.display_name AS created_by_name
       FROM staff_member s
       JOIN account a ON a.id = s.account_id
       LEFT JOIN account c ON c.id = s.created_by
       WHERE a.closed_at IS NULL
       ORDER BY lower(a.display_name), a.id`,
    );
    return rows.map((r: Record<string, unknown>) => ({
      accountId: r.account_id as string,
      email: r.email as string,
      displayName: r.display_name as string,
      role: r.role as StaffRole,
      createdAt: r.created_at as Date,
      createdByName: (r.created_by_name as string | null) ?? null,
    }));
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
    if (!result.ok)
      throw STAFF_REFUSALS.of('already-staff', {
        paramKeys: { role: `staff.roles.${result.role}` },
      });
    if (result.accountCreated) await this.accounts.sendResetLink(origin, person.email);
    return {
      accountId: result.accountId,
      displayName: person.displayName,
      accountCreated: result.accountCreated,
    };
  }
}
