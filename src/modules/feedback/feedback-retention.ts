import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { returningRows } from '../../platform/database/database.js';

/**
 * The feedback module's part of the retention schedule (docs/adr/0047), in
 * the caller's transaction. The feedback itself (what happened, what was
 * expected) stays: it is the evidence of the trials and of the FAQ.
 */
@Injectable()
export class FeedbackRetention {
  /**
   * Erases the name and contact (email or phone) a person gave with feedback
   * staff recorded for them (phone, counter, email), on at most `limit` items
   * sent more than `days` days ago. Replies already sent are not affected.
   */
  async eraseContacts(manager: EntityManager, days: number, limit: number): Promise<number> {
    const rows = await returningRows<{ id: string }>(
      manager,
      `UPDATE feedback_item SET contact_name = NULL, contact_detail = NULL
        WHERE feedback_item.id IN (
          SELECT old.id FROM feedback_item AS old
           WHERE (old.contact_name IS NOT NULL OR old.contact_detail IS NOT NULL)
             AND old.created_at < now() - make_interval(days => $1)
           ORDER BY old.created_at LIMIT $2 FOR UPDATE SKIP LOCKED)
        RETURNING feedback_item.id`,
      [days, limit],
    );
    return rows.length;
  }

  /** Forgets the browser and screen size of the feedback these (closed, erased) accounts sent. */
  async forgetBrowsersOf(manager: EntityManager, accountIds: string[]): Promise<number> {
    if (accountIds.length === 0) return 0;
    const rows = await returningRows<{ id: string }>(
      manager,
      `UPDATE feedback_item SET user_agent = NULL, viewport = NULL
        WHERE feedback_item.account_id = ANY($1::uuid[])
          AND (feedback_item.user_agent IS NOT NULL OR feedback_item.viewport IS NOT NULL)
        RETURNING feedback_item.id`,
      [accountIds],
    );
    return rows.length;
  }
}
