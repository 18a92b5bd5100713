import request from 'supertest';
import { DataSource } from 'typeorm';
import { AuditService } from '../src/modules/audit/audit.service.js';
import {
  DEMO_PASSWORD,
  DEMO_PEOPLE,
  DEMO_PEOPLE_SEED,
  DemoPeopleSeed,
  demoSignInLines,
  demoSignIns,
} from '../src/modules/demo/demo-people.seed.js';
import {
  normalizeNeq,
  normalizePhone,
  normalizePostalCode,
} from '../src/modules/organizations/dto/organization.dto.js';
import { NAICS_CODES } from '../src/modules/organizations/naics-sectors.js';
import { JsonLogger } from '../src/platform/logging/json-logger.js';
import { passwordProblem } from '../src/platform/security/passwords.js';
import { FlagsService } from '../src/platform/flags/flags.service.js';
import { CatalogueService } from '../src/modules/catalogue/catalogue.service.js';
import { FormService } from '../src/modules/catalogue/form.service.js';
import {
  SmeFirstReadModel,
  type GroupFigures,
} from '../src/modules/insights/sme-first.read-model.js';
import { DemoRolloutSeed } from '../src/modules/rollout/demo-rollout.seed.js';
import { csrfFrom, startTestApp, type TestApp } from './support/test-app.js';

const DEMO = '%@demo.guichet.example';

/** How many rows each table the seed writes to holds. */
async function counts(db: DataSource) {
  const [row] = await db.query(
    `SELECT (SELECT count(*) FROM account)::int AS accounts,
       (SELECT count(*) FROM staff_member)::int AS staff,
       (SELECT count(*) FROM organization)::int AS organizations,
       (SELECT count(*) FROM organization_membership)::int AS memberships,
       (SELECT count(*) FROM cohort_member)::int AS cohort_members,
       (SELECT count(*) FROM application)::int AS applications,
       (SELECT count(*) FROM feedback_item)::int AS feedback,
       (SELECT count(*) FROM audit_event)::int AS audit_events,
       (SELECT count(*) FROM seed_run)::int AS seed_runs`,
  );
  return row as Record<string, number>;
}

describe('demo people (SEED_DEMO)', () => {
  let portal: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    portal = await startTestApp({ SEED_DEMO: 'true' });
    db = portal.app.get(DataSource);
  });
  afterAll(() => portal?.close());

  it('creates the staff: one admin, one rollout manager, two clerks, one analyst, one service designer', async () => {
    const rows = await db.query(
      `SELECT s.role, count(*)::int AS n FROM staff_member s JOIN account a ON a.id = s.account_id
       WHERE a.email LIKE $1 GROUP BY s.role ORDER BY s.role`,
      [DEMO],
    );
    expect(rows).toEqual([
      { role: 'admin', n: 1 },
      { role: 'analyst', n: 1 },
      { role: 'clerk', n: 2 },
      { role: 'rollout-manager', n: 1 },
      { role: 'service-designer', n: 1 },
    ]);
  });

  it('creates twenty-one SMEs of Val-des-Cèdres, of different sectors and sizes, each with one owner and 0 to 3 members', async () => {
    const smes = await db.query(
      `SELECT o.legal_name, o.neq, o.city, o.postal_code, o.employee_count, o.naics_code,
         o.contact_email, o.contact_phone,
         count(*) FILTER (WHERE m.role = 'owner')::int AS owners,
         count(*) FILTER (WHERE m.role = 'member')::int AS members
       FROM organization o JOIN organization_membership m ON m.organization_id = o.id
       GROUP BY o.id`,
    );
    expect(smes).toHaveLength(21);
    for (const sme of smes) {
      expect(sme.neq).toMatch(/^11\d{8}$/);
      expect(normalizeNeq(sme.neq)).toBe(sme.neq);
      expect(normalizePostalCode(sme.postal_code)).toBe(sme.postal_code);
      expect(normalizePhone(sme.contact_phone)).toBe(sme.contact_phone);
      expect(sme.city).toBe('Val-des-Cèdres');
      expect(NAICS_CODES).toContain(sme.naics_code);
      expect(sme.contact_email).toMatch(/@demo\.guichet\.example$/);
      expect(sme.owners).toBe(1);
      expect(sme.members).toBeGreaterThanOrEqual(0);
      expect(sme.members).toBeLessThanOrEqual(3);
    }
    expect(new Set(smes.map((s: { naics_code: string }) => s.naics_code)).size).toBe(13);
    expect(new Set(smes.map((s: { contact_phone: string }) => s.contact_phone)).size).toBe(21);
    const sizes = smes.map((s: { employee_count: number }) => s.employee_count);
    expect(Math.min(...sizes)).toBe(1);
    expect(Math.max(...sizes)).toBeGreaterThanOrEqual(200);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(250);
    const inTwo = await db.query(
      `SELECT account_id FROM organization_membership GROUP BY account_id HAVING count(*) > 1`,
    );
    expect(inTwo.length).toBeGreaterThan(0);
  });

  it('creates twenty citizens (neither staff nor in an SME); every account confirmed, mostly French', async () => {
    const [citizens] = await db.query(
      `SELECT count(*)::int AS n FROM account a WHERE a.email LIKE $1
         AND NOT EXISTS (SELECT 1 FROM staff_member s WHERE s.account_id = a.id)
         AND NOT EXISTS (SELECT 1 FROM organization_membership m WHERE m.account_id = a.id)`,
      [DEMO],
    );
    expect(citizens.n).toBe(20);
    const [accounts] = await db.query(
      `SELECT count(*)::int AS n,
         count(*) FILTER (WHERE email_confirmed_at IS NULL)::int AS unconfirmed,
         count(*) FILTER (WHERE preferred_locale = 'fr')::int AS fr,
         count(*) FILTER (WHERE preferred_locale = 'en')::int AS en,
         count(DISTINCT password_hash)::int AS hashes
       FROM account WHERE email LIKE $1`,
      [DEMO],
    );
    expect(accounts.n).toBe(DEMO_PEOPLE.length);
    expect(accounts.unconfirmed).toBe(0);
    expect(accounts.en).toBeGreaterThan(0);
    expect(accounts.fr).toBeGreaterThan(accounts.en);
    expect(accounts.hashes).toBe(1);
  });

  it('records its run and audits it as system/demo-seed', async () => {
    expect(
      await db.query('SELECT 1 FROM seed_run WHERE name = $1', [DEMO_PEOPLE_SEED]),
    ).toHaveLength(1);
    const events = await db.query(
      `SELECT action, count(*)::int AS n FROM audit_event
       WHERE actor_type = 'system' AND actor_id = 'demo-seed' AND action <> 'flag.strategies_replaced'
       GROUP BY action ORDER BY action`,
    );
    expect(events).toEqual([
      { action: 'seed.demo_people', n: 1 },
      { action: 'seed.demo_revision', n: 1 },
      { action: 'seed.demo_rollout', n: 1 },
      { action: 'seed.demo_story', n: 1 },
      { action: 'staff.member_added', n: 6 },
    ]);
  });

  it('seeds two SME pilot cohorts and a citizen tester cohort, and the services at different stages', async () => {
    const cohorts = await db.query(
      `SELECT cohort.slug, count(cohort_member.id)::int AS members FROM cohort
         JOIN cohort_member ON cohort_member.cohort_id = cohort.id AND cohort_member.status = 'active'
        GROUP BY cohort.id ORDER BY cohort.audience, cohort.slug`,
    );
    expect(cohorts).toEqual([
      { slug: 'pme-pilotes-commerces', members: 12 },
      { slug: 'pme-pilotes-construction', members: 3 },
      { slug: 'citoyens-testeurs', members: 12 },
    ]);
    const stages = await db.query(
      `SELECT service_slug || '.' || variant AS flag, stage FROM rollout_plan ORDER BY 1`,
    );
    expect(
      Object.fromEntries(stages.map((r: { flag: string; stage: string }) => [r.flag, r.stage])),
    ).toEqual({
      'building-permit.business': 'sme-all',
      'building-permit.citizen': 'general',
      'bulky-waste-pickup.business': 'sme-all',
      'bulky-waste-pickup.citizen': 'citizen-pilot',
      'occupancy-certificate.business': 'closed',
      'occupancy-certificate.citizen': 'closed',
      'public-domain-occupation.business': 'sme-gradual',
      'public-domain-occupation.citizen': 'closed',
      'sign-permit.business': 'sme-pilot',
      'sign-permit.citizen': 'internal',
    });
  });

  it('gives Unleash the demo stages at boot: a pilot SME gets the sign permit, another SME does not', async () => {
    const flags = portal.app.get(FlagsService);
    const [bakery] = await db.query(`SELECT id FROM organization WHERE neq = '1164829371'`);
    const [roofer] = await db.query(`SELECT id FROM organization WHERE neq = '1148305726'`);
    const sme = (id: string) => ({
      userId: id,
      properties: { audience: 'business' as const, organizationId: id, staff: 'false' as const },
    });
    expect(flags.isEnabled('sign-permit.business', sme(bakery.id))).toBe(true);
    expect(flags.isEnabled('sign-permit.business', sme(roofer.id))).toBe(false);
    expect(flags.isEnabled('building-permit.business', sme(roofer.id))).toBe(true);
    expect(flags.isEnabled('occupancy-certificate.business', sme(bakery.id))).toBe(false);
    expect(
      flags.isEnabled('building-permit.citizen', {
        userId: 'someone',
        properties: { audience: 'citizen', staff: 'false' },
      }),
    ).toBe(true);
  });

  it('puts the building permit’s revision 2 in SME pilot: the construction pilot SMEs get 2, everyone else 1', async () => {
    const flags = portal.app.get(FlagsService);
    const [roofer] = await db.query(`SELECT id FROM organization WHERE neq = '1148305726'`);
    const [bakery] = await db.query(`SELECT id FROM organization WHERE neq = '1164829371'`);
    const sme = (id: string) => ({
      userId: id,
      properties: { audience: 'business' as const, organizationId: id, staff: 'false' as const },
    });
    expect(flags.evaluate('building-permit.business', sme(roofer.id))).toEqual({
      enabled: true,
      payload: '2',
    });
    expect(flags.evaluate('building-permit.business', sme(bakery.id)).payload).toBe('1');
    expect(
      flags.evaluate('building-permit.citizen', {
        userId: 'someone',
        properties: { audience: 'citizen', staff: 'false' },
      }).payload,
    ).toBe('1');
    const [candidate] = await db.query(
      `SELECT revision, stage FROM revision_rollout WHERE service_slug = 'building-permit'`,
    );
    expect(candidate).toEqual({ revision: 2, stage: 'sme-pilot' });
    const [revision] = await db.query(
      `SELECT document FROM service_revision WHERE service_slug = 'building-permit' AND number = 2`,
    );
    expect(JSON.stringify(revision.document)).toContain('heritageSite');
  });

  it('gives the SME-first comparison figures: the pilot shops gave more and richer feedback than the citizen testers', async () => {
    const figures = portal.app.get(SmeFirstReadModel);
    const audience = (groups: GroupFigures[], who: 'business' | 'citizen') =>
      groups.find((g) => g.kind === 'audience' && g.audience === who)!;
    const signPermit = await figures.comparison('sign-permit');
    const bulkyWaste = await figures.comparison('bulky-waste-pickup');
    const pilots = audience(signPermit.groups, 'business');
    const smes = audience(bulkyWaste.groups, 'business');
    const testers = audience(bulkyWaste.groups, 'citizen');

    // Every group shown is at the threshold or above, its feedback figures too.
    for (const group of [pilots, smes, testers]) {
      expect(group.filers).toBeGreaterThanOrEqual(signPermit.minGroup);
      expect(group.feedback).toBeGreaterThanOrEqual(signPermit.minGroup);
    }
    expect(pilots).toMatchObject({
      filers: 11,
      applications: 24,
      feedback: 19,
      kinds: 6,
      steps: 6,
    });
    expect(smes).toMatchObject({ filers: 12, applications: 36, feedback: 15, kinds: 5, steps: 4 });
    expect(testers).toMatchObject({
      filers: 11,
      applications: 34,
      feedback: 11,
      kinds: 3,
      steps: 2,
    });

    // The sign permit is still SME-only (SME-first): no resident filed, its problems came from SMEs.
    expect(signPermit.opened.citizen).toBeNull();
    expect(audience(signPermit.groups, 'citizen').filers).toBeNull();
    expect(signPermit.beforeCitizens).toEqual({ found: 7, fixed: 5 });
    // The bulky-waste pickup opened to SMEs 50 days before the testers, who found it mostly fixed.
    const gap = Date.parse(bulkyWaste.opened.citizen!) - Date.parse(bulkyWaste.opened.business!);
    expect(Math.round(gap / 86_400_000)).toBe(50);
    expect(bulkyWaste.beforeCitizens).toEqual({ found: 5, fixed: 3 });

    // What an analyst notices: SMEs give more, and richer, feedback than residents.
    for (const [richer, poorer] of [
      [pilots, testers],
      [smes, testers],
    ]) {
      expect(richer.feedbackPer100!).toBeGreaterThan(poorer.feedbackPer100!);
      expect(richer.averageWords!).toBeGreaterThan(poorer.averageWords!);
      expect(richer.withScreenshot!).toBeGreaterThan(poorer.withScreenshot!);
      expect(richer.kinds!).toBeGreaterThan(poorer.kinds!);
      expect(richer.steps!).toBeGreaterThan(poorer.steps!);
    }
    expect(pilots.feedbackPer100!).toBeGreaterThan(smes.feedbackPer100!);
    // Each filed a few days after the service opened to them.
    for (const group of [pilots, smes, testers]) {
      expect(group.daysToFirstFiling).toBeGreaterThan(1);
      expect(group.daysToFirstFiling).toBeLessThan(8);
    }
    // A pilot cohort whose others never had the service hides with them.
    expect(
      signPermit.groups.filter((g) => g.kind !== 'audience').map((g) => [g.kind, g.filers]),
    ).toEqual([
      ['cohort', null],
      ['others', null],
    ]);
  });

  it('files the story as the portal would: complete answers, references in order, a clerk’s decisions, attachments', async () => {
    const catalogue = portal.app.get(CatalogueService);
    const forms = portal.app.get(FormService);
    const applications = await db.query<
      {
        reference: string;
        service_slug: string;
        variant: 'business' | 'citizen';
        status: string;
        answers: Record<string, never>;
        submitted_at: Date;
        files: number;
        moves: string[];
      }[]
    >(
      `SELECT a.reference, a.service_slug, a.variant, a.status, a.answers, a.submitted_at,
              (SELECT count(*)::int FROM application_attachment f
                WHERE f.application_id = a.id AND a.answers->'signMockup'->0->>'id' = f.id::text) AS files,
              ARRAY(SELECT t.to_status FROM application_transition t
                     WHERE t.application_id = a.id ORDER BY t.at) AS moves
         FROM application a ORDER BY a.submitted_at`,
    );
    expect(applications).toHaveLength(94);
    for (const application of applications) {
      const service = catalogue.find(application.service_slug)!;
      // Complete but for dates, which the form wants from today on and these were asked long ago.
      const problems = forms
        .problems(service, application.variant, application.answers)
        .flatMap((s) => s.problems)
        .filter((p) => p.key !== 'form.errors.dateNotBefore');
      expect({ reference: application.reference, problems }).toEqual({
        reference: application.reference,
        problems: [],
      });
      expect(application.reference).toMatch(
        new RegExp(`^${service.referencePrefix}-${application.submitted_at.getUTCFullYear()}-`),
      );
      expect(application.files).toBe(application.service_slug === 'sign-permit' ? 1 : 0);
      expect(application.moves).toEqual(
        ['submitted', 'in_review', 'approved'].slice(0, application.moves.length),
      );
      expect(application.moves.at(-1)).toBe(application.status);
    }
    // In the order submitted: by year, then number (both written to sort as text).
    const references = (prefix: string) =>
      applications.map((a) => a.reference).filter((r) => r.startsWith(`${prefix}-`));
    for (const prefix of ['PA', 'CV'])
      expect(references(prefix)).toEqual([...references(prefix)].sort());
    // Every item of feedback is about its author's own application of the variant.
    const [strays] = await db.query(
      `SELECT count(*)::int AS n FROM feedback_item f JOIN application a ON a.id = f.application_id
        WHERE a.service_slug <> f.service_slug OR a.variant <> f.variant
           OR a.account_id <> f.account_id OR a.organization_id IS DISTINCT FROM f.organization_id
           OR f.created_at < a.created_at`,
    );
    expect(strays.n).toBe(0);
  });

  it('adds nothing when it runs again', async () => {
    const before = await counts(db);
    const seed = new DemoPeopleSeed(db, portal.app.get(AuditService), new JsonLogger('error'));
    expect(await seed.run()).toBe(false);
    expect(await portal.app.get(DemoRolloutSeed).run()).toBe(false);
    expect(await counts(db)).toEqual(before);
  });

  it('adds only what is missing to a database seeded by an earlier version of the people', async () => {
    await db.query('DELETE FROM seed_run WHERE name = $1', [DEMO_PEOPLE_SEED]);
    const before = await counts(db);
    const seed = new DemoPeopleSeed(db, portal.app.get(AuditService), new JsonLogger('error'));
    expect(await seed.run()).toBe(true);
    expect(await counts(db)).toEqual({
      ...before,
      seed_runs: before.seed_runs + 1,
      audit_events: before.audit_events + 1,
    });
    const [event] = await db.query(
      `SELECT after FROM audit_event WHERE action = 'seed.demo_people' ORDER BY id DESC LIMIT 1`,
    );
    expect(event.after).toMatchObject({ accounts: 0, staff: 0, organizations: [], memberships: 0 });
  });

  it('tells the story to a demo database seeded before it: pilots of three, openings at its first boot', async () => {
    const figures = portal.app.get(SmeFirstReadModel);
    const told = await Promise.all(
      ['sign-permit', 'bulky-waste-pickup'].map((slug) => figures.comparison(slug)),
    );
    await db.query(`DELETE FROM feedback_item`);
    await db.query(`DELETE FROM application`);
    await db.query(
      `DELETE FROM cohort_member USING organization
        WHERE organization.id = cohort_member.organization_id
          AND organization.neq NOT IN ('1164829371', '1176509142', '1140658297', '1148305726',
                                       '1172094418', '1133702659')`,
    );
    await db.query(
      `DELETE FROM cohort_member USING account WHERE account.id = cohort_member.account_id
          AND account.email NOT IN ('citizen01@demo.guichet.example', 'citizen02@demo.guichet.example',
                                    'citizen03@demo.guichet.example')`,
    );
    await db.query(`UPDATE cohort_member SET joined_at = now(), created_at = now()`);
    await db.query(`UPDATE rollout_decision SET created_at = now()`);
    await db.query(`DELETE FROM seed_run WHERE name = 'demo-story-v1'`);

    expect(await portal.app.get(DemoRolloutSeed).run()).toBe(true);
    const again = await Promise.all(
      ['sign-permit', 'bulky-waste-pickup'].map((slug) => figures.comparison(slug)),
    );
    const figuresOf = (comparisons: typeof told) =>
      comparisons.map((c) => ({ groups: c.groups, beforeCitizens: c.beforeCitizens }));
    expect(figuresOf(again)).toEqual(figuresOf(told));
    const [members] = await db.query(
      `SELECT count(*)::int AS n, min(joined_at) < now() - interval '60 days' AS backdated
         FROM cohort_member JOIN cohort ON cohort.id = cohort_member.cohort_id
        WHERE cohort.slug IN ('pme-pilotes-commerces', 'citoyens-testeurs')`,
    );
    expect(members).toEqual({ n: 24, backdated: true });
  });

  it('lets the demo admin sign in with the demo password and open the audit log', async () => {
    const agent = request.agent(portal.url);
    const page = await agent.get('/sign-in').set('Cookie', 'guichet_lang=fr');
    const res = await agent
      .post('/sign-in')
      .type('form')
      .send({
        _csrf: csrfFrom(page.text),
        email: 'admin@demo.guichet.example',
        password: DEMO_PASSWORD,
        return: '/staff/audit',
      });
    expect(res.status).toBe(303);
    const audit = await agent.get('/staff/audit').set('Cookie', 'guichet_lang=fr');
    expect(audit.status).toBe(200);
    expect(audit.text).toContain('seed.demo_people');
  });

  it('uses a password the portal itself would accept for every demo address', () => {
    expect(passwordProblem(DEMO_PASSWORD)).toBeUndefined();
    for (const p of DEMO_PEOPLE) expect(passwordProblem(DEMO_PASSWORD, p.email)).toBeUndefined();
    expect(new Set(DEMO_PEOPLE.map((p) => p.email)).size).toBe(DEMO_PEOPLE.length);
  });

  it('lists the demo sign-ins for the banner, in at most 10 lines', async () => {
    const signIns = await demoSignIns(db);
    expect(signIns.map((s) => s.label)).toEqual([
      'admin',
      'rollout manager',
      'clerk',
      'analyst',
      'service designer',
      'SME owner',
      'SME member',
      'citizen',
    ]);
    const lines = await demoSignInLines(portal.app);
    expect(lines.length).toBeLessThanOrEqual(10);
    expect(lines.join('\n')).toContain(DEMO_PASSWORD);
  });
});

describe('demo people without SEED_DEMO', () => {
  it('are not seeded, and the banner lists no demo sign-in', async () => {
    const portal = await startTestApp();
    try {
      const db = portal.app.get(DataSource);
      expect(await db.query('SELECT 1 FROM account WHERE email LIKE $1', [DEMO])).toHaveLength(0);
      expect(await demoSignInLines(portal.app)).toEqual([]);
    } finally {
      await portal.close();
    }
  });
});
