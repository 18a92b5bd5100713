import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who owns an SME is checked by staff (ADR 0014). An SME is verified once
 * staff accept its owner's evidence (`verified_at`, `verified_by`); until then
 * invitations to the pilot by NEQ wait (`cohort_member.awaiting_verification_since`).
 *
 * `organization_claim` holds the requests staff decide on: an owner's evidence
 * ('owner') and another person's request to review who owns the SME
 * ('review'), each with one file (PDF, JPEG or PNG, its bytes in `content`).
 * Every SME that exists when this runs is unverified: nobody checked it.
 *
 * ON DELETE: a claim goes with its SME (CASCADE); a claimant's or decider's
 * account row, if ever deleted, leaves NULL (SET NULL) and the audit log keeps
 * who it was.
 */
export class OrganizationVerification1764040000000 implements MigrationInterface {
  name = 'OrganizationVerification1764040000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE organization
        ADD COLUMN verified_at timestamptz,
        ADD COLUMN verified_by uuid REFERENCES account (id) ON DELETE SET NULL`);

    await q.query(`
      CREATE TABLE organization_claim (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id  uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
        account_id       uuid REFERENCES account (id) ON DELETE SET NULL,
        kind             text NOT NULL CHECK (kind IN ('owner', 'review')),
        status           text NOT NULL DEFAULT 'pending'
                           CHECK (status IN ('pending', 'verified', 'transferred', 'rejected', 'revoked')),
        note             text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
        filename         text NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
        content_type     text NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
        size_bytes       integer NOT NULL CHECK (size_bytes > 0),
        sha256           text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        content          bytea NOT NULL,
        decided_by       uuid REFERENCES account (id) ON DELETE SET NULL,
        decided_at       timestamptz,
        decision_reason  text CHECK (length(decision_reason) <= 2000),
        created_at       timestamptz NOT NULL DEFAULT now()
      )`);
    // The staff queue: pending requests, oldest first.
    await q.query(
      `CREATE INDEX organization_claim_pending_idx ON organization_claim (created_at, id) WHERE status = 'pending'`,
    );
    // An SME's requests on its staff page, and its owner's latest request.
    await q.query(
      `CREATE INDEX organization_claim_organization_idx ON organization_claim (organization_id, created_at)`,
    );
    // One pending request per person and SME: a new one replaces (deletes) it.
    await q.query(
      `CREATE UNIQUE INDEX organization_claim_one_pending_idx ON organization_claim (organization_id, account_id)
         WHERE status = 'pending'`,
    );

    await q.query(`ALTER TABLE cohort_member ADD COLUMN awaiting_verification_since timestamptz`);
    // Releasing an SME's waiting invitations when it is verified.
    await q.query(
      `CREATE INDEX cohort_member_awaiting_verification_idx ON cohort_member (organization_id)
         WHERE awaiting_verification_since IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX cohort_member_awaiting_verification_idx`);
    await q.query(`ALTER TABLE cohort_member DROP COLUMN awaiting_verification_since`);
    await q.query(`DROP TABLE organization_claim`);
    await q.query(`ALTER TABLE organization DROP COLUMN verified_by, DROP COLUMN verified_at`);
  }
}
