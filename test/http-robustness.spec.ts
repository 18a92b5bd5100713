import request from 'supertest';
import { DataSource } from 'typeorm';
import { fileBuildingPermit, PDF } from './support/applications.js';
import { createPerson, signedInAgent, uniqueEmail } from './support/people.js';
import { routesOf } from './support/routes.js';
import { csrfFrom, startTestApp, type TestApp } from './support/test-app.js';

type Agent = ReturnType<typeof request.agent>;
const UUID = '3f2b8c1e-7a4d-4e5f-9b6a-1c2d3e4f5a6b';

/** What the security review found at the HTTP level: cursors, methods, caching, API limits. */
describe('the portal at the HTTP level, after the outside review', () => {
  let portal: TestApp;
  let db: DataSource;
  let admin: Agent;
  let citizen: Agent;
  let application = '';
  let attachment = '';
  let feedback = '';
  let feedbackFile = '';

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    const resident = await createPerson(db, { email: uniqueEmail('resident') });
    const staff = await createPerson(db, { email: uniqueEmail('admin') });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'admin')`, [staff.id]);
    application = (
      await fileBuildingPermit(portal.app, db, { accountId: resident.id, audience: 'citizen' })
    ).id;
    [{ id: attachment }] = await db.query(
      `SELECT id FROM application_attachment WHERE application_id = $1`,
      [application],
    );
    [{ id: feedback }] = await db.query(
      `INSERT INTO feedback_item (service_slug, variant, service_revision, stage, audience, account_id, language, kind, happened)
       VALUES ('building-permit', 'citizen', 1, 'general', 'citizen', $1, 'fr', 'praise', 'Merci') RETURNING id`,
      [resident.id],
    );
    [{ id: feedbackFile }] = await db.query(
      `INSERT INTO feedback_attachment (feedback_id, filename, content_type, size_bytes, sha256, content)
       VALUES ($1, 'capture.pdf', 'application/pdf', $2, $3, $4) RETURNING id`,
      [feedback, PDF.length, 'a'.repeat(64), PDF],
    );
    admin = await signedInAgent(portal.url, staff.email);
    citizen = await signedInAgent(portal.url, resident.email);
  });
  afterAll(() => portal.close());

  describe('a tampered paging link', () => {
    const impossibleDate = `2026-02-30T10:00:00.000000Z`;
    const cases: [string, string, string, string][] = [
      [
        'the audit log, an impossible date',
        `/staff/audit?after=${impossibleDate}~1`,
        'Ce lien de pagination n’est pas valide',
        'This paging link is not valid',
      ],
      [
        'the audit log, an id too large for its column',
        '/staff/audit?after=2026-02-03T10:00:00.000000Z~9999999999999999999',
        'Ce lien de pagination n’est pas valide',
        'This paging link is not valid',
      ],
      [
        'the application queue, an impossible date',
        `/staff/applications?after=${impossibleDate}~${UUID}`,
        'Ce lien de pagination n’est pas valide',
        'This page link is not valid',
      ],
      [
        'the application queue, going back',
        `/staff/applications?before=2026-13-01T10:00:00.000000Z~${UUID}`,
        'Ce lien de pagination n’est pas valide',
        'This page link is not valid',
      ],
      [
        'the feedback inbox, an impossible date',
        `/staff/feedback?after=${impossibleDate}~${UUID}`,
        'Ce lien de page n’est plus valide',
        'This page link is no longer valid',
      ],
      [
        'the feedback inbox, hyphens for an id',
        `/staff/feedback?after=2026-02-03T10:00:00.000000Z~${'-'.repeat(36)}`,
        'Ce lien de page n’est plus valide',
        'This page link is no longer valid',
      ],
    ];
    it.each(cases)(
      '%s: 400, and the page says so in French and English',
      async (_, path, fr, en) => {
        const french = await admin.get(path).set('Cookie', 'guichet_lang=fr');
        expect(french.status).toBe(400);
        expect(french.text).toContain(fr);
        const english = await admin.get(path).set('Cookie', 'guichet_lang=en');
        expect(english.status).toBe(400);
        expect(english.text).toContain(en);
      },
    );

    it('reads a NUL in the audit log’s filters as if it were not there', async () => {
      for (const field of ['action', 'actorId', 'entityType', 'entityId']) {
        const res = await admin.get(`/staff/audit?${field}=application.submitted%00`);
        expect(res.status).toBe(200);
      }
      const csv = await admin.get('/staff/audit.csv?action=application.submitted%00');
      expect(csv.status).toBe(200);
    });
  });

  describe('a method an address does not take', () => {
    it('answers 405 with Allow on pages, forms and the API, 404 on unknown addresses', async () => {
      const page = await citizen.delete('/sign-in');
      expect(page.status).toBe(405);
      expect(page.headers.allow).toBe('GET, HEAD, POST');
      expect(page.text).toContain('Méthode non acceptée');

      const api = await request(portal.url).put('/api/v1/applications');
      expect(api.status).toBe(405);
      expect(api.headers.allow).toBe('GET, HEAD, POST');
      expect(api.body).toMatchObject({ code: 'method_not_allowed' });
      expect(typeof api.body.message).toBe('string');
      const english = await request(portal.url)
        .patch(`/api/v1/applications/${UUID}`)
        .set('Accept-Language', 'en');
      expect(english.status).toBe(405);
      expect(english.headers.allow).toBe('GET, HEAD');
      expect(english.body.message).toContain('Allow header');

      expect((await request(portal.url).delete('/nowhere')).status).toBe(404);
      expect((await request(portal.url).get('/nowhere')).status).toBe(404);
    });

    it('never answers 404 to a known address, whatever the method', async () => {
      const known = routesOf(portal.app).filter((r) => !r.path.includes(':') && r.path !== '/');
      expect(known.length).toBeGreaterThan(20);
      for (const { path, methods } of known) {
        for (const method of ['PUT', 'PATCH', 'DELETE'].filter((m) => !methods.includes(m))) {
          const res = await request(portal.url)[method.toLowerCase() as 'put'](path);
          expect([path, method, res.status]).toEqual([path, method, 405]);
          expect(res.headers.allow).toContain(methods[0]);
        }
      }
    });
  });

  describe('caching of personal data', () => {
    it('marks every page and download with personal data no-store', async () => {
      const kinds: [Agent, string][] = [
        [citizen, `/applications/${application}`],
        [citizen, `/applications/${application}/files/${attachment}`],
        [citizen, `/applications/${application}/receipt.pdf`],
        [citizen, `/feedback/${feedback}`],
        [citizen, `/feedback/${feedback}/files/${feedbackFile}`],
        [citizen, '/account/profile'],
        [admin, `/staff/applications/${application}`],
        [admin, `/staff/applications/${application}/files/${attachment}`],
        [admin, `/staff/feedback/${feedback}/files/${feedbackFile}`],
        [admin, '/staff/feedback.csv'],
        [admin, '/staff/audit.csv'],
        [admin, '/staff/audit'],
      ];
      for (const [agent, path] of kinds) {
        const res = await agent.get(path);
        expect([path, res.status]).toEqual([path, 200]);
        expect([path, res.headers['cache-control']]).toEqual([
          path,
          expect.stringMatching(/(^|, )no-store$/),
        ]);
      }
    });

    it('lets the static assets be cached as before', async () => {
      const css = await request(portal.url).get('/assets/css/guichet.css');
      expect(css.status).toBe(200);
      expect(css.headers['cache-control']).not.toContain('no-store');
    });
  });

  describe('an anonymous API caller over the limit', () => {
    it('is told it is counted by its address, in French and in English', async () => {
      let last: request.Response | undefined;
      for (let i = 0; i < 61; i++)
        last = await request(portal.url)
          .get('/api/v1/services')
          .set('Authorization', 'Bearer gk_nothing');
      expect(last!.status).toBe(429);
      expect(last!.body.code).toBe('rate_limited');
      expect(last!.body.message).toContain('depuis votre adresse');
      expect(last!.body.message).not.toContain('avec cette clé');
      const english = await request(portal.url)
        .get('/api/v1/services')
        .set('Accept-Language', 'en')
        .set('Authorization', 'Bearer gk_nothing');
      expect(english.status).toBe(429);
      expect(english.body.message).toContain('from your address');
      expect(english.body.message).not.toContain('with this key');
    });
  });

  describe('a very long email address', () => {
    it('is refused by its length, on the password reset form', async () => {
      const agent = request.agent(portal.url);
      const csrf = csrfFrom((await agent.get('/password-reset')).text);
      const res = await agent
        .post('/password-reset')
        .type('form')
        .send({ _csrf: csrf, email: `a@${'.'.repeat(20_000)}` });
      expect(res.status).toBe(422);
      expect(res.text).toContain('L’adresse courriel doit compter au plus 254 caractères');
    });
  });
});
