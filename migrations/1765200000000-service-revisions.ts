import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Services and their revisions live in PostgreSQL (ADR 0031): the studio
 * writes them, the catalogue serves them. A revision's `document` is the
 * service definition of the guichet-service format (ADR 0029); a draft is
 * edited in place under optimistic concurrency (`version`), a ready or
 * withdrawn one never changes again. Each variant serves one revision to new
 * applications (`citizen_revision`, `business_revision`: none until the first
 * revision is ready), and every application records the revision it was
 * started on: it is read through that revision for ever.
 *
 * The repo's services/*.json become revision 1 of each service at the first
 * boot (CatalogueService), not here: a migration does not read the repo. So
 * `application.service_revision` cannot reference service_revision yet; the
 * applications of before were all filed through revision 1.
 */
export class ServiceRevisions1765200000000 implements MigrationInterface {
  name = 'ServiceRevisions1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE service (
        slug               text PRIMARY KEY CHECK (slug ~ '^[a-z][a-z0-9]*(-[a-z0-9]+)*$' AND length(slug) <= 80),
        reference_prefix   text NOT NULL UNIQUE CHECK (reference_prefix ~ '^[A-Z]{2,4}$'),
        position           integer NOT NULL,
        citizen_revision   integer,
        business_revision  integer,
        created_at         timestamptz NOT NULL DEFAULT now(),
        created_by         uuid REFERENCES account (id) ON DELETE SET NULL,
        changed_at         timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE service_revision (
        service_slug  text NOT NULL REFERENCES service (slug) ON DELETE RESTRICT,
        number        integer NOT NULL CHECK (number >= 1),
        state         text NOT NULL CHECK (state IN ('draft', 'ready', 'withdrawn')),
        document      jsonb NOT NULL,
        version       integer NOT NULL DEFAULT 1,
        based_on      integer,
        created_at    timestamptz NOT NULL DEFAULT now(),
        created_by    uuid REFERENCES account (id) ON DELETE SET NULL,
        updated_at    timestamptz NOT NULL DEFAULT now(),
        updated_by    uuid REFERENCES account (id) ON DELETE SET NULL,
        ready_at      timestamptz,
        ready_by      uuid REFERENCES account (id) ON DELETE SET NULL,
        withdrawn_at  timestamptz,
        withdrawn_by  uuid REFERENCES account (id) ON DELETE SET NULL,
        PRIMARY KEY (service_slug, number),
        CONSTRAINT service_revision_ready_stamped CHECK ((state = 'draft') = (ready_at IS NULL))
      )`);
    await q.query(
      `CREATE UNIQUE INDEX service_revision_one_draft ON service_revision (service_slug) WHERE state = 'draft'`,
    );
    await q.query(`
      ALTER TABLE service
        ADD CONSTRAINT service_citizen_revision FOREIGN KEY (slug, citizen_revision)
          REFERENCES service_revision (service_slug, number) DEFERRABLE INITIALLY DEFERRED,
        ADD CONSTRAINT service_business_revision FOREIGN KEY (slug, business_revision)
          REFERENCES service_revision (service_slug, number) DEFERRABLE INITIALLY DEFERRED`);
    await q.query(`
      ALTER TABLE application
        ADD COLUMN service_revision integer NOT NULL DEFAULT 1 CHECK (service_revision >= 1),
        ADD COLUMN revision_notice jsonb`);
    await q.query(`ALTER TABLE application ALTER COLUMN service_revision DROP DEFAULT`);
    await q.query(
      `CREATE INDEX application_draft_revision_idx ON application (service_slug, service_revision) WHERE status = 'draft'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX application_draft_revision_idx`);
    await q.query(
      `ALTER TABLE application DROP COLUMN service_revision, DROP COLUMN revision_notice`,
    );
    await q.query(`DROP TABLE service_revision, service CASCADE`);
  }
}
