import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { returningRows } from '../../platform/database/database.js';

/**
 * The staff module's part of the retention schedule (docs/adr/0047): when a
 * closed account's remaining personal data is erased, its staff records go
 * too (roles, the directory identity it was linked to, its sealed second
 * factor and recovery codes, the mark of a removal). In the caller's
 * transaction; the privacy module's RetentionService calls it.
 */
@Injectable()
export class StaffRetention {
  /** Deletes the staff records of these (closed) accounts; returns how many accounts had any. */
  async forgetClosed(manager: EntityManager, accountIds: string[]): Promise<number> {
    if (accountIds.length === 0) return 0;
    const had = new Set<string>();
    for (const table of [
      'staff_member',
      'staff_directory_identity',
      'staff_second_factor',
      'staff_recovery_code',
      'staff_removal',
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
