import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Applications to the online services, from draft to decision: the answers
 * (jsonb, keyed by the service definition's field names), each lifecycle
 * transition (who, when, why), attachments, the message thread with clerks,
 * yearly reference counters per service, and SMEs' API keys.
 *
 * ON DELETE choices: an application never disappears with a person or an SME
 * (RESTRICT: accounts are closed, not deleted, see ADR 0005); its transitions,
 * messages and attachments go with it (CASCADE), which only a retention job
 * would ever do. An API key goes with its SME (CASCADE).
 */
export class Applications1763930000000 implements MigrationInterface {
  name = 'Applications1763930000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE application (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        reference        text UNIQUE CHECK (reference ~ '^[A-Z]{2,4}-[0-9]{4}-[0-9]{6,}$'),
        service_slug     text NOT NULL CHECK (length(service_slug) BETWEEN 1 AND 80),
        variant          text NOT NULL CHECK (variant IN ('citizen', 'business')),
        account_id       uuid NOT NULL REFERENCES account (id) ON DELETE RESTRICT,
        organization_id  uuid REFERENCES organization (id) ON DELETE RESTRICT,
        status           text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted',
                           'in_review', 'information_requested', 'resubmitted', 'approved',
                           'rejected', 'withdrawn')),
        answers          jsonb NOT NULL DEFAULT '{}'::jsonb,
        channel          text NOT NULL DEFAULT 'web' CHECK (channel IN ('web', 'api', 'csv')),
        idempotency_key  text CHECK (length(idempotency_key) BETWEEN 1 AND 200),
        assigned_to      uuid REFERENCES account (id) ON DELETE SET NULL,
        decision_note    text CHECK (length(decision_note) <= 5000),
        version          integer NOT NULL DEFAULT 1,
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now(),
        submitted_at     timestamptz,
        decided_at       timestamptz,
        CONSTRAINT application_organization_for_business
          CHECK ((variant = 'business') = (organization_id IS NOT NULL)),
        CONSTRAINT application_submitted_has_reference
          CHECK (status = 'draft' OR (reference IS NOT NULL AND submitted_at IS NOT NULL))
      )`);
    // "My applications": a person's own, or an SME's (shared by its members).
    await q.query(`
      CREATE INDEX application_account_idx ON application (account_id, updated_at DESC)
        WHERE organization_id IS NULL`);
    await q.query(`
      CREATE INDEX application_organization_idx ON application (organization_id, updated_at DESC)
        WHERE organization_id IS NOT NULL`);
    // A retried creation (API Idempotency-Key) finds the application it made.
    await q.query(`
      CREATE UNIQUE INDEX application_idempotency_key ON application
        (COALESCE(organization_id, account_id), idempotency_key)
        WHERE idempotency_key IS NOT NULL`);
    // The staff queue: newest first, optionally by status, service or clerk (drafts never show).
    await q.query(`
      CREATE INDEX application_queue_idx ON application (submitted_at DESC, id DESC)
        WHERE status <> 'draft'`);
    await q.query(`
      CREATE INDEX application_queue_status_idx ON application (status, submitted_at DESC, id DESC)
        WHERE status <> 'draft'`);
    await q.query(`
      CREATE INDEX application_queue_service_idx
        ON application (service_slug, variant, submitted_at DESC, id DESC)
        WHERE status <> 'draft'`);
    await q.query(`
      CREATE INDEX application_queue_assignee_idx
        ON application (assigned_to, submitted_at DESC, id DESC)
        WHERE status <> 'draft' AND assigned_to IS NOT NULL`);

    await q.query(`
      CREATE TABLE application_transition (
        id              bigserial PRIMARY KEY,
        application_id  uuid NOT NULL REFERENCES application (id) ON DELETE CASCADE,
        from_status     text NOT NULL,
        to_status       text NOT NULL,
        actor_id        uuid REFERENCES account (id) ON DELETE SET NULL,
        actor_role      text NOT NULL CHECK (actor_role IN ('applicant', 'staff')),
        reason          text CHECK (length(reason) <= 5000),
        at              timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX application_transition_application_idx ON application_transition (application_id, id)`,
    );

    await q.query(`
      CREATE TABLE application_message (
        id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        application_id  uuid NOT NULL REFERENCES application (id) ON DELETE CASCADE,
        author_id       uuid REFERENCES account (id) ON DELETE SET NULL,
        author_role     text NOT NULL CHECK (author_role IN ('applicant', 'staff')),
        body            text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
        created_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX application_message_application_idx ON application_message (application_id, created_at)`,
    );

    await q.query(`
      CREATE TABLE application_attachment (
        id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        application_id  uuid NOT NULL REFERENCES application (id) ON DELETE CASCADE,
        field           text NOT NULL,
        filename        text NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
        content_type    text NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
        size_bytes      integer NOT NULL CHECK (size_bytes BETWEEN 1 AND 10485760),
        sha256          text NOT NULL,
        content         bytea,
        storage_key     text,
        uploaded_by     uuid REFERENCES account (id) ON DELETE SET NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT application_attachment_stored CHECK ((content IS NULL) <> (storage_key IS NULL))
      )`);
    await q.query(
      `CREATE INDEX application_attachment_application_idx ON application_attachment (application_id)`,
    );

    await q.query(`
      CREATE TABLE reference_counter (
        prefix      text NOT NULL,
        year        integer NOT NULL,
        last_value  integer NOT NULL,
        PRIMARY KEY (prefix, year)
      )`);

    await q.query(`
      CREATE TABLE api_key (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id  uuid NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
        name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        token_prefix     text NOT NULL,
        token_hash       text NOT NULL UNIQUE,
        scopes           text[] NOT NULL,
        created_by       uuid REFERENCES account (id) ON DELETE SET NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        last_used_at     timestamptz,
        revoked_at       timestamptz,
        revoked_by       uuid REFERENCES account (id) ON DELETE SET NULL
      )`);
    await q.query(`CREATE INDEX api_key_organization_idx ON api_key (organization_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE api_key`);
    await q.query(`DROP TABLE reference_counter`);
    await q.query(`DROP TABLE application_attachment`);
    await q.query(`DROP TABLE application_message`);
    await q.query(`DROP TABLE application_transition`);
    await q.query(`DROP TABLE application`);
  }
}
