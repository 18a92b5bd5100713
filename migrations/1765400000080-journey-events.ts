import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The steps of every journey through an application form, for the insights
 * (issue 16, ADR 0041): `journey_event` takes over `step_save` (a save of a
 * step, refused for errors or not) and widens it to the whole journey: draft
 * started, step shown, step completed, validation failed (with the number of
 * errors of each field, never a value), check answers shown, submitted,
 * withdrawn; with the service, variant, revision, channel, the variant's stage
 * and the pilot cohort the filer belongs to, and the seconds spent on a step.
 * Nothing names or links a person: no application, account, SME or address,
 * and no two events of one journey can be told to belong together.
 *
 * The saves already recorded become `step_completed` and `validation_failed`
 * rows (without field detail); `down` keeps only those.
 */
export class JourneyEvents1765400000080 implements MigrationInterface {
  name = 'JourneyEvents1765400000080';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE step_save RENAME TO journey_event`);
    await q.query(`ALTER TABLE journey_event RENAME COLUMN saved_at TO occurred_at`);
    await q.query(`ALTER TABLE journey_event ADD COLUMN kind text`);
    await q.query(
      `UPDATE journey_event SET kind = CASE WHEN refused THEN 'validation_failed' ELSE 'step_completed' END`,
    );
    await q.query(`
      ALTER TABLE journey_event
        DROP CONSTRAINT step_save_refused_for_errors,
        DROP COLUMN refused,
        ALTER COLUMN kind SET NOT NULL,
        ALTER COLUMN step DROP NOT NULL,
        ADD COLUMN channel text NOT NULL DEFAULT 'web' CHECK (channel IN ('web', 'api', 'csv')),
        ADD COLUMN stage text CHECK (length(stage) BETWEEN 1 AND 40),
        ADD COLUMN cohort text CHECK (length(cohort) BETWEEN 1 AND 80),
        ADD COLUMN seconds integer CHECK (seconds >= 0),
        ADD COLUMN field_errors jsonb CHECK (jsonb_typeof(field_errors) = 'object'),
        ADD CONSTRAINT journey_event_kind CHECK (kind IN (
          'draft_started', 'step_shown', 'step_completed', 'validation_failed',
          'check_answers_shown', 'submitted', 'withdrawn')),
        -- A step's events name it (a whole filing refused through the API or a
        -- CSV file names none); errors only where something was refused.
        ADD CONSTRAINT journey_event_step CHECK (CASE kind
          WHEN 'validation_failed' THEN true
          WHEN 'step_shown' THEN step IS NOT NULL
          WHEN 'step_completed' THEN step IS NOT NULL
          ELSE step IS NULL END),
        ADD CONSTRAINT journey_event_errors CHECK ((kind = 'validation_failed') = (errors > 0))`);
    await q.query(`ALTER TABLE journey_event ALTER COLUMN channel DROP DEFAULT`);
    await q.query(`ALTER INDEX step_save_revision_idx RENAME TO journey_event_revision_idx`);
    await q.query(`ALTER INDEX step_save_pkey RENAME TO journey_event_pkey`);
    // The insights read a variant's events over a period.
    await q.query(
      `CREATE INDEX journey_event_period_idx ON journey_event (service_slug, variant, occurred_at)`,
    );
    // While an upgrade rolls out, instances of the previous release still
    // write and read step saves: a view of them, which writes into
    // journey_event. The next release drops it.
    await q.query(`
      CREATE VIEW step_save AS
        SELECT id, service_slug, variant, service_revision, step,
               kind = 'validation_failed' AS refused, errors, occurred_at AS saved_at
          FROM journey_event WHERE kind IN ('step_completed', 'validation_failed')`);
    await q.query(`
      CREATE FUNCTION step_save_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO journey_event (kind, service_slug, variant, service_revision, channel, step, errors)
        VALUES (CASE WHEN NEW.refused THEN 'validation_failed' ELSE 'step_completed' END,
                NEW.service_slug, NEW.variant, NEW.service_revision, 'web', NEW.step, NEW.errors);
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER step_save_insert INSTEAD OF INSERT ON step_save
                     FOR EACH ROW EXECUTE FUNCTION step_save_insert()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP VIEW step_save`);
    await q.query(`DROP FUNCTION step_save_insert()`);
    await q.query(`DROP INDEX journey_event_period_idx`);
    await q.query(
      `DELETE FROM journey_event WHERE kind NOT IN ('step_completed', 'validation_failed')`,
    );
    await q.query(`
      ALTER TABLE journey_event
        DROP CONSTRAINT journey_event_kind,
        DROP CONSTRAINT journey_event_step,
        DROP CONSTRAINT journey_event_errors,
        DROP COLUMN channel, DROP COLUMN stage, DROP COLUMN cohort,
        DROP COLUMN seconds, DROP COLUMN field_errors,
        ADD COLUMN refused boolean`);
    await q.query(`UPDATE journey_event SET refused = (kind = 'validation_failed')`);
    await q.query(`
      ALTER TABLE journey_event
        DROP COLUMN kind,
        ALTER COLUMN refused SET NOT NULL,
        ALTER COLUMN step SET NOT NULL,
        ADD CONSTRAINT step_save_refused_for_errors CHECK (refused = (errors > 0))`);
    await q.query(`ALTER TABLE journey_event RENAME COLUMN occurred_at TO saved_at`);
    await q.query(`ALTER INDEX journey_event_revision_idx RENAME TO step_save_revision_idx`);
    await q.query(`ALTER INDEX journey_event_pkey RENAME TO step_save_pkey`);
    await q.query(`ALTER TABLE journey_event RENAME TO step_save`);
  }
}
