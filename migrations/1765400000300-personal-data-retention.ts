import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The keys whose values are personal data in an audit event's `before`/`after`
 * (ADR 0047). A copy, as of this migration, of `PERSONAL_AUDIT_KEYS`
 * (src/modules/audit/personal-audit-keys.ts): a migration does not import the
 * application's code, which moves on while a migration that has landed never
 * does. test/retention.spec.ts checks the function in the database against
 * that constant.
 */
const PERSONAL_KEYS = [
  'email',
  'newEmail',
  'invitedEmail',
  'recipient',
  'recipients',
  'displayName',
  'contactName',
  'contactEmail',
  'contactPhone',
  'contactDetail',
  'phone',
  'address',
  'streetAddress',
  'postalCode',
  'subject',
  'filename',
  'lastError',
];

/** Entity types whose id names a person: `audit_scrub_entity_id` erases it (ADR 0047). */
const PERSONAL_ENTITY_TYPES = ['directory_identity'];

/**
 * How old an event must be before the trigger lets it be scrubbed: the smallest
 * AUDIT_PERSONAL_DATA_RETENTION_DAYS the configuration accepts (`@Min(365)` in
 * src/platform/config/app-config.ts), so that no setting, and no one holding
 * UPDATE on the table, can erase a younger event's data.
 */
const MINIMUM_AUDIT_PERIOD = `interval '365 days'`;

/** The append-only rule as the foundation migration wrote it (restored by `down`). */
const APPEND_ONLY = `
  CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION 'audit_event is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
  END $$`;

/**
 * The retention schedule of personal data (Québec's Law 25, issue 18; ADR 0047).
 *
 * - `audit_scrub_personal(jsonb)`: a snapshot with the value of every personal
 *   key (at any depth) replaced by the marker "[erased]"; everything else kept.
 * - `audit_scrub_entity_id(text, text)`: the entity id, or "[erased]" for the
 *   entity types whose id names a person (a directory identity, `issuer#subject`).
 * - `audit_event.scrubbed_at`, and the one exception to the append-only rule:
 *   an UPDATE is accepted only when it is exactly that scrub of a row not yet
 *   scrubbed and older than the smallest period the configuration allows
 *   (before, after and the entity id scrubbed, the client address gone,
 *   scrubbed_at set to now(), every other column unchanged). Anything else,
 *   and every DELETE, is still refused, whoever asks.
 * - `account.personal_data_erased_at`: when the retention job erased what was
 *   left of a closed account (its personal drafts, its feedback's browser details).
 * - Indexes for the job's walks: unscrubbed events, closed accounts not yet
 *   erased, drafts by last change, feedback holding a typed-in contact.
 */
export class PersonalDataRetention1765400000300 implements MigrationInterface {
  name = 'PersonalDataRetention1765400000300';

  async up(q: QueryRunner): Promise<void> {
    const keys = PERSONAL_KEYS.map((key) => `'${key}'`).join(', ');
    const entityTypes = PERSONAL_ENTITY_TYPES.map((type) => `'${type}'`).join(', ');
    await q.query(`
      CREATE FUNCTION audit_scrub_personal(doc jsonb) RETURNS jsonb
        LANGUAGE plpgsql IMMUTABLE AS $$
      BEGIN
        IF doc IS NULL THEN RETURN NULL; END IF;
        CASE jsonb_typeof(doc)
          WHEN 'object' THEN
            RETURN coalesce((
              SELECT jsonb_object_agg(field.key,
                       CASE WHEN field.key = ANY (ARRAY[${keys}])
                                 AND jsonb_typeof(field.value) <> 'null'
                            THEN '"[erased]"'::jsonb
                            ELSE audit_scrub_personal(field.value) END)
                FROM jsonb_each(doc) AS field), '{}'::jsonb);
          WHEN 'array' THEN
            RETURN coalesce((
              SELECT jsonb_agg(audit_scrub_personal(item.value) ORDER BY item.position)
                FROM jsonb_array_elements(doc) WITH ORDINALITY AS item(value, position)),
              '[]'::jsonb);
          ELSE
            RETURN doc;
        END CASE;
      END $$`);
    await q.query(`
      CREATE FUNCTION audit_scrub_entity_id(entity_type text, entity_id text) RETURNS text
        LANGUAGE sql IMMUTABLE AS $$
        SELECT CASE WHEN entity_type = ANY (ARRAY[${entityTypes}]) AND entity_id IS NOT NULL
                    THEN '[erased]' ELSE entity_id END
      $$`);
    await q.query(`ALTER TABLE audit_event ADD COLUMN scrubbed_at timestamptz`);
    await q.query(`
      CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' AND OLD.scrubbed_at IS NULL AND NEW.scrubbed_at = now()
           AND OLD.occurred_at < now() - ${MINIMUM_AUDIT_PERIOD}
           AND NEW.ip IS NULL
           AND NEW.before IS NOT DISTINCT FROM audit_scrub_personal(OLD.before)
           AND NEW.after IS NOT DISTINCT FROM audit_scrub_personal(OLD.after)
           AND NEW.entity_id IS NOT DISTINCT FROM audit_scrub_entity_id(OLD.entity_type, OLD.entity_id)
           AND (NEW.id, NEW.occurred_at, NEW.actor_type, NEW.actor_id, NEW.acting_as, NEW.action,
                NEW.entity_type, NEW.request_id)
               IS NOT DISTINCT FROM
               (OLD.id, OLD.occurred_at, OLD.actor_type, OLD.actor_id, OLD.acting_as, OLD.action,
                OLD.entity_type, OLD.request_id)
        THEN
          RETURN NEW;
        END IF;
        RAISE EXCEPTION 'audit_event is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(
      `CREATE INDEX audit_event_unscrubbed_idx ON audit_event (occurred_at) WHERE scrubbed_at IS NULL`,
    );

    await q.query(`ALTER TABLE account ADD COLUMN personal_data_erased_at timestamptz`);
    await q.query(
      `CREATE INDEX account_closed_unerased_idx ON account (closed_at)
         WHERE closed_at IS NOT NULL AND personal_data_erased_at IS NULL`,
    );
    await q.query(
      `CREATE INDEX application_draft_updated_idx ON application (updated_at) WHERE status = 'draft'`,
    );
    await q.query(
      `CREATE INDEX feedback_item_contact_idx ON feedback_item (created_at)
         WHERE contact_name IS NOT NULL OR contact_detail IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX feedback_item_contact_idx`);
    await q.query(`DROP INDEX application_draft_updated_idx`);
    await q.query(`DROP INDEX account_closed_unerased_idx`);
    await q.query(`ALTER TABLE account DROP COLUMN personal_data_erased_at`);
    await q.query(`DROP INDEX audit_event_unscrubbed_idx`);
    await q.query(APPEND_ONLY);
    // Dropping a column is an ALTER, not an UPDATE: the restored trigger does not see it.
    await q.query(`ALTER TABLE audit_event DROP COLUMN scrubbed_at`);
    await q.query(`DROP FUNCTION audit_scrub_entity_id(text, text)`);
    await q.query(`DROP FUNCTION audit_scrub_personal(jsonb)`);
  }
}
