import type { EntityManager } from 'typeorm';
import type { ScanVerdict } from './virus-scanner.js';

/** The tables that hold uploaded files, each written only by its owner (ADR 0021). */
export type FileTable = 'application_attachment' | 'feedback_attachment' | 'organization_claim';

/** What one step of the rescan did: nothing waited, or the file's new state. */
export type RescanOutcome = 'none' | 'clean' | 'infected' | 'pending' | 'unreadable';

/**
 * The files a rescan run takes, for a query on `alias`: waiting for the scan
 * (pending, or unscanned from while scanning was off), not tried since the run
 * began (`$1`), oldest first, one at a time. The caller adds its lock clause
 * (`FOR UPDATE [OF alias] SKIP LOCKED`), so instances share the work.
 */
export function waitingForScan(alias: string): string {
  return `${alias}.scan_status IN ('pending', 'unscanned')
            AND (${alias}.scanned_at IS NULL OR ${alias}.scanned_at < $1)
          ORDER BY ${alias}.created_at, ${alias}.id LIMIT 1`;
}

/**
 * Stores a rescan's verdict on the file's row, in the caller's transaction
 * (its owner's service records the audit event of an infected file beside it):
 * - infected: the bytes are erased (`content`, and `storage_key` where the
 *   table has one: the caller then deletes the file), the signature kept;
 * - clean: staff may now open it;
 * - not answered: a pending file stays pending, an unscanned one stays
 *   visible as unscanned; `scanned_at` says this run tried it.
 */
export async function storeRescanVerdict(
  manager: EntityManager,
  table: FileTable,
  id: string,
  scan: ScanVerdict,
): Promise<'clean' | 'infected' | 'pending'> {
  if (scan.verdict === 'infected') {
    const storageKey = table === 'application_attachment' ? ', storage_key = NULL' : '';
    await manager.query(
      `UPDATE ${table} SET scan_status = 'infected', scan_signature = $2, scanned_at = now(),
              content = NULL${storageKey}
        WHERE ${table}.id = $1`,
      [id, scan.signature.slice(0, 200)],
    );
    return 'infected';
  }
  await manager.query(
    `UPDATE ${table}
        SET scan_status = CASE WHEN $2 THEN 'clean' ELSE scan_status END, scanned_at = now()
      WHERE ${table}.id = $1`,
    [id, scan.verdict === 'clean'],
  );
  return scan.verdict === 'clean' ? 'clean' : 'pending';
}
