import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { returningRows } from '../../platform/database/database.js';

/**
 * The accounts module's part of the retention schedule (docs/adr/0047): its
 * tables' personal data past their period, each method in the caller's
 * transaction with a bounded number of rows. The privacy module's
 * RetentionService calls them, and records the counts.
 */
@Injectable()
export class AccountRetention {
  /**
   * Closed accounts whose remaining personal data is due for erasure (closed
   * more than `days` ago, not yet erased), oldest first, locked for the rest
   * of the transaction. The caller erases their data in the other modules,
   * then calls `markErased`.
   */
  async closedAccountsDue(manager: EntityManager, days: number, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await manager.query(
      `SELECT account.id FROM account
        WHERE account.closed_at IS NOT NULL AND account.personal_data_erased_at IS NULL
          AND account.closed_at < now() - make_interval(days => $1)
        ORDER BY account.closed_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [days, limit],
    );
    return rows.map((row) => row.id);
  }

  /**
   * Records that what remained of these closed accounts is erased. The row
   * itself was anonymised when the account closed (docs/adr/0005); it stays,
   * so that the city's records (applications, audit events) keep pointing at it.
   */
  async markErased(manager: EntityManager, accountIds: string[]): Promise<number> {
    if (accountIds.length === 0) return 0;
    const rows = await returningRows<{ id: string }>(
      manager,
      `UPDATE account SET personal_data_erased_at = now()
        WHERE account.id = ANY($1::uuid[]) AND account.closed_at IS NOT NULL
          AND account.personal_data_erased_at IS NULL
        RETURNING account.id`,
      [accountIds],
    );
    return rows.length;
  }

  /**
   * Deletes at most `limit` sign-in throttling entries (docs/adr/0015) whose
   * last failure is more than `hours` old and that hold nobody back any more.
   * Their keys name an email address typed, a client address or a browser.
   */
  async purgeSignInThrottle(manager: EntityManager, hours: number, limit: number): Promise<number> {
    const rows = await returningRows<{ key: string }>(
      manager,
      `DELETE FROM sign_in_throttle WHERE sign_in_throttle.key IN (
         SELECT old.key FROM sign_in_throttle AS old
          WHERE old.last_failure_at < now() - make_interval(hours => $1)
            AND (old.blocked_until IS NULL OR old.blocked_until < now())
          ORDER BY old.last_failure_at LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING sign_in_throttle.key`,
      [hours, limit],
    );
    return rows.length;
  }
}
