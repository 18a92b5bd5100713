import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every portal instance keeps who is signed in (session and identity) in
 * memory for at most a second (ADR 0037). What can take that away is
 * announced by the database itself, in the transaction that makes the change,
 * so no service can forget to: a trigger sends a NOTIFY that every instance
 * listens for and drops what it holds.
 *
 * - `session_changed`, payload md5(sid): a session row updated (acting as
 *   another SME, a sign-in) or deleted (sign-out, `endSessions`, pruning). The
 *   sid itself never leaves the table.
 * - `identity_changed`, payload `account:<id>` or `organization:<id>`: an
 *   account changed or closed, a staff role given, changed or taken away, an
 *   SME membership added or removed, an SME renamed or removed.
 * - `content_changed`, payload `faq:<service slug>`: a service's FAQ entry
 *   written, published, moved or removed (the start page keeps the published
 *   ones for the same second); `rollout:<slug>.<variant>`: a variant's plan
 *   changed (the phase banner keeps its stage for the same second).
 */
export class IdentityChangeNotifications1765400000040 implements MigrationInterface {
  name = 'IdentityChangeNotifications1765400000040';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION notify_session_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('session_changed', md5(OLD.sid));
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER http_session_changed AFTER UPDATE OR DELETE ON http_session
      FOR EACH ROW EXECUTE FUNCTION notify_session_changed()`);

    // account.id, organization.id; staff_member and organization_membership: account_id.
    await q.query(`
      CREATE FUNCTION notify_identity_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        changed record;
      BEGIN
        IF TG_OP = 'DELETE' THEN changed := OLD; ELSE changed := NEW; END IF;
        IF TG_TABLE_NAME = 'account' THEN
          PERFORM pg_notify('identity_changed', 'account:' || changed.id);
        ELSIF TG_TABLE_NAME = 'organization' THEN
          PERFORM pg_notify('identity_changed', 'organization:' || changed.id);
        ELSE
          PERFORM pg_notify('identity_changed', 'account:' || changed.account_id);
          IF TG_OP = 'UPDATE' AND OLD.account_id IS DISTINCT FROM NEW.account_id THEN
            PERFORM pg_notify('identity_changed', 'account:' || OLD.account_id);
          END IF;
        END IF;
        RETURN NULL;
      END $$`);
    for (const [table, events] of [
      ['account', 'UPDATE OR DELETE'],
      ['organization', 'UPDATE OR DELETE'],
      ['staff_member', 'INSERT OR UPDATE OR DELETE'],
      ['organization_membership', 'INSERT OR UPDATE OR DELETE'],
    ])
      await q.query(`
        CREATE TRIGGER ${table}_identity_changed AFTER ${events} ON ${table}
        FOR EACH ROW EXECUTE FUNCTION notify_identity_changed()`);

    await q.query(`
      CREATE FUNCTION notify_faq_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP <> 'INSERT' THEN PERFORM pg_notify('content_changed', 'faq:' || OLD.service_slug); END IF;
        IF TG_OP <> 'DELETE' THEN PERFORM pg_notify('content_changed', 'faq:' || NEW.service_slug); END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER faq_entry_changed AFTER INSERT OR UPDATE OR DELETE ON faq_entry
      FOR EACH ROW EXECUTE FUNCTION notify_faq_changed()`);

    await q.query(`
      CREATE FUNCTION notify_rollout_plan_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP <> 'INSERT' THEN
          PERFORM pg_notify('content_changed', 'rollout:' || OLD.service_slug || '.' || OLD.variant);
        END IF;
        IF TG_OP <> 'DELETE' THEN
          PERFORM pg_notify('content_changed', 'rollout:' || NEW.service_slug || '.' || NEW.variant);
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER rollout_plan_changed AFTER INSERT OR UPDATE OR DELETE ON rollout_plan
      FOR EACH ROW EXECUTE FUNCTION notify_rollout_plan_changed()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER rollout_plan_changed ON rollout_plan`);
    await q.query(`DROP FUNCTION notify_rollout_plan_changed()`);
    await q.query(`DROP TRIGGER faq_entry_changed ON faq_entry`);
    await q.query(`DROP FUNCTION notify_faq_changed()`);
    for (const table of ['account', 'organization', 'staff_member', 'organization_membership'])
      await q.query(`DROP TRIGGER ${table}_identity_changed ON ${table}`);
    await q.query(`DROP FUNCTION notify_identity_changed()`);
    await q.query(`DROP TRIGGER http_session_changed ON http_session`);
    await q.query(`DROP FUNCTION notify_session_changed()`);
  }
}
