import { DataSource } from 'typeorm';
import { AppConfig } from '../../src/platform/config/app-config.js';
import { SmeFirstReadModel } from '../../src/modules/insights/sme-first.read-model.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const SLUG = 'public-domain-occupation';

/**
 * The SME-first comparison (issue 16) against a data set computed by hand:
 * the service opened to SMEs on 1 October (a pilot cohort of 10 SMEs), to
 * residents on 1 November; 10 pilot SMEs filed 20 applications, 10 other SMEs
 * 10, 12 residents 12; the pilot SMEs gave 6 feedback items (and a duplicate),
 * the others 1, residents 2.
 */
describe('the SME-first comparison (real PostgreSQL, a hand-computed data set)', () => {
  let portal: TestApp;
  let db: DataSource;

  const readModel = (minGroup: number) =>
    new SmeFirstReadModel(db, {
      ...portal.app.get(AppConfig),
      INSIGHTS_MIN_GROUP: minGroup,
    } as AppConfig);

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    await db.query(
      `INSERT INTO rollout_decision (service_slug, variant, kind, from_stage, to_stage, reason, actor_type, created_at)
       VALUES ($1, 'business', 'promote', 'internal', 'sme-pilot', 'x', 'system', '2026-10-01T00:00:00Z'),
              ($1, 'business', 'promote', 'sme-pilot', 'sme-gradual', 'x', 'system', '2026-10-15T00:00:00Z'),
              ($1, 'citizen', 'promote', 'internal', 'citizen-pilot', 'x', 'system', '2026-11-01T00:00:00Z'),
              -- Decisions that opened nothing: a schedule taken (and later skipped) before the opening.
              ($1, 'business', 'schedule', 'internal', 'sme-pilot', 'x', 'staff', '2026-09-15T00:00:00Z'),
              ($1, 'business', 'scheduled-skipped', 'internal', 'sme-pilot', 'x', 'system', '2026-09-20T00:00:00Z'),
              ($1, 'citizen', 'schedule', 'internal', 'citizen-pilot', 'x', 'staff', '2026-10-20T00:00:00Z')`,
      [SLUG],
    );
    const people = await db.query<{ id: string }[]>(
      `INSERT INTO account (email, display_name, password_hash, preferred_locale, email_confirmed_at)
       SELECT 'sme-first-' || i || '@insights.example', 'Personne ' || i, 'x', 'fr', now()
         FROM generate_series(1, 32) AS i ORDER BY i RETURNING id`,
    );
    const smes = await db.query<{ id: string }[]>(
      `INSERT INTO organization (legal_name, neq, street_address, city, postal_code, employee_count,
                                 naics_code, contact_name, contact_email, contact_phone, verified_at)
       SELECT 'Terrasse ' || i, '68' || lpad(i::text, 8, '0'), '1 rue', 'Val-des-Cèdres', 'J0A 1B0', 5,
              '72', 'Contact', 'terrasse' || i || '@insights.example', '418 555-0100', now()
         FROM generate_series(1, 20) AS i ORDER BY i RETURNING id`,
    );
    const [cohort] = await db.query<{ id: string }[]>(
      `INSERT INTO cohort (slug, name, audience) VALUES ('terrasses', 'Terrasses pilotes', 'business') RETURNING id`,
    );
    await db.query(
      `INSERT INTO rollout_plan_cohort (service_slug, variant, cohort_id) VALUES ($1, 'business', $2)`,
      [SLUG, cohort.id],
    );
    for (const sme of smes.slice(0, 10))
      await db.query(
        `INSERT INTO cohort_member (cohort_id, organization_id, status, source, joined_at)
         VALUES ($1, $2, 'active', 'staff', '2026-09-20')`,
        [cohort.id, sme.id],
      );
    let number = 0;
    const file = async (
      variant: string,
      account: string,
      organization: string | null,
      submitted: string,
    ) =>
      db.query(
        `INSERT INTO application (service_slug, variant, account_id, organization_id, answers, channel,
                                  service_revision, status, reference, created_at, submitted_at)
         VALUES ($1, $2, $3, $4, '{}', 'web', 1, 'submitted', $5, $6, $6)`,
        [SLUG, variant, account, organization, `ZZ-2026-${String(700000 + ++number)}`, submitted],
      );
    // Pilot SMEs: two each, the first on 3 October at noon; other SMEs: one each from 11 October.
    for (const [i, sme] of smes.entries())
      if (i < 10) {
        await file(
          'business',
          people[i].id,
          sme.id,
          `2026-10-${i === 0 ? '03T12' : '04T09'}:00:00Z`,
        );
        await file('business', people[i].id, sme.id, '2026-10-20T09:00:00Z');
      } else await file('business', people[i].id, sme.id, `2026-10-${11 + (i - 10)}T00:00:00Z`);
    // Twelve residents, from 6 November.
    for (let i = 20; i < 32; i++)
      await file(
        'citizen',
        people[i].id,
        null,
        `2026-11-${String(6 + (i - 20)).padStart(2, '0')}T00:00:00Z`,
      );

    const feedback = async (item: {
      audience: 'business' | 'citizen';
      who: string;
      organization?: string;
      cohorts?: string[];
      kind: string;
      words: [string, string, string];
      page?: string;
      status?: string;
      changed?: string;
      created: string;
      attachment?: string;
    }) => {
      const [row] = await db.query<{ id: string }[]>(
        `INSERT INTO feedback_item (service_slug, variant, service_revision, stage, audience, organization_id,
                                    account_id, cohorts, language, kind, severity, tried, happened, expected,
                                    page, status, status_changed_at, created_at)
         VALUES ($1, $2, 1, 'sme-pilot', $2, $3, $4, $5, 'fr', $6, $7, $8, $9, $10, $11, $12, $13, $14)
         RETURNING id`,
        [
          SLUG,
          item.audience,
          item.organization ?? null,
          item.who,
          item.cohorts ?? [],
          item.kind,
          item.kind === 'problem' ? 'major' : null,
          ...item.words,
          item.page ?? null,
          item.status ?? 'new',
          item.changed ?? item.created,
          item.created,
        ],
      );
      if (item.attachment)
        await db.query(
          `INSERT INTO feedback_attachment (feedback_id, filename, content_type, size_bytes, sha256, content)
           VALUES ($1, 'capture', $2, 4, $3, '\\x01020304')`,
          [row.id, item.attachment, 'a'.repeat(64)],
        );
    };
    const pilot = {
      audience: 'business' as const,
      who: people[0].id,
      organization: smes[0].id,
      cohorts: ['terrasses'],
    };
    await feedback({
      ...pilot,
      kind: 'problem',
      words: ['a b', 'c d e', 'f'],
      page: '/applications/x/steps/location',
      status: 'fixed',
      changed: '2026-10-20',
      created: '2026-10-05',
      attachment: 'image/png',
    });
    await feedback({
      ...pilot,
      kind: 'problem',
      words: ['a', 'b', ''],
      page: '/applications/x/steps/terrace',
      status: 'fixed',
      changed: '2026-10-25',
      created: '2026-10-06',
      attachment: 'image/jpeg',
    });
    await feedback({
      ...pilot,
      kind: 'problem',
      words: ['a', 'b c', 'd'],
      status: 'fixed',
      changed: '2026-11-05',
      created: '2026-10-07',
      attachment: 'application/pdf',
    });
    await feedback({
      ...pilot,
      kind: 'problem',
      words: ['', 'a b c d', ''],
      page: '/applications/x/steps/location?x=1',
      created: '2026-10-08',
    });
    await feedback({
      ...pilot,
      kind: 'question',
      words: ['', 'a b', ''],
      page: '/services/x',
      created: '2026-10-09',
      attachment: 'image/png',
    });
    await feedback({
      ...pilot,
      kind: 'praise',
      words: ['', 'a b c d e f', ''],
      created: '2026-11-10',
    });
    await feedback({
      ...pilot,
      kind: 'problem',
      words: ['', 'double', ''],
      status: 'duplicate',
      created: '2026-10-10',
    });
    await feedback({
      audience: 'business',
      who: people[12].id,
      organization: smes[12].id,
      kind: 'hard-to-use',
      words: ['', 'a b c', ''],
      page: '/applications/y/steps/location',
      created: '2026-10-12',
    });
    await feedback({
      audience: 'citizen',
      who: people[20].id,
      kind: 'unclear-wording',
      words: ['', 'a', ''],
      created: '2026-11-07',
    });
    await feedback({
      audience: 'citizen',
      who: people[21].id,
      kind: 'praise',
      words: ['', 'a b', ''],
      created: '2026-11-08',
    });
  });

  afterAll(() => portal?.close());

  /**
   * A curve's weeks: the first as given, then the last given's figures until
   * today, for at most 12 weeks from `opened` (a week begun counts).
   */
  const weeks = (opened: string, first: [number | null, number | null][]) => {
    const length = Math.min(12, Math.ceil((Date.now() - Date.parse(opened)) / (7 * 86_400_000)));
    return Array.from({ length }, (_, i) => {
      const [filers, share] = first[Math.min(i, first.length - 1)];
      return { week: i + 1, filers, share };
    });
  };

  it('compares SMEs with residents and the pilot cohort with the other SMEs (threshold 5)', async () => {
    const comparison = await readModel(5).comparison(SLUG);
    expect(comparison.opened).toEqual({
      business: '2026-10-01T00:00:00.000Z',
      citizen: '2026-11-01T00:00:00.000Z',
    });
    const cohort = { slug: 'terrasses', name: 'Terrasses pilotes' };
    // Fewer than 5 items: what the feedback says is not shown.
    const quiet = {
      feedback: null,
      feedbackPer100: null,
      averageWords: null,
      withScreenshot: null,
      kinds: null,
      steps: null,
    };
    expect(comparison.groups).toEqual([
      {
        kind: 'audience',
        audience: 'business',
        cohort: null,
        filers: 20,
        applications: 30,
        feedback: 7,
        feedbackPer100: 23.3,
        averageWords: 3.9,
        withScreenshot: 3 / 7,
        kinds: 4,
        steps: 2,
        daysToFirstFiling: 2.5,
      },
      // Its 6 items would show at 5, but the others' single one would then be
      // the business total's 7 less the cohort's 6: both are hidden.
      {
        kind: 'cohort',
        audience: 'business',
        cohort,
        filers: 10,
        applications: 20,
        ...quiet,
        daysToFirstFiling: 2.5,
      },
      {
        kind: 'others',
        audience: 'business',
        cohort,
        filers: 10,
        applications: 10,
        ...quiet,
        daysToFirstFiling: 10,
      },
      {
        kind: 'audience',
        audience: 'citizen',
        cohort: null,
        filers: 12,
        applications: 12,
        ...quiet,
        daysToFirstFiling: 5,
      },
    ]);
    // Four problems reported by SMEs before residents had the service; two fixed by then.
    expect(comparison.beforeCitizens).toEqual({ found: 4, fixed: 2 });
    // New SMEs by week from 1 October: 10 (the pilots), 4 (11–14 Oct.), 6 (15–20 Oct.),
    // so 10, 14, then 20 (all of them). From the last week back: 20 is all the filers,
    // 14 is 6 fewer, and 10 only 4 fewer than 14: week 1 is hidden.
    // New residents by week from 1 November: 2, 7, 3, so 2, 9, then 12 (all of them):
    // 9 is only 3 fewer than 12, and 2 under 5.
    expect(comparison.adoption).toEqual([
      {
        audience: 'business',
        weeks: weeks('2026-10-01', [
          [null, null],
          [14, 0.7],
          [20, 1],
        ]),
      },
      {
        audience: 'citizen',
        weeks: weeks('2026-11-01', [
          [null, null],
          [null, null],
          [12, 1],
        ]),
      },
    ]);
  });

  it('shows nothing of a group of fewer filers than the threshold, nor of fewer items', async () => {
    const ten = await readModel(10).comparison(SLUG);
    expect(ten.groups.map((g) => [g.kind, g.audience, g.filers, g.feedback])).toEqual([
      ['audience', 'business', 20, null],
      ['cohort', 'business', 10, null],
      ['others', 'business', 10, null],
      ['audience', 'citizen', 12, null],
    ]);
    // At 10 the residents' curve shows from week 3, when all 12 had filed.
    expect(ten.adoption.find((c) => c.audience === 'citizen')!.weeks.slice(0, 4)).toEqual([
      { week: 1, filers: null, share: null },
      { week: 2, filers: null, share: null },
      { week: 3, filers: 12, share: 1 },
      { week: 4, filers: 12, share: 1 },
    ]);
    const eleven = await readModel(11).comparison(SLUG);
    expect(eleven.groups.map((g) => [g.kind, g.audience, g.filers, g.daysToFirstFiling])).toEqual([
      ['audience', 'business', 20, 2.5],
      ['cohort', 'business', null, null],
      ['others', 'business', null, null],
      ['audience', 'citizen', 12, 5],
    ]);
  });
});
