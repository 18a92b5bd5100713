import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SMEs (organizations) registered by people, who belongs to each (owner or
 * member), and invitations to join one (single-use tokens, only their SHA-256
 * stored).
 *
 * ON DELETE choices: an organization's memberships and invitations go with it
 * (CASCADE); a person's memberships go with their account row (CASCADE: accounts
 * are normally closed, not deleted, and the audit log keeps the history); who
 * created or accepted an invitation is kept as NULL if that account row is ever
 * deleted (SET NULL), so the invitation's history stays.
 */
export class Organizations1763920000000 implements MigrationInterface {
  name = 'Organizations1763920000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE organization (
        id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        legal_name      text NOT NULL CHECK (length(legal_name) BETWEEN 1 AND 200),
        neq             text NOT NULL CHECK (neq ~ '^[0-9]{10}$'),
        street_address  text NOT NULL CHECK (length(street_address) BETWEEN 1 AND 200),
        city            text NOT NULL CHECK (length(city) BETWEEN 1 AND 100),
        postal_code     text NOT NULL CHECK (postal_code ~ '^[A-Z][0-9][A-Z] [0-9][A-Z][0-9]$'),
        employee_count  integer NOT NULL CHECK (employee_count >= 0),
        naics_code      text NOT NULL CHECK (naics_code ~ '^[0-9]{2}(-[0-9]{2})?$'),
        contact_name    text NOT NULL CHECK (length(contact_name) BETWEEN 1 AND 120),
        contact_email   text NOT NULL CHECK (length(contact_email) BETWEEN 3 AND 254),
        contact_phone   text NOT NULL CHECK (length(contact_phone) BETWEEN 1 AND 40),
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT organization_neq_key UNIQUE (neq)
      )`);

    await q.query(`
      CREATE TABLE organization_membership (
        organization_id  uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
        account_id       uuid NOT NULL REFERENCES account (id) ON DELETE CASCADE,
        role             text NOT NULL CHECK (role IN ('owner', 'member')),
        created_at       timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (organization_id, account_id)
      )`);
    // "My businesses" (and the lead's acting-as choice): memberships of one person.
    // An organization's members use the primary key's leading column.
    await q.query(
      `CREATE INDEX organization_membership_account_idx ON organization_membership (account_id)`,
    );

    await q.query(`
      CREATE TABLE organization_invitation (
        token_hash       text PRIMARY KEY,
        organization_id  uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
        email            text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
        role             text NOT NULL CHECK (role IN ('owner', 'member')),
        expires_at       timestamptz NOT NULL,
        accepted_at      timestamptz,
        accepted_by      uuid REFERENCES account (id) ON DELETE SET NULL,
        created_by       uuid REFERENCES account (id) ON DELETE SET NULL,
        created_at       timestamptz NOT NULL DEFAULT now()
      )`);
    // The SME page's pending invitations, newest first.
    await q.query(
      `CREATE INDEX organization_invitation_organization_idx
         ON organization_invitation (organization_id, created_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE organization_invitation`);
    await q.query(`DROP TABLE organization_membership`);
    await q.query(`DROP TABLE organization`);
  }
}
