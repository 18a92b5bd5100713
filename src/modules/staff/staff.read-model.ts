import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { StaffRole } from './staff-role.js';

export interface StaffMember {
  accountId: string;
  email: string;
  displayName: string;
  role: StaffRole;
  createdAt: Date;
  createdByName: string | null;
}

/** An address to write to a staff member at, with their language as stored. */
export interface StaffContact {
  email: string;
  preferredLocale: string;
}

/**
 * Who is staff, read with the accounts they belong to (ADR 0021: a read model
 * may join another module's tables; it never writes). `StaffRolesGuard` and the
 * staff list read it.
 */
@Injectable()
export class StaffReadModel {
  constructor(private readonly dataSource: DataSource) {}

  /** The role of an open account, or undefined when it is not staff. */
  async roleOf(accountId: string): Promise<StaffRole | undefined> {
    const rows = await this.dataSource.query(
      `SELECT s.role FROM staff_member s JOIN account a ON a.id = s.account_id
       WHERE s.account_id = $1 AND a.closed_at IS NULL`,
      [accountId],
    );
    return rows[0]?.role as StaffRole | undefined;
  }

  /** The staff of open accounts, by name. */
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
   * The addresses of the open accounts of staff with one of `roles`, read in
   * the caller's transaction (e.g. to email rollout managers about the change
   * it makes).
   */
  async contactsWithRoles(
    manager: EntityManager,
    roles: readonly StaffRole[],
  ): Promise<StaffContact[]> {
    const rows = await manager.query<{ email: string; preferred_locale: string }[]>(
      `SELECT account.email, account.preferred_locale FROM staff_member JOIN account ON account.id = staff_member.account_id
        WHERE staff_member.role = ANY($1::text[]) AND account.closed_at IS NULL`,
      [roles],
    );
    return rows.map((r) => ({ email: r.email, preferredLocale: r.preferred_locale }));
  }
}
