import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Acceptance-test campaigns and the public FAQ (issue 6; ADR 0013).
 *
 * - `acceptance_criterion`: what must work before a service variant is
 *   promoted, written by staff in French and English, in their order. A
 *   criterion is retired, never deleted: its results stay for the history,
 *   and it is no longer asked nor counted by the gate.
 * - `acceptance_result`: one per criterion and tester. The tester is the SME
 *   for the business variant (cohorts are made of SMEs: any of its employees
 *   records, and updates, the SME's result) and the person for the citizen
 *   variant; `recorded_by` says who clicked. The row is updated in place, so
 *   it always holds the tester's latest result. A fail or a blocked result
 *   says why (`note`).
 * - `feedback_item.acceptance_result_id`: the feedback item a failing result
 *   created (a major problem), at most one per result, so failing the same
 *   criterion again updates that item instead of adding another.
 * - `faq_entry`: a question and its answer in both languages, per service
 *   (both variants show it on their start page once published), optionally
 *   promoted from a `question` feedback item (at most one entry per item).
 *
 * ON DELETE choices: results go with their criterion and with the SME or
 * person who recorded them (CASCADE: accounts are closed rather than deleted,
 * ADR 0005); who wrote or changed something is kept as NULL if that account
 * row is ever deleted (SET NULL); a feedback item and a FAQ entry outlive the
 * result or item they came from (SET NULL).
 */
export class AcceptanceAndFaq1763990000000 implements MigrationInterface {
  name = 'AcceptanceAndFaq1763990000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE acceptance_criterion (
        id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        service_slug    text NOT NULL CHECK (length(service_slug) BETWEEN 1 AND 80),
        variant         text NOT NULL CHECK (variant IN ('business', 'citizen')),
        position        integer NOT NULL CHECK (position BETWEEN 1 AND 999),
        title_fr        text NOT NULL CHECK (length(title_fr) BETWEEN 1 AND 200),
        title_en        text NOT NULL CHECK (length(title_en) BETWEEN 1 AND 200),
        description_fr  text NOT NULL DEFAULT '' CHECK (length(description_fr) <= 2000),
        description_en  text NOT NULL DEFAULT '' CHECK (length(description_en) <= 2000),
        created_by      uuid REFERENCES account (id) ON DELETE SET NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_by      uuid REFERENCES account (id) ON DELETE SET NULL,
        updated_at      timestamptz NOT NULL DEFAULT now(),
        retired_by      uuid REFERENCES account (id) ON DELETE SET NULL,
        retired_at      timestamptz
      )`);
    // A variant's criteria in their order: the staff page, the checklist, the gate.
    await q.query(
      `CREATE INDEX acceptance_criterion_variant_idx
         ON acceptance_criterion (service_slug, variant, position, created_at)`,
    );

    await q.query(`
      CREATE TABLE acceptance_result (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        criterion_id     uuid NOT NULL REFERENCES acceptance_criterion (id) ON DELETE CASCADE,
        organization_id  uuid REFERENCES organization (id) ON DELETE CASCADE,
        account_id       uuid REFERENCES account (id) ON DELETE CASCADE,
        recorded_by      uuid REFERENCES account (id) ON DELETE SET NULL,
        outcome          text NOT NULL CHECK (outcome IN ('pass', 'fail', 'blocked')),
        note             text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
        stage            text NOT NULL CHECK (stage IN (
                           'closed', 'internal', 'sme-pilot', 'sme-gradual', 'sme-all',
                           'citizen-pilot', 'citizen-gradual', 'general')),
        cohorts          text[] NOT NULL DEFAULT '{}',
        language         text NOT NULL CHECK (language IN ('fr', 'en')),
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now(),
        -- The tester: an SME (business variant) or a person (citizen variant).
        CONSTRAINT acceptance_result_one_tester CHECK (num_nonnulls(organization_id, account_id) = 1),
        -- A fail or a blocked result says why.
        CONSTRAINT acceptance_result_note_explains CHECK (outcome = 'pass' OR note <> '')
      )`);
    // One result per criterion and tester (also the lookups by criterion).
    await q.query(
      `CREATE UNIQUE INDEX acceptance_result_organization_key ON acceptance_result (criterion_id, organization_id)
         WHERE organization_id IS NOT NULL`,
    );
    await q.query(
      `CREATE UNIQUE INDEX acceptance_result_account_key ON acceptance_result (criterion_id, account_id)
         WHERE account_id IS NOT NULL`,
    );
    // The foreign keys' ON DELETE.
    await q.query(
      `CREATE INDEX acceptance_result_organization_idx ON acceptance_result (organization_id)
         WHERE organization_id IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX acceptance_result_account_idx ON acceptance_result (account_id)
         WHERE account_id IS NOT NULL`,
    );

    await q.query(`
      ALTER TABLE feedback_item
        ADD COLUMN acceptance_result_id uuid REFERENCES acceptance_result (id) ON DELETE SET NULL`);
    await q.query(
      `CREATE UNIQUE INDEX feedback_item_acceptance_result_key ON feedback_item (acceptance_result_id)
         WHERE acceptance_result_id IS NOT NULL`,
    );
    // The questions staff may promote to the FAQ, newest first.
    await q.query(
      `CREATE INDEX feedback_item_questions_idx ON feedback_item (created_at DESC, id DESC)
         WHERE kind = 'question'`,
    );

    await q.query(`
      CREATE TABLE faq_entry (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        service_slug  text NOT NULL CHECK (length(service_slug) BETWEEN 1 AND 80),
        position      integer NOT NULL CHECK (position BETWEEN 1 AND 999),
        question_fr   text NOT NULL CHECK (length(question_fr) BETWEEN 1 AND 300),
        question_en   text NOT NULL CHECK (length(question_en) BETWEEN 1 AND 300),
        answer_fr     text NOT NULL CHECK (length(answer_fr) BETWEEN 1 AND 5000),
        answer_en     text NOT NULL CHECK (length(answer_en) BETWEEN 1 AND 5000),
        feedback_id   uuid REFERENCES feedback_item (id) ON DELETE SET NULL,
        -- Shown on the service's start pages while set.
        published_at  timestamptz,
        published_by  uuid REFERENCES account (id) ON DELETE SET NULL,
        created_by    uuid REFERENCES account (id) ON DELETE SET NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_by    uuid REFERENCES account (id) ON DELETE SET NULL,
        updated_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE UNIQUE INDEX faq_entry_feedback_key ON faq_entry (feedback_id) WHERE feedback_id IS NOT NULL`,
    );
    // The staff list, by service and order.
    await q.query(
      `CREATE INDEX faq_entry_service_idx ON faq_entry (service_slug, position, created_at)`,
    );
    // A start page's published entries.
    await q.query(
      `CREATE INDEX faq_entry_published_idx ON faq_entry (service_slug, position, created_at)
         WHERE published_at IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE faq_entry`);
    await q.query(`DROP INDEX feedback_item_questions_idx`);
    await q.query(`DROP INDEX feedback_item_acceptance_result_key`);
    await q.query(`ALTER TABLE feedback_item DROP COLUMN acceptance_result_id`);
    await q.query(`DROP TABLE acceptance_result`);
    await q.query(`DROP TABLE acceptance_criterion`);
  }
}
