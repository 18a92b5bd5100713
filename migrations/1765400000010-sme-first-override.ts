import { MigrationInterface, QueryRunner } from 'typeorm';

const KINDS = `'promote', 'rollback', 'pause', 'resume', 'percentage', 'cohort-attached',
        'cohort-detached', 'schedule', 'schedule-cancelled', 'scheduled-promotion',
        'scheduled-skipped', 'drift-corrected', 'drift-adopted', 'thresholds', 'checklist',
        'revision-started', 'revision-promoted', 'revision-rolled-back', 'revision-current',
        'revision-percentage'`;

/**
 * SME-first is an invariant of the plans (ADR 0034). A citizen plan that
 * reaches past `internal` while its business twin is not at `sme-all`, or is
 * paused, needs a written override: `sme_first_override` keeps the pair of
 * plans staff accepted and the decision that records the reason; the
 * reconciler writes no citizen flag that breaks SME-first further than that.
 * The plans that break it today got there through overridden promotions
 * (before this migration no other path checked it): they keep their state,
 * the latest overridden citizen decision standing as their override.
 * `sme-first-held` records the reconciler holding a citizen flag at `internal`.
 */
export class SmeFirstOverride1765400000010 implements MigrationInterface {
  name = 'SmeFirstOverride1765400000010';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE rollout_plan ADD COLUMN sme_first_override jsonb
        CHECK (sme_first_override IS NULL OR variant = 'citizen')`);
    await q.query(`
      UPDATE rollout_plan AS citizen
         SET sme_first_override = jsonb_build_object(
               'decision', (SELECT rollout_decision.id FROM rollout_decision
                             WHERE rollout_decision.service_slug = citizen.service_slug
                               AND rollout_decision.variant = 'citizen' AND rollout_decision.override
                             ORDER BY rollout_decision.created_at DESC LIMIT 1),
               'business', jsonb_build_object('stage', business.stage, 'paused', business.paused),
               'citizen', jsonb_build_object('stage', citizen.stage, 'paused', citizen.paused))
        FROM rollout_plan AS business
       WHERE business.service_slug = citizen.service_slug
         AND business.variant = 'business' AND citizen.variant = 'citizen'
         AND NOT citizen.paused AND citizen.stage IN ('citizen-pilot', 'citizen-gradual', 'general')
         AND (business.stage <> 'sme-all' OR business.paused)`);
    await q.query(`ALTER TABLE rollout_decision DROP CONSTRAINT rollout_decision_kind_check`);
    await q.query(`
      ALTER TABLE rollout_decision ADD CONSTRAINT rollout_decision_kind_check CHECK (kind IN (
        ${KINDS}, 'sme-first-held'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM rollout_decision WHERE kind = 'sme-first-held'`);
    await q.query(`ALTER TABLE rollout_decision DROP CONSTRAINT rollout_decision_kind_check`);
    await q.query(`
      ALTER TABLE rollout_decision ADD CONSTRAINT rollout_decision_kind_check CHECK (kind IN (
        ${KINDS}))`);
    await q.query(`ALTER TABLE rollout_plan DROP COLUMN sme_first_override`);
  }
}
