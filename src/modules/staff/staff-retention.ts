import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { returningRows } from '../../platform/database/database.js';

/**
 * The staff module's part of the retention schedule (docs/adr/0047): when a
 * closed account's remaining personal data is erased, its staff records go
 * too (roles, the directory identity it was linked to, its sealed second
 * factor and recovery codes); a removal keeps only its digests. In the caller's
 * transaction; the privacy module's RetentionService calls it.
 */
@Injectable()
export class StaffRetention {
  /** Deletes the staff records of these (closed) accounts; returns how many accounts had any. */
  async forgetClosed(manager: EntityManager, accountIds: string[]): Promise<number> {
    if (accountIds.length === 0) return 0;
    const had = new Set<string>();
    // A removal stays, without the account: its digests keep the directory from
    // bringing the person back (ADR 0045).
    await manager.query(
      `UPDATE staff_removal SET account_id = NULL WHERE account_id = ANY($1::uuid[])
         AND account_id IN (SELECT id FROM account WHERE closed_at IS NOT NULL)`,
      [accountIds],
    );
    for (const table of [
      'staff_member',
      'staff_directory_identity',
      'staff_second_factor',
      'staff_recovery_code',
    ]) {
      const rows = await returningRows<{ account_id: string }>(
        manager,
        `DELETE FROM ${table} WHERE account_id = ANY($1::uuid[])
           AND account_id IN (SELECT id FROM account WHERE closed_at IS NOT NULL)
         RETURNING account_id`,
        [accountIds],
      );
      for (const row of rows) had.add(row.account_id);
    }
    return had.size;
  }
}
