import { DataSource } from 'typeorm';
import type { StepDefinition } from '../src/modules/catalogue/form-schema.js';
import { ServiceRevisionsService } from '../src/modules/studio/service-revisions.service.js';
import type { StaffActor } from '../src/modules/staff/staff-roles.guard.js';
import { createPerson, signedInAgent } from './support/people.js';
import { csrfFrom, startTestApp, type TestApp } from './support/test-app.js';

const origin = { ip: '127.0.0.1', requestId: 'test' };
const PERMIT = '/staff/services/building-permit/revisions';

/** A step the draft of the building permit gets: shown only when trees are cut (a condition across steps). */
const TREES: StepDefinition = {
  slug: 'trees',
  title: { fr: 'Les arbres', en: 'The trees' },
  fields: [
    {
      name: 'treeCount',
      type: 'number',
      integer: true,
      min: 1,
      label: { fr: 'Nombre d’arbres abattus', en: 'Number of trees cut down' },
      showIf: { field: 'treesCut', equals: 'yes' },
    },
    {
      name: 'treeNote',
      type: 'text',
      optional: true,
      label: { fr: '', en: '' },
      pattern: { regex: '(', message: { fr: 'Mauvais', en: 'Bad' } },
    },
  ],
};

/**
 * The preview of a revision (issue 14): start page, steps with the applicant's
 * templates and validation, check your answers; answers kept in the staff
 * member's session only; every staff role may open it.
 */
describe('the preview of a revision', () => {
  let portal: TestApp;
  let db: DataSource;
  let designer: StaffActor & { email: string };
  let clerkEmail: string;
  let citizenEmail: string;
  let draft: number;

  const applications = async () =>
    Number((await db.query(`SELECT count(*)::int AS n FROM application`))[0].n);

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    const person = await createPerson(db, { displayName: 'Élise Conception' });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'service-designer')`, [
      person.id,
    ]);
    designer = { accountId: person.id, roles: ['service-designer'], email: person.email };
    const clerk = await createPerson(db, { displayName: 'Paul Commis' });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'clerk')`, [clerk.id]);
    clerkEmail = clerk.email;
    citizenEmail = (await createPerson(db)).email;
    // A draft of the building permit with a step shown by an answer of an earlier step.
    const revisions = portal.app.get(ServiceRevisionsService);
    const started = await revisions.startDraft(designer, 'building-permit', origin);
    draft = started.number;
    await revisions.changeDraft(
      designer,
      'building-permit',
      draft,
      started.version,
      (d) => {
        const at = d.form.steps.findIndex((s) => s.slug === 'work') + 1;
        d.form.steps.splice(at, 0, TREES);
        return d;
      },
      'step trees',
      origin,
    );
  });
  afterAll(() => portal?.close());

  /** A signed-in agent whose every request is in `lang`. */
  async function as(email: string, lang: 'fr' | 'en') {
    const agent = await signedInAgent(portal.url, email, lang);
    const cookie = `guichet_lang=${lang}`;
    return {
      get: (path: string) => agent.get(path).set('Cookie', cookie),
      post: (path: string) => agent.post(path).set('Cookie', cookie),
    };
  }

  it('shows the start page of each variant, with the banner and the revision number', async () => {
    const agent = await as(designer.email, 'en');
    for (const [variant, caption] of [
      ['citizen', 'For residents'],
      ['business', 'For businesses'],
    ] as const) {
      const page = await agent.get(`${PERMIT}/1/preview/${variant}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain('Preview — nothing is saved');
      expect(page.text).toContain('Revision 1 (ready)');
      expect(page.text).toContain(caption);
      expect(page.text).toContain('Building or renovation permit');
      expect(page.text).toContain('Urban Planning Department');
      // The start button goes to the first step of the variant.
      const first = variant === 'business' ? 'business' : 'property';
      expect(page.text).toContain(`href="${PERMIT}/1/preview/${variant}/${first}"`);
    }
    const fr = await as(designer.email, 'fr');
    const page = await fr.get(`${PERMIT}/1/preview/citizen`);
    expect(page.text).toContain('Aperçu — rien n’est enregistré');
    expect(page.text).toContain('Révision 1 (prête)');
  });

  it('renders each step with the applicant’s fields, prefilled from the previewer', async () => {
    const agent = await as(designer.email, 'en');
    const contact = await agent.get(`${PERMIT}/1/preview/citizen/contact`);
    expect(contact.status).toBe(200);
    expect(contact.text).toContain('<h1 class="govuk-heading-l">Your contact details</h1>');
    expect(contact.text).toContain('step 5 of 5');
    expect(contact.text).toContain('value="Élise Conception"');
    expect(contact.text).toContain(`value="${designer.email}"`);
    const documents = await agent.get(`${PERMIT}/1/preview/business/documents`);
    expect(documents.text).toContain('type="file"');
    expect(documents.text).toContain('files are neither uploaded nor kept');
    // The business-only step: not in the citizen variant.
    expect((await agent.get(`${PERMIT}/1/preview/business/business`)).status).toBe(200);
    expect((await agent.get(`${PERMIT}/1/preview/citizen/business`)).status).toBe(404);
  });

  it('validates a step as an applicant’s (422, same messages, conditions), then goes on', async () => {
    const before = await applications();
    const agent = await as(designer.email, 'en');
    const url = `${PERMIT}/1/preview/citizen/property`;
    const csrf = csrfFrom((await agent.get(url)).text);
    const bad = await agent.post(url).type('form').send({
      _csrf: csrf,
      'propertyAddress-line1': '12 rue des Érables',
      'propertyAddress-city': 'Val-des-Cèdres',
      'propertyAddress-postalCode': 'nope',
      lotNumber: '1 234 567',
      applicantIsOwner: 'no',
    });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('There is a problem');
    expect(bad.text).toContain('href="#ownerName"');
    expect(bad.text).toContain('href="#propertyAddress-postalCode"');
    // What was typed is shown again.
    expect(bad.text).toContain('value="1 234 567"');
    const good = await agent.post(url).type('form').send({
      _csrf: csrf,
      'propertyAddress-line1': '12 rue des Érables',
      'propertyAddress-city': 'Val-des-Cèdres',
      'propertyAddress-postalCode': 'j8x1a1',
      lotNumber: '1 234 567',
      applicantIsOwner: 'yes',
    });
    expect(good.status).toBe(303);
    expect(good.headers.location).toBe(`${PERMIT}/1/preview/citizen/work`);
    // The answers are kept in the session: the step shows them again.
    const again = await agent.get(url);
    expect(again.text).toContain('value="J8X 1A1"');
    expect(await applications()).toBe(before);
  });

  it('applies the form’s cross-field rules as an applicant gets them', async () => {
    const agent = await as(designer.email, 'en');
    const url = '/staff/services/public-domain-occupation/revisions/1/preview/citizen/period';
    const csrf = csrfFrom((await agent.get(url)).text);
    const year = String(new Date().getFullYear() + 1);
    const dates = (endDay: string) => ({
      _csrf: csrf,
      'startDate-day': '10',
      'startDate-month': '6',
      'startDate-year': year,
      'endDate-day': endDay,
      'endDate-month': '6',
      'endDate-year': year,
    });
    const wrong = await agent.post(url).type('form').send(dates('9'));
    expect(wrong.status).toBe(422);
    expect(wrong.text).toContain('The end date must be the same as or after the start date');
    expect(wrong.text).toContain('href="#endDate-day"');
    const right = await agent.post(url).type('form').send(dates('10'));
    expect(right.status).toBe(303);
  });

  it('keeps answers across steps, so that a later step’s condition holds', async () => {
    const agent = await as(designer.email, 'en');
    const base = `${PERMIT}/${draft}/preview/citizen`;
    const work = async (treesCut: string) =>
      agent
        .post(`${base}/work`)
        .type('form')
        .send({
          _csrf: csrfFrom((await agent.get(`${base}/work`)).text),
          workType: 'renovation',
          workDescription: 'Fenêtres',
          estimatedCost: '1000',
          'startDate-day': '1',
          'startDate-month': '6',
          'startDate-year': String(new Date().getFullYear() + 1),
          durationWeeks: '3',
          treesCut,
        });
    expect((await work('no')).headers.location).toBe(`${base}/trees`);
    let trees = await agent.get(`${base}/trees`);
    expect(trees.status).toBe(200);
    expect(trees.text).not.toContain('Number of trees cut down');
    // A question without a label shows a placeholder naming it; a broken pattern is left out.
    expect(trees.text).toContain('[Question without a label: treeNote]');
    const csrf = csrfFrom(trees.text);
    const skipped = await agent.post(`${base}/trees`).type('form').send({ _csrf: csrf });
    expect(skipped.status).toBe(303);
    expect(skipped.headers.location).toBe(`${base}/contractor`);
    await work('yes');
    trees = await agent.get(`${base}/trees`);
    expect(trees.text).toContain('Number of trees cut down');
    const missing = await agent.post(`${base}/trees`).type('form').send({ _csrf: csrf });
    expect(missing.status).toBe(422);
    expect(missing.text).toContain('href="#treeCount"');
    const answered = await agent
      .post(`${base}/trees`)
      .type('form')
      .send({ _csrf: csrf, treeCount: '2', treeNote: '((' });
    expect(answered.status).toBe(303);
  });

  it('ends on check your answers, with change links and no submission', async () => {
    const before = await applications();
    const agent = await as(designer.email, 'en');
    const base = `${PERMIT}/1/preview/citizen`;
    const csrf = csrfFrom((await agent.get(`${base}/contact`)).text);
    const last = await agent.post(`${base}/contact`).type('form').send({
      _csrf: csrf,
      contactName: 'Élise Conception',
      contactEmail: 'elise@exemple.ca',
      contactPhone: '819 555-0123',
    });
    expect(last.status).toBe(303);
    expect(last.headers.location).toBe(`${base}/check-your-answers`);
    const check = await agent.get(`${base}/check-your-answers`);
    expect(check.status).toBe(200);
    expect(check.text).toContain('Check your answers before sending your application');
    expect(check.text).toContain('elise@exemple.ca');
    expect(check.text).toContain(`href="${base}/contact?return&#x3D;check#contactName"`);
    // Incomplete pages are pointed at; there is nothing to submit.
    expect(check.text).toContain(`href="${base}/property"`);
    expect(check.text).not.toContain('/submit');
    expect(check.text).toContain('Nothing is sent here');
    // A change from check your answers comes back to it.
    const changed = await agent.post(`${base}/contact?return=check`).type('form').send({
      _csrf: csrf,
      contactName: 'Élise C.',
      contactEmail: 'elise@exemple.ca',
      contactPhone: '819 555-0123',
    });
    expect(changed.headers.location).toBe(`${base}/check-your-answers`);
    // "Start again" forgets the answers.
    const restart = await agent.post(base).type('form').send({ _csrf: csrf });
    expect(restart.status).toBe(303);
    expect((await agent.get(`${base}/check-your-answers`)).text).not.toContain('elise@exemple.ca');
    expect(await applications()).toBe(before);
  });

  it('adds and removes items of a repeatable group on the same page', async () => {
    const agent = await as(designer.email, 'en');
    const url = `${PERMIT}/1/preview/business/property`;
    const csrf = csrfFrom((await agent.get(url)).text);
    const added = await agent
      .post(url)
      .type('form')
      .send({ _csrf: csrf, lotNumber: '1 234 567', action: 'add:otherSites' });
    expect(added.status).toBe(200);
    expect(added.text).toContain('name="otherSites-0-');
    expect(added.text).toContain('value="1 234 567"');
    const removed = await agent
      .post(url)
      .type('form')
      .send({ _csrf: csrf, lotNumber: '1 234 567', action: 'remove:otherSites:0' });
    expect(removed.status).toBe(200);
    expect(removed.text).not.toContain('name="otherSites-0-');
  });

  it('a file question counts as answered and stores nothing', async () => {
    const agent = await as(designer.email, 'en');
    const url = `${PERMIT}/1/preview/citizen/documents`;
    const csrf = csrfFrom((await agent.get(url)).text);
    const upload = await agent
      .post(url)
      .type('form')
      .send({ _csrf: csrf, action: 'upload:sitePlan' });
    expect(upload.status).toBe(200);
    expect(upload.text).toContain('The file was not uploaded.');
    const next = await agent.post(url).type('form').send({ _csrf: csrf });
    expect(next.status).toBe(303);
    expect(next.headers.location).toBe(`${PERMIT}/1/preview/citizen/contact`);
    const files = await db.query(`SELECT count(*)::int AS n FROM application_attachment`);
    expect(files[0].n).toBe(0);
    const check = await agent.get(`${PERMIT}/1/preview/citizen/check-your-answers`);
    expect(check.text).toContain('(file not kept in a preview)');
  });

  it('previews a new service’s draft with blank texts and no steps without failing', async () => {
    const revisions = portal.app.get(ServiceRevisionsService);
    await revisions.create(
      designer,
      {
        slug: 'pool-permit',
        referencePrefix: 'PP',
        title: { fr: 'Permis de piscine', en: '' },
        department: { fr: '', en: '' },
      },
      origin,
    );
    const agent = await as(designer.email, 'en');
    const base = '/staff/services/pool-permit/revisions/1/preview/business';
    const start = await agent.get(base);
    expect(start.status).toBe(200);
    expect(start.text).toContain('(text not written yet)');
    expect(start.text).toContain('This form has no steps yet.');
    expect(start.text).toMatch(/This revision has \d+ problems? to fix/);
    expect(start.text).toContain('href="/staff/services/pool-permit/revisions/1/checks"');
    expect(start.text).toContain(`href="${base}/check-your-answers"`);
    expect((await agent.get(`${base}/check-your-answers`)).status).toBe(200);
  });

  it('answers 404 for an unknown revision, variant or step', async () => {
    const agent = await as(designer.email, 'en');
    for (const path of [
      `${PERMIT}/99/preview/citizen`,
      `${PERMIT}/one/preview/citizen`,
      `${PERMIT}/1/preview/martian`,
      `${PERMIT}/1/preview/citizen/nowhere`,
      '/staff/services/no-such-service/revisions/1/preview/citizen',
    ])
      expect([path, (await agent.get(path)).status]).toEqual([path, 404]);
    const csrf = csrfFrom((await agent.get(`${PERMIT}/1/preview/citizen`)).text);
    const post = await agent
      .post(`${PERMIT}/1/preview/citizen/nowhere`)
      .type('form')
      .send({ _csrf: csrf });
    expect(post.status).toBe(404);
  });

  it('opens for every staff role (read-only), not for anyone else', async () => {
    const clerk = await as(clerkEmail, 'en');
    const page = await clerk.get(`${PERMIT}/${draft}/preview/citizen`);
    expect(page.status).toBe(200);
    // A clerk gets no link into the studio's editing pages.
    expect(page.text).not.toContain(`href="${PERMIT}/${draft}"`);
    const citizen = await as(citizenEmail, 'en');
    expect((await citizen.get(`${PERMIT}/1/preview/citizen`)).status).toBe(404);
    const anonymous = await fetch(`${portal.url}${PERMIT}/1/preview/citizen`, {
      redirect: 'manual',
    });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toContain('/sign-in');
  });
});
