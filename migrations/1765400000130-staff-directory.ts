import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Staff who sign in with the city's directory (OpenID Connect, issue 18, ADR
 * 0045): which directory identity (issuer and subject, the `sub` claim: stable,
 * unlike an address) is which account. Linked at the first sign-in; kept when
 * an admin removes the person from staff, so that the directory alone cannot
 * bring them back. Deleting the account deletes the link.
 */
export class StaffDirectory1765400000130 implements MigrationInterface {
  name = 'StaffDirectory1765400000130';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE staff_directory_identity (
        issuer           text NOT NULL CHECK (length(issuer) BETWEEN 1 AND 2000),
        subject          text NOT NULL CHECK (length(subject) BETWEEN 1 AND 255),
        account_id       uuid NOT NULL REFERENCES account (id) ON DELETE CASCADE,
        linked_at        timestamptz NOT NULL DEFAULT now(),
        last_sign_in_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (issuer, subject)
      )`);
    await q.query(
      `CREATE INDEX staff_directory_identity_account_idx ON staff_directory_identity (account_id)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE staff_directory_identity`);
  }
}
