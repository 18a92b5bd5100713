import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { DataSource } from 'typeorm';
import { inAMonth, PDF, releaseService } from './support/applications.js';
import { createPerson, signedInAgent, smeMember, PASSWORD } from './support/people.js';
import {
  ageSessions,
  csrfFrom,
  eventually,
  startTestApp,
  unleashAdmin,
  type TestApp,
} from './support/test-app.js';

type Agent = InstanceType<typeof TestAgent>;

/** The hrefs of the error summary, in order. */
const summary = (html: string) => {
  const start = html.indexOf('govuk-error-summary__list');
  if (start === -1) return [];
  const list = html.slice(start, html.indexOf('</ul>', start));
  return [...list.matchAll(/href="#([\w-]+)"/g)].map((m) => m[1]);
};

const valueOf = (html: string, id: string) =>
  new RegExp(`id="${id}" name="${id}" type="[a-z]+" value="([^"]*)"`).exec(html)?.[1];

const [year, month, day] = inAMonth().split('-');

const property = {
  'propertyAddress-line1': '12, rue des Érables',
  'propertyAddress-line2': '',
  'propertyAddress-city': 'Val-des-Cèdres',
  'propertyAddress-postalCode': 'j8x1a1',
  lotNumber: '1234567',
  applicantIsOwner: 'yes',
};
const work = {
  workType: 'renovation',
  workDescription: 'Remplacement des fenêtres.',
  estimatedCost: '12 500,50',
  'startDate-day': String(Number(day)),
  'startDate-month': String(Number(month)),
  'startDate-year': year,
  durationWeeks: '6',
  treesCut: 'no',
};

async function post(agent: Agent, path: string, fields: Record<string, string>) {
  const page = await agent.get(path);
  return agent
    .post(path)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), action: 'continue', ...fields });
}

async function start(agent: Agent, variant: 'citizen' | 'business'): Promise<string> {
  const page = await agent.get(`/services/building-permit/${variant}`);
  expect(page.status).toBe(200);
  const res = await agent
    .post(`/services/building-permit/${variant}/start`)
    .type('form')
    .send({ _csrf: csrfFrom(page.text) });
  expect(res.status).toBe(303);
  return res.headers.location as string;
}

describe('filing an application on the web, GOV.UK-style', () => {
  let portal: TestApp;
  let db: DataSource;
  let citizen: { id: string; email: string };
  let agent: Agent;
  let draft: string;

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    await releaseService(portal, 'building-permit');
    citizen = await createPerson(db, { displayName: 'Julie Gagnon' });
    agent = await signedInAgent(portal.url, citizen.email);
    draft = await start(agent, 'citizen');
  });
  afterAll(() => portal.close());

  it('starts a draft and shows a task list, the form having more than four steps', async () => {
    expect(draft).toMatch(/^\/applications\/[0-9a-f-]{36}$/);
    const page = await agent.get(draft);
    expect(page.status).toBe(200);
    expect(page.text).toContain('govuk-task-list');
    expect(page.text).toContain('La propriété');
    expect(page.text).not.toContain('Votre entreprise');
    expect(page.text).toContain('Pas encore possible');
  });

  it('answers 422 with an error summary in order, keeping what was typed', async () => {
    const res = await post(agent, `${draft}/steps/property`, {
      'propertyAddress-line1': '12, rue des Érables',
      lotNumber: '12',
    });
    expect(res.status).toBe(422);
    expect(summary(res.text)).toEqual([
      'propertyAddress-city',
      'propertyAddress-postalCode',
      'lotNumber',
      'applicantIsOwner',
    ]);
    expect(res.text).toContain('Le numéro de lot compte sept chiffres');
    expect(valueOf(res.text, 'propertyAddress-line1')).toBe('12, rue des Érables');
    expect(valueOf(res.text, 'lotNumber')).toBe('12');
    expect(res.text).toContain('<title>Erreur');
  });

  it('shows the messages in English to an English speaker', async () => {
    const page = await agent.get(`${draft}/steps/work`).set('Cookie', 'guichet_lang=en');
    const res = await agent
      .post(`${draft}/steps/work`)
      .set('Cookie', 'guichet_lang=en')
      .type('form')
      .send({
        _csrf: csrfFrom(page.text),
        ...work,
        'startDate-day': '31',
        'startDate-month': '2',
        estimatedCost: 'beaucoup',
      });
    expect(res.status).toBe(422);
    expect(res.text).toContain('“Planned start date” must be a real date');
    expect(res.text).toContain('“Estimated cost of the work” must be an amount in dollars');
  });

  it('saves a valid step and normalizes what was typed', async () => {
    expect((await post(agent, `${draft}/steps/property`, property)).status).toBe(303);
    const res = await post(agent, `${draft}/steps/work`, work);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(draft);
    const [row] = await db.query(`SELECT answers FROM application WHERE id = $1`, [
      draft.split('/').pop(),
    ]);
    expect(row.answers.propertyAddress.postalCode).toBe('J8X 1A1');
    expect(row.answers.estimatedCost).toBe(12500.5);
    expect(row.answers.startDate).toBe(inAMonth());
    // floorArea only shows for new buildings, extensions and outbuildings.
    expect(row.answers).not.toHaveProperty('floorArea');
  });

  it('checks an attachment’s type from its content, not its name', async () => {
    const page = await agent.get(`${draft}/steps/documents`);
    expect(page.text).toContain('enctype="multipart/form-data"');
    const fake = await agent
      .post(`${draft}/steps/documents`)
      .field('_csrf', csrfFrom(page.text))
      .field('action', 'upload:sitePlan')
      .attach('sitePlan', Buffer.from('not a pdf at all'), 'plan.pdf');
    expect(fake.status).toBe(422);
    expect(fake.text).toContain('Le fichier doit être un PDF, un JPEG ou un PNG');
    const real = await agent
      .post(`${draft}/steps/documents`)
      .field('_csrf', csrfFrom(page.text))
      .field('action', 'upload:sitePlan')
      .attach('sitePlan', PDF, 'plan-implantation.pdf');
    expect(real.status).toBe(200);
    expect(real.text).toContain('plan-implantation.pdf');
    const next = await agent
      .post(`${draft}/steps/documents`)
      .field('_csrf', csrfFrom(page.text))
      .field('action', 'continue');
    expect(next.status).toBe(303);
  });

  it('keeps what was typed when the session expired, and shows it again after signing in', async () => {
    const page = await agent.get(`${draft}/steps/contractor`);
    const csrf = csrfFrom(page.text);
    // The session times out: signed out, but kept (with its token) for the grace period.
    await ageSessions(db, citizen.id, { idleMinutes: portal.config.SESSION_IDLE_MINUTES + 1 });
    const res = await agent
      .post(`${draft}/steps/contractor`)
      .type('form')
      .send({ _csrf: csrf, doneBy: 'contractor', contractorName: 'Toitures Boréal inc.' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(
      `/sign-in?return=${encodeURIComponent(`${draft}/steps/contractor`)}`,
    );
    const signIn = await agent.get(res.headers.location as string);
    const back = await agent
      .post('/sign-in')
      .type('form')
      .send({
        _csrf: csrfFrom(signIn.text),
        email: citizen.email,
        password: PASSWORD,
        return: `${draft}/steps/contractor`,
      });
    expect(back.headers.location).toBe(`${draft}/steps/contractor`);
    const restored = await agent.get(`${draft}/steps/contractor`);
    expect(restored.text).toContain('Votre session avait expiré');
    expect(valueOf(restored.text, 'contractorName')).toBe('Toitures Boréal inc.');
    // Nothing was saved until the person continues, signed in.
    const [row] = await db.query(`SELECT answers FROM application WHERE id = $1`, [
      draft.split('/').pop(),
    ]);
    expect(row.answers).not.toHaveProperty('contractorName');
  });

  it('prefills the contact details from the account, then submits once with a reference', async () => {
    const done = await post(agent, `${draft}/steps/contractor`, {
      doneBy: 'contractor',
      contractorName: 'Toitures Boréal inc.',
      contractorRbq: '5678-1234-01',
    });
    expect(done.status).toBe(303);
    const contact = await agent.get(`${draft}/steps/contact`);
    expect(valueOf(contact.text, 'contactName')).toBe('Julie Gagnon');
    expect(valueOf(contact.text, 'contactEmail')).toBe(citizen.email);
    expect(
      (
        await post(agent, `${draft}/steps/contact`, {
          contactName: 'Julie Gagnon',
          contactEmail: citizen.email,
          contactPhone: '(819) 555-0199',
        })
      ).status,
    ).toBe(303);

    const check = await agent.get(`${draft}/check`);
    expect(check.status).toBe(200);
    expect(check.text).toMatch(/12\s500,50\s\$/);
    expect(check.text).toContain('plan-implantation.pdf');
    const csrf = csrfFrom(check.text);
    const noDeclaration = await agent.post(`${draft}/submit`).type('form').send({ _csrf: csrf });
    expect(noDeclaration.status).toBe(422);
    expect(summary(noDeclaration.text)).toEqual(['declaration']);

    // A double click: two submissions at once make one application.
    const [first, second] = await Promise.all(
      [1, 2].map(() =>
        agent.post(`${draft}/submit`).type('form').send({ _csrf: csrf, declaration: 'agreed' }),
      ),
    );
    expect(first.headers.location).toBe(`${draft}/confirmation`);
    expect(second.headers.location).toBe(`${draft}/confirmation`);
    const confirmation = await agent.get(`${draft}/confirmation`);
    const reference = /id="reference">([^<]+)</.exec(confirmation.text)?.[1];
    expect(reference).toMatch(/^PC-\d{4}-\d{6}$/);
    const [count] = await db.query(
      `SELECT count(*)::int AS n FROM application_transition WHERE application_id = $1`,
      [draft.split('/').pop()],
    );
    expect(count.n).toBe(1);

    const receipt = await agent.get(`${draft}/receipt`);
    expect(receipt.text).toContain(reference);
    const pdf = await agent.get(`${draft}/receipt.pdf`).buffer(true);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(
      Buffer.from(pdf.body as Buffer)
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');

    const list = await agent.get('/applications');
    expect(list.text).toContain(reference);
  });

  it('hides one person’s application from another', async () => {
    const other = await createPerson(db);
    const stranger = await signedInAgent(portal.url, other.email);
    expect((await stranger.get(draft)).status).toBe(404);
    expect((await stranger.get(`${draft}/receipt.pdf`)).status).toBe(404);
    expect((await request(portal.url).get(draft)).status).toBe(303);
  });

  it('keeps a draft when the variant is paused, and lets the person carry on when it reopens', async () => {
    const another = await start(agent, 'citizen');
    expect((await post(agent, `${another}/steps/property`, property)).status).toBe(303);
    const admin = unleashAdmin();
    await admin.setEnabled('building-permit.citizen', false);
    await eventually(async () => (await agent.get(`${another}/steps/work`)).status === 403, 5000);
    const paused = await agent.get(`${another}/steps/work`);
    expect(paused.text).toContain('Votre brouillon est conservé');
    expect((await agent.get('/applications')).text).toContain(another);
    await admin.setEnabled('building-permit.citizen', true);
    await eventually(
      async () => (await agent.get(`${another}/steps/property`)).status === 200,
      5000,
    );
    const page = await agent.get(`${another}/steps/property`);
    expect(valueOf(page.text, 'lotNumber')).toBe('1234567');
  });

  it('gives the business variant its own first step, prefilled from the SME, and shares drafts with members', async () => {
    const sme = await smeMember(portal.url, db, { legalName: 'Construction Laval inc.' });
    const businessDraft = await start(sme.agent, 'business');
    const page = await sme.agent.get(`${businessDraft}/steps/business`);
    expect(page.status).toBe(200);
    expect(valueOf(page.text, 'businessName')).toBe('Construction Laval inc.');
    expect(valueOf(page.text, 'businessNeq')).toMatch(/^\d{10}$/);
    const steps = await sme.agent.get(businessDraft);
    expect(steps.text).toContain('Votre entreprise');
    // Acting for themselves, the same person is offered to switch back.
    const asSelf = await signedInAgent(
      portal.url,
      (await db.query(`SELECT email FROM account WHERE id = $1`, [sme.accountId]))[0].email,
    );
    const other = await asSelf.get(businessDraft);
    expect(other.status).toBe(409);
    expect(other.text).toContain('Agir au nom de Construction Laval inc.');
  });
});
