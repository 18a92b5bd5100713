import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every revision is released SME-first (ADR 0032): a service has at most one
 * candidate revision in rollout, which moves along the revision track (the
 * business variant's pilot, gradual, all; then the citizen variant's) before
 * it becomes current. `business_stage` is where the SMEs are: it stays behind
 * `stage` only when a rollout manager released to citizens first, with a
 * reason (an override of SME-first). Unleash decides who gets which revision:
 * the plans' versions move on so the reconciler gives every flag its
 * revisions' strategy variants.
 */
export class RevisionRollout1765300000000 implements MigrationInterface {
  name = 'RevisionRollout1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE revision_rollout (
        service_slug         text PRIMARY KEY REFERENCES service (slug) ON DELETE RESTRICT,
        revision             integer NOT NULL,
        stage                text NOT NULL CHECK (stage IN (
                               'sme-pilot', 'sme-gradual', 'sme-all',
                               'citizen-pilot', 'citizen-gradual', 'general')),
        business_stage       text NOT NULL CHECK (business_stage IN ('sme-pilot', 'sme-gradual', 'sme-all')),
        business_percentage  integer NOT NULL DEFAULT 10 CHECK (business_percentage BETWEEN 1 AND 100),
        citizen_percentage   integer NOT NULL DEFAULT 10 CHECK (citizen_percentage BETWEEN 1 AND 100),
        started_at           timestamptz NOT NULL DEFAULT now(),
        started_by           uuid REFERENCES account (id) ON DELETE SET NULL,
        changed_at           timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (service_slug, revision) REFERENCES service_revision (service_slug, number)
      )`);
    await q.query(`ALTER TABLE rollout_decision ADD COLUMN revision integer`);
    await q.query(`ALTER TABLE rollout_decision DROP CONSTRAINT rollout_decision_kind_check`);
    await q.query(`
      ALTER TABLE rollout_decision ADD CONSTRAINT rollout_decision_kind_check CHECK (kind IN (
        'promote', 'rollback', 'pause', 'resume', 'percentage', 'cohort-attached',
        'cohort-detached', 'schedule', 'schedule-cancelled', 'scheduled-promotion',
        'scheduled-skipped', 'drift-corrected', 'drift-adopted', 'thresholds', 'checklist',
        'revision-started', 'revision-promoted', 'revision-rolled-back', 'revision-current',
        'revision-percentage'))`);
    await q.query(
      `CREATE INDEX rollout_decision_revision_idx ON rollout_decision (service_slug, revision, created_at DESC) WHERE revision IS NOT NULL`,
    );
    // Every flag now names the revision it serves: apply the new shape, not as drift.
    await q.query(`UPDATE rollout_plan SET version = version + 1`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX rollout_decision_revision_idx`);
    await q.query(`DELETE FROM rollout_decision WHERE kind LIKE 'revision-%'`);
    await q.query(`ALTER TABLE rollout_decision DROP CONSTRAINT rollout_decision_kind_check`);
    await q.query(`
      ALTER TABLE rollout_decision ADD CONSTRAINT rollout_decision_kind_check CHECK (kind IN (
        'promote', 'rollback', 'pause', 'resume', 'percentage', 'cohort-attached',
        'cohort-detached', 'schedule', 'schedule-cancelled', 'scheduled-promotion',
        'scheduled-skipped', 'drift-corrected', 'drift-adopted', 'thresholds', 'checklist'))`);
    await q.query(`ALTER TABLE rollout_decision DROP COLUMN revision`);
    await q.query(`DROP TABLE revision_rollout`);
  }
}
