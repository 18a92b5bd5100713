import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** What the staff module holds about a person, for their data download (ADR 0048). */
export interface StaffExport {
  roles: { role: string; since: Date }[];
  directoryIdentities: { issuer: string; subject: string; linkedAt: Date; lastSignInAt: Date }[];
  /** Their authenticator app (never the secret) and how many recovery codes are unused. */
  secondFactor: { enrolledAt: Date; recoveryCodesLeft: number } | null;
  removedFromStaffAt: Date | null;
}

/** The staff module's part of a person's data download, in the caller's transaction. */
@Injectable()
export class StaffExportReadModel {
  async exportFor(manager: EntityManager, accountId: string): Promise<StaffExport> {
    const roles = await manager.query(
      `SELECT role, created_at FROM staff_member WHERE account_id = $1 ORDER BY created_at, role`,
      [accountId],
    );
    const identities = await manager.query(
      `SELECT issuer, subject, linked_at, last_sign_in_at FROM staff_directory_identity
        WHERE account_id = $1 ORDER BY linked_at`,
      [accountId],
    );
    const [factor] = await manager.query(
      `SELECT f.enrolled_at,
              (SELECT count(*)::int FROM staff_recovery_code c
                WHERE c.account_id = f.account_id AND c.used_at IS NULL) AS left
         FROM staff_second_factor f WHERE f.account_id = $1`,
      [accountId],
    );
    const [removal] = await manager.query(
      `SELECT removed_at FROM staff_removal WHERE account_id = $1 ORDER BY removed_at DESC LIMIT 1`,
      [accountId],
    );
    return {
      roles: roles.map((r: { role: string; created_at: Date }) => ({
        role: r.role,
        since: r.created_at,
      })),
      directoryIdentities: identities.map(
        (i: { issuer: string; subject: string; linked_at: Date; last_sign_in_at: Date }) => ({
          issuer: i.issuer,
          subject: i.subject,
          linkedAt: i.linked_at,
          lastSignInAt: i.last_sign_in_at,
        }),
      ),
      secondFactor: factor
        ? { enrolledAt: factor.enrolled_at, recoveryCodesLeft: factor.left }
        : null,
      removedFromStaffAt: removal?.removed_at ?? null,
    };
  }
}
