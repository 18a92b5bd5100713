import request from 'supertest';
import { DataSource } from 'typeorm';
import { createPerson, signedInAgent, smeMember } from './support/people.js';
import { changePlan, csrfFrom, startTestApp, type TestApp } from './support/test-app.js';

type Agent = ReturnType<typeof request.agent>;

const SERVICE = 'occupancy-certificate';
const STAFF_PAGE = `/staff/acceptance/${SERVICE}/business`;
const CHECKLIST = `/services/${SERVICE}/business/acceptance`;

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

const inputValue = (html: string, name: string) =>
  new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(html)?.[1];
const textareaOf = (html: string, name: string) =>
  new RegExp(`name="${name}"[^>]*>([^<]*)</textarea>`).exec(html)?.[1];
const gateOf = (html: string) => /data-gate="acceptance" data-status="([a-z-]+)"/.exec(html)?.[1];

/**
 * Issue 6's acceptance-test campaigns: staff write criteria per service
 * variant, the pilot's testers (and only they) record pass, fail or blocked
 * with a note, a fail becomes one linked feedback item, and the rollout gate
 * "acceptance criteria passed" reads the results.
 */
describe('acceptance-test campaigns', () => {
  let portal: TestApp;
  let db: DataSource;
  let manager: Agent;
  let analyst: Agent;
  let clerk: Agent;
  let citizen: Agent;
  let pilotSme: Awaited<ReturnType<typeof smeMember>>;
  let secondSme: Awaited<ReturnType<typeof smeMember>>;
  let otherSme: Awaited<ReturnType<typeof smeMember>>;
  let cohortId: string;
  /** The criteria, in the order they were written. */
  const criteria: { id: string; titleFr: string; titleEn: string }[] = [];

  async function staff(role: string, name: string) {
    const person = await createPerson(db, { displayName: name });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, $2)`, [
      person.id,
      role,
    ]);
    return signedInAgent(portal.url, person.email);
  }

  /** A form post with a CSRF token from `page`. */
  async function post(agent: Agent, path: string, form: Record<string, string>, page = path) {
    const csrf = csrfFrom((await agent.get(page)).text);
    return agent
      .post(path)
      .type('form')
      .send({ _csrf: csrf, ...form });
  }

  /** A rollout console decision, as the manager takes it. */
  async function decide(path: string, form: Record<string, string>) {
    const res = await post(manager, `/staff/rollout/${path}`, form, '/staff/rollout');
    expect(res.status).toBe(303);
  }

  async function rolloutGate(): Promise<string | undefined> {
    return gateOf((await manager.get(`/staff/rollout/${SERVICE}/business`)).text);
  }

  const criterionFields = (id: string) => ({ outcome: `outcome-${id}`, note: `note-${id}` });
  const answer = (id: string, outcome: string, note = ''): Record<string, string> => ({
    [criterionFields(id).outcome]: outcome,
    [criterionFields(id).note]: note,
  });

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    manager = await staff('rollout-manager', 'Martin Gagnon');
    analyst = await staff('analyst', 'Amira Haddad');
    clerk = await staff('clerk', 'Sophie Bélanger');
    citizen = await signedInAgent(
      portal.url,
      (await createPerson(db, { displayName: 'Jeanne Résidente' })).email,
    );
    pilotSme = await smeMember(portal.url, db, { legalName: 'Traiteur Boréal inc.' });
    secondSme = await smeMember(portal.url, db, { legalName: 'Atelier Pivot inc.' });
    otherSme = await smeMember(portal.url, db, { legalName: 'Garage du Lac inc.' });
    const [cohort] = await db.query(
      `INSERT INTO cohort (slug, name, audience) VALUES ('pme-acceptation', 'PME acceptation', 'business') RETURNING id`,
    );
    cohortId = cohort.id;
    for (const sme of [pilotSme, secondSme])
      await db.query(
        `INSERT INTO cohort_member (cohort_id, organization_id, status, source, joined_at)
         VALUES ($1, $2, 'active', 'staff', now())`,
        [cohortId, sme.organizationId],
      );
    // Into the SME pilot through the console: the cohort attached, then two promotions.
    await decide(`${SERVICE}/business/cohorts`, { cohort: cohortId, reason: 'PME volontaires' });
    await decide(`${SERVICE}/business/promote`, { expectedStage: 'closed', reason: 'Essais' });
    await decide(`${SERVICE}/business/promote`, {
      expectedStage: 'internal',
      reason: 'Projet pilote',
    });
  });
  afterAll(() => portal.close());

  it('shows the acceptance gate as "no data" while the variant has no criterion', async () => {
    expect(await rolloutGate()).toBe('no-data');
    const page = await manager.get(STAFF_PAGE);
    expect(page.status).toBe(200);
    expect(gateOf(page.text)).toBe('no-data');
    expect(page.text).toContain('Aucun critère en vigueur : pas de données');
    // The console's gate links to the criteria.
    expect((await manager.get(`/staff/rollout/${SERVICE}/business`)).text).toContain(
      `href="${STAFF_PAGE}"`,
    );
    const checklist = await pilotSme.agent.get(CHECKLIST);
    expect(checklist.status).toBe(200);
    expect(checklist.text).toContain('Aucun critère n’a encore été rédigé');
  });

  describe('staff write criteria, with 422 and what was typed on every problem', () => {
    const valid = {
      titleFr: 'Déposer une demande avec un plan d’aménagement',
      titleEn: 'File an application with a floor plan',
      descriptionFr: 'Joindre un PDF, puis le voir dans la liste des fichiers.',
      descriptionEn: 'Attach a PDF, then see it in the list of files.',
      position: '',
    };

    it('no French title', async () => {
      const res = await post(
        manager,
        `${STAFF_PAGE}/criteria`,
        { ...valid, titleFr: '  ' },
        STAFF_PAGE,
      );
      expect(res.status).toBe(422);
      expect(summary(res.text)).toEqual(['titleFr']);
      expect(res.text).toContain('Écrivez le titre du critère en français');
      expect(unescape(inputValue(res.text, 'titleEn')!)).toBe(valid.titleEn);
      expect(unescape(textareaOf(res.text, 'descriptionFr')!)).toBe(valid.descriptionFr);
    });

    it('no English title, in English', async () => {
      const res = await manager
        .post(`${STAFF_PAGE}/criteria`)
        .set('Cookie', 'guichet_lang=en')
        .type('form')
        .send({
          _csrf: csrfFrom((await manager.get(STAFF_PAGE)).text),
          ...valid,
          titleEn: '',
        });
      expect(res.status).toBe(422);
      expect(summary(res.text)).toEqual(['titleEn']);
      expect(res.text).toContain('There is a problem');
      expect(res.text).toContain('Enter the criterion’s title in English');
      expect(unescape(inputValue(res.text, 'titleFr')!)).toBe(valid.titleFr);
    });

    it('too long, and an order that is not a number', async () => {
      const res = await post(
        manager,
        `${STAFF_PAGE}/criteria`,
        { ...valid, titleFr: 'é'.repeat(201), descriptionEn: 'x'.repeat(2001), position: 'deux' },
        STAFF_PAGE,
      );
      expect(res.status).toBe(422);
      expect(summary(res.text)).toEqual(['titleFr', 'descriptionEn', 'position']);
      expect(res.text).toContain('Le titre en français doit compter 200 caractères au plus');
      expect(res.text).toContain('L’ordre doit être un nombre entier de 1 à 999');
      expect(inputValue(res.text, 'position')).toBe('deux');
      const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM acceptance_criterion`);
      expect(n).toBe(0);
    });

    it('writes two criteria, in order, each audited', async () => {
      const first = await post(manager, `${STAFF_PAGE}/criteria`, valid, STAFF_PAGE);
      expect(first.status).toBe(303);
      expect(first.headers.location).toBe(STAFF_PAGE);
      const second = await post(
        manager,
        `${STAFF_PAGE}/criteria`,
        {
          titleFr: 'Recevoir l’accusé de réception <b>par courriel</b>',
          titleEn: 'Get the acknowledgement <b>by email</b>',
          descriptionFr: '',
          descriptionEn: '',
          position: '',
        },
        STAFF_PAGE,
      );
      expect(second.status).toBe(303);
      const page = await manager.get(STAFF_PAGE);
      expect(page.text).toContain('Le critère « Recevoir l’accusé de réception');
      // What staff typed is text, never markup.
      expect(page.text).toContain('&lt;b&gt;par courriel&lt;/b&gt;');
      expect(page.text).not.toContain('<b>par courriel</b>');
      const rows = await db.query(
        `SELECT id, position, title_fr, title_en FROM acceptance_criterion
          WHERE service_slug = $1 AND variant = 'business' ORDER BY position`,
        [SERVICE],
      );
      expect(rows.map((r: { position: number }) => r.position)).toEqual([1, 2]);
      for (const r of rows) criteria.push({ id: r.id, titleFr: r.title_fr, titleEn: r.title_en });
      const audit = await db.query(
        `SELECT action, after FROM audit_event WHERE action = 'acceptance.criterion_created' ORDER BY id`,
      );
      expect(audit).toHaveLength(2);
      expect(audit[0].after).toMatchObject({
        serviceSlug: SERVICE,
        variant: 'business',
        position: 1,
        title: { fr: valid.titleFr, en: valid.titleEn },
      });
      // Both criteria untested: the gate fails (0 of 2) instead of "no data".
      expect(await rolloutGate()).toBe('fail');
    });

    it('edits a criterion (422 keeps the typing), audited with before and after', async () => {
      const [first] = criteria;
      const edit = `${STAFF_PAGE}/criteria/${first.id}/edit`;
      const form = await manager.get(edit);
      expect(form.status).toBe(200);
      expect(unescape(inputValue(form.text, 'titleFr')!)).toBe(first.titleFr);
      const refused = await post(manager, edit, {
        titleFr: 'Déposer une demande avec un plan',
        titleEn: '',
        descriptionFr: 'Changé',
        descriptionEn: '',
        position: '1',
      });
      expect(refused.status).toBe(422);
      expect(summary(refused.text)).toEqual(['titleEn']);
      expect(unescape(inputValue(refused.text, 'titleFr')!)).toBe(
        'Déposer une demande avec un plan',
      );
      const saved = await post(manager, edit, {
        titleFr: 'Déposer une demande avec un plan',
        titleEn: 'File an application with a plan',
        descriptionFr: 'Joindre un PDF.\nLe voir dans la liste.',
        descriptionEn: 'Attach a PDF.\nSee it in the list.',
        position: '1',
      });
      expect(saved.status).toBe(303);
      // A description over several lines comes back as it was written.
      expect(unescape(textareaOf((await manager.get(edit)).text, 'descriptionEn')!)).toBe(
        'Attach a PDF.\nSee it in the list.',
      );
      first.titleFr = 'Déposer une demande avec un plan';
      first.titleEn = 'File an application with a plan';
      const [audit] = await db.query(
        `SELECT before, after FROM audit_event WHERE action = 'acceptance.criterion_updated'`,
      );
      expect(audit.before.title.en).toBe('File an application with a floor plan');
      expect(audit.after.title.en).toBe('File an application with a plan');
      expect((await manager.get(`${STAFF_PAGE}/criteria/not-a-uuid/edit`)).status).toBe(404);
      expect((await manager.get(`/staff/acceptance/nothing/business`)).status).toBe(404);
    });
  });

  it('lets analysts read the results but not write; clerks and the public may not open it', async () => {
    const page = await analyst.get(STAFF_PAGE);
    expect(page.status).toBe(200);
    expect(page.text).toContain(criteria[0].titleFr);
    expect(page.text).not.toContain(`action="${STAFF_PAGE}/criteria"`);
    expect(page.text).not.toContain('/retire"');
    const refused = await post(
      analyst,
      `${STAFF_PAGE}/criteria`,
      { titleFr: 'x', titleEn: 'x' },
      STAFF_PAGE,
    );
    expect(refused.status).toBe(403);
    expect((await clerk.get(STAFF_PAGE)).status).toBe(403);
    expect((await citizen.get(STAFF_PAGE)).status).toBe(404);
    const anonymous = await request(portal.url).get(STAFF_PAGE);
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toBe(`/sign-in?return=${encodeURIComponent(STAFF_PAGE)}`);
    const overview = await analyst.get('/staff/acceptance');
    expect(overview.status).toBe(200);
    expect(overview.text).toMatch(
      new RegExp(`data-variant="${SERVICE}.business"[\\s\\S]*?data-active="2"`),
    );
  });

  it('shows the checklist only to the pilot cohort’s members while the variant is in a trial stage', async () => {
    const page = await pilotSme.agent.get(CHECKLIST);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Votre liste de vérification du projet pilote');
    expect(page.text).toContain('Au nom de Traiteur Boréal inc.');
    expect(page.text).toContain('PME acceptation');
    expect(page.text).toContain(criteria[0].titleFr);
    expect(page.text).toContain('&lt;b&gt;par courriel&lt;/b&gt;');
    // The pilot's phase banner, with its feedback link, is there too.
    expect(page.text).toContain('data-phase="pilot-business"');
    const english = await pilotSme.agent.get(CHECKLIST).set('Cookie', 'guichet_lang=en');
    expect(english.text).toContain('Your pilot checklist');
    expect(english.text).toContain('File an application with a plan');

    // The start page links the pilot's testers to it.
    const start = await pilotSme.agent.get(`/services/${SERVICE}/business`);
    expect(start.status).toBe(200);
    expect(start.text).toContain(`href="${CHECKLIST}"`);
    expect(start.text).toContain('Votre liste de vérification du projet pilote');

    const outsider = await otherSme.agent.get(CHECKLIST);
    expect(outsider.status).toBe(403);
    expect(outsider.text).toContain('Liste réservée aux participants du projet pilote');
    expect(outsider.text).not.toContain(criteria[0].titleFr);
    const resident = await citizen.get(CHECKLIST);
    expect(resident.status).toBe(403);
    expect(resident.text).toContain('Choisir pour qui vous agissez');
    // A resident outside the citizen pilot’s cohorts has no checklist either
    // (every SME has the service meanwhile, SME-first; then back to the SME pilot).
    await changePlan(portal, SERVICE, 'business', { stage: 'sme-all' });
    await changePlan(portal, SERVICE, 'citizen', { stage: 'citizen-pilot' });
    try {
      expect((await citizen.get(`/services/${SERVICE}/citizen/acceptance`)).status).toBe(403);
    } finally {
      await changePlan(portal, SERVICE, 'citizen', { stage: 'closed' });
      await changePlan(portal, SERVICE, 'business', { stage: 'sme-pilot' });
    }
    const closed = await citizen.get(`/services/${SERVICE}/citizen/acceptance`);
    expect(closed.status).toBe(403);
    expect(closed.text).toContain('Aucun projet pilote en cours');

    const anonymous = await request(portal.url).get(CHECKLIST);
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toBe(`/sign-in?return=${encodeURIComponent(CHECKLIST)}`);
    expect((await pilotSme.agent.get('/services/nothing/business/acceptance')).status).toBe(404);
    expect((await pilotSme.agent.get(`/services/${SERVICE}/staff/acceptance`)).status).toBe(404);

    // A paused pilot has no checklist to fill in.
    await changePlan(portal, SERVICE, 'business', { paused: true });
    try {
      const paused = await pilotSme.agent.get(CHECKLIST);
      expect(paused.status).toBe(403);
      expect(paused.text).toContain('Aucun projet pilote en cours');
    } finally {
      await changePlan(portal, SERVICE, 'business', { paused: false });
    }
  });

  describe('re-renders every problem with 422, the error summary and what was typed', () => {
    it('a fail without a note, a blocked without a note', async () => {
      const [first, second] = criteria;
      const res = await post(pilotSme.agent, CHECKLIST, {
        ...answer(first.id, 'blocked', ''),
        ...answer(second.id, 'fail', '  '),
      });
      expect(res.status).toBe(422);
      expect(summary(res.text)).toEqual([`note-${first.id}`, `note-${second.id}`]);
      expect(res.text).toContain('Décrivez ce qui vous a empêché de vérifier ce critère');
      expect(res.text).toContain('Décrivez ce qui n’a pas fonctionné');
      expect(res.text).toMatch(
        new RegExp(
          `id="outcome-${first.id}-blocked" name="outcome-${first.id}" type="radio" value="blocked" checked`,
        ),
      );
      expect(res.text).toMatch(
        new RegExp(
          `id="outcome-${second.id}-fail" name="outcome-${second.id}" type="radio" value="fail" checked`,
        ),
      );
    });

    it('keeps a note typed beside a problem elsewhere', async () => {
      const [first, second] = criteria;
      const res = await post(pilotSme.agent, CHECKLIST, {
        ...answer(first.id, 'pass', 'Tout va bien & vite'),
        ...answer(second.id, 'fail', ''),
      });
      expect(res.status).toBe(422);
      expect(summary(res.text)).toEqual([`note-${second.id}`]);
      expect(unescape(textareaOf(res.text, `note-${first.id}`)!)).toBe('Tout va bien & vite');
      const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM acceptance_result`);
      expect(n).toBe(0);
    });

    it('nothing answered, a note without a result, a result that is not one, a note too long', async () => {
      const [first, second] = criteria;
      const nothing = await post(pilotSme.agent, CHECKLIST, {});
      expect(nothing.status).toBe(422);
      expect(summary(nothing.text)).toEqual([`outcome-${first.id}`]);
      expect(nothing.text).toContain('Choisissez un résultat pour au moins un critère');

      const noteOnly = await post(pilotSme.agent, CHECKLIST, answer(first.id, '', 'Une note'));
      expect(noteOnly.status).toBe(422);
      expect(summary(noteOnly.text)).toEqual([`outcome-${first.id}`]);

      const odd = await post(pilotSme.agent, CHECKLIST, answer(second.id, 'maybe', 'Hum'));
      expect(odd.status).toBe(422);
      expect(summary(odd.text)).toEqual([`outcome-${second.id}`]);

      const long = await post(
        pilotSme.agent,
        CHECKLIST,
        answer(second.id, 'fail', 'x'.repeat(2001)),
      );
      expect(long.status).toBe(422);
      expect(long.text).toContain('La note doit compter 2');
      // Fields sent as arrays or objects are not text: no 500.
      const csrf = csrfFrom((await pilotSme.agent.get(CHECKLIST)).text);
      const arrays = await pilotSme.agent
        .post(CHECKLIST)
        .type('form')
        .send(
          `_csrf=${encodeURIComponent(csrf)}&outcome-${first.id}=pass&outcome-${first.id}=fail&note-${first.id}[a]=b`,
        );
      expect(arrays.status).toBe(422);
    });
  });

  it('records results; a fail creates exactly one linked feedback item, which later fails update', async () => {
    const [first, second] = criteria;
    const saved = await post(pilotSme.agent, CHECKLIST, {
      ...answer(first.id, 'pass'),
      ...answer(second.id, 'fail', 'Aucun courriel reçu après 2 heures.'),
    });
    expect(saved.status).toBe(303);
    expect(saved.headers.location).toBe(CHECKLIST);
    const page = await pilotSme.agent.get(CHECKLIST);
    expect(page.text).toContain('2 résultats ont été enregistrés.');
    expect(page.text).toContain('Un commentaire a été créé pour le critère échoué');

    const items = async () =>
      db.query(
        `SELECT feedback_item.*, acceptance_result.criterion_id
           FROM feedback_item JOIN acceptance_result ON acceptance_result.id = feedback_item.acceptance_result_id
          ORDER BY feedback_item.created_at`,
      );
    const [item, ...others] = await items();
    expect(others).toEqual([]);
    expect(item).toMatchObject({
      criterion_id: second.id,
      channel: 'web',
      service_slug: SERVICE,
      variant: 'business',
      stage: 'sme-pilot',
      audience: 'business',
      organization_id: pilotSme.organizationId,
      account_id: pilotSme.accountId,
      cohorts: ['pme-acceptation'],
      language: 'fr',
      kind: 'problem',
      severity: 'major',
      status: 'new',
      tried: second.titleFr,
      happened: 'Aucun courriel reçu après 2 heures.',
      page: CHECKLIST,
    });
    // The checklist shows it, and the tester finds it in "My feedback".
    expect(page.text).toContain(`href="/feedback/${item.id}"`);
    expect(page.text).toContain(item.reference);
    expect((await pilotSme.agent.get('/feedback')).text).toContain(item.reference);
    // A major problem still open: the "open blocking or major" gate sees it.
    expect(
      /data-gate="open-blocking" data-status="([a-z-]+)"/.exec(
        (await manager.get(`/staff/rollout/${SERVICE}/business`)).text,
      )?.[1],
    ).toBe('fail');

    // Failing again with another note updates the item; so does a fail after a pass.
    expect(
      (await post(pilotSme.agent, CHECKLIST, answer(second.id, 'fail', 'Toujours rien.'))).status,
    ).toBe(303);
    expect((await post(pilotSme.agent, CHECKLIST, answer(second.id, 'pass'))).status).toBe(303);
    expect(
      (await post(pilotSme.agent, CHECKLIST, answer(second.id, 'fail', 'Encore en panne.'))).status,
    ).toBe(303);
    const after = await items();
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ id: item.id, happened: 'Encore en panne.' });
    // One result per criterion and tester.
    const results = await db.query(
      `SELECT criterion_id, outcome, note, recorded_by FROM acceptance_result WHERE organization_id = $1`,
      [pilotSme.organizationId],
    );
    expect(results).toHaveLength(2);
    expect(
      results.find((r: { criterion_id: string }) => r.criterion_id === second.id),
    ).toMatchObject({
      outcome: 'fail',
      note: 'Encore en panne.',
      recorded_by: pilotSme.accountId,
    });
    // Sending the same answers again changes nothing.
    expect(
      (await post(pilotSme.agent, CHECKLIST, answer(second.id, 'fail', 'Encore en panne.'))).status,
    ).toBe(303);
    expect((await pilotSme.agent.get(CHECKLIST)).text).toContain('Vos résultats n’ont pas changé.');

    const audit = await db.query(
      `SELECT action, entity_id, actor_id, acting_as, before, after FROM audit_event
        WHERE action IN ('acceptance.result_recorded', 'feedback.submitted', 'feedback.acceptance_failure_updated')
        ORDER BY id`,
    );
    expect(audit.map((a: { action: string }) => a.action)).toEqual([
      'acceptance.result_recorded',
      'acceptance.result_recorded',
      'feedback.submitted',
      'acceptance.result_recorded',
      'feedback.acceptance_failure_updated',
      'acceptance.result_recorded',
      'acceptance.result_recorded',
      'feedback.acceptance_failure_updated',
    ]);
    expect(audit[2]).toMatchObject({
      entity_id: item.id,
      actor_id: pilotSme.accountId,
      acting_as: { audience: 'business', organizationId: pilotSme.organizationId },
      after: expect.objectContaining({ source: 'acceptance', severity: 'major' }),
    });
    expect(audit[5]).toMatchObject({
      before: { outcome: 'fail', noted: true },
      after: expect.objectContaining({ outcome: 'pass', noted: false }),
    });
  });

  it('feeds the gate: passed when every pilot tester who answered passed, with at least one pass', async () => {
    const [first, second] = criteria;
    // The pilot SME: first passed, second failed → 1 of 2.
    expect(await rolloutGate()).toBe('fail');
    let page = await manager.get(STAFF_PAGE);
    expect(page.text).toContain('1 sur 2 (50 %)');
    expect(page.text).toMatch(new RegExp(`data-criterion="${second.id}" data-verdict="failed"`));
    expect(page.text).toContain('Encore en panne.');
    expect(page.text).toContain('Traiteur Boréal inc.');

    // A second SME passes both; the first SME's fail still keeps the second from passing.
    expect(
      (
        await post(secondSme.agent, CHECKLIST, {
          ...answer(first.id, 'pass'),
          ...answer(second.id, 'pass', 'Reçu en 5 minutes.'),
        })
      ).status,
    ).toBe(303);
    expect(await rolloutGate()).toBe('fail');
    // Once the first SME passes it too, every criterion has passed.
    expect((await post(pilotSme.agent, CHECKLIST, answer(second.id, 'pass'))).status).toBe(303);
    expect(await rolloutGate()).toBe('pass');
    page = await manager.get(STAFF_PAGE);
    expect(gateOf(page.text)).toBe('pass');
    expect(page.text).toContain('2 sur 2 (100 %)');
    expect(page.text).toMatch(/data-results="2\/0\/0"/);

    // A tester who leaves the pilot no longer counts (their results are kept, shown apart).
    expect(
      (await post(pilotSme.agent, CHECKLIST, answer(first.id, 'blocked', 'Page blanche'))).status,
    ).toBe(303);
    expect(await rolloutGate()).toBe('fail');
    await db.query(`UPDATE cohort_member SET status = 'withdrawn' WHERE organization_id = $1`, [
      pilotSme.organizationId,
    ]);
    try {
      expect(await rolloutGate()).toBe('pass');
      expect((await manager.get(STAFF_PAGE)).text).toContain(
        '1 résultat de participants qui ne font plus partie du projet pilote (non compté)',
      );
      // …and no longer sees the checklist.
      expect((await pilotSme.agent.get(CHECKLIST)).status).toBe(403);
    } finally {
      await db.query(`UPDATE cohort_member SET status = 'active' WHERE organization_id = $1`, [
        pilotSme.organizationId,
      ]);
    }
    expect((await post(pilotSme.agent, CHECKLIST, answer(first.id, 'pass'))).status).toBe(303);
    expect(await rolloutGate()).toBe('pass');
  });

  it('retires a criterion: kept with its results, no longer asked nor counted', async () => {
    // A third criterion nobody checked yet: 2 of 3.
    expect(
      (
        await post(
          manager,
          `${STAFF_PAGE}/criteria`,
          { titleFr: 'Payer les frais en ligne', titleEn: 'Pay the fees online', position: '3' },
          STAFF_PAGE,
        )
      ).status,
    ).toBe(303);
    const [third] = await db.query(
      `SELECT id FROM acceptance_criterion WHERE title_fr = 'Payer les frais en ligne'`,
    );
    expect(await rolloutGate()).toBe('fail');
    expect((await pilotSme.agent.get(CHECKLIST)).text).toContain('Payer les frais en ligne');

    const retire = `${STAFF_PAGE}/criteria/${third.id}/retire`;
    expect((await post(analyst, retire, {}, STAFF_PAGE)).status).toBe(403);
    const res = await post(manager, retire, {}, STAFF_PAGE);
    expect(res.status).toBe(303);
    expect(await rolloutGate()).toBe('pass');
    const page = await manager.get(STAFF_PAGE);
    expect(page.text).toContain('Le critère « Payer les frais en ligne » est retiré.');
    expect(page.text).toContain('Critères retirés');
    expect(page.text).toMatch(/id="retired"[\s\S]*Payer les frais en ligne/);
    expect((await pilotSme.agent.get(CHECKLIST)).text).not.toContain('Payer les frais en ligne');
    // An answer about a retired criterion is not recorded.
    expect(
      (
        await post(pilotSme.agent, CHECKLIST, {
          ...answer(third.id, 'fail', 'Pas de paiement'),
          ...answer(criteria[0].id, 'pass'),
        })
      ).status,
    ).toBe(303);
    const [{ n }] = await db.query(
      `SELECT count(*)::int AS n FROM acceptance_result WHERE criterion_id = $1`,
      [third.id],
    );
    expect(n).toBe(0);
    // Retiring again changes nothing; its edit page is gone.
    expect((await post(manager, retire, {}, STAFF_PAGE)).status).toBe(303);
    expect((await manager.get(`${STAFF_PAGE}/criteria/${third.id}/edit`)).status).toBe(404);
    const audit = await db.query(
      `SELECT actor_id, before, after FROM audit_event WHERE action = 'acceptance.criterion_retired'`,
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ before: { retired: false }, after: { retired: true } });
  });

  it('keeps control characters (which PostgreSQL text refuses) out of what it stores', async () => {
    const created = await post(
      manager,
      `${STAFF_PAGE}/criteria`,
      { titleFr: 'Contrôle\u0000nul', titleEn: 'Control\u0007chars', descriptionFr: 'a\u0000b' },
      STAFF_PAGE,
    );
    expect(created.status).toBe(303);
    const [criterion] = await db.query(
      `SELECT id, title_fr, title_en, description_fr FROM acceptance_criterion WHERE title_fr LIKE 'Contrôle%'`,
    );
    expect(criterion).toMatchObject({
      // Dropped where every form's input is read (ADR 0017), before the field's own rules.
      title_fr: 'Contrôlenul',
      title_en: 'Controlchars',
      description_fr: 'ab',
    });
    const saved = await post(pilotSme.agent, CHECKLIST, answer(criterion.id, 'fail', 'x\u0000y'));
    expect(saved.status).toBe(303);
    const [result] = await db.query(`SELECT note FROM acceptance_result WHERE criterion_id = $1`, [
      criterion.id,
    ]);
    expect(result.note).toBe('xy');
  });

  it('refuses posts without their CSRF token', async () => {
    const res = await pilotSme.agent
      .post(CHECKLIST)
      .type('form')
      .send(answer(criteria[0].id, 'pass'));
    expect(res.status).toBe(403);
    const staffRes = await manager
      .post(`${STAFF_PAGE}/criteria`)
      .type('form')
      .send({ titleFr: 'x', titleEn: 'x' });
    expect(staffRes.status).toBe(403);
  });
});
