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
import { csrfFrom, startTestApp, type TestApp } from './support/test-app.js';

const DEMO = '%@demo.guichet.example';

/** How many rows each table the seed writes to holds. */
async function counts(db: DataSource) {
  const [row] = await db.query(
    `SELECT (SELECT count(*) FROM account)::int AS accounts,
       (SELECT count(*) FROM staff_member)::int AS staff,
       (SELECT count(*) FROM organization)::int AS organizations,
       (SELECT count(*) FROM organization_membership)::int AS memberships,
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

  it('creates twelve SMEs of Val-des-Cèdres, of different sectors and sizes, each with one owner and 0 to 3 members', async () => {
    const smes = await db.query(
      `SELECT o.legal_name, o.neq, o.city, o.postal_code, o.employee_count, o.naics_code,
         o.contact_email, o.contact_phone,
         count(*) FILTER (WHERE m.role = 'owner')::int AS owners,
         count(*) FILTER (WHERE m.role = 'member')::int AS members
       FROM organization o JOIN organization_membership m ON m.organization_id = o.id
       GROUP BY o.id`,
    );
    expect(smes).toHaveLength(12);
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
    expect(new Set(smes.map((s: { naics_code: string }) => s.naics_code)).size).toBe(12);
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
      { action: 'staff.member_added', n: 6 },
    ]);
  });

  it('seeds two SME pilot cohorts and a citizen tester cohort, and the services at different stages', async () => {
    const cohorts = await db.query(
      `SELECT cohort.audience, count(cohort_member.id)::int AS members FROM cohort
         JOIN cohort_member ON cohort_member.cohort_id = cohort.id AND cohort_member.status = 'active'
        GROUP BY cohort.id ORDER BY cohort.audience, cohort.slug`,
    );
    expect(cohorts).toEqual([
      { audience: 'business', members: 3 },
      { audience: 'business', members: 3 },
      { audience: 'citizen', members: 3 },
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

  it('adds nothing when it runs again', async () => {
    const before = await counts(db);
    const seed = new DemoPeopleSeed(db, portal.app.get(AuditService), new JsonLogger('error'));
    expect(await seed.run()).toBe(false);
    expect(await counts(db)).toEqual(before);
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
