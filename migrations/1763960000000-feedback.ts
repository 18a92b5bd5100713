import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Structured feedback (issue 6): an item of feedback with the context it was
 * sent from (service, variant, stage, page, audience, SME, cohorts, language,
 * browser, viewport, application), its attachments, the replies its author
 * will read, and the one-page satisfaction survey after a submission.
 *
 * The context is copied at the time of sending, not joined later: a variant's
 * stage and an SME's cohorts change, and a piece of feedback must keep saying
 * where it came from. `status` and `channel` carry the values staff triage and
 * phone, counter or email entries will use; nothing here needs them yet.
 *
 * ON DELETE choices: feedback outlives the people, SMEs and applications it
 * mentions (SET NULL: accounts are closed rather than deleted, ADR 0005, but a
 * retention job may delete an application one day); attachments and replies
 * go with their item (CASCADE); a survey response goes with its application.
 */
export class Feedback1763960000000 implements MigrationInterface {
  name = 'Feedback1763960000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE feedback_item (
        id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        number              bigint GENERATED ALWAYS AS IDENTITY,
        reference           text GENERATED ALWAYS AS (
                              'FB-' || CASE WHEN number < 1000000 THEN lpad(number::text, 6, '0')
                                            ELSE number::text END) STORED,
        channel             text NOT NULL DEFAULT 'web'
                              CHECK (channel IN ('web', 'phone', 'counter', 'email')),
        service_slug        text NOT NULL CHECK (length(service_slug) BETWEEN 1 AND 80),
        variant             text NOT NULL CHECK (variant IN ('business', 'citizen')),
        stage               text NOT NULL CHECK (stage IN (
                              'closed', 'internal', 'sme-pilot', 'sme-gradual', 'sme-all',
                              'citizen-pilot', 'citizen-gradual', 'general')),
        page                text CHECK (length(page) BETWEEN 1 AND 500),
        audience            text NOT NULL CHECK (audience IN ('business', 'citizen')),
        organization_id     uuid REFERENCES organization (id) ON DELETE SET NULL,
        account_id          uuid REFERENCES account (id) ON DELETE SET NULL,
        -- Who typed it in for the person (phone, counter, email), once staff can.
        recorded_by         uuid REFERENCES account (id) ON DELETE SET NULL,
        cohorts             text[] NOT NULL DEFAULT '{}',
        language            text NOT NULL CHECK (language IN ('fr', 'en')),
        user_agent          text CHECK (length(user_agent) <= 512),
        viewport            text CHECK (viewport ~ '^[0-9]{1,5}x[0-9]{1,5}$'),
        application_id      uuid REFERENCES application (id) ON DELETE SET NULL,
        kind                text NOT NULL CHECK (kind IN (
                              'problem', 'hard-to-use', 'unclear-wording', 'missing-feature',
                              'question', 'praise')),
        severity            text CHECK (severity IN ('blocker', 'major', 'minor', 'cosmetic')),
        tried               text NOT NULL DEFAULT '' CHECK (length(tried) <= 2000),
        happened            text NOT NULL CHECK (length(happened) BETWEEN 1 AND 2000),
        expected            text NOT NULL DEFAULT '' CHECK (length(expected) <= 2000),
        consent_to_contact  boolean NOT NULL DEFAULT false,
        status              text NOT NULL DEFAULT 'new' CHECK (status IN (
                              'new', 'acknowledged', 'planned', 'fixed', 'wont-fix', 'duplicate')),
        duplicate_of        uuid REFERENCES feedback_item (id) ON DELETE SET NULL,
        status_changed_at   timestamptz NOT NULL DEFAULT now(),
        created_at          timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT feedback_item_number_key UNIQUE (number),
        CONSTRAINT feedback_item_reference_key UNIQUE (reference),
        -- A severity says how bad a problem is: problems have one, nothing else does.
        CONSTRAINT feedback_item_severity_for_problems
          CHECK ((kind = 'problem') = (severity IS NOT NULL)),
        CONSTRAINT feedback_item_duplicate_of_duplicates
          CHECK (duplicate_of IS NULL OR status = 'duplicate')
      )`);
    // "My feedback": a person's items, newest first.
    await q.query(
      `CREATE INDEX feedback_item_account_idx ON feedback_item (account_id, created_at DESC, id DESC)
         WHERE account_id IS NOT NULL`,
    );
    // The feedback about an application (and the foreign key's ON DELETE).
    await q.query(
      `CREATE INDEX feedback_item_application_idx ON feedback_item (application_id)
         WHERE application_id IS NOT NULL`,
    );

    await q.query(`
      CREATE TABLE feedback_attachment (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        feedback_id   uuid NOT NULL REFERENCES feedback_item (id) ON DELETE CASCADE,
        filename      text NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
        content_type  text NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
        size_bytes    integer NOT NULL CHECK (size_bytes BETWEEN 1 AND 10485760),
        sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        content       bytea NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        CHECK (octet_length(content) = size_bytes)
      )`);
    await q.query(
      `CREATE INDEX feedback_attachment_feedback_idx ON feedback_attachment (feedback_id)`,
    );

    // What the city answers the author (written by staff triage, later).
    await q.query(`
      CREATE TABLE feedback_reply (
        id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        feedback_id  uuid NOT NULL REFERENCES feedback_item (id) ON DELETE CASCADE,
        author_id    uuid REFERENCES account (id) ON DELETE SET NULL,
        author_role  text NOT NULL CHECK (author_role IN ('staff', 'person')),
        body         text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
        created_at   timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX feedback_reply_feedback_idx ON feedback_reply (feedback_id, created_at, id)`,
    );

    // The survey after a submission: every answer optional, at least one given,
    // one response per application. The same 1–5 scales as GOV.UK and « Je donne
    // mon avis », so the results compare.
    await q.query(`
      CREATE TABLE satisfaction_response (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        application_id   uuid NOT NULL REFERENCES application (id) ON DELETE CASCADE,
        service_slug     text NOT NULL CHECK (length(service_slug) BETWEEN 1 AND 80),
        variant          text NOT NULL CHECK (variant IN ('business', 'citizen')),
        stage            text NOT NULL CHECK (stage IN (
                           'closed', 'internal', 'sme-pilot', 'sme-gradual', 'sme-all',
                           'citizen-pilot', 'citizen-gradual', 'general')),
        audience         text NOT NULL CHECK (audience IN ('business', 'citizen')),
        organization_id  uuid REFERENCES organization (id) ON DELETE SET NULL,
        account_id       uuid REFERENCES account (id) ON DELETE SET NULL,
        cohorts          text[] NOT NULL DEFAULT '{}',
        language         text NOT NULL CHECK (language IN ('fr', 'en')),
        overall          smallint CHECK (overall BETWEEN 1 AND 5),
        ease             smallint CHECK (ease BETWEEN 1 AND 5),
        clarity          smallint CHECK (clarity BETWEEN 1 AND 5),
        time_compared    text CHECK (time_compared IN ('faster', 'same', 'slower', 'dont-know')),
        help             text CHECK (help IN ('not-needed', 'needed-and-got', 'needed-not-got')),
        comment          text NOT NULL DEFAULT '' CHECK (length(comment) <= 1200),
        created_at       timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT satisfaction_response_application_key UNIQUE (application_id),
        CONSTRAINT satisfaction_response_answered
          CHECK (num_nonnulls(overall, ease, clarity, time_compared, help) > 0 OR comment <> '')
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE satisfaction_response`);
    await q.query(`DROP TABLE feedback_reply`);
    await q.query(`DROP TABLE feedback_attachment`);
    await q.query(`DROP TABLE feedback_item`);
  }
}
