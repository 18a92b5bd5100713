import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Staged rollout (docs/architecture.md, "Rollout model"; ADR 0010): cohorts and
 * their members, volunteers for the pilot programme, one rollout plan per
 * service variant (the desired state the reconciler gives Unleash), the cohorts
 * of each plan, the staff checklist, decisions with their gate snapshots,
 * scheduled promotions, drift seen in Unleash, and "notify me when it opens".
 *
 * ON DELETE choices: members, plan cohorts and volunteers go with their cohort
 * or organization (CASCADE); who did something is kept as NULL if that account
 * row is ever deleted (SET NULL), so the history stays. Decisions are never
 * deleted: they reference plans by slug and variant only, like the audit log.
 */
export class Rollout1763950000000 implements MigrationInterface {
  name = 'Rollout1763950000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE cohort (
        id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        slug         text NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 60),
        name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
        description  text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
        audience     text NOT NULL CHECK (audience IN ('business', 'citizen')),
        created_by   uuid REFERENCES account (id) ON DELETE SET NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT cohort_slug_key UNIQUE (slug)
      )`);

    // A member is an SME (business cohorts) or a person (citizen tester cohorts).
    // An invitation by email may not know which yet: it is resolved on acceptance.
    await q.query(`
      CREATE TABLE cohort_member (
        id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        cohort_id          uuid NOT NULL REFERENCES cohort (id) ON DELETE CASCADE,
        organization_id    uuid REFERENCES organization (id) ON DELETE CASCADE,
        account_id         uuid REFERENCES account (id) ON DELETE CASCADE,
        invited_email      text CHECK (length(invited_email) BETWEEN 3 AND 254),
        status             text NOT NULL CHECK (status IN ('invited', 'active', 'withdrawn', 'declined')),
        source             text NOT NULL CHECK (source IN ('invitation', 'volunteer', 'import', 'staff')),
        token_hash         text,
        token_expires_at   timestamptz,
        invited_by         uuid REFERENCES account (id) ON DELETE SET NULL,
        terms_accepted_by  uuid REFERENCES account (id) ON DELETE SET NULL,
        terms_accepted_at  timestamptz,
        joined_at          timestamptz,
        withdrawn_at       timestamptz,
        created_at         timestamptz NOT NULL DEFAULT now(),
        updated_at         timestamptz NOT NULL DEFAULT now(),
        CHECK (organization_id IS NOT NULL OR account_id IS NOT NULL OR invited_email IS NOT NULL),
        CHECK (status <> 'active' OR organization_id IS NOT NULL OR account_id IS NOT NULL)
      )`);
    await q.query(`CREATE UNIQUE INDEX cohort_member_token_idx ON cohort_member (token_hash)`);
    await q.query(
      `CREATE UNIQUE INDEX cohort_member_organization_idx ON cohort_member (cohort_id, organization_id)
         WHERE organization_id IS NOT NULL`,
    );
    await q.query(
      `CREATE UNIQUE INDEX cohort_member_account_idx ON cohort_member (cohort_id, account_id)
         WHERE account_id IS NOT NULL AND organization_id IS NULL`,
    );
    // "Which cohorts is this SME / person in?" (flag context, feedback context, who sees what).
    await q.query(
      `CREATE INDEX cohort_member_of_organization_idx ON cohort_member (organization_id) WHERE status = 'active'`,
    );
    await q.query(
      `CREATE INDEX cohort_member_of_account_idx ON cohort_member (account_id) WHERE status = 'active'`,
    );

    await q.query(`
      CREATE TABLE pilot_volunteer (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id  uuid REFERENCES organization (id) ON DELETE CASCADE,
        account_id       uuid REFERENCES account (id) ON DELETE SET NULL,
        audience         text NOT NULL CHECK (audience IN ('business', 'citizen')),
        message          text NOT NULL DEFAULT '' CHECK (length(message) <= 2000),
        status           text NOT NULL CHECK (status IN ('pending', 'approved', 'declined', 'withdrawn')),
        cohort_id        uuid REFERENCES cohort (id) ON DELETE SET NULL,
        decided_by       uuid REFERENCES account (id) ON DELETE SET NULL,
        decided_at       timestamptz,
        created_at       timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE UNIQUE INDEX pilot_volunteer_pending_organization_idx ON pilot_volunteer (organization_id)
         WHERE status = 'pending' AND organization_id IS NOT NULL`,
    );
    await q.query(
      `CREATE UNIQUE INDEX pilot_volunteer_pending_account_idx ON pilot_volunteer (account_id)
         WHERE status = 'pending' AND organization_id IS NULL`,
    );

    // The desired state of one service variant. \`version\` moves on every change;
    // the reconciler records the version it last applied to Unleash (\`synced_version\`)
    // and what it applied (\`applied\`), which is how drift is told from a change.
    await q.query(`
      CREATE TABLE rollout_plan (
        service_slug        text NOT NULL,
        variant             text NOT NULL CHECK (variant IN ('business', 'citizen')),
        stage               text NOT NULL DEFAULT 'closed' CHECK (stage IN (
                              'closed', 'internal', 'sme-pilot', 'sme-gradual', 'sme-all',
                              'citizen-pilot', 'citizen-gradual', 'general')),
        paused              boolean NOT NULL DEFAULT false,
        gradual_percentage  integer NOT NULL DEFAULT 10 CHECK (gradual_percentage BETWEEN 1 AND 100),
        gate_thresholds     jsonb NOT NULL DEFAULT '{}',
        drift_policy        text NOT NULL DEFAULT 'correct' CHECK (drift_policy IN ('correct', 'adopt')),
        version             bigint NOT NULL DEFAULT 1,
        synced_version      bigint NOT NULL DEFAULT 0,
        synced_at           timestamptz,
        sync_error          text,
        sync_attempts       integer NOT NULL DEFAULT 0,
        applied             jsonb,
        updated_at          timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (service_slug, variant)
      )`);

    await q.query(`
      CREATE TABLE rollout_plan_cohort (
        service_slug  text NOT NULL,
        variant       text NOT NULL,
        cohort_id     uuid NOT NULL REFERENCES cohort (id) ON DELETE CASCADE,
        attached_by   uuid REFERENCES account (id) ON DELETE SET NULL,
        attached_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (service_slug, variant, cohort_id),
        FOREIGN KEY (service_slug, variant) REFERENCES rollout_plan (service_slug, variant) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX rollout_plan_cohort_cohort_idx ON rollout_plan_cohort (cohort_id)`);

    await q.query(`
      CREATE TABLE rollout_checklist_tick (
        service_slug  text NOT NULL,
        variant       text NOT NULL,
        item          text NOT NULL,
        ticked_by     uuid REFERENCES account (id) ON DELETE SET NULL,
        ticked_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (service_slug, variant, item),
        FOREIGN KEY (service_slug, variant) REFERENCES rollout_plan (service_slug, variant) ON DELETE CASCADE
      )`);

    await q.query(`
      CREATE TABLE rollout_decision (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        service_slug  text NOT NULL,
        variant       text NOT NULL,
        kind          text NOT NULL CHECK (kind IN (
                        'promote', 'rollback', 'pause', 'resume', 'percentage', 'cohort-attached',
                        'cohort-detached', 'schedule', 'schedule-cancelled', 'scheduled-promotion',
                        'scheduled-skipped', 'drift-corrected', 'drift-adopted', 'thresholds',
                        'checklist')),
        from_stage    text,
        to_stage      text,
        override      boolean NOT NULL DEFAULT false,
        reason        text CHECK (length(reason) <= 2000),
        details       jsonb NOT NULL DEFAULT '{}',
        gates         jsonb NOT NULL DEFAULT '[]',
        actor_type    text NOT NULL CHECK (actor_type IN ('staff', 'system')),
        actor_id      uuid REFERENCES account (id) ON DELETE SET NULL,
        created_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX rollout_decision_plan_idx ON rollout_decision (service_slug, variant, created_at DESC, id DESC)`,
    );

    await q.query(`
      CREATE TABLE rollout_schedule (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        service_slug  text NOT NULL,
        variant       text NOT NULL,
        from_stage    text NOT NULL,
        to_stage      text NOT NULL,
        run_at        timestamptz NOT NULL,
        reason        text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
        status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'skipped', 'cancelled')),
        outcome       jsonb,
        created_by    uuid REFERENCES account (id) ON DELETE SET NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        ran_at        timestamptz,
        FOREIGN KEY (service_slug, variant) REFERENCES rollout_plan (service_slug, variant) ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX rollout_schedule_due_idx ON rollout_schedule (run_at) WHERE status = 'pending'`,
    );

    await q.query(`
      CREATE TABLE rollout_drift (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        service_slug  text NOT NULL,
        variant       text NOT NULL,
        flag          text NOT NULL,
        expected      jsonb NOT NULL,
        actual        jsonb NOT NULL,
        resolution    text NOT NULL CHECK (resolution IN ('corrected', 'adopted')),
        detected_at   timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX rollout_drift_plan_idx ON rollout_drift (service_slug, variant, detected_at DESC)`,
    );

    await q.query(`
      CREATE TABLE release_subscription (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        service_slug  text NOT NULL,
        account_id    uuid NOT NULL REFERENCES account (id) ON DELETE CASCADE,
        language      text NOT NULL CHECK (language IN ('fr', 'en')),
        created_at    timestamptz NOT NULL DEFAULT now(),
        notified_at   timestamptz,
        CONSTRAINT release_subscription_key UNIQUE (service_slug, account_id)
      )`);
    await q.query(
      `CREATE INDEX release_subscription_waiting_idx ON release_subscription (service_slug) WHERE notified_at IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'release_subscription',
      'rollout_drift',
      'rollout_schedule',
      'rollout_decision',
      'rollout_checklist_tick',
      'rollout_plan_cohort',
      'rollout_plan',
      'pilot_volunteer',
      'cohort_member',
      'cohort',
    ])
      await q.query(`DROP TABLE ${table}`);
  }
}
