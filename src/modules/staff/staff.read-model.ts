import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { inRoleOrder, type StaffRole } from './staff-role.js';

export interface StaffMember {
  accountId: string;
  email: string;
  displayName: string;
  /** In `STAFF_ROLES`'s order; never empty. */
  roles: StaffRole[];
  /** When they first became staff (their oldest role). */
  createdAt: Date;
  /** When they enrolled their second factor (local sign-in), if they did. */
  secondFactorSince: Date | null;
  /** Whether they have signed in with the city's directory. */
  directoryLinked: boolean;
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

  /** The roles of an open account (in `STAFF_ROLES`'s order), none when it is not staff. */
  async rolesOf(accountId: string, manager: EntityManager = this.dataSource.manager) {
    const rows: { role: string }[] = await manager.query(
      `SELECT s.role FROM staff_member s JOIN account a ON a.id = s.account_id
       WHERE s.account_id = $1 AND a.closed_at IS NULL`,
      [accountId],
    );
    return inRoleOrder(rows.map((r) => r.role));
  }

  /**
   * What the staff area checks on every request: the roles of an open account
   * (none when it is not staff) and whether it signs in with the city's
   * directory.
   */
  async access(accountId: string): Promise<{ roles: StaffRole[]; directoryLinked: boolean }> {
    const [row] = await this.dataSource.query(
      `SELECT array_agg(s.role) AS roles,
              EXISTS (SELECT 1 FROM staff_directory_identity i WHERE i.account_id = $1) AS linked
       FROM staff_member s JOIN account a ON a.id = s.account_id
       WHERE s.account_id = $1 AND a.closed_at IS NULL`,
      [accountId],
    );
    return { roles: inRoleOrder(row?.roles ?? []), directoryLinked: row?.linked === true };
  }

  /** The staff of open accounts, by name. */
  async list(): Promise<StaffMember[]> {
    return this.members();
  }

  /** One staff member of an open account, or undefined. */
  async member(accountId: string): Promise<StaffMember | undefined> {
    return (await this.members(accountId))[0];
  }

  private async members(accountId?: string): Promise<StaffMember[]> {
    // Who added them: the one who granted their oldest role.
    const rows = await this.dataSource.query(
      `SELECT s.account_id, a.email, a.display_name, array_agg(s.role) AS roles,
              min(s.created_at) AS created_at,
              (array_agg(c.display_name ORDER BY s.created_at))[1] AS created_by_name,
              (SELECT f.enrolled_at FROM staff_second_factor f WHERE f.account_id = s.account_id)
                AS second_factor_since,
              EXISTS (SELECT 1 FROM staff_directory_identity i WHERE i.account_id = s.account_id)
                AS directory_linked
       FROM staff_member s
       JOIN account a ON a.id = s.account_id
       LEFT JOIN account c ON c.id = s.created_by
       WHERE a.closed_at IS NULL AND ($1::uuid IS NULL OR s.account_id = $1::uuid)
       GROUP BY s.account_id, a.email, a.display_name
       ORDER BY lower(a.display_name), s.account_id`,
      [accountId ?? null],
    );
    return rows.map((r: Record<string, unknown>) => ({
      accountId: r.account_id as string,
      email: r.email as string,
      displayName: r.display_name as string,
      roles: inRoleOrder(r.roles as string[]),
      createdAt: r.created_at as Date,
      createdByName: (r.created_by_name as string | null) ?? null,
      secondFactorSince: (r.second_factor_since as Date | null) ?? null,
      directoryLinked: r.directory_linked as boolean,
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
      `SELECT account.email, account.preferred_locale FROM account
        WHERE account.closed_at IS NULL AND EXISTS (
          SELECT 1 FROM staff_member WHERE staff_member.account_id = account.id AND staff_member.role = ANY($1::text[]))`,
      [roles],
    );
    return rows.map((r) => ({ email: r.email, preferredLocale: r.preferred_locale }));
  }
}
