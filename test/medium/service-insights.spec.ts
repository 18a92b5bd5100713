import { DataSource } from 'typeorm';
import { AppConfig } from '../../src/platform/config/app-config.js';
import { CatalogueService } from '../../src/modules/catalogue/catalogue.service.js';
import { FormService } from '../../src/modules/catalogue/form.service.js';
import { ServiceInsightsReadModel } from '../../src/modules/insights/service-insights.read-model.js';
import { manySmes } from '../support/insights.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const SLUG = 'sign-permit';
const PERIOD = { from: '2026-11-02', to: '2026-11-16' };
/** The city's time (November: UTC−5). */
const city = (day: string, hhmm: string) => `${day} ${hhmm}:00-05`;

/**
 * The insights' figures against a small data set computed by hand (issue 16):
 * the sign permit's business variant over two weeks of November 2026, with a
 * threshold of 10 below which a figure is not shown, then of 5.
 */
describe('the insights’ figures (real PostgreSQL, a hand-computed data set)', () => {
  let portal: TestApp;
  let db: DataSource;

  const readModel = (minGroup: number) =>
    new ServiceInsightsReadModel(
      db,
      { ...portal.app.get(AppConfig), INSIGHTS_MIN_GROUP: minGroup } as AppConfig,
      portal.app.get(CatalogueService),
      portal.app.get(FormService),
    );

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    // 16 SMEs, each with its owner.
    const smes = await manySmes(db, 16, { neqPrefix: '66', name: 'PME' });
    let number = 0;
    const file = async (
      sme: number,
      created: string,
      submitted: string | null,
      channel: string,
      decided?: string,
    ) => {
      number++;
      const [row] = await db.query<{ id: string }[]>(
        `INSERT INTO application (service_slug, variant, account_id, organization_id, answers, channel,
                                  service_revision, status, reference, created_at, submitted_at, decided_at)
         VALUES ($1, 'business', $2, $3, '{}', $4, 1, $5, $6, $7, $8, $9) RETURNING id`,
        [
          SLUG,
          smes[sme - 1].owner,
          smes[sme - 1].org,
          channel,
          decided ? 'approved' : submitted ? 'submitted' : 'draft',
          submitted ? `ZZ-2026-${String(900000 + number)}` : null,
          created,
          submitted,
          decided ?? null,
        ],
      );
      return row.id;
    };
    // Week of Nov 2: 12 applications by 11 SMEs (SME 1 twice), on the pages;
    // the k-th took 10 k minutes to complete; the first 10 were approved
    // 1, 2, …, 10 days after they were submitted.
    const submittedAt = (k: number) =>
      new Date(Date.parse(city('2026-11-03', '10:00')) + k * 3600_000);
    const ids: string[] = [];
    for (let k = 1; k <= 12; k++) {
      const submitted = submittedAt(k);
      ids.push(
        await file(
          k === 12 ? 1 : k,
          new Date(submitted.getTime() - 10 * k * 60_000).toISOString(),
          submitted.toISOString(),
          'web',
          k <= 10 ? new Date(submitted.getTime() + k * 86_400_000).toISOString() : undefined,
        ),
      );
    }
    // Week of Nov 9: 5 applications by 5 other SMEs, through the API (10 k minutes each, k = 13…17).
    for (let k = 13; k <= 17; k++) {
      const submitted = new Date(Date.parse(city('2026-11-10', '09:00')) + k * 60_000);
      await file(
        k - 1,
        new Date(submitted.getTime() - 10 * k * 60_000).toISOString(),
        submitted.toISOString(),
        'api',
      );
    }
    // Three drafts started in the period, never submitted.
    for (const sme of [2, 3, 4]) await file(sme, city('2026-11-05', '12:00'), null, 'web');
    // Before the period: counted nowhere.
    await file(
      5,
      city('2026-10-29', '09:00'),
      city('2026-10-30', '09:00'),
      'web',
      city('2026-11-04', '09:00'),
    );

    // Ten satisfaction answers in the period (average 4.1), one before it.
    const overall = [5, 5, 4, 4, 4, 3, 5, 4, 2, 5];
    for (const [i, score] of [...overall, 1].entries())
      await db.query(
        `INSERT INTO satisfaction_response (application_id, service_slug, variant, stage, audience,
                                            organization_id, language, overall, service_revision, created_at)
         VALUES ($1, $2, 'business', 'sme-all', 'business', $3, 'fr', $4, 1, $5)`,
        [
          ids[i],
          SLUG,
          smes[i].org,
          score,
          i < 10 ? city('2026-11-12', '09:00') : city('2026-10-20', '09:00'),
        ],
      );

    // Journey events: "business" shown 12 times and completed 9; "location" 9 and 9;
    // "sign" 4 and 3 (too few to show); a step no longer asked for, 10 and 10.
    const event = (
      kind: string,
      step: string | null,
      count: number,
      fieldErrors?: object,
      at = '2026-11-04',
    ) =>
      db.query(
        `INSERT INTO journey_event (occurred_at, kind, service_slug, variant, service_revision, channel,
                                    step, errors, field_errors)
         SELECT $1, $2, $3, 'business', 1, 'web', $4, $5, $6 FROM generate_series(1, $7)`,
        [
          city(at, '10:00'),
          kind,
          SLUG,
          step,
          fieldErrors ? Object.values(fieldErrors).reduce((a: number, b: number) => a + b, 0) : 0,
          fieldErrors ? JSON.stringify(fieldErrors) : null,
          count,
        ],
      );
    await event('step_shown', 'business', 12);
    await event('step_completed', 'business', 9);
    await event('step_shown', 'location', 9);
    await event('step_completed', 'location', 9);
    await event('step_shown', 'sign', 4);
    await event('step_completed', 'sign', 3);
    await event('step_shown', 'old-step', 10);
    await event('step_completed', 'old-step', 10);
    // Ten refusals: six with 2 errors on signText, four with 1 on signText and 1 on height.
    await event('validation_failed', 'sign', 6, { signText: 2 });
    await event('validation_failed', 'sign', 4, { signText: 1, height: 1 });
    // Outside the period.
    await event('step_shown', 'business', 50, undefined, '2026-11-20');
    await event('validation_failed', 'sign', 50, { height: 3 }, '2026-10-01');

    // Taken by phone or at the counter, as clerks recorded them: 10 + 3 for SMEs in the
    // period; residents' and a day after the period do not count.
    await db.query(
      `INSERT INTO offline_application_count (service_slug, audience, channel, day, applications)
       VALUES ($1, 'business', 'phone', '2026-11-03', 10), ($1, 'business', 'counter', '2026-11-15', 3),
              ($1, 'citizen', 'phone', '2026-11-04', 7), ($1, 'business', 'phone', '2026-11-16', 50)`,
      [SLUG],
    );
  });

  afterAll(() => portal?.close());

  it('computes each figure, and hides those drawn from fewer than 10', async () => {
    const figures = await readModel(10).figures(SLUG, 'business', PERIOD);
    expect(figures.minGroup).toBe(10);
    expect(figures.adoption).toEqual([
      { week: '2026-11-02', applications: 12, filers: 11 },
      { week: '2026-11-09', applications: null, filers: null },
    ]);
    // On the pages: 15 started in the period (12 submitted, 3 drafts); the API's are created submitted.
    expect(figures.completion).toEqual({ started: 15, submitted: 12, rate: 0.8 });
    // On the pages, 10, 20, …, 120 minutes: between the 6th and the 7th of 12.
    expect(figures.timeToComplete).toEqual({ count: 12, medianMinutes: 65 });
    // 1, 2, …, 10 days: median 5.5, 90th percentile 9.1 (the one before the period decided in it counts too: 5 days).
    expect(figures.processing).toEqual({ count: 11, medianDays: 5, p90Days: 9 });
    expect(figures.satisfaction).toEqual({ responses: 10, average: 4.1 });
    expect(figures.channels).toEqual([
      { channel: 'api', applications: null },
      { channel: 'web', applications: 12 },
    ]);
    expect(figures.funnel).toEqual([
      // Completed 9 times: neither that nor the drop-off it would give away.
      { step: 'business', title: expect.any(Object), shown: 12, completed: null, dropOff: null },
      { step: 'location', title: expect.any(Object), shown: null, completed: null, dropOff: null },
      { step: 'sign', title: expect.any(Object), shown: null, completed: null, dropOff: null },
      { step: 'installer', title: expect.any(Object), shown: null, completed: null, dropOff: null },
      { step: 'documents', title: expect.any(Object), shown: null, completed: null, dropOff: null },
      { step: 'contact', title: expect.any(Object), shown: null, completed: null, dropOff: null },
      { step: 'old-step', title: null, shown: 10, completed: 10, dropOff: 0 },
    ]);
    expect(figures.refusals).toBe(10);
    // height caused 4 errors: not named.
    expect(figures.fieldErrors).toEqual([{ field: 'signText', step: 'sign', errors: 16 }]);
    // 17 online (12 on the pages, 5 through the API), 13 by phone or at the counter; the
    // share would tell the API's 5, hidden in the channels' table: hidden too.
    expect(figures.takeUp).toEqual({ online: 17, offline: 13, share: null });
  });

  it('sets the applications made online against those taken by phone or at the counter', async () => {
    expect((await readModel(5).figures(SLUG, 'business', PERIOD)).takeUp).toEqual({
      online: 17,
      offline: 13,
      share: 17 / 30,
    });
    // Nothing recorded for the period: no share, however many filed online.
    const october = { from: '2026-10-01', to: '2026-10-15' };
    expect((await readModel(1).figures(SLUG, 'business', october)).takeUp).toEqual({
      online: 0,
      offline: null,
      share: null,
    });
  });

  it('shows the smaller groups with a threshold of 5, and less with one of 11 or 20', async () => {
    const five = await readModel(5).figures(SLUG, 'business', PERIOD);
    expect(five.adoption[1]).toEqual({ week: '2026-11-09', applications: 5, filers: 5 });
    expect(five.channels).toEqual([
      { channel: 'api', applications: 5 },
      { channel: 'web', applications: 12 },
    ]);
    expect(five.funnel.find((s) => s.step === 'location')).toMatchObject({
      shown: 9,
      completed: 9,
      dropOff: 0,
    });
    expect(five.funnel.find((s) => s.step === 'sign')).toMatchObject({ shown: null });
    expect(five.funnel[0]).toMatchObject({
      step: 'business',
      shown: 12,
      completed: 9,
      dropOff: 0.25,
    });
    expect(five.fieldErrors).toEqual([{ field: 'signText', step: 'sign', errors: 16 }]);
    const eleven = await readModel(11).figures(SLUG, 'business', PERIOD);
    expect(eleven.adoption[0]).toEqual({ week: '2026-11-02', applications: 12, filers: 11 });
    expect(eleven.satisfaction).toEqual({ responses: 10, average: null });
    expect(eleven.fieldErrors).toEqual([{ field: 'signText', step: 'sign', errors: 16 }]);
    expect(eleven.refusals).toBe(10);
    expect(eleven.completion.rate).toBe(0.8);
    const twenty = await readModel(20).figures(SLUG, 'business', PERIOD);
    expect(twenty.fieldErrors).toEqual([]);
    expect(twenty.completion.rate).toBeNull();
  });
});
