import { jest } from '@jest/globals';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { DataSource } from 'typeorm';
import { main as staffCreateMain } from '../scripts/staff-create.js';
import {
  createStaffMember,
  describeOutcome,
  parseStaffCreateArgs,
} from '../src/modules/staff/staff-create.command.js';
import { csvCell } from '../src/platform/csv/write-csv.js';
import { hashPassword } from '../src/platform/security/passwords.js';
import type { StaffRole } from '../src/modules/staff/staff-role.js';
import { csrfFrom, eventually, mailFor, startTestApp, type TestApp } from './support/test-app.js';

const unique = (what = 'person') =>
  `${what}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}@exemple.ca`;
const CITIZEN_PASSWORD = 'trois pommes vertes au marché';
const STAFF_PATHS = ['/staff', '/staff/people', '/staff/audit', '/staff/audit.csv'] as const;
/** The actions in an audit page's table, top to bottom. */
const actionsOn = (html: string) =>
  [...html.matchAll(/<td class="govuk-table__cell"><code>([^<]+)<\/code>/g)].map((m) => m[1]);
/** HTML with the entities Handlebars writes in attributes turned back into characters. */
const decode = (html: string) =>
  html
    .replace(/&#x3D;/g, '=')
    .replace(/&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

describe('staff: roles, the staff area, the audit log', () => {
  let portal: TestApp;
  let db: DataSource;
  const agents = {} as Record<StaffRole | 'citizen', TestAgent>;
  const ids = {} as Record<StaffRole | 'citizen', string>;

  async function signIn(email: string, password: string, lang = 'fr') {
    const agent = request.agent(portal.url);
    const page = await agent.get('/sign-in').set('Cookie', `guichet_lang=${lang}`);
    const res = await agent
      .post('/sign-in')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email, password, return: '/account' });
    expect(res.status).toBe(303);
    return agent;
  }

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    const citizenEmail = unique('citizen');
    const [citizen] = await db.query(
      `INSERT INTO account (email, display_name, password_hash, preferred_locale, email_confirmed_at)
       VALUES ($1, 'Camille Citoyenne', $2, 'fr', now()) RETURNING id`,
      [citizenEmail, await hashPassword(CITIZEN_PASSWORD)],
    );
    ids.citizen = citizen.id;
    agents.citizen = await signIn(citizenEmail, CITIZEN_PASSWORD);
    for (const role of ['admin', 'rollout-manager', 'clerk', 'analyst'] as const) {
      const email = unique(role);
      const outcome = await createStaffMember(db, {
        email,
        name: `Agent ${role}`,
        role,
        locale: 'fr',
      });
      ids[role] = outcome.accountId;
      agents[role] = await signIn(email, outcome.password!);
    }
  });
  afterAll(() => portal.close());

  describe('who may open what', () => {
    it.each(STAFF_PATHS)(
      'anonymous: %s sends to the sign-in page, coming back after',
      async (path) => {
        const res = await request(portal.url).get(path);
        expect(res.status).toBe(303);
        expect(res.headers.location).toBe(`/sign-in?return=${encodeURIComponent(path)}`);
      },
    );

    it.each(STAFF_PATHS)('a signed-in resident: %s does not exist (404)', async (path) => {
      const res = await agents.citizen.get(path);
      expect(res.status).toBe(404);
      expect(res.text).toContain('Page introuvable');
    });

    const matrix: [StaffRole, number, number, number, number][] = [
      ['admin', 200, 200, 200, 200],
      ['rollout-manager', 200, 403, 403, 403],
      ['clerk', 200, 403, 403, 403],
      ['analyst', 200, 403, 403, 403],
    ];
    it.each(matrix)(
      '%s: /staff %i, /staff/people %i, /staff/audit %i, /staff/audit.csv %i',
      async (role, ...expected) => {
        const got = [];
        for (const path of STAFF_PATHS) got.push((await agents[role].get(path)).status);
        expect(got).toEqual(expected);
        const refused = await agents[role].get('/staff/people');
        if (refused.status === 403) expect(refused.text).toContain('Accès refusé');
      },
    );

    it('shows the staff link in the portal menu to staff only', async () => {
      const clerkHome = await agents.clerk.get('/');
      expect(clerkHome.text).toContain('href="/staff"');
      expect(clerkHome.text).toContain('Espace du personnel');
      const citizenHome = await agents.citizen.get('/');
      expect(citizenHome.status).toBe(200);
      expect(citizenHome.text).not.toContain('href="/staff"');
      expect((await request(portal.url).get('/')).text).not.toContain('href="/staff"');
    });

    it('shows each role its staff home, with the admin tools to admins only', async () => {
      const clerk = await agents.clerk.get('/staff').set('Cookie', 'guichet_lang=en');
      expect(clerk.text).toContain('Your role: Clerk');
      expect(clerk.text).not.toContain('href="/staff/audit"');
      const admin = await agents.admin.get('/staff');
      expect(admin.text).toContain('Votre rôle : Administrateur');
      expect(admin.text).toContain('href="/staff/audit"');
    });
  });

  describe("a person's roles, and removing them from staff", () => {
    async function newStaff(role: StaffRole) {
      const email = unique(`lifecycle-${role}`);
      const outcome = await createStaffMember(db, {
        email,
        name: 'Lou Lavoie',
        role,
        locale: 'fr',
      });
      return { id: outcome.accountId, agent: await signIn(email, outcome.password!) };
    }
    async function post(path: string, values: Record<string, string>, lang = 'fr') {
      const page = await agents.admin
        .get(path.replace(/\/(roles|remove)$/, ''))
        .set('Cookie', `guichet_lang=${lang}`);
      return agents.admin
        .post(path)
        .set('Cookie', `guichet_lang=${lang}`)
        .type('form')
        .send({ _csrf: csrfFrom(page.text), ...values });
    }

    it('lists everyone with their roles, each linked to a page with their roles ticked', async () => {
      const person = await newStaff('clerk');
      await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'analyst')`, [
        person.id,
      ]);
      const list = await agents.admin.get('/staff/people').set('Cookie', 'guichet_lang=en');
      expect(list.text).toContain(`href="/staff/people/${person.id}"`);
      expect(list.text).toContain('Clerk and Analyst');
      const page = await agents.admin.get(`/staff/people/${person.id}`);
      expect(page.status).toBe(200);
      expect(page.text).toMatch(/name="role-clerk" type="checkbox" value="yes"[^>]*checked/);
      expect(page.text).toMatch(/name="role-analyst" type="checkbox" value="yes"[^>]*checked/);
      expect(page.text).not.toMatch(/name="role-admin" type="checkbox" value="yes"[^>]*checked/);
      // Both roles' tools on their home page, each once.
      const home = await person.agent.get('/staff').set('Cookie', 'guichet_lang=en');
      expect(home.text).toContain('Your roles: Clerk and Analyst');
      expect(home.text.match(/href="\/staff\/feedback"/g)?.length).toBe(2); // menu and tools
      expect(home.text).toContain('href="/staff/applications"');
      expect(home.text).toContain('href="/staff/insights"');
      for (const path of [`/staff/people/${ids.citizen}`, '/staff/people/not-an-id'])
        expect((await agents.admin.get(path)).status).toBe(404);
    });

    it('changes roles: a role taken away signs the person out at once; none ticked is refused with 422', async () => {
      const person = await newStaff('clerk');
      const refused = await post(`/staff/people/${person.id}/roles`, {}, 'en');
      expect(refused.status).toBe(422);
      expect(refused.text).toContain('govuk-error-summary');
      expect(refused.text).toContain('href="#roles"');
      expect(refused.text).toContain('Tick at least one role');
      expect(refused.text).not.toMatch(/type="checkbox" value="yes"[^>]*checked/);

      const added = await post(`/staff/people/${person.id}/roles`, {
        'role-clerk': 'yes',
        'role-analyst': 'yes',
      });
      expect(added.status).toBe(303);
      expect((await person.agent.get('/staff/insights')).status).toBe(200);

      const taken = await post(`/staff/people/${person.id}/roles`, { 'role-analyst': 'yes' });
      expect(taken.status).toBe(303);
      const list = await agents.admin.get('/staff/people');
      expect(list.text).toContain('Les rôles de Lou Lavoie sont enregistrés');
      const after = await person.agent.get('/staff/insights');
      expect(after.status).toBe(303);
      expect(after.headers.location).toMatch(/^\/sign-in/);
    });

    it('removes someone from staff: their session stops working, their account stays', async () => {
      const person = await newStaff('rollout-manager');
      expect((await person.agent.get('/staff/cohorts')).status).toBe(200);
      const removed = await post(`/staff/people/${person.id}/remove`, {});
      expect(removed.status).toBe(303);
      const list = await agents.admin.get('/staff/people');
      expect(list.text).toContain('Lou Lavoie ne fait plus partie du personnel');
      expect(list.text).not.toContain(`href="/staff/people/${person.id}"`);
      const after = await person.agent.get('/staff/cohorts');
      expect(after.status).toBe(303);
      expect(after.headers.location).toMatch(/^\/sign-in/);
      expect((await agents.admin.get(`/staff/people/${person.id}`)).status).toBe(404);
    });

    it('refuses to remove the last admin, with the reason on the page', async () => {
      const admins: { account_id: string }[] = await db.query(
        `SELECT account_id FROM staff_member WHERE role = 'admin'`,
      );
      expect(admins).toEqual([{ account_id: ids.admin }]);
      const res = await post(`/staff/people/${ids.admin}/remove`, {}, 'en');
      expect(res.status).toBe(422);
      expect(res.text).toContain(
        'This is the last administrator: give the role to someone else first',
      );
      const demoted = await post(`/staff/people/${ids.admin}/roles`, { 'role-clerk': 'yes' }, 'en');
      expect(demoted.status).toBe(422);
      expect(demoted.text).toMatch(/name="role-clerk" type="checkbox" value="yes"[^>]*checked/);
      expect((await agents.admin.get('/staff/people')).status).toBe(200);
    });
  });

  describe('adding staff', () => {
    async function addForm(values: Record<string, string>, lang = 'fr') {
      const page = await agents.admin.get('/staff/people').set('Cookie', `guichet_lang=${lang}`);
      return agents.admin
        .post('/staff/people')
        .set('Cookie', `guichet_lang=${lang}`)
        .type('form')
        .send({ _csrf: csrfFrom(page.text), ...values });
    }

    it('offers the service designer role, labelled in both languages, and adds one', async () => {
      for (const [lang, label] of [
        ['fr', 'Concepteur de services'],
        ['en', 'Service designer'],
      ] as const) {
        const page = await agents.admin.get('/staff/people').set('Cookie', `guichet_lang=${lang}`);
        expect(page.text).toMatch(/<input[^>]+value="service-designer"/);
        expect(page.text).toContain(label);
      }
      const email = unique('new-designer');
      const res = await addForm({ displayName: 'Élise Conçoit', email, role: 'service-designer' });
      expect(res.status).toBe(303);
      const [member] = await db.query(
        `SELECT s.role FROM staff_member s JOIN account a ON a.id = s.account_id WHERE a.email = $1`,
        [email],
      );
      expect(member).toEqual({ role: 'service-designer' });
    });

    it('an admin adds a clerk: account, role, audit event, and an email to choose a password that works', async () => {
      const email = unique('new-clerk');
      const res = await addForm({ displayName: 'Nouveau Préposé', email, role: 'clerk' });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/staff/people');
      const list = await agents.admin.get('/staff/people');
      expect(list.text).toContain('Nouveau Préposé fait maintenant partie du personnel');
      expect(list.text).toContain(email);

      const [member] = await db.query(
        `SELECT s.account_id, s.role, s.created_by, a.email_confirmed_at
         FROM staff_member s JOIN account a ON a.id = s.account_id WHERE a.email = $1`,
        [email],
      );
      expect(member).toMatchObject({
        role: 'clerk',
        created_by: ids.admin,
        email_confirmed_at: null,
      });
      const events = await db.query(
        `SELECT action, actor_type, actor_id, after FROM audit_event WHERE entity_id = $1 ORDER BY id`,
        [member.account_id],
      );
      expect(events.map((e: { action: string }) => e.action)).toEqual([
        'account.created_for_staff',
        'staff.member_added',
        'account.password_reset_requested',
      ]);
      expect(events[1]).toMatchObject({
        actor_type: 'staff',
        actor_id: ids.admin,
        after: { roles: ['clerk'], email },
      });

      await eventually(async () => (await mailFor(email)).length > 0, 5000);
      const [message] = await mailFor(email);
      const link = new URL(
        /(http:\/\/\S+\/password-reset\/choose\?token=\S+)/.exec(message.text)![1],
      );
      const token = link.searchParams.get('token')!;
      const agent = request.agent(portal.url);
      const choose = await agent.get(`/password-reset/choose?token=${token}`);
      const password = 'un mot de passe bien à moi';
      const done = await agent
        .post('/password-reset/choose')
        .type('form')
        .send({ _csrf: csrfFrom(choose.text), token, password });
      expect(done.status).toBe(200);
      const clerk = await signIn(email, password);
      expect((await clerk.get('/staff')).status).toBe(200);
      expect((await clerk.get('/staff/people')).status).toBe(403);
    });

    it('makes an existing account staff without creating another or emailing it', async () => {
      const email = unique('existing');
      await db.query(
        `INSERT INTO account (email, display_name, password_hash, preferred_locale, email_confirmed_at)
         VALUES ($1, 'Déjà Inscrite', 'x', 'fr', now())`,
        [email],
      );
      const res = await addForm({
        displayName: 'Autre nom',
        email: email.toUpperCase(),
        role: 'analyst',
      });
      expect(res.status).toBe(303);
      const rows = await db.query(
        `SELECT a.display_name, s.role FROM account a JOIN staff_member s ON s.account_id = a.id WHERE lower(a.email) = lower($1)`,
        [email],
      );
      expect(rows).toEqual([{ display_name: 'Déjà Inscrite', role: 'analyst' }]);
      await new Promise((r) => setTimeout(r, 300));
      expect(await mailFor(email)).toEqual([]);
    });

    it('re-renders with 422, a summary in field order, messages beside fields and what was typed', async () => {
      const res = await addForm(
        { displayName: '  ', email: 'pas-une-adresse', role: 'boss' },
        'en',
      );
      expect(res.status).toBe(422);
      expect(res.text).toContain('<title>Error: Staff');
      expect(res.text).toContain('There is a problem');
      const start = res.text.indexOf('govuk-error-summary__list');
      const summary = res.text.slice(start, res.text.indexOf('</ul>', start));
      expect([...summary.matchAll(/href="#(\w+)"/g)].map((m) => m[1])).toEqual([
        'displayName',
        'email',
        'role',
      ]);
      expect(res.text).toContain('id="displayName-error"');
      expect(res.text).toContain('Enter an email address in the correct format');
      expect(res.text).toContain('id="role-error"');
      expect(res.text).toContain('value="pas-une-adresse"');
    });

    it('refuses someone who is already staff, saying where roles change, keeping the role chosen', async () => {
      const [clerk] = await db.query(`SELECT email FROM account WHERE id = $1`, [ids.clerk]);
      const res = await addForm({ displayName: 'X', email: clerk.email, role: 'admin' });
      expect(res.status).toBe(422);
      expect(res.text).toContain(
        'Cette personne fait déjà partie du personnel : changez ses rôles à partir de sa page dans la liste',
      );
      expect(res.text).toMatch(/value="admin" checked/);
      const [still] = await db.query(`SELECT role FROM staff_member WHERE account_id = $1`, [
        ids.clerk,
      ]);
      expect(still.role).toBe('clerk');
    });

    it('refuses a name on more than one line, without adding anyone', async () => {
      const page = await agents.admin.get('/staff/people');
      const email = unique('twolines');
      const res = await agents.admin
        .post('/staff/people')
        .type('form')
        .send({
          _csrf: csrfFrom(page.text),
          displayName: 'Julie\nhttp://evil.example',
          email,
          role: 'clerk',
        });
      expect(res.status).toBe(422);
      expect(res.text).toContain('Entrez le nom de la personne sur une seule ligne');
      expect(await db.query(`SELECT 1 FROM account WHERE account.email = $1`, [email])).toEqual([]);
    });

    it('refuses a form without its CSRF token', async () => {
      const res = await agents.admin
        .post('/staff/people')
        .type('form')
        .send({ displayName: 'X', email: unique(), role: 'admin' });
      expect(res.status).toBe(403);
    });
  });

  describe('the audit log', () => {
    const trickyName = '=HYPERLINK("x")';
    let registeredEmail: string;

    beforeAll(async () => {
      registeredEmail = unique('tricky');
      const agent = request.agent(portal.url);
      const page = await agent.get('/register');
      const res = await agent
        .post('/register')
        .type('form')
        .send({
          _csrf: csrfFrom(page.text),
          displayName: trickyName,
          email: registeredEmail,
          password: CITIZEN_PASSWORD,
          preferredLocale: 'fr',
        });
      expect(res.status).toBe(303);
    });

    it('filters by action, newest first, showing actor, entity and the data, escaped', async () => {
      const res = await agents.admin.get('/staff/audit?action=account.registered');
      expect(res.status).toBe(200);
      const actions = actionsOn(res.text);
      expect(actions.length).toBeGreaterThan(0);
      expect(new Set(actions)).toEqual(new Set(['account.registered']));
      expect(res.text).toContain(registeredEmail);
      // Handlebars escapes = and " too: the name is shown as text, never as markup.
      expect(res.text).toContain('&#x3D;HYPERLINK(&quot;x&quot;)');
      expect(res.text).not.toContain('=HYPERLINK("x")');
      expect(decode(res.text)).toContain('href="/staff/audit.csv?action=account.registered"');

      const all = await agents.admin.get('/staff/audit');
      const times = [...all.text.matchAll(/<time datetime="([^"]+)"/g)].map((m) => m[1]);
      expect(times.length).toBeGreaterThan(1);
      expect([...times].sort().reverse()).toEqual(times);
    });

    it('filters by actor, entity and dates', async () => {
      const byActor = await agents.admin.get(`/staff/audit?actorId=${ids.admin}`);
      expect(actionsOn(byActor.text)).toContain('staff.member_added');
      expect(actionsOn(byActor.text)).not.toContain('account.registered');
      const byEntity = await agents.admin.get(
        `/staff/audit?entityType=staff_member&entityId=${ids.clerk}`,
      );
      expect(actionsOn(byEntity.text)).toEqual(['staff.member_added']);
      const today = new Date().toISOString().slice(0, 10);
      expect(
        actionsOn((await agents.admin.get(`/staff/audit?from=${today}&to=${today}`)).text),
      ).toContain('account.registered');
      expect((await agents.admin.get('/staff/audit?to=2000-01-01')).text).toContain(
        'Aucun événement ne correspond',
      );
    });

    it('refuses impossible dates with 422 and says why', async () => {
      const res = await agents.admin.get('/staff/audit?from=2026-02-30&to=hier');
      expect(res.status).toBe(422);
      expect(res.text).toContain('Entrez une date réelle au format AAAA-MM-JJ');
      expect(res.text).toContain('value="hier"');
      expect((await agents.admin.get('/staff/audit.csv?from=nope')).status).toBe(422);
    });

    it('pages 50 events at a time with a link to older ones', async () => {
      await db.query(
        `INSERT INTO audit_event (actor_type, actor_id, action, entity_type, entity_id, occurred_at)
         SELECT 'system', 'test', 'test.paging', 'test', i::text, now() - make_interval(secs => i)
         FROM generate_series(1, 60) AS i`,
      );
      const first = await agents.admin.get('/staff/audit?action=test.paging');
      expect(first.text.match(/data-event-id=/g)).toHaveLength(50);
      const next = /href="(\/staff\/audit\?action=test.paging&after=[^"]+)" rel="next"/.exec(
        decode(first.text),
      );
      expect(next).not.toBeNull();
      const second = await agents.admin.get(next![1]);
      expect(second.status).toBe(200);
      expect(second.text.match(/data-event-id=/g)).toHaveLength(10);
      expect(second.text).not.toContain('rel="next"');
      expect(second.text).toContain('Revenir aux plus récents');
      expect((await agents.admin.get('/staff/audit?after=nonsense')).status).toBe(400);
    });

    it('exports the same filters as CSV, quoted, with formulas defused', async () => {
      const res = await agents.admin
        .get('/staff/audit.csv?action=account.registered')
        .buffer(true)
        .parse((response, callback) => {
          let data = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (data += chunk));
          response.on('end', () => callback(null, data));
        });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toMatch(
        /^attachment; filename="audit-\d{8}-\d{6}\.csv"$/,
      );
      const text = (res.body as string).replace(/^\uFEFF/, '');
      const lines = text.split('\r\n').filter(Boolean);
      expect(lines[0]).toBe(
        '"occurred_at","actor_type","actor_id","actor_name","acting_as","action","entity_type","entity_id","before","after","ip","request_id"',
      );
      expect(lines.slice(1).every((line) => line.includes(',"account.registered",'))).toBe(true);
      const row = lines.find((line) => line.includes(registeredEmail))!;
      expect(row).toContain(`"'=HYPERLINK(""x"")"`);
      expect(row).toContain('""displayName"":""=HYPERLINK(\\""x\\"")""');
      // The export itself is audited: who, which filters, how many rows.
      const [exported] = await db.query(
        `SELECT actor_type, entity_type, after FROM audit_event
          WHERE action = 'staff.exported' AND actor_id = $1 AND after->>'export' = 'audit'
          ORDER BY id DESC LIMIT 1`,
        [ids.admin],
      );
      expect(exported).toEqual({
        actor_type: 'staff',
        entity_type: 'audit_event',
        after: {
          export: 'audit',
          filters: expect.objectContaining({ action: 'account.registered' }),
          rows: lines.length - 1,
        },
      });
    });
  });

  describe('npm run staff:create', () => {
    it('explains bad usage, every problem at once, with exit code 2', async () => {
      const parsed = parseStaffCreateArgs(['--email', 'nope', '--role', 'king']);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) {
        expect(parsed.message).toContain('--email "nope" is not an email address');
        expect(parsed.message).toContain('--name is required');
        expect(parsed.message).toContain('--role "king" is not a role');
      }
      expect(parseStaffCreateArgs(['--emial', 'x@y.ca']).ok).toBe(false);
      const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
      try {
        expect(await staffCreateMain(['--email', 'x@y.ca'])).toBe(2);
      } finally {
        write.mockRestore();
      }
      expect(
        parseStaffCreateArgs(['--email', 'a@b.ca', '--name', 'A B', '--role', 'admin']),
      ).toEqual({
        ok: true,
        args: { email: 'a@b.ca', name: 'A B', role: 'admin', locale: 'fr' },
      });
    });

    it('accepts the service designer role', async () => {
      const parsed = parseStaffCreateArgs([
        '--email',
        'designer@b.ca',
        '--name',
        'D B',
        '--role',
        'service-designer',
      ]);
      expect(parsed).toMatchObject({ ok: true, args: { role: 'service-designer' } });
      const email = unique('cli-designer');
      const created = await createStaffMember(db, {
        email,
        name: 'Désirée Conception',
        role: 'service-designer',
        locale: 'fr',
      });
      const [row] = await db.query(`SELECT role FROM staff_member WHERE account_id = $1`, [
        created.accountId,
      ]);
      expect(row).toEqual({ role: 'service-designer' });
    });

    it('creates a confirmed admin with a password shown once, audited as the system, then promotes', async () => {
      const email = unique('first-admin');
      const args = { email, name: 'Première Admin', role: 'clerk' as const, locale: 'en' as const };
      const created = await createStaffMember(db, args);
      expect(created.accountCreated).toBe(true);
      expect(created.password).toMatch(/^[\w-]{24}$/);
      expect(describeOutcome(args, created)).toContain(created.password!);
      const [account] = await db.query(
        `SELECT a.email_confirmed_at, a.preferred_locale, s.role, s.created_by
         FROM account a JOIN staff_member s ON s.account_id = a.id WHERE a.id = $1`,
        [created.accountId],
      );
      expect(account).toMatchObject({ preferred_locale: 'en', role: 'clerk', created_by: null });
      expect(account.email_confirmed_at).toBeInstanceOf(Date);
      await signIn(email, created.password!);

      const promoted = await createStaffMember(db, { ...args, role: 'admin' });
      expect(promoted).toMatchObject({
        accountId: created.accountId,
        accountCreated: false,
        previousRoles: ['clerk'],
      });
      expect(promoted.password).toBeUndefined();
      const again = await createStaffMember(db, { ...args, role: 'admin' });
      expect(describeOutcome({ ...args, role: 'admin' }, again)).toContain('nothing changed');
      const events = await db.query(
        `SELECT action, actor_type, actor_id, before, after FROM audit_event
         WHERE entity_id = $1 AND action LIKE 'staff.%' ORDER BY id`,
        [created.accountId],
      );
      expect(events).toEqual([
        expect.objectContaining({
          action: 'staff.member_added',
          actor_type: 'system',
          actor_id: 'staff:create',
        }),
        expect.objectContaining({
          action: 'staff.roles_changed',
          actor_type: 'system',
          actor_id: 'staff:create',
          before: { roles: ['clerk'] },
          after: { roles: ['admin', 'clerk'] },
        }),
      ]);
    });
  });

  it('quotes CSV cells and defuses formulas', () => {
    expect(csvCell('plain')).toBe('"plain"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=1+1')).toBe(`"'=1+1"`);
    expect(csvCell('+33 1 23')).toBe(`"'+33 1 23"`);
    expect(csvCell('-5')).toBe(`"'-5"`);
    expect(csvCell('@SUM(A1)')).toBe(`"'@SUM(A1)"`);
    expect(csvCell('a\nb')).toBe('"a\nb"');
    expect(csvCell(null)).toBe('""');
    expect(csvCell({ a: 1 })).toBe('"{""a"":1}"');
  });
});
