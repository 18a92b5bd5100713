import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { returningRows } from '../../platform/database/database.js';

/** Drafts deleted by one call: how many, and their attachments' files on disk to remove after the commit. */
export interface DeletedDrafts {
  count: number;
  storageKeys: string[];
}

/**
 * The applications module's part of the retention schedule (docs/adr/0047).
 * Only drafts: a submitted application is a municipal record the city keeps
 * (docs/adr/0005). Deleting a draft deletes its answers, attachments
 * (content in PostgreSQL, or a file under ATTACHMENTS_DIR: the caller removes
 * those after its commit, `AttachmentsService.removeStored`), transitions and
 * messages with it (ON DELETE CASCADE); feedback about it keeps its text
 * (SET NULL). In the caller's transaction, a bounded number of rows.
 */
@Injectable()
export class DraftRetention {
  /** Drafts not changed (answers or files) for more than `days` days, oldest first. */
  async deleteStale(manager: EntityManager, days: number, limit: number): Promise<DeletedDrafts> {
    const rows: { id: string }[] = await manager.query(
      `SELECT application.id FROM application
        WHERE application.status = 'draft'
          AND application.updated_at < now() - make_interval(days => $1)
          -- A file added lately counts as a change (an upload leaves updated_at as it was).
          AND NOT EXISTS (
            SELECT 1 FROM application_attachment
             WHERE application_attachment.application_id = application.id
               AND application_attachment.created_at >= now() - make_interval(days => $1))
        ORDER BY application.updated_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [days, limit],
    );
    return this.delete(
      manager,
      rows.map((row) => row.id),
    );
  }

  /**
   * The drafts a person started for themselves (not for an SME: those stay
   * with the SME, docs/adr/0005), once their closed account is erased.
   */
  async deleteOwnDraftsOf(manager: EntityManager, accountIds: string[]): Promise<DeletedDrafts> {
    if (accountIds.length === 0) return { count: 0, storageKeys: [] };
    const rows: { id: string }[] = await manager.query(
      `SELECT application.id FROM application
        WHERE application.account_id = ANY($1::uuid[]) AND application.status = 'draft'
          AND application.organization_id IS NULL
        FOR UPDATE`,
      [accountIds],
    );
    return this.delete(
      manager,
      rows.map((row) => row.id),
    );
  }

  private async delete(manager: EntityManager, ids: string[]): Promise<DeletedDrafts> {
    if (ids.length === 0) return { count: 0, storageKeys: [] };
    const files: { storage_key: string }[] = await manager.query(
      `SELECT application_attachment.storage_key FROM application_attachment
        WHERE application_attachment.application_id = ANY($1::uuid[])
          AND application_attachment.storage_key IS NOT NULL`,
      [ids],
    );
    const deleted = await returningRows<{ id: string }>(
      manager,
      `DELETE FROM application WHERE application.id = ANY($1::uuid[]) AND application.status = 'draft'
       RETURNING application.id`,
      [ids],
    );
    return { count: deleted.length, storageKeys: files.map((file) => file.storage_key) };
  }
}
