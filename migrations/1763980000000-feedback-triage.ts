import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Acting on feedback (issue 6, the staff's side): the inbox, triage, replies,
 * feedback recorded by staff for someone (phone, counter, email), super-users.
 *
 * - `feedback_item` gains who is handling it (`assigned_to`), its tags
 *   (short kebab-case words, at most 20, checked by `feedback_tags_valid`),
 *   when the City first answered (`first_response_at`, set once by the first
 *   reply) and, for feedback staff typed in for someone without an account,
 *   the name and contact they gave (`contact_name`, `contact_detail`).
 * - `feedback_note`: internal notes, never shown to the person.
 * - `feedback_change`: the item's history of status, assignee and tag changes,
 *   shown on its staff page (the audit log keeps the same facts for auditors).
 * - `feedback_reply.emailed`: whether a reply was also emailed (only with the
 *   person's consent); every reply shows on their "My feedback" page.
 * - Indexes for each inbox filter, all ending with the inbox's order
 *   (created_at DESC, id DESC) so a filter reads a page by keyset without
 *   sorting; GIN indexes for the cohort and tag filters (array containment)
 *   and for the super-users' counts of survey answers per cohort.
 *
 * ON DELETE: notes and history go with their item (CASCADE); who wrote or
 * changed something is SET NULL, like the rest of feedback (ADR 0011).
 */
export class FeedbackTriage1763980000000 implements MigrationInterface {
  name = 'FeedbackTriage1763980000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION feedback_tags_valid(tags text[]) RETURNS boolean
        LANGUAGE sql IMMUTABLE STRICT AS $$
          SELECT cardinality(tags) <= 20
             AND cardinality(tags) = (SELECT count(DISTINCT tag) FROM unnest(tags) AS tag)
             AND NOT EXISTS (SELECT 1 FROM unnest(tags) AS tag
                              WHERE tag IS NULL OR length(tag) > 40
                                 OR tag !~ '^[a-z0-9]+(-[a-z0-9]+)*$')
        $$`);
    await q.query(`
      ALTER TABLE feedback_item
        ADD COLUMN assigned_to uuid REFERENCES account (id) ON DELETE SET NULL,
        ADD COLUMN tags text[] NOT NULL DEFAULT '{}',
        ADD COLUMN first_response_at timestamptz,
        ADD COLUMN contact_name text CHECK (length(contact_name) BETWEEN 1 AND 120),
        ADD COLUMN contact_detail text CHECK (length(contact_detail) BETWEEN 1 AND 254),
        ADD CONSTRAINT feedback_item_tags_valid CHECK (feedback_tags_valid(tags)),
        ADD CONSTRAINT feedback_item_first_response_after_sending
          CHECK (first_response_at IS NULL OR first_response_at >= created_at),
        -- A typed-in name and contact exist only for what staff recorded for someone.
        ADD CONSTRAINT feedback_item_contact_for_assisted
          CHECK (channel <> 'web' OR (contact_name IS NULL AND contact_detail IS NULL))`);

    // The inbox: newest first, then one index per filter, each in the inbox's order.
    await q.query(
      `CREATE INDEX feedback_item_inbox_idx ON feedback_item (created_at DESC, id DESC)`,
    );
    await q.query(
      `CREATE INDEX feedback_item_inbox_status_idx ON feedback_item (status, created_at DESC, id DESC)`,
    );
    await q.query(
      `CREATE INDEX feedback_item_inbox_service_idx
         ON feedback_item (service_slug, variant, created_at DESC, id DESC)`,
    );
    await q.query(
      `CREATE INDEX feedback_item_inbox_stage_idx ON feedback_item (stage, created_at DESC, id DESC)`,
    );
    await q.query(
      `CREATE INDEX feedback_item_inbox_kind_idx ON feedback_item (kind, created_at DESC, id DESC)`,
    );
    await q.query(
      `CREATE INDEX feedback_item_inbox_severity_idx ON feedback_item (severity, created_at DESC, id DESC)
         WHERE severity IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX feedback_item_inbox_channel_idx ON feedback_item (channel, created_at DESC, id DESC)`,
    );
    await q.query(
      `CREATE INDEX feedback_item_inbox_assignee_idx
         ON feedback_item (assigned_to, created_at DESC, id DESC) WHERE assigned_to IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX feedback_item_inbox_unassigned_idx ON feedback_item (created_at DESC, id DESC)
         WHERE assigned_to IS NULL`,
    );
    await q.query(`CREATE INDEX feedback_item_cohorts_idx ON feedback_item USING gin (cohorts)`);
    await q.query(`CREATE INDEX feedback_item_tags_idx ON feedback_item USING gin (tags)`);
    // "Duplicates of this item" on its page (and the self-reference's ON DELETE).
    await q.query(
      `CREATE INDEX feedback_item_duplicate_of_idx ON feedback_item (duplicate_of)
         WHERE duplicate_of IS NOT NULL`,
    );
    // An SME's items (super-users), and the foreign keys' ON DELETE.
    await q.query(
      `CREATE INDEX feedback_item_organization_idx ON feedback_item (organization_id)
         WHERE organization_id IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX feedback_item_recorded_by_idx ON feedback_item (recorded_by)
         WHERE recorded_by IS NOT NULL`,
    );
    // Super-users: the survey answers given as a member of a cohort.
    await q.query(
      `CREATE INDEX satisfaction_response_cohorts_idx ON satisfaction_response USING gin (cohorts)`,
    );

    await q.query(`ALTER TABLE feedback_reply ADD COLUMN emailed boolean NOT NULL DEFAULT false`);

    await q.query(`
      CREATE TABLE feedback_note (
        id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        feedback_id  uuid NOT NULL REFERENCES feedback_item (id) ON DELETE CASCADE,
        author_id    uuid REFERENCES account (id) ON DELETE SET NULL,
        body         text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
        created_at   timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX feedback_note_feedback_idx ON feedback_note (feedback_id, created_at, id)`,
    );

    await q.query(`
      CREATE TABLE feedback_change (
        id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        feedback_id         uuid NOT NULL REFERENCES feedback_item (id) ON DELETE CASCADE,
        actor_id            uuid REFERENCES account (id) ON DELETE SET NULL,
        kind                text NOT NULL CHECK (kind IN ('status', 'assigned', 'tag-added', 'tag-removed')),
        from_status         text,
        to_status           text,
        -- The original's reference when the item became a duplicate (references never change).
        original_reference  text,
        from_assignee       uuid REFERENCES account (id) ON DELETE SET NULL,
        to_assignee         uuid REFERENCES account (id) ON DELETE SET NULL,
        tag                 text,
        created_at          timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT feedback_change_status_has_statuses
          CHECK (kind <> 'status' OR (from_status IS NOT NULL AND to_status IS NOT NULL)),
        CONSTRAINT feedback_change_tag_has_tag
          CHECK (kind NOT IN ('tag-added', 'tag-removed') OR tag IS NOT NULL)
      )`);
    await q.query(
      `CREATE INDEX feedback_change_feedback_idx ON feedback_change (feedback_id, created_at, id)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE feedback_change`);
    await q.query(`DROP TABLE feedback_note`);
    await q.query(`ALTER TABLE feedback_reply DROP COLUMN emailed`);
    await q.query(`DROP INDEX satisfaction_response_cohorts_idx`);
    await q.query(`DROP INDEX feedback_item_recorded_by_idx`);
    await q.query(`DROP INDEX feedback_item_organization_idx`);
    await q.query(`DROP INDEX feedback_item_duplicate_of_idx`);
    await q.query(`DROP INDEX feedback_item_tags_idx`);
    await q.query(`DROP INDEX feedback_item_cohorts_idx`);
    await q.query(`DROP INDEX feedback_item_inbox_unassigned_idx`);
    await q.query(`DROP INDEX feedback_item_inbox_assignee_idx`);
    await q.query(`DROP INDEX feedback_item_inbox_channel_idx`);
    await q.query(`DROP INDEX feedback_item_inbox_severity_idx`);
    await q.query(`DROP INDEX feedback_item_inbox_kind_idx`);
    await q.query(`DROP INDEX feedback_item_inbox_stage_idx`);
    await q.query(`DROP INDEX feedback_item_inbox_service_idx`);
    await q.query(`DROP INDEX feedback_item_inbox_status_idx`);
    await q.query(`DROP INDEX feedback_item_inbox_idx`);
    await q.query(`
      ALTER TABLE feedback_item
        DROP CONSTRAINT feedback_item_contact_for_assisted,
        DROP CONSTRAINT feedback_item_first_response_after_sending,
        DROP CONSTRAINT feedback_item_tags_valid,
        DROP COLUMN contact_detail,
        DROP COLUMN contact_name,
        DROP COLUMN first_response_at,
        DROP COLUMN tags,
        DROP COLUMN assigned_to`);
    await q.query(`DROP FUNCTION feedback_tags_valid(text[])`);
  }
}
