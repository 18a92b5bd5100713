import { MigrationInterface, QueryRunner } from 'typeorm';

const TABLES = ['application_attachment', 'feedback_attachment', 'organization_claim'] as const;

/**
 * Virus scanning with clamd (ADR 0028). Every stored file (an application's
 * attachment, a feedback file, an SME's ownership evidence) gets its scan status:
 * - 'clean': clamd scanned it and found nothing;
 * - 'pending': clamd could not be reached when it arrived: kept, hidden from
 *   staff, scanned again when clamd answers;
 * - 'unscanned': scanning was off (no CLAMAV_URL); staff are told so;
 * - 'infected': a pending file that clamd later found infected (`scan_signature`):
 *   its bytes are erased (content NULL, no file on disk), the row stays so
 *   that the applicant and staff see it was refused.
 * Files stored before this migration were never scanned: 'unscanned'.
 *
 * The partial indexes serve the rescan, which takes the oldest pending files first.
 */
export class ScanStatus1765010000000 implements MigrationInterface {
  name = 'ScanStatus1765010000000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of TABLES) {
      await q.query(`
        ALTER TABLE ${table}
          ADD COLUMN scan_status text NOT NULL DEFAULT 'unscanned'
            CHECK (scan_status IN ('clean', 'pending', 'unscanned', 'infected')),
          ADD COLUMN scan_signature text CHECK (length(scan_signature) <= 200),
          ADD COLUMN scanned_at timestamptz`);
      await q.query(
        `CREATE INDEX ${table}_scan_idx ON ${table} (created_at, id) WHERE scan_status IN ('pending', 'unscanned')`,
      );
    }
    // An infected file keeps no bytes: the checks that demanded them allow that one case.
    await q.query(
      `ALTER TABLE application_attachment DROP CONSTRAINT application_attachment_stored`,
    );
    await q.query(`
      ALTER TABLE application_attachment ADD CONSTRAINT application_attachment_stored CHECK (
        CASE WHEN scan_status = 'infected' THEN content IS NULL AND storage_key IS NULL
             ELSE (content IS NULL) <> (storage_key IS NULL) END)`);
    await q.query(`ALTER TABLE feedback_attachment DROP CONSTRAINT feedback_attachment_check`);
    await q.query(`ALTER TABLE feedback_attachment ALTER COLUMN content DROP NOT NULL`);
    await q.query(`
      ALTER TABLE feedback_attachment ADD CONSTRAINT feedback_attachment_stored CHECK (
        CASE WHEN scan_status = 'infected' THEN content IS NULL
             ELSE octet_length(content) = size_bytes END)`);
    await q.query(`ALTER TABLE organization_claim ALTER COLUMN content DROP NOT NULL`);
    await q.query(`
      ALTER TABLE organization_claim ADD CONSTRAINT organization_claim_stored CHECK (
        (scan_status = 'infected') = (content IS NULL))`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Infected files have no bytes left: their rows go (the audit log keeps them).
    for (const table of TABLES)
      await q.query(`DELETE FROM ${table} WHERE scan_status = 'infected'`);
    await q.query(`ALTER TABLE organization_claim DROP CONSTRAINT organization_claim_stored`);
    await q.query(`ALTER TABLE organization_claim ALTER COLUMN content SET NOT NULL`);
    await q.query(`ALTER TABLE feedback_attachment DROP CONSTRAINT feedback_attachment_stored`);
    await q.query(`ALTER TABLE feedback_attachment ALTER COLUMN content SET NOT NULL`);
    await q.query(
      `ALTER TABLE feedback_attachment ADD CONSTRAINT feedback_attachment_check CHECK (octet_length(content) = size_bytes)`,
    );
    await q.query(
      `ALTER TABLE application_attachment DROP CONSTRAINT application_attachment_stored`,
    );
    await q.query(
      `ALTER TABLE application_attachment ADD CONSTRAINT application_attachment_stored CHECK ((content IS NULL) <> (storage_key IS NULL))`,
    );
    for (const table of TABLES) {
      await q.query(`DROP INDEX ${table}_scan_idx`);
      await q.query(
        `ALTER TABLE ${table} DROP COLUMN scanned_at, DROP COLUMN scan_signature, DROP COLUMN scan_status`,
      );
    }
  }
}
