import { DataSource } from 'typeorm';
import { AppConfig } from '../../src/platform/config/app-config.js';
import { CatalogueService } from '../../src/modules/catalogue/catalogue.service.js';
import {
  PerformanceBoard,
  PerformanceFiguresReadModel,
  SNAPSHOT_VERSION,
} from '../../src/modules/insights/performance.js';
import { changePlan, startTestApp, type TestApp } from '../support/test-app.js';

const SLUG = 'occupancy-certificate';
const NOW = new Date('2026-12-01T12:00:30Z');
const daysBefore = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString();

/**
 * The public performance figures (issue 16) against a data set computed by
 * hand: the occupancy certificate open to everyone, over the last year.
 */
describe('the public performance figures (real PostgreSQL, a hand-computed data set)', () => {
  let portal: TestApp;
  let db: DataSource;

  const readModel = (minGroup: number) =>
    new PerformanceFiguresReadModel(
      db,
      { ...portal.app.get(AppConfig), INSIGHTS_MIN_GROUP: minGroup } as AppConfig,
      portal.app.get(CatalogueService),
    );

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    await changePlan(portal, SLUG, 'business', { stage: 'sme-all', paused: false });
    await changePlan(portal, SLUG, 'citizen', { stage: 'general', paused: false });
    const people = await db.query<{ id: string }[]>(
      `INSERT INTO account (email, display_name, password_hash, preferred_locale, email_confirmed_at)
       SELECT 'perf-' || i || '@insights.example', 'Personne ' || i, 'x', 'fr', now()
         FROM generate_series(1, 14) AS i ORDER BY i RETURNING id`,
    );
    let number = 0;
    const file = async (
      who: number,
      fields: { created: string; submitted?: string; decided?: string; channel?: string },
    ) => {
      const [row] = await db.query<{ id: string }[]>(
        `INSERT INTO application (service_slug, variant, account_id, answers, channel, service_revision,
                                  status, reference, created_at, submitted_at, decided_at)
         VALUES ($1, 'citizen', $2, '{}', $3, 1, $4, $5, $6, $7, $8) RETURNING id`,
        [
          SLUG,
          people[who].id,
          fields.channel ?? 'web',
          fields.decided ? 'approved' : fields.submitted ? 'submitted' : 'draft',
          fields.submitted ? `ZZ-2026-${String(600000 + ++number)}` : null,
          fields.created,
          fields.submitted ?? null,
          fields.decided ?? null,
        ],
      );
      return row.id;
    };
    // Ten decided 1, 2, …, 10 days after filing; two more submitted on the pages,
    // three drafts never submitted, one through the API; one filed two years ago.
    const ids: string[] = [];
    for (let k = 1; k <= 10; k++)
      ids.push(
        await file(k - 1, {
          created: daysBefore(40),
          submitted: daysBefore(40),
          decided: daysBefore(40 - k),
        }),
      );
    for (const k of [10, 11])
      ids.push(await file(k, { created: daysBefore(5), submitted: daysBefore(5) }));
    for (const k of [12, 13, 0]) await file(k, { created: daysBefore(3) });
    await file(1, { created: daysBefore(2), submitted: daysBefore(2), channel: 'api' });
    await file(2, { created: daysBefore(730), submitted: daysBefore(730) });
    // Ten survey answers (average 4.2), one too old.
    for (const [i, overall] of [5, 4, 4, 5, 3, 4, 5, 4, 4, 4, 1].entries())
      await db.query(
        `INSERT INTO satisfaction_response (application_id, service_slug, variant, stage, audience,
                                            account_id, language, overall, service_revision, created_at)
         VALUES ($1, $2, 'citizen', 'general', 'citizen', $3, 'fr', $4, 1, $5)`,
        [ids[i], SLUG, people[i].id, overall, i < 10 ? daysBefore(20) : daysBefore(400)],
      );
    // Taken by phone or at the counter: 10 in the year, 99 before it.
    await db.query(
      `INSERT INTO offline_application_count (service_slug, audience, channel, day, applications)
       VALUES ($1, 'citizen', 'phone', '2026-11-11', 10), ($1, 'business', 'counter', '2025-11-30', 99)`,
      [SLUG],
    );
    // The portal recorded itself up 90 of the 100 minutes since its first record.
    await db.query(`DELETE FROM availability_minute`);
    await db.query(
      `INSERT INTO availability_minute (minute)
       SELECT date_trunc('minute', $1::timestamptz) - make_interval(mins => m)
         FROM generate_series(1, 100) AS m WHERE m NOT BETWEEN 41 AND 50`,
      [NOW],
    );
  });

  afterAll(() => portal?.close());

  it('gives each figure of a service open to everyone, with its colour, and the portal’s availability', async () => {
    const figures = await readModel(10).compute(NOW);
    const service = figures.services.find((s) => s.slug === SLUG);
    expect(service).toMatchObject({
      satisfaction: { value: 4.2, count: 10, status: 'good' },
      // On the pages: 15 started in the year (the one two years ago aside), 12 submitted.
      completion: { value: 0.8, count: 15, status: 'good' },
      processingMedian: { value: 5.5, count: 10, status: 'good' },
      processingP90: { value: 9.1, count: 10, status: 'good' },
      filedOnline: 13,
      // 13 online of 23: 57 %, fair (from 50 %).
      digitalTakeUp: { value: 13 / 23, count: 23, status: 'fair', recorded: true },
    });
    // The other services are not open to everyone.
    expect(figures.services.map((s) => s.slug)).toEqual([SLUG]);
    // 100 minutes since the first recorded (the current one not counted), 10 of them down.
    expect(figures.availability).toMatchObject({ share: 0.9, status: 'poor' });
    expect(figures.minGroup).toBe(10);
  });

  it('gives no figure, nor its count, drawn from fewer than the threshold', async () => {
    const figures = await readModel(11).compute(NOW);
    expect(figures.services[0]).toMatchObject({
      satisfaction: { value: null, count: null, status: null },
      completion: { value: 0.8, count: 15, status: 'good' },
      processingMedian: { value: null, count: null, status: null },
      filedOnline: 13,
      // The 10 by phone or at the counter would be told.
      digitalTakeUp: { value: null, count: null, status: null, recorded: true },
    });
    expect((await readModel(14).compute(NOW)).services[0].filedOnline).toBeNull();
  });

  it('hides the share online while one audience’s count by phone or at the counter is small', async () => {
    // 5 from businesses beside the residents' 10: the staff insights show one, the total less it the other.
    await db.query(
      `INSERT INTO offline_application_count (service_slug, audience, channel, day, applications)
       VALUES ($1, 'business', 'phone', '2026-11-12', 5)`,
      [SLUG],
    );
    try {
      expect((await readModel(10).compute(NOW)).services[0].digitalTakeUp).toEqual({
        value: null,
        count: null,
        status: null,
        recorded: true,
      });
    } finally {
      await db.query(
        `DELETE FROM offline_application_count WHERE service_slug = $1 AND day = '2026-11-12'`,
        [SLUG],
      );
    }
  });

  it('holds figures from its boot, whether or not the job has run yet', () => {
    expect(portal.app.get(PerformanceBoard).current()?.version).toBe(SNAPSHOT_VERSION);
  });

  it('says availability is not measured before the portal recorded a minute', async () => {
    await db.query(`DELETE FROM availability_minute`);
    const figures = await readModel(10).compute(NOW);
    expect(figures.availability).toMatchObject({ share: null, status: null });
  });
});
