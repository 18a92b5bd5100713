import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A candidate revision's own evidence (ADR 0032): its gates count only what
 * was given on it, and the console compares it with the current revision's
 * over the same period.
 *
 * - `feedback_item`, `satisfaction_response` and `acceptance_result` record
 *   the revision they were given on: the application's when they concern
 *   one, else the revision the person got at that moment. Rows of before:
 *   their application's revision, else the variant's current revision, else 1
 *   (every application of before was filed through revision 1).
 * - `step_save`: one row per save of a step of an application form (a press
 *   of "Continue"), refused for validation errors or not, and how many
 *   errors. No answers, no person: only which revision and step, and when.
 *   The web pages save step by step; the API and CSV filing check whole
 *   applications, not steps, and are not counted here.
 */
export class RevisionEvidence1765300000001 implements MigrationInterface {
  name = 'RevisionEvidence1765300000001';

  async up(q: QueryRunner): Promise<void> {
    for (const table of ['feedback_item', 'satisfaction_response', 'acceptance_result'])
      await q.query(`ALTER TABLE ${table} ADD COLUMN service_revision integer`);
    // The application's revision where there is one, else the variant's current, else 1.
    await q.query(`
      UPDATE feedback_item
         SET service_revision = COALESCE(
               (SELECT application.service_revision FROM application
                 WHERE application.id = feedback_item.application_id),
               (SELECT CASE feedback_item.variant WHEN 'business' THEN service.business_revision
                                                  ELSE service.citizen_revision END
                  FROM service WHERE service.slug = feedback_item.service_slug),
               1)`);
    await q.query(`
      UPDATE satisfaction_response
         SET service_revision = COALESCE(
               (SELECT application.service_revision FROM application
                 WHERE application.id = satisfaction_response.application_id),
               1)`);
    await q.query(`
      UPDATE acceptance_result
         SET service_revision = COALESCE(
               (SELECT CASE acceptance_criterion.variant WHEN 'business' THEN service.business_revision
                                                         ELSE service.citizen_revision END
                  FROM acceptance_criterion
                  JOIN service ON service.slug = acceptance_criterion.service_slug
                 WHERE acceptance_criterion.id = acceptance_result.criterion_id),
               1)`);
    for (const table of ['feedback_item', 'satisfaction_response', 'acceptance_result'])
      await q.query(`
        ALTER TABLE ${table}
          ALTER COLUMN service_revision SET NOT NULL,
          ADD CONSTRAINT ${table}_service_revision_check CHECK (service_revision >= 1)`);
    // A revision's evidence over a period (the gates, the comparison).
    await q.query(
      `CREATE INDEX feedback_item_revision_idx
         ON feedback_item (service_slug, variant, service_revision, created_at)`,
    );
    await q.query(
      `CREATE INDEX satisfaction_response_revision_idx
         ON satisfaction_response (service_slug, variant, service_revision, created_at)`,
    );
    await q.query(
      `CREATE INDEX application_revision_idx
         ON application (service_slug, variant, service_revision, created_at)`,
    );

    await q.query(`
      CREATE TABLE step_save (
        id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        service_slug      text NOT NULL,
        variant           text NOT NULL CHECK (variant IN ('business', 'citizen')),
        service_revision  integer NOT NULL,
        step              text NOT NULL CHECK (length(step) BETWEEN 1 AND 80),
        refused           boolean NOT NULL,
        errors            integer NOT NULL DEFAULT 0 CHECK (errors >= 0),
        saved_at          timestamptz NOT NULL DEFAULT now(),
        -- Refused exactly when the step had errors.
        CONSTRAINT step_save_refused_for_errors CHECK (refused = (errors > 0)),
        -- A revision is withdrawn, never deleted, once applications use it.
        FOREIGN KEY (service_slug, service_revision)
          REFERENCES service_revision (service_slug, number) ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX step_save_revision_idx
         ON step_save (service_slug, variant, service_revision, saved_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE step_save`);
    await q.query(`DROP INDEX application_revision_idx`);
    await q.query(`DROP INDEX satisfaction_response_revision_idx`);
    await q.query(`DROP INDEX feedback_item_revision_idx`);
    for (const table of ['feedback_item', 'satisfaction_response', 'acceptance_result'])
      await q.query(`ALTER TABLE ${table} DROP COLUMN service_revision`);
  }
}
