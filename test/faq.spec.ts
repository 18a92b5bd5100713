import request from 'supertest';
import { DataSource } from 'typeorm';
import { releaseService } from './support/applications.js';
import { createPerson, signedInAgent, smeMember } from './support/people.js';
import { csrfFrom, startTestApp, type TestApp } from './support/test-app.js';

type Agent = ReturnType<typeof request.agent>;

const SERVICE = 'bulky-waste-pickup';

/** The hrefs of the error summary, in order. */
const summary = (html: string) => {
  const start = html.indexOf('govuk-error-summary__list');
  if (start === -1) return [];
  const list = html.slice(start, html.indexOf('</ul>', start));
  return [...list.matchAll(/href="#([\w-]+)"/g)].map((m) => m[1]);
};

/** Text as Handlebars escapes it in a page. */
const unescape = (html: string) =>
  html
    .replace(/&amp;/g, '&')
    .replace(/&#x3D;/g, '=')
    .replace(/&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');

const textareaOf = (html: string, name: string) =>
  new RegExp(`name="${name}"[^>]*>([^<]*)</textarea>`).exec(html)?.[1];

/** The FAQ section of a start page: its heading, then each question and answer. */
function faqOf(html: string): { heading: string; entries: [string, string][] } | undefined {
  const start = html.indexOf('id="faq"');
  if (start === -1) return undefined;
  const section = html.slice(start, html.indexOf('govuk-grid-column-one-third', start));
  const heading = />([^<]+)<\/h2>/.exec(section)![1];
  const entries = [
    ...section.matchAll(
      /govuk-details__summary-text guichet-user-text">([^<]*)<\/span>[\s\S]*?govuk-details__text guichet-user-text">([^<]*)<\/div>/g,
    ),
  ].map((m) => [unescape(m[1]), unescape(m[2])] as [string, string]);
  return { heading, entries };
}

const entry = {
  service: SERVICE,
  questionFr: 'Quels objets sont acceptés?',
  questionEn: 'Which items are accepted?',
  answerFr: 'Meubles, matelas et électroménagers.\nPas de pneus.',
  answerEn: 'Furniture, mattresses and appliances.\nNo tyres.',
  position: '',
};

/**
 * Issue 6's "FAQ from feedback": staff write each service's questions and
 * answers in French and English (from scratch or from a question someone
 * sent), publish them, and both variants' start pages show them in the page's
 * language; user text is never markup.
 */
describe('the public FAQ of a service', () => {
  let portal: TestApp;
  let db: DataSource;
  let manager: Agent;
  let clerk: Agent;
  let analyst: Agent;
  let resident: Agent;
  let residentId: string;
  let sme: Awaited<ReturnType<typeof smeMember>>;

  async function staff(role: string, name: string) {
    const person = await createPerson(db, { displayName: name });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, $2)`, [
      person.id,
      role,
    ]);
    return signedInAgent(portal.url, person.email);
  }

  async function post(agent: Agent, path: string, form: Record<string, string>, page = path) {
    const csrf = csrfFrom((await agent.get(page)).text);
    return agent
      .post(path)
      .type('form')
      .send({ _csrf: csrf, ...form });
  }

  const startPage = async (agent: Agent, variant: 'citizen' | 'business', lang = 'fr') => {
    const res = await agent
      .get(`/services/${SERVICE}/${variant}`)
      .set('Cookie', `guichet_lang=${lang}`);
    expect(res.status).toBe(200);
    return faqOf(res.text);
  };

  const entryId = async (questionFr: string): Promise<string> =>
    (await db.query(`SELECT id FROM faq_entry WHERE question_fr = $1`, [questionFr]))[0]
      .id as string;

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    await releaseService(portal, SERVICE);
    manager = await staff('rollout-manager', 'Martin Gagnon');
    clerk = await staff('clerk', 'Sophie Bélanger');
    analyst = await staff('analyst', 'Amira Haddad');
    const person = await createPerson(db, { displayName: 'Léa Roy' });
    residentId = person.id;
    resident = await signedInAgent(portal.url, person.email);
    sme = await smeMember(portal.url, db, { legalName: 'Déménagements Rive-Nord inc.' });
  });
  afterAll(() => portal.close());

  describe('re-renders every problem with 422, the error summary and what was typed', () => {
    it('no service, no English question', async () => {
      const res = await post(manager, '/staff/faq/new', {
        ...entry,
        service: '',
        questionEn: ' ',
      });
      expect(res.status).toBe(422);
      expect(summary(res.text)).toEqual(['service', 'questionEn']);
      expect(res.text).toContain('Choisissez le service');
      expect(res.text).toContain('Écrivez la question en anglais');
      expect(unescape(textareaOf(res.text, 'answerFr')!)).toBe(entry.answerFr);
      expect(unescape(textareaOf(res.text, 'questionFr')!)).toBe(entry.questionFr);
    });

    it('a service that does not exist, answers too long, an order that is not one, in English', async () => {
      const page = await manager.get('/staff/faq/new');
      const res = await manager
        .post('/staff/faq/new')
        .set('Cookie', 'guichet_lang=en')
        .type('form')
        .send({
          _csrf: csrfFrom(page.text),
          ...entry,
          service: 'nothing',
          answerFr: 'x'.repeat(5001),
          position: '0',
        });
      expect(res.status).toBe(422);
      expect(summary(res.text)).toEqual(['service', 'answerFr', 'position']);
      expect(res.text).toContain('There is a problem');
      expect(res.text).toContain('The answer in French must be 5,000 characters or fewer');
      expect(unescape(textareaOf(res.text, 'questionEn')!)).toBe(entry.questionEn);
      const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM faq_entry`);
      expect(n).toBe(0);
    });
  });

  it('creates an entry unpublished; publishing shows it on both start pages in the page’s language', async () => {
    const created = await post(manager, '/staff/faq/new', entry);
    expect(created.status).toBe(303);
    expect(created.headers.location).toBe('/staff/faq');
    const list = await manager.get('/staff/faq');
    expect(list.text).toContain('La question « Quels objets sont acceptés? » est créée');
    expect(list.text).toMatch(/data-published="no"/);
    expect(await startPage(resident, 'citizen')).toBeUndefined();

    const id = await entryId(entry.questionFr);
    expect((await post(manager, `/staff/faq/${id}/publish`, {}, '/staff/faq')).status).toBe(303);
    expect((await manager.get('/staff/faq')).text).toMatch(
      new RegExp(`data-entry="${id}" data-published="yes"`),
    );
    expect(await startPage(resident, 'citizen')).toEqual({
      heading: 'Questions fréquentes',
      entries: [[entry.questionFr, entry.answerFr]],
    });
    expect(await startPage(resident, 'citizen', 'en')).toEqual({
      heading: 'Frequently asked questions',
      entries: [[entry.questionEn, entry.answerEn]],
    });
    expect(await startPage(sme.agent, 'business')).toEqual({
      heading: 'Questions fréquentes',
      entries: [[entry.questionFr, entry.answerFr]],
    });
    expect((await startPage(sme.agent, 'business', 'en'))?.entries).toEqual([
      [entry.questionEn, entry.answerEn],
    ]);
    // Anyone may read it, signed in or not.
    const anonymous = await request(portal.url).get(`/services/${SERVICE}/citizen`);
    expect(faqOf(anonymous.text)?.entries).toEqual([[entry.questionFr, entry.answerFr]]);
    // Another service's page shows none of it.
    await releaseService(portal, 'building-permit');
    expect(faqOf((await resident.get('/services/building-permit/citizen')).text)).toBeUndefined();

    const audit = await db.query(
      `SELECT action, actor_id, before, after FROM audit_event WHERE entity_id = $1 ORDER BY id`,
      [id],
    );
    expect(audit.map((a: { action: string }) => a.action)).toEqual([
      'faq.entry_created',
      'faq.entry_published',
    ]);
    expect(audit[0].after).toMatchObject({
      serviceSlug: SERVICE,
      question: { fr: entry.questionFr, en: entry.questionEn },
      published: false,
    });
    expect(audit[1]).toMatchObject({ before: { published: false }, after: { published: true } });
  });

  it('edits an entry (422 keeps the typing), orders entries, and unpublishes', async () => {
    const id = await entryId(entry.questionFr);
    const edit = `/staff/faq/${id}/edit`;
    const form = await manager.get(edit);
    expect(form.status).toBe(200);
    expect(unescape(textareaOf(form.text, 'answerEn')!)).toBe(entry.answerEn);
    const refused = await post(manager, edit, { ...entry, answerEn: '' });
    expect(refused.status).toBe(422);
    expect(summary(refused.text)).toEqual(['answerEn']);
    expect(unescape(textareaOf(refused.text, 'questionFr')!)).toBe(entry.questionFr);
    const saved = await post(manager, edit, {
      ...entry,
      answerEn: 'Furniture, mattresses and appliances.',
      position: '2',
    });
    expect(saved.status).toBe(303);
    const [audit] = await db.query(
      `SELECT before, after FROM audit_event WHERE action = 'faq.entry_updated' AND entity_id = $1`,
      [id],
    );
    expect(audit.before.answer.en).toBe(entry.answerEn);
    expect(audit.after.answer.en).toBe('Furniture, mattresses and appliances.');

    // A second entry placed first.
    expect(
      (
        await post(manager, '/staff/faq/new', {
          service: SERVICE,
          questionFr: 'Quand passe le camion?',
          questionEn: 'When does the truck come?',
          answerFr: 'Le jour choisi, entre 7 h et 17 h.',
          answerEn: 'On the day chosen, between 7 a.m. and 5 p.m.',
          position: '1',
        })
      ).status,
    ).toBe(303);
    const second = await entryId('Quand passe le camion?');
    await post(manager, `/staff/faq/${second}/publish`, {}, '/staff/faq');
    expect((await startPage(resident, 'citizen', 'en'))?.entries).toEqual([
      ['When does the truck come?', 'On the day chosen, between 7 a.m. and 5 p.m.'],
      [entry.questionEn, 'Furniture, mattresses and appliances.'],
    ]);

    expect((await post(manager, `/staff/faq/${second}/unpublish`, {}, '/staff/faq')).status).toBe(
      303,
    );
    expect((await startPage(resident, 'citizen'))?.entries).toEqual([
      [entry.questionFr, entry.answerFr],
    ]);
    const [event] = await db.query(
      `SELECT before, after FROM audit_event WHERE action = 'faq.entry_unpublished' AND entity_id = $1`,
      [second],
    );
    expect(event).toMatchObject({ before: { published: true }, after: { published: false } });
    expect((await manager.get('/staff/faq/not-an-id/edit')).status).toBe(404);
    expect(
      (
        await post(
          manager,
          '/staff/faq/00000000-0000-4000-8000-000000000000/publish',
          {},
          '/staff/faq',
        )
      ).status,
    ).toBe(404);
  });

  it('never renders what staff typed as markup', async () => {
    const script = '<script>alert("faq")</script> & <b>gras</b>';
    expect(
      (
        await post(manager, '/staff/faq/new', {
          service: SERVICE,
          questionFr: `Question ${script}`,
          questionEn: `Question ${script}`,
          answerFr: `Réponse ${script}`,
          answerEn: `Answer ${script}`,
          position: '9',
        })
      ).status,
    ).toBe(303);
    const id = await entryId(`Question ${script}`);
    // Control characters, which PostgreSQL text refuses, never reach it.
    expect(
      (
        await post(manager, `/staff/faq/${id}/edit`, {
          questionFr: `Question ${script}`,
          questionEn: `Question ${script}`,
          answerFr: `Réponse ${script}`,
          answerEn: `Answer\u0000 ${script}`,
          position: '9',
        })
      ).status,
    ).toBe(303);
    await post(manager, `/staff/faq/${id}/publish`, {}, '/staff/faq');
    const page = await resident.get(`/services/${SERVICE}/citizen`);
    expect(page.text).not.toContain('<script>alert');
    expect(page.text).not.toContain('<b>gras</b>');
    expect(page.text).toContain(
      '&lt;script&gt;alert(&quot;faq&quot;)&lt;/script&gt; &amp; &lt;b&gt;gras&lt;/b&gt;',
    );
    expect(faqOf(page.text)?.entries).toContainEqual([`Question ${script}`, `Réponse ${script}`]);
    const list = await manager.get('/staff/faq');
    expect(list.text).not.toContain('<script>alert');
  });

  it('promotes a question sent as feedback: the question pre-filled, both languages written before it is created', async () => {
    const question = 'Est-ce que vous ramassez les <vieux> pneus?';
    const [item] = await db.query(
      `INSERT INTO feedback_item (service_slug, variant, service_revision, stage, audience, account_id, language, kind, happened)
       VALUES ($1, 'citizen', 1, 'general', 'citizen', $2, 'fr', 'question', $3) RETURNING id, reference`,
      [SERVICE, residentId, question],
    );
    const [praise] = await db.query(
      `INSERT INTO feedback_item (service_slug, variant, service_revision, stage, audience, language, kind, happened)
       VALUES ($1, 'citizen', 1, 'general', 'citizen', 'fr', 'praise', 'Merci!') RETURNING id`,
      [SERVICE],
    );
    const list = await manager.get('/staff/faq');
    expect(list.text).toContain(`data-question="${item.id}"`);
    expect(list.text).toContain('Est-ce que vous ramassez les &lt;vieux&gt; pneus?');
    expect(list.text).toContain(`href="/staff/faq/from-feedback/${item.id}"`);
    expect(list.text).not.toContain(`data-question="${praise.id}"`);

    const path = `/staff/faq/from-feedback/${item.id}`;
    const form = await manager.get(path);
    expect(form.status).toBe(200);
    expect(form.text).toContain(item.reference);
    expect(unescape(textareaOf(form.text, 'questionFr')!)).toBe(question);
    expect(textareaOf(form.text, 'questionEn')).toBe('');
    // The service is the item's: not a choice.
    expect(form.text).not.toContain('name="service"');

    const refused = await post(manager, path, { questionFr: 'Ramassez-vous les pneus?' });
    expect(refused.status).toBe(422);
    expect(summary(refused.text)).toEqual(['questionEn', 'answerFr', 'answerEn']);
    expect(unescape(textareaOf(refused.text, 'questionFr')!)).toBe('Ramassez-vous les pneus?');

    const created = await post(manager, path, {
      service: 'building-permit',
      questionFr: 'Ramassez-vous les pneus?',
      questionEn: 'Do you pick up tyres?',
      answerFr: 'Non : apportez-les à l’écocentre.',
      answerEn: 'No: take them to the ecocentre.',
    });
    expect(created.status).toBe(303);
    const [stored] = await db.query(
      `SELECT service_slug, feedback_id, published_at FROM faq_entry WHERE question_en = 'Do you pick up tyres?'`,
    );
    expect(stored).toEqual({ service_slug: SERVICE, feedback_id: item.id, published_at: null });
    const after = await manager.get('/staff/faq');
    expect(after.text).not.toContain(`data-question="${item.id}"`);
    expect(after.text).toContain(`Tirée du commentaire ${item.reference}`);
    // Promoting it again leads to its entry; anything but a question is not promoted.
    const again = await manager.get(path);
    expect(again.status).toBe(303);
    expect(again.headers.location).toMatch(/^\/staff\/faq\/[0-9a-f-]+\/edit$/);
    const twice = await post(
      manager,
      path,
      {
        questionFr: 'a',
        questionEn: 'b',
        answerFr: 'c',
        answerEn: 'd',
      },
      '/staff/faq',
    );
    expect(twice.status).toBe(303);
    const [{ n }] = await db.query(
      `SELECT count(*)::int AS n FROM faq_entry WHERE feedback_id = $1`,
      [item.id],
    );
    expect(n).toBe(1);
    expect((await manager.get(`/staff/faq/from-feedback/${praise.id}`)).status).toBe(404);
    expect((await manager.get('/staff/faq/from-feedback/nothing')).status).toBe(404);
    const [audit] = await db.query(
      `SELECT after FROM audit_event WHERE action = 'faq.entry_created' AND after->>'feedbackId' = $1`,
      [item.id],
    );
    expect(audit.after).toMatchObject({ serviceSlug: SERVICE, feedbackId: item.id });
  });

  it('is for admins, rollout managers and clerks; analysts 403, others 404, anonymous to sign in', async () => {
    expect((await clerk.get('/staff/faq')).status).toBe(200);
    expect(
      (await post(clerk, '/staff/faq/new', { ...entry, questionFr: 'Par un commis?' })).status,
    ).toBe(303);
    expect((await analyst.get('/staff/faq')).status).toBe(403);
    expect((await post(analyst, '/staff/faq/new', entry, '/staff/acceptance')).status).toBe(403);
    expect((await resident.get('/staff/faq')).status).toBe(404);
    const anonymous = await request(portal.url).get('/staff/faq/new');
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toBe('/sign-in?return=%2Fstaff%2Ffaq%2Fnew');
    // The staff navigation offers it to those who may use it.
    expect((await clerk.get('/staff')).text).toContain('href="/staff/faq"');
    expect((await analyst.get('/staff')).text).not.toContain('href="/staff/faq"');
    // Without its CSRF token, no change.
    const res = await manager.post('/staff/faq/new').type('form').send(entry);
    expect(res.status).toBe(403);
  });
});
