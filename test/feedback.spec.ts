import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { DataSource } from 'typeorm';
import { ApplicationsService } from '../src/modules/applications/applications.service.js';
import {
  buildingPermitAnswers,
  fileBuildingPermit,
  PDF,
  releaseService,
} from './support/applications.js';
import { createPerson, signedInAgent, smeMember } from './support/people.js';
import {
  changePlan,
  csrfFrom,
  startTestApp,
  type PlanChange,
  type TestApp,
} from './support/test-app.js';

type Agent = InstanceType<typeof TestAgent>;

/** A real 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) GuichetTest/1.0';
const FORM = '/services/building-permit/citizen/feedback';

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

const hrefOf = (html: string, id: string) => {
  const match = new RegExp(`id="${id}" href="([^"]+)"`).exec(html);
  return match ? unescape(match[1]) : undefined;
};

const textareaOf = (html: string, name: string) =>
  new RegExp(`name="${name}"[^>]*>([^<]*)</textarea>`).exec(html)?.[1];

const hiddenOf = (html: string, name: string) =>
  new RegExp(`type="hidden" name="${name}" value="([^"]*)"`).exec(html)?.[1];

interface Sent {
  kind?: string;
  severity?: string;
  tried?: string;
  happened?: string;
  expected?: string;
  consent?: string;
  application?: string;
  page?: string;
  return?: string;
  viewport?: string;
}

/** Opens the form (for its CSRF token and context), then posts it as the browser does: multipart. */
async function send(
  agent: Agent,
  fields: Sent,
  options: {
    path?: string;
    file?: { content: Buffer; name: string };
    ip?: string;
    language?: 'fr' | 'en';
  } = {},
) {
  const path = options.path ?? FORM;
  const headers: Record<string, string> = { 'User-Agent': BROWSER };
  if (options.ip) headers['X-Forwarded-For'] = options.ip;
  if (options.language) headers['Accept-Language'] = options.language;
  const form = await agent.get(path).set(headers);
  const post = agent.post(path.split('?')[0]).set(headers).field('_csrf', csrfFrom(form.text));
  for (const [name, value] of Object.entries(fields)) post.field(name, value as string);
  if (options.file) post.attach('attachment', options.file.content, options.file.name);
  return post;
}

const problem: Sent = {
  kind: 'problem',
  severity: 'blocker',
  tried: 'Joindre le plan de mon terrain.',
  happened: 'Le bouton « Téléverser » ne fait rien.',
  expected: 'Voir mon plan dans la liste des fichiers.',
  consent: 'yes',
};

describe('structured feedback and the satisfaction survey', () => {
  let portal: TestApp;
  let db: DataSource;
  let citizen: { id: string; email: string };
  let agent: Agent;
  let filed: { id: string; reference: string };

  beforeAll(async () => {
    portal = await startTestApp({ TRUST_PROXY: 'loopback' });
    db = portal.app.get(DataSource);
    await releaseService(portal, 'building-permit');
    citizen = await createPerson(db, { displayName: 'Julie Gagnon' });
    const [cohort] = await db.query(
      `INSERT INTO cohort (slug, name, audience) VALUES ('testeurs-citoyens', 'Testeurs citoyens', 'citizen')
       RETURNING id`,
    );
    await db.query(
      `INSERT INTO cohort_member (cohort_id, account_id, status, source) VALUES ($1, $2, 'active', 'staff')`,
      [cohort.id, citizen.id],
    );
    // The citizen variant is in its pilot, with this citizen's cohort; every
    // SME has the service already (SME-first, ADR 0034).
    await db.query(
      `INSERT INTO rollout_plan_cohort (service_slug, variant, cohort_id) VALUES ('building-permit', 'citizen', $1)`,
      [cohort.id],
    );
    await plan('business', { stage: 'sme-all' });
    await plan('citizen', { stage: 'citizen-pilot' });
    const application = await fileBuildingPermit(portal.app, db, {
      accountId: citizen.id,
      audience: 'citizen',
    });
    filed = { id: application.id, reference: application.reference! };
    agent = await signedInAgent(portal.url, citizen.email);
  });
  afterAll(() => portal.close());

  /** Changes a plan of the building permit, then waits until it is in force. */
  const plan = (variant: 'business' | 'citizen', change: PlanChange) =>
    changePlan(portal, 'building-permit', variant, change);

  const items = async (accountId: string) =>
    db.query(
      `SELECT * FROM feedback_item WHERE account_id = $1 ORDER BY created_at DESC, id DESC`,
      [accountId],
    );

  it('links the confirmation page to a form that shows what it will send, without JavaScript', async () => {
    const confirmation = await agent.get(`/applications/${filed.id}/confirmation`);
    expect(confirmation.status).toBe(200);
    expect(hrefOf(confirmation.text, 'satisfaction-link')).toBe(
      `/applications/${filed.id}/satisfaction`,
    );
    // The pilot's phase banner links to the form too.
    expect(hrefOf(confirmation.text, 'phase-feedback')).toContain(
      '/services/building-permit/citizen/feedback?',
    );
    const href = hrefOf(confirmation.text, 'feedback-link')!;
    expect(href).toContain(`application=${filed.reference}`);

    const form = await agent.get(href).set('User-Agent', BROWSER);
    expect(form.status).toBe(200);
    const start = form.text.indexOf('id="context"');
    const context = form.text.slice(start, form.text.indexOf('</dl>', start));
    expect(form.text).toContain('Ce que nous joindrons à votre commentaire');
    expect(context).toContain('Permis de construction ou de rénovation');
    expect(context).toContain('Pour les citoyens');
    expect(context).toContain('Projet pilote avec des citoyens');
    expect(context).toContain(`/applications/${filed.id}/confirmation`);
    expect(context).toContain(filed.reference);
    expect(context).toContain('En votre nom');
    expect(context).toContain('Testeurs citoyens');
    expect(context).toContain('Français');
    expect(context).toContain('GuichetTest/1.0');
    // Without JavaScript the window's size is not known, and the page says so.
    expect(context).toMatch(/id="context-viewport">Non connue</);
    expect(hiddenOf(form.text, 'return')).toBe(`/applications/${filed.id}/confirmation`);
    expect(form.text).toContain('enctype="multipart/form-data"');

    const english = await agent.get(href).set('Cookie', 'guichet_lang=en');
    expect(english.text).toContain('What we’ll send with your feedback');
    expect(english.text).toContain('Pilot with residents');
    expect(english.text).toContain('English');
  });

  it('puts the feedback link in the phase banner only while the variant is in a pilot or gradual stage', async () => {
    const confirmation = `/applications/${filed.id}/confirmation`;
    const stage = (change: PlanChange) => plan('citizen', change);
    try {
      await stage({ stage: 'citizen-gradual' });
      const gradual = await agent.get(confirmation);
      expect(gradual.text).toContain('Ce service ouvre progressivement aux citoyens');
      expect(gradual.text).toContain('data-phase="gradual-citizen"');
      expect(hrefOf(gradual.text, 'phase-feedback')).toBe(
        `/services/building-permit/citizen/feedback?${new URLSearchParams({
          application: filed.reference,
          page: confirmation,
          return: confirmation,
        }).toString()}`,
      );
      await stage({ stage: 'general' });
      const general = await agent.get(confirmation);
      expect(hrefOf(general.text, 'phase-feedback')).toBeUndefined();
      expect(general.text).toContain('Ce portail est nouveau');
      // The confirmation page links to the form whatever the stage.
      expect(hrefOf(general.text, 'feedback-link')).toContain('/feedback?');
      await stage({ stage: 'citizen-pilot', paused: true });
      expect(hrefOf((await agent.get(confirmation)).text, 'phase-feedback')).toBeUndefined();
    } finally {
      await stage({ stage: 'citizen-pilot', paused: false });
    }
    const pilot = await agent.get(confirmation);
    expect(pilot.text).toContain('Projet pilote');
    expect(hrefOf(pilot.text, 'phase-feedback')).toBeDefined();
  });

  it('asks to sign in first, coming back to the form, and knows only the catalogue’s services', async () => {
    const anonymous = await request(portal.url).get(`${FORM}?page=%2F`);
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toBe(
      `/sign-in?return=${encodeURIComponent(`${FORM}?page=%2F`)}`,
    );
    expect((await agent.get('/services/nothing/citizen/feedback')).status).toBe(404);
    expect((await agent.get('/services/building-permit/staff/feedback')).status).toBe(404);
  });

  describe('re-renders every problem with 422, the error summary and what was typed', () => {
    const typed = 'Ce que j’ai tapé & voulu dire';

    it('no kind chosen', async () => {
      const res = await send(agent, { happened: typed, tried: 'Essayer' });
      expect(res.status).toBe(422);
      expect(summary(res.text)).toEqual(['kind']);
      expect(res.text).toContain('Indiquez de quoi il s’agit');
      expect(unescape(textareaOf(res.text, 'happened')!)).toBe(typed);
      expect(unescape(textareaOf(res.text, 'tried')!)).toBe('Essayer');
    });

    it('a problem without its severity, the severity question shown', async () => {
      const res = await send(agent, { kind: 'problem', happened: typed });
      expect(res.status).toBe(422);
      expect(summary(res.text)).toEqual(['severity']);
      expect(res.text).toContain('Indiquez la gravité du problème');
      expect(res.text).toContain('id="conditional-severity" data-show-if="kind"');
      expect(res.text).toMatch(/id="kind" name="kind" type="radio" value="problem" checked/);
      expect(unescape(textareaOf(res.text, 'happened')!)).toBe(typed);
    });

    it('nothing in “what happened”', async () => {
      const res = await send(agent, {
        kind: 'question',
        tried: 'Savoir le délai',
        happened: '   ',
        consent: 'yes',
      });
      expect(res.status).toBe(422);
      expect(summary(res.text)).toEqual(['happened']);
      expect(res.text).toContain('Décrivez ce qui s’est passé');
      expect(textareaOf(res.text, 'tried')).toBe('Savoir le délai');
      expect(res.text).toMatch(/id="consent" name="consent" type="checkbox" value="yes" checked/);
    });

    it('texts over 2,000 characters, kept whole', async () => {
      const long = 'é'.repeat(2001);
      const res = await send(agent, {
        kind: 'hard-to-use',
        tried: long,
        happened: long,
        expected: long,
      });
      expect(res.status).toBe(422);
      expect(summary(res.text)).toEqual(['tried', 'happened', 'expected']);
      expect(res.text).toContain(
        '« Que s’est-il passé? » doit compter 2\u00a0000 caractères ou moins',
      );
      expect(textareaOf(res.text, 'happened')).toBe(long);
      expect(textareaOf(res.text, 'expected')).toBe(long);
    });

    it('a file that is not a PDF, JPEG or PNG, even named .pdf', async () => {
      const res = await send(
        agent,
        { ...problem, happened: typed },
        { file: { content: Buffer.from('<html>not a pdf</html>'), name: 'capture.pdf' } },
      );
      expect(res.status).toBe(422);
      expect(summary(res.text)).toEqual(['attachment']);
      expect(res.text).toContain('Le fichier doit être un PDF, un JPEG ou un PNG');
      expect(unescape(textareaOf(res.text, 'happened')!)).toBe(typed);
    });

    it('a file over 10 MB', async () => {
      const res = await send(
        agent,
        { ...problem, happened: typed },
        {
          file: {
            content: Buffer.concat([PNG, Buffer.alloc(10 * 1024 * 1024)]),
            name: 'grande.png',
          },
        },
      );
      expect(res.status).toBe(422);
      expect(summary(res.text)).toEqual(['attachment']);
      expect(res.text).toContain('Le fichier doit faire 10\u00a0Mo ou moins');
      expect(unescape(textareaOf(res.text, 'happened')!)).toBe(typed);
      expect(textareaOf(res.text, 'tried')).toBe(problem.tried);
    });

    it('a good file sent with a form that has another problem must be chosen again, and says so', async () => {
      const res = await send(
        agent,
        { happened: typed },
        { file: { content: PNG, name: 'ecran.png' } },
      );
      expect(res.status).toBe(422);
      expect(summary(res.text)).toEqual(['kind']);
      expect(res.text).toContain('Vous aviez choisi le fichier « ecran.png »');
      expect(res.text).toContain('Choisissez-le de nouveau');
    });

    it('stored nothing', async () => {
      expect(await items(citizen.id)).toEqual([]);
    });
  });

  it('stores a problem with its screenshot and the context of an SME in a pilot, then thanks and leads back', async () => {
    // The business variant back in its SME pilot for this test, citizens back
    // to internal first (SME-first); then as before, SMEs first.
    await plan('citizen', { stage: 'internal' });
    await plan('business', { stage: 'sme-pilot' });
    try {
      await smeInAPilot();
    } finally {
      await plan('business', { stage: 'sme-all' });
      await plan('citizen', { stage: 'citizen-pilot' });
    }
  });

  const smeInAPilot = async () => {
    const sme = await smeMember(portal.url, db, { legalName: 'Toitures Boréal inc.' });
    const [cohort] = await db.query(
      `INSERT INTO cohort (slug, name, audience) VALUES ('pilote-pme-2026', 'Pilote PME 2026', 'business')
       RETURNING id`,
    );
    await db.query(
      `INSERT INTO cohort_member (cohort_id, organization_id, status, source) VALUES ($1, $2, 'active', 'staff')`,
      [cohort.id, sme.organizationId],
    );
    const back = '/services/building-permit/business';
    const path = `/services/building-permit/business/feedback?page=${encodeURIComponent(back)}&return=${encodeURIComponent(back)}`;
    const form = await sme.agent.get(path);
    expect(form.text).toContain('Au nom de Toitures Boréal inc.');
    expect(form.text).toContain('Pilote PME 2026');

    const res = await send(
      sme.agent,
      { ...problem, page: back, return: back, viewport: '1280x720' },
      // A PNG sent under another extension is kept with the extension of its type.
      { path, file: { content: PNG, name: 'ecran.hta' } },
    );
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(
      new RegExp(`^/feedback/[0-9a-f-]{36}/sent\\?return=${encodeURIComponent(back)}$`),
    );
    const [item] = await items(sme.accountId);
    expect(item).toMatchObject({
      channel: 'web',
      service_slug: 'building-permit',
      variant: 'business',
      stage: 'sme-pilot',
      page: back,
      audience: 'business',
      organization_id: sme.organizationId,
      cohorts: ['pilote-pme-2026'],
      language: 'fr',
      user_agent: BROWSER,
      viewport: '1280x720',
      application_id: null,
      kind: 'problem',
      severity: 'blocker',
      tried: problem.tried,
      happened: problem.happened,
      expected: problem.expected,
      consent_to_contact: true,
      status: 'new',
    });
    expect(item.reference).toMatch(/^FB-\d{6}$/);
    const [file] = await db.query(
      `SELECT filename, content_type, size_bytes, content FROM feedback_attachment WHERE feedback_id = $1`,
      [item.id],
    );
    expect(file).toMatchObject({
      filename: 'ecran.png',
      content_type: 'image/png',
      size_bytes: PNG.length,
    });
    expect(Buffer.compare(file.content as Buffer, PNG)).toBe(0);
    const [event] = await db.query(
      `SELECT actor_id, acting_as, after FROM audit_event
        WHERE action = 'feedback.submitted' AND entity_id = $1`,
      [item.id],
    );
    expect(event.actor_id).toBe(sme.accountId);
    expect(event.acting_as).toEqual({ audience: 'business', organizationId: sme.organizationId });
    expect(event.after).toMatchObject({
      reference: item.reference,
      stage: 'sme-pilot',
      kind: 'problem',
      severity: 'blocker',
      attachment: { filename: 'ecran.png', contentType: 'image/png' },
    });

    const thanks = await sme.agent.get(res.headers.location as string);
    expect(thanks.status).toBe(200);
    expect(thanks.text).toContain('Commentaire envoyé');
    expect(thanks.text).toContain(item.reference);
    expect(hrefOf(thanks.text, 'back')).toBe(back);
    expect(thanks.text).toContain('href="/feedback"');

    // "My feedback" says whose items it lists when acting for an SME.
    const mine = await sme.agent.get('/feedback');
    expect(mine.text).toContain('Vous agissez au nom de Toitures Boréal inc.');
    expect(mine.text).toContain(item.reference);
    // The author downloads the file they sent; nobody else can.
    const download = await sme.agent
      .get(`/feedback/${item.id}`)
      .then((page) => /href="(\/feedback\/[^"]+\/files\/[^"]+)"/.exec(page.text)![1]);
    const got = await sme.agent.get(download).buffer(true);
    expect(got.headers['content-type']).toBe('image/png');
    expect((await agent.get(download)).status).toBe(404);
  };

  it('ignores an unsafe way back', async () => {
    for (const unsafe of [
      '//evil.example',
      'https://evil.example/',
      '/\t/evil.example',
      'javascript:alert(1)',
    ]) {
      const form = await agent.get(`${FORM}?return=${encodeURIComponent(unsafe)}`);
      expect(hiddenOf(form.text, 'return')).toBe('');
      expect(form.text).not.toContain('Retourner à votre demande sans envoyer');
      const res = await send(agent, { ...problem, return: unsafe });
      expect(res.status).toBe(303);
      expect(res.headers.location).toMatch(/^\/feedback\/[0-9a-f-]{36}\/sent$/);
      const thanks = await agent.get(
        `${res.headers.location as string}?return=${encodeURIComponent(unsafe)}`,
      );
      expect(thanks.status).toBe(200);
      expect(hrefOf(thanks.text, 'back')).toBeUndefined();
      expect(thanks.text).not.toContain(`href="${unsafe}"`);
    }
  });

  it('leaves the draft alone when feedback is sent from one of its steps, and leads back to that step', async () => {
    const applications = portal.app.get(ApplicationsService);
    const { application: draft } = await applications.startDraft(
      { accountId: citizen.id, audience: 'citizen', channel: 'web' },
      'building-permit',
      { lotNumber: buildingPermitAnswers('citizen').lotNumber },
      { ip: '127.0.0.1', requestId: 'test' },
    );
    const stepPath = `/applications/${draft.id}/steps/work`;
    const step = await agent.get(stepPath);
    expect(step.status).toBe(200);
    const link = hrefOf(step.text, 'phase-feedback')!;
    expect(link).toContain(`page=${encodeURIComponent(stepPath)}`);
    const before = await db.query(
      `SELECT answers, version, updated_at, status FROM application WHERE id = $1`,
      [draft.id],
    );
    const form = await agent.get(link);
    expect(form.text).toContain(stepPath);
    const res = await send(
      agent,
      {
        kind: 'unclear-wording',
        happened: 'Je ne comprends pas « durée des travaux ».',
        application: hiddenOf(form.text, 'application'),
        page: hiddenOf(form.text, 'page'),
        return: hiddenOf(form.text, 'return'),
      },
      { path: link },
    );
    expect(res.status).toBe(303);
    const after = await db.query(
      `SELECT answers, version, updated_at, status FROM application WHERE id = $1`,
      [draft.id],
    );
    expect(after).toEqual(before);
    const [item] = await items(citizen.id);
    expect(item).toMatchObject({
      page: stepPath,
      application_id: draft.id,
      kind: 'unclear-wording',
      severity: null,
      stage: 'citizen-pilot',
      cohorts: ['testeurs-citoyens'],
      audience: 'citizen',
      organization_id: null,
    });
    const thanks = await agent.get(res.headers.location as string);
    expect(hrefOf(thanks.text, 'back')).toBe(stepPath);
  });

  it('never attaches, nor shows, another person’s application', async () => {
    const other = await createPerson(db);
    const theirs = await fileBuildingPermit(portal.app, db, {
      accountId: other.id,
      audience: 'citizen',
    });
    const form = await agent.get(`${FORM}?application=${theirs.reference}`);
    expect(form.status).toBe(200);
    const start = form.text.indexOf('id="context"');
    expect(form.text.slice(start, form.text.indexOf('</dl>', start))).not.toContain(
      theirs.reference!,
    );
    expect(form.text).not.toMatch(/<dt class="govuk-summary-list__key">Demande</);
    expect(hiddenOf(form.text, 'application')).toBe('');
    const res = await send(agent, { ...problem, application: theirs.reference! });
    expect(res.status).toBe(303);
    const [item] = await items(citizen.id);
    expect(item.application_id).toBeNull();
    // Its own application is attached, by reference.
    await send(agent, { ...problem, application: filed.reference });
    expect((await items(citizen.id))[0].application_id).toBe(filed.id);
  });

  it('limits each account to 10 items an hour, then answers 429 keeping what was typed', async () => {
    const person = await createPerson(db);
    const busy = await signedInAgent(portal.url, person.email, 'fr', '192.0.2.50');
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++)
      statuses.push(
        (await send(busy, { ...problem, happened: `n° ${i}` }, { ip: '192.0.2.50' })).status,
      );
    expect(statuses).toEqual(Array(10).fill(303));
    const refused = await send(
      busy,
      { ...problem, happened: 'Mon onzième commentaire' },
      { ip: '192.0.2.50' },
    );
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.text).toMatch(
      /Vous avez envoyé beaucoup de commentaires en peu de temps. Réessayez dans \d+ minutes/,
    );
    expect(textareaOf(refused.text, 'happened')).toBe('Mon onzième commentaire');
    expect(textareaOf(refused.text, 'tried')).toBe(problem.tried);
    expect(await items(person.id)).toHaveLength(10);
    // A form with a mistake does not count: correcting it is never held back.
    const mistake = await send(busy, { happened: 'sans type' }, { ip: '192.0.2.50' });
    expect(mistake.status).toBe(422);
  });

  it('limits each address to 30 items an hour, whoever sends them', async () => {
    const ip = '192.0.2.51';
    const statuses: number[] = [];
    for (let p = 0; p < 4; p++) {
      const person = await createPerson(db);
      const someone = await signedInAgent(portal.url, person.email, 'en', ip);
      for (let i = 0; i < (p < 3 ? 10 : 1); i++)
        statuses.push((await send(someone, problem, { ip })).status);
      if (p === 3) {
        const last = await send(someone, problem, { ip, language: 'en' });
        expect(last.status).toBe(429);
        expect(last.text).toContain('You have sent a lot of feedback in a short time');
      }
    }
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(303));
    expect(statuses[30]).toBe(429);
  });

  it('lists the person’s feedback with its status; each item is its author’s only', async () => {
    const list = await agent.get('/feedback');
    expect(list.status).toBe(200);
    const [item] = await items(citizen.id);
    expect(list.text).toContain(item.reference);
    expect(list.text).toContain('Permis de construction ou de rénovation');
    expect(list.text).toContain('Un problème');
    expect(list.text).toContain('Il m’empêche de continuer');
    expect(list.text).toMatch(/govuk-tag govuk-tag--blue">Reçu</);
    expect(list.text).not.toContain('Vous agissez au nom de');

    const page = await agent.get(`/feedback/${item.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(problem.happened);
    expect(page.text).toContain('Réponses');
    expect(page.text).toContain('Aucune réponse pour le moment');
    expect(page.text).toContain(filed.reference);

    // A reply, once staff can write one, shows here (escaped like everything typed).
    await db.query(
      `INSERT INTO feedback_reply (feedback_id, author_role, body) VALUES ($1, 'staff', $2)`,
      [item.id, 'Merci! <b>Corrigé</b> dans la prochaine version.'],
    );
    const replied = await agent.get(`/feedback/${item.id}`);
    expect(replied.text).toContain('Merci! &lt;b&gt;Corrigé&lt;/b&gt; dans la prochaine version.');
    expect(replied.text).not.toContain('Aucune réponse pour le moment');

    const stranger = await signedInAgent(portal.url, (await createPerson(db)).email);
    expect((await stranger.get(`/feedback/${item.id}`)).status).toBe(404);
    expect((await stranger.get(`/feedback/${item.id}/sent`)).status).toBe(404);
    expect((await stranger.get('/feedback')).text).not.toContain(item.reference);
    expect((await agent.get('/feedback/not-an-id')).status).toBe(404);
    expect((await request(portal.url).get('/feedback')).status).toBe(303);
  });

  it('shows what people typed as text, never as HTML', async () => {
    const res = await send(agent, {
      kind: 'praise',
      happened: '<script>alert("x")</script> <img src=x onerror=alert(1)>',
      expected: '"quotes" & <b>bold</b>',
    });
    expect(res.status).toBe(303);
    const [item] = await items(citizen.id);
    const page = await agent.get(`/feedback/${item.id}`);
    expect(page.text).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(page.text).not.toContain('<script>alert');
    expect(page.text).not.toContain('<img src=x');
    expect(page.text).not.toContain('<b>bold</b>');
    // And a form sent back with a problem keeps it escaped too.
    const again = await send(agent, { happened: '<script>alert(2)</script>' });
    expect(again.status).toBe(422);
    expect(again.text).not.toContain('<script>alert(2)');
  });

  it('drops control characters (a NUL would be refused by PostgreSQL), never a 500', async () => {
    const res = await send(agent, {
      kind: 'praise',
      happened: 'Très\u0000 clair\u0007.',
      tried: '\u0000',
    });
    expect(res.status).toBe(303);
    const [item] = await db.query(
      `SELECT happened, tried FROM feedback_item WHERE account_id = $1 ORDER BY created_at DESC LIMIT 1`,
      [citizen.id],
    );
    expect(item).toEqual({ happened: 'Très clair.', tried: '' });
  });

  describe('the satisfaction survey', () => {
    const path = () => `/applications/${filed.id}/satisfaction`;

    it('asks at least one answer (422 otherwise), keeps one response per application, and thanks', async () => {
      const page = await agent.get(path());
      expect(page.status).toBe(200);
      expect(page.text).toContain(
        'Dans l’ensemble, que pensez-vous du service que vous avez reçu?',
      );
      const csrf = csrfFrom(page.text);
      const empty = await agent.post(path()).type('form').send({ _csrf: csrf, comment: '  ' });
      expect(empty.status).toBe(422);
      expect(summary(empty.text)).toEqual(['overall']);
      expect(empty.text).toContain('Répondez à au moins une question');

      const tooLong = await agent
        .post(path())
        .type('form')
        .send({ _csrf: csrf, ease: '4', comment: 'x'.repeat(1201) });
      expect(tooLong.status).toBe(422);
      expect(summary(tooLong.text)).toEqual(['comment']);
      expect(tooLong.text).toMatch(/id="ease-4" name="ease" type="radio" value="4" checked/);

      const answers = {
        _csrf: csrf,
        overall: '4',
        ease: '5',
        clarity: '3',
        timeCompared: 'faster',
        help: 'needed-and-got',
        comment: 'Plus simple qu’au comptoir.',
      };
      const [first, second] = [
        await agent.post(path()).type('form').send(answers),
        await agent
          .post(path())
          .type('form')
          .send({ ...answers, overall: '1' }),
      ];
      expect(first.status).toBe(303);
      expect(second.status).toBe(303);
      expect(second.headers.location).toBe(path());
      const rows = await db.query(`SELECT * FROM satisfaction_response WHERE application_id = $1`, [
        filed.id,
      ]);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        overall: 4,
        ease: 5,
        clarity: 3,
        time_compared: 'faster',
        help: 'needed-and-got',
        comment: 'Plus simple qu’au comptoir.',
        stage: 'citizen-pilot',
        audience: 'citizen',
        cohorts: ['testeurs-citoyens'],
        account_id: citizen.id,
      });
      const [event] = await db.query(
        `SELECT count(*)::int AS n FROM audit_event
          WHERE action = 'satisfaction.submitted' AND entity_id = $1`,
        [filed.id],
      );
      expect(event.n).toBe(1);
      const thanks = await agent.get(path());
      expect(thanks.text).toContain('Merci pour votre avis');
      expect(thanks.text).not.toContain('name="overall"');
    });

    it('is its applicant’s (or their SME’s) only', async () => {
      const stranger = await signedInAgent(portal.url, (await createPerson(db)).email);
      expect((await stranger.get(path())).status).toBe(404);
      const page = await stranger.get('/feedback');
      const res = await stranger
        .post(path())
        .type('form')
        .send({ _csrf: csrfFrom(page.text), overall: '1' });
      expect(res.status).toBe(404);
      expect((await request(portal.url).get(path())).status).toBe(303);

      // An SME's application: any of its members, acting for it.
      const sme = await smeMember(portal.url, db);
      const theirs = await fileBuildingPermit(portal.app, db, {
        accountId: sme.accountId,
        audience: 'business',
        organizationId: sme.organizationId,
      });
      const survey = await sme.agent.get(`/applications/${theirs.id}/satisfaction`);
      expect(survey.status).toBe(200);
      expect((await agent.get(`/applications/${theirs.id}/satisfaction`)).status).toBe(404);
    });
  });

  it('keeps PDF attachments too', async () => {
    const res = await send(agent, problem, { file: { content: PDF, name: 'releve.pdf' } });
    expect(res.status).toBe(303);
    const [item] = await items(citizen.id);
    const [file] = await db.query(
      `SELECT content_type FROM feedback_attachment WHERE feedback_id = $1`,
      [item.id],
    );
    expect(file.content_type).toBe('application/pdf');
  });
});
