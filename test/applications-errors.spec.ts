import type TestAgent from 'supertest/lib/agent.js';
import { DataSource } from 'typeorm';
import { ApplicationProcessingService } from '../src/modules/applications/application-processing.service.js';
import { fileBuildingPermit, PDF, releaseService } from './support/applications.js';
import { createPerson, signedInAgent } from './support/people.js';
import { csrfFrom, startTestApp, type TestApp } from './support/test-app.js';

type Agent = InstanceType<typeof TestAgent>;

/** The hrefs of the error summary, in order. */
const summary = (html: string) => {
  const start = html.indexOf('govuk-error-summary__list');
  if (start === -1) return [];
  const list = html.slice(start, html.indexOf('</ul>', start));
  return [...list.matchAll(/href="#([\w-]+)"/g)].map((m) => m[1]);
};

/**
 * The applicant's other forms: every bad input re-renders the page with a 422,
 * the error summary and what was typed; a file the portal cannot take is a
 * field message, never an error page.
 */
describe('applications: what the applicant gets for bad input', () => {
  let portal: TestApp;
  let db: DataSource;
  let person: { id: string; email: string };
  let agent: Agent;
  let filed = '';

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    await releaseService(portal, 'building-permit');
    person = await createPerson(db);
    agent = await signedInAgent(portal.url, person.email);
    filed = `/applications/${
      (await fileBuildingPermit(portal.app, db, { accountId: person.id, audience: 'citizen' })).id
    }`;
  });
  afterAll(() => portal.close());

  async function form(path: string, page: string, fields: Record<string, string>) {
    const csrf = csrfFrom((await agent.get(page)).text);
    return agent
      .post(path)
      .type('form')
      .send({ _csrf: csrf, ...fields });
  }

  it('refuses an empty or overlong message, keeping it', async () => {
    const empty = await form(`${filed}/messages`, filed, { message: '   ' });
    expect(empty.status).toBe(422);
    expect(summary(empty.text)).toEqual(['message']);
    expect(empty.text).toContain('Écrivez votre message');
    const long = 'é'.repeat(5001);
    const overlong = await form(`${filed}/messages`, filed, { message: long });
    expect(overlong.status).toBe(422);
    expect(overlong.text).toContain('au plus 5 000 caractères');
    expect(overlong.text).toContain(long);
    const sent = await form(`${filed}/messages`, filed, { message: 'Puis-je commencer lundi ?' });
    expect(sent.status).toBe(303);
    expect((await agent.get(filed)).text).toContain('Puis-je commencer lundi ?');
  });

  it('refuses an overlong reason to withdraw', async () => {
    const res = await form(`${filed}/withdraw`, `${filed}/withdraw`, { reason: 'x'.repeat(2001) });
    expect(res.status).toBe(422);
    expect(summary(res.text)).toEqual(['reason']);
  });

  it('refuses an empty answer to a request for information', async () => {
    const [clerk] = await db.query(
      `INSERT INTO account (email, display_name, password_hash, preferred_locale, email_confirmed_at)
       VALUES ($1, 'Préposé', 'x', 'fr', now()) RETURNING id`,
      [`clerk-${Date.now()}@exemple.ca`],
    );
    await portal.app
      .get(ApplicationProcessingService)
      .requestInformation(
        { accountId: clerk.id as string },
        filed.split('/').pop()!,
        'Une photo ?',
        {
          ip: '127.0.0.1',
        },
      );
    const res = await form(`${filed}/resubmit`, filed, { answer: '' });
    expect(res.status).toBe(422);
    expect(summary(res.text)).toEqual(['answer']);
    expect(res.text).toContain('Écrivez votre réponse à la Ville');
  });

  describe('a rule between two answers (public-domain-occupation: endDate onOrAfter startDate)', () => {
    let draft = '';
    const year = String(new Date().getUTCFullYear() + 1);
    const period = {
      'startDate-day': '10',
      'startDate-month': '6',
      'startDate-year': year,
      'endDate-day': '9',
      'endDate-month': '6',
      'endDate-year': year,
    };
    beforeAll(async () => {
      await releaseService(portal, 'public-domain-occupation');
      const page = await agent.get('/services/public-domain-occupation/citizen');
      const res = await agent
        .post('/services/public-domain-occupation/citizen/start')
        .type('form')
        .send({ _csrf: csrfFrom(page.text) });
      draft = res.headers.location as string;
    });

    it('shows the rule’s message on the end date, in French and in English, keeping the dates', async () => {
      const res = await form(`${draft}/steps/period`, `${draft}/steps/period`, period);
      expect(res.status).toBe(422);
      expect(summary(res.text)).toEqual(['endDate-day']);
      expect(res.text).toContain(
        'La date de fin doit être la date de début ou une date ultérieure',
      );
      expect(res.text).toContain('value="9"');
      const page = await agent.get(`${draft}/steps/period`).set('Cookie', 'guichet_lang=en');
      const english = await agent
        .post(`${draft}/steps/period`)
        .set('Cookie', 'guichet_lang=en')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), ...period });
      expect(english.status).toBe(422);
      expect(english.text).toContain('The end date must be the same as or after the start date');
    });

    it('accepts an end date on the start date', async () => {
      const res = await form(`${draft}/steps/period`, `${draft}/steps/period`, {
        ...period,
        'endDate-day': '10',
      });
      expect(res.status).toBe(303);
    });
  });

  describe('attachments', () => {
    let draft = '';
    beforeAll(async () => {
      const page = await agent.get('/services/building-permit/citizen');
      const res = await agent
        .post('/services/building-permit/citizen/start')
        .type('form')
        .send({ _csrf: csrfFrom(page.text) });
      draft = res.headers.location as string;
    });

    async function upload(file?: { content: Buffer; name: string }) {
      const page = await agent.get(`${draft}/steps/documents`);
      const req = agent
        .post(`${draft}/steps/documents`)
        .field('_csrf', csrfFrom(page.text))
        .field('action', 'upload:sitePlan');
      return file ? req.attach('sitePlan', file.content, file.name) : req;
    }

    it('asks for a file when none was chosen', async () => {
      const res = await upload();
      expect(res.status).toBe(422);
      expect(summary(res.text)).toEqual(['sitePlan']);
      expect(res.text).toContain('Choisissez un fichier à joindre');
    });

    it('refuses a file over 10 MB with a field message, not an error page', async () => {
      const big = Buffer.concat([PDF, Buffer.alloc(10 * 1024 * 1024)]);
      const res = await upload({ content: big, name: 'plan.pdf' });
      expect(res.status).toBe(422);
      expect(res.text).toContain('Le fichier doit faire 10 Mo ou moins');
    });

    it('keeps an accented file name', async () => {
      const res = await upload({ content: PDF, name: 'plan d’implantation – façade.pdf' });
      expect(res.status).toBe(200);
      expect(res.text).toContain('plan d’implantation – façade.pdf');
    });
  });
});
