import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A session deleted stays deleted. The session store saves a session at the
 * end of each request that changed it, with an upsert (connect-pg-simple:
 * `INSERT … ON CONFLICT (sid) DO UPDATE`). A request still under way when its
 * session was deleted (signing out in another tab, `endSessions` after a new
 * password or a closed account) would then write the row back, signed in.
 *
 * So every deleted session is remembered for a day in `http_session_ended`, by
 * the md5 of its id (a dead session's id, and still not kept as such), through
 * a trigger, whatever deleted it (the store, `endSessions`, the pruning); and
 * a row inserted under such an id is deleted again at once, in the statement
 * that inserted it. The check runs after the insert, with its own snapshot: it
 * sees a deletion committed while the upsert waited for the row's lock.
 */
export class EndedSessionsStayEnded1765400000070 implements MigrationInterface {
  name = 'EndedSessionsStayEnded1765400000070';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE http_session_ended (
        sid_md5 text NOT NULL PRIMARY KEY,
        ended_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX http_session_ended_at_idx ON http_session_ended (ended_at)`);
    await q.query(`
      CREATE FUNCTION http_session_remember_ended() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO http_session_ended (sid_md5) SELECT md5(sid) FROM ended
        ON CONFLICT (sid_md5) DO NOTHING;
        DELETE FROM http_session_ended WHERE ended_at < now() - interval '1 day';
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER http_session_ended AFTER DELETE ON http_session
      REFERENCING OLD TABLE AS ended
      FOR EACH STATEMENT EXECUTE FUNCTION http_session_remember_ended()`);
    await q.query(`
      CREATE FUNCTION http_session_refuse_ended() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM http_session_ended WHERE sid_md5 = md5(NEW.sid)) THEN
          DELETE FROM http_session WHERE sid = NEW.sid;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER http_session_not_again AFTER INSERT ON http_session
      FOR EACH ROW EXECUTE FUNCTION http_session_refuse_ended()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER http_session_not_again ON http_session`);
    await q.query(`DROP FUNCTION http_session_refuse_ended()`);
    await q.query(`DROP TRIGGER http_session_ended ON http_session`);
    await q.query(`DROP FUNCTION http_session_remember_ended()`);
    await q.query(`DROP TABLE http_session_ended`);
  }
}
