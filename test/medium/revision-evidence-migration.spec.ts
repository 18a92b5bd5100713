import { createDataSource, migrate } from '../../src/platform/database/database.js';
import { adminQuery, databaseUrl } from '../support/test-app.js';

/**
 * Migration 1765300000001 on a database that already holds evidence: each
 * feedback item, survey and acceptance result of before gets the revision it
 * was most likely given on (its application's, else its variant's current
 * revision, else 1), and the column is then required.
 */
describe('migration 1765300000001 (revision evidence) on existing rows', () => {
  const name = `guichet_evidence_${Date.now().toString(36)}`;
  const MIGRATION = 'RevisionEvidence1765300000001';

  beforeAll(() => adminQuery(`CREATE DATABASE ${name}`));
  afterAll(() => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));

  it('gives each row of before the revision of its application, else its variant’s current one, else 1', async () => {
    const db = createDataSource({ url: databaseUrl(name), poolSize: 1 });
    await db.initialize();
    try {
      await migrate(db);
      // Back to just before this migration (and every later one), bounded.
      const applied = async () =>
        (
          await db.query<{ name: string }[]>(`SELECT name FROM migrations WHERE name = $1`, [
            MIGRATION,
          ])
        ).length > 0;
      for (let i = 0; i < 50 && (await applied()); i++)
        await db.undoLastMigration({ transaction: 'each' });
      expect(await applied()).toBe(false);

      // The citizen variant serves revision 2, the business one revision 1.
      await db.query(
        `INSERT INTO service (slug, reference_prefix, position) VALUES ('permis', 'PX', 1)`,
      );
      await db.query(
        `INSERT INTO service_revision (service_slug, number, state, document, ready_at)
         VALUES ('permis', 1, 'ready', '{}', now()), ('permis', 2, 'ready', '{}', now())`,
      );
      await db.query(
        `UPDATE service SET citizen_revision = 2, business_revision = 1 WHERE slug = 'permis'`,
      );
      const [account] = await db.query<{ id: string }[]>(
        `INSERT INTO account (email, display_name, password_hash, preferred_locale)
         VALUES ('migration@exemple.ca', 'Marie Tremblay', 'x', 'fr') RETURNING id`,
      );
      // Filed on revision 1, before revision 2 was served.
      const [application] = await db.query<{ id: string }[]>(
        `INSERT INTO application (service_slug, variant, account_id, service_revision)
         VALUES ('permis', 'citizen', $1, 1) RETURNING id`,
        [account.id],
      );
      const feedback = async (slug: string, variant: string, applicationId: string | null) => {
        const [row] = await db.query<{ id: string }[]>(
          `INSERT INTO feedback_item (service_slug, variant, stage, audience, account_id, language,
                                      kind, happened, application_id)
           VALUES ($1, $2, 'general', $2, $3, 'fr', 'praise', 'Merci', $4) RETURNING id`,
          [slug, variant, account.id, applicationId],
        );
        return row.id;
      };
      const aboutApplication = await feedback('permis', 'citizen', application.id);
      const citizenNow = await feedback('permis', 'citizen', null);
      const businessNow = await feedback('permis', 'business', null);
      const unknownService = await feedback('disparu', 'citizen', null);
      await db.query(
        `INSERT INTO satisfaction_response (application_id, service_slug, variant, stage, audience,
                                            account_id, language, overall)
         VALUES ($1, 'permis', 'citizen', 'general', 'citizen', $2, 'fr', 4)`,
        [application.id, account.id],
      );
      const [criterion] = await db.query<{ id: string }[]>(
        `INSERT INTO acceptance_criterion (service_slug, variant, position, title_fr, title_en)
         VALUES ('permis', 'citizen', 1, 'Déposer', 'File') RETURNING id`,
      );
      await db.query(
        `INSERT INTO acceptance_result (criterion_id, account_id, outcome, stage, language)
         VALUES ($1, $2, 'pass', 'citizen-pilot', 'fr')`,
        [criterion.id, account.id],
      );

      await migrate(db);

      const revisions = new Map(
        (
          await db.query<{ id: string; revision: number }[]>(
            `SELECT id, service_revision AS revision FROM feedback_item`,
          )
        ).map((r) => [r.id, r.revision]),
      );
      expect(revisions.get(aboutApplication)).toBe(1);
      expect(revisions.get(citizenNow)).toBe(2);
      expect(revisions.get(businessNow)).toBe(1);
      expect(revisions.get(unknownService)).toBe(1);
      expect(
        await db.query(`SELECT service_revision AS revision FROM satisfaction_response`),
      ).toEqual([{ revision: 1 }]);
      expect(await db.query(`SELECT service_revision AS revision FROM acceptance_result`)).toEqual([
        { revision: 2 },
      ]);
      // From now on every writer says which revision.
      await expect(feedback('permis', 'citizen', null)).rejects.toThrow(/service_revision/);
    } finally {
      await db.destroy();
    }
  });
});
