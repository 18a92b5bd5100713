import { ForbiddenException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Refusal } from '../src/platform/errors/refusal.js';
import { StudioEditorService } from '../src/modules/studio/studio-editor.service.js';
import type { ServiceDefinition } from '../src/modules/catalogue/service-definition.js';
import { ServiceRevisionsService } from '../src/modules/studio/service-revisions.service.js';
import type { StaffActor } from '../src/modules/staff/staff-roles.guard.js';
import { createPerson, signedInAgent } from './support/people.js';
import { csrfFrom, startTestApp, type TestApp } from './support/test-app.js';

type Agent = Awaited<ReturnType<typeof signedInAgent>>;

const ORIGIN = { ip: '127.0.0.1', requestId: 'studio-editor-test' };
const versionIn = (html: string) => Number(/name="version" value="(\d+)"/.exec(html)?.[1]);

/**
 * The draft editor (issue 14): a revision's page (task list, or read only once
 * released), the service's details, its steps and each step's texts and
 * questions; 422 for malformed input, 409 when the draft changed since the page
 * was shown (what was typed kept, the second save succeeds), every change audited.
 */
describe('the service studio: the draft editor', () => {
  let portal: TestApp;
  let db: DataSource;
  let revisions: ServiceRevisionsService;
  let designer: { id: string; email: string };
  let actor: StaffActor;
  let agent: Agent;
  let n = 0;

  /** A new service (its draft, revision 1), with one step of a date and a file. */
  async function newService(): Promise<{ slug: string; base: string }> {
    n += 1;
    const slug = `pool-permit-${n}`;
    const created = await revisions.create(
      actor,
      {
        slug,
        referencePrefix: `Q${String.fromCharCode(64 + n)}`,
        title: { fr: 'Permis de piscine', en: 'Pool permit' },
        department: { fr: 'Urbanisme', en: 'Planning' },
      },
      ORIGIN,
    );
    await revisions.changeDraft(
      actor,
      slug,
      1,
      created.version,
      (d) => ({
        ...d,
        variants: {
          citizen: { ...d.variants.citizen, useThisServiceTo: [{ fr: 'a', en: 'a' }] },
          business: {
            ...d.variants.business,
            useThisServiceTo: [
              { fr: 'a', en: 'a' },
              { fr: 'PME', en: 'SME' },
            ],
          },
        },
        form: {
          steps: [
            {
              slug: 'pool',
              title: { fr: 'Piscine', en: 'Pool' },
              fields: [
                { type: 'date', name: 'start', label: { fr: 'Début', en: 'Start' } },
                { type: 'file', name: 'plan', label: { fr: 'Plan', en: 'Plan' } },
                { type: 'yesNo', name: 'heated', label: { fr: 'Chauffée', en: 'Heated' } },
              ],
            },
            { slug: 'contact', title: { fr: 'Contact', en: 'Contact' }, fields: [] },
          ],
        },
      }),
      'test setup',
      ORIGIN,
    );
    return { slug, base: `/staff/services/${slug}/revisions/1` };
  }

  const definition = async (slug: string, number = 1): Promise<ServiceDefinition> =>
    (await revisions.revision(actor, slug, number)).definition;

  /** Posts a form with the page's CSRF token. */
  async function post(path: string, fields: Record<string, string>, locale = 'fr') {
    const page = await agent.get('/staff/services');
    return agent
      .post(path)
      .set('Cookie', `guichet_lang=${locale}`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), ...fields });
  }

  /** The details form as the page shows it, every field filled as saved. */
  async function detailsForm(base: string): Promise<Record<string, string>> {
    const page = await agent.get(`${base}/details`);
    expect(page.status).toBe(200);
    const fields: Record<string, string> = {};
    for (const m of page.text.matchAll(/<input[^>]*\bname="([^"]+)"[^>]*>/g)) {
      if (m[1] === '_csrf' || (/type="checkbox"/.test(m[0]) && !/ checked/.test(m[0]))) continue;
      fields[m[1]] = /value="([^"]*)"/.exec(m[0])?.[1]?.replace(/&#x27;/g, "'") ?? '';
    }
    for (const m of page.text.matchAll(/<textarea[^>]*\bname="([^"]+)"[^>]*>([^<]*)<\/textarea>/g))
      fields[m[1]] = m[2];
    return fields;
  }

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    revisions = portal.app.get(ServiceRevisionsService);
    designer = await createPerson(db, { displayName: 'Élise Conception' });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'service-designer')`, [
      designer.id,
    ]);
    actor = { accountId: designer.id, roles: ['service-designer'] };
    agent = await signedInAgent(portal.url, designer.email);
  });
  afterAll(() => portal?.close());

  describe('the revision’s page', () => {
    for (const [locale, texts] of [
      ['fr', { title: 'Révision 1', details: 'Renseignements du service', state: 'Brouillon' }],
      ['en', { title: 'Revision 1', details: 'Service details', state: 'Draft' }],
    ] as const) {
      it(`shows a draft's task list with a link to each part and each step (${locale})`, async () => {
        const { base } = await newService();
        const page = await agent.get(base).set('Cookie', `guichet_lang=${locale}`);
        expect(page.status).toBe(200);
        expect(page.text).toContain(`<h1 class="govuk-heading-l">${texts.title}</h1>`);
        expect(page.text).toContain(`data-state="draft">${texts.state}`);
        expect(page.text).toContain(texts.details);
        for (const part of [
          'details',
          'steps',
          'rules',
          'preview/citizen',
          'preview/business',
          'checks',
        ])
          expect(page.text).toContain(`href="${base}/${part}"`);
        expect(page.text).toContain(`href="${base}/steps/pool"`);
        expect(page.text).toContain(`href="${base}/steps/contact"`);
        expect(page.text).toMatch(/id="revision-version">\d+</);
        // The new service's checks do not all pass yet (its texts are blank, for one).
        expect(page.text).toMatch(
          /id="task-checks-status"><strong class="govuk-tag govuk-tag--blue">\d+ /,
        );
      });
    }

    it('shows a ready revision read only: its texts in both languages, its steps and fields, no edit link', async () => {
      const base = '/staff/services/building-permit/revisions/1';
      const page = await agent.get(base).set('Cookie', 'guichet_lang=en');
      expect(page.status).toBe(200);
      expect(page.text).toContain('data-state="ready">Ready');
      expect(page.text).toContain('Permis de construction ou de rénovation');
      expect(page.text).toContain('Building or renovation permit');
      expect(page.text).toMatch(/data-step="work"/);
      expect(page.text).toContain('data-field="sitePlan"');
      expect(page.text).toContain('Business only');
      for (const part of ['details', 'steps', 'rules', 'checks'])
        expect(page.text).not.toContain(`href="${base}/${part}"`);
    });

    it('refuses to edit a ready revision: its pages and every change answer 409', async () => {
      const base = '/staff/services/building-permit/revisions/1';
      for (const path of ['details', 'steps', 'steps/work'])
        expect((await agent.get(`${base}/${path}`)).status).toBe(409);
      const version = (await revisions.revision(actor, 'building-permit', 1)).version;
      const refused = await post(`${base}/steps/work/move-up`, { version: String(version) });
      expect(refused.status).toBe(409);
      expect(refused.text).toContain('ne change plus jamais');
      expect((await post(`${base}/details`, { version: String(version) })).status).toBe(409);
    });

    it('answers 404 for a revision or a step that does not exist', async () => {
      const { base, slug } = await newService();
      expect((await agent.get(`/staff/services/${slug}/revisions/9`)).status).toBe(404);
      expect((await agent.get(`/staff/services/${slug}/revisions/x`)).status).toBe(404);
      expect((await agent.get(`${base}/steps/nowhere`)).status).toBe(404);
      const version = (await revisions.revision(actor, slug, 1)).version;
      expect(
        (await post(`${base}/steps/nowhere/duplicate`, { version: String(version) })).status,
      ).toBe(404);
    });
  });

  describe('the details', () => {
    it('shows every text in French and English side by side, and saves them (audited)', async () => {
      const { slug, base } = await newService();
      const page = await agent.get(`${base}/details`).set('Cookie', 'guichet_lang=en');
      expect(page.text).toContain(
        '<input class="govuk-input" id="titleFr" name="titleFr" type="text" lang="fr" value="Permis de piscine">',
      );
      expect(page.text).toContain(
        'id="titleEn" name="titleEn" type="text" lang="en" value="Pool permit"',
      );
      // Labelled in the page's language, as on the other studio pages.
      expect(page.text).toContain('<label class="govuk-label" for="titleFr">French</label>');
      expect(page.text).toContain('<label class="govuk-label" for="titleEn">English</label>');
      // The citizen items are shared; the business variant's own follow.
      expect(page.text).toContain('name="useThisServiceTo-shared-0-fr"');
      expect(page.text).toContain(
        'name="useThisServiceTo-business-0-en" type="text" lang="en" value="SME"',
      );
      const form = await detailsForm(base);
      const saved = await post(`${base}/details`, {
        ...form,
        titleEn: 'Swimming pool permit',
        feesFr: '50 $',
        feesEn: '$50',
        'useThisServiceTo-shared-0-fr': 'déclarer une piscine',
        'useThisServiceTo-shared-0-en': 'declare a pool',
        referencePrefix: 'PX',
      });
      expect(saved.status).toBe(303);
      expect(saved.headers.location).toBe(`${base}/details`);
      const d = await definition(slug);
      expect(d.title).toEqual({ fr: 'Permis de piscine', en: 'Swimming pool permit' });
      expect(d.fees).toEqual({ fr: '50 $', en: '$50' });
      expect(d.referencePrefix).toBe('PX');
      expect(d.variants.citizen.useThisServiceTo).toEqual([
        { fr: 'déclarer une piscine', en: 'declare a pool' },
      ]);
      expect(d.variants.business.useThisServiceTo).toEqual([
        { fr: 'déclarer une piscine', en: 'declare a pool' },
        { fr: 'PME', en: 'SME' },
      ]);
      const [event] = await db.query(
        `SELECT actor_id, after FROM audit_event WHERE action = 'service.draft_changed'
          AND entity_id = $1 ORDER BY id DESC LIMIT 1`,
        [`${slug}@1`],
      );
      expect(event.actor_id).toBe(designer.id);
      expect(event.after.what).toBe('details');
      const after = await agent.get(`${base}/details`);
      expect(after.text).toContain('Les renseignements du service sont enregistrés.');
    });

    it('adds and removes an item of a list, keeping what was typed in the rest of the form', async () => {
      const { slug, base } = await newService();
      const form = await detailsForm(base);
      const added = await post(`${base}/details`, {
        ...form,
        summaryFr: 'Un résumé',
        action: 'add:beforeYouStart:business',
      });
      expect(added.status).toBe(303);
      expect(added.headers.location).toBe(`${base}/details#beforeYouStart-business-0-fr`);
      let d = await definition(slug);
      expect(d.summary.fr).toBe('Un résumé');
      expect(d.variants.business.beforeYouStart).toEqual([{ fr: '', en: '' }]);
      expect(d.variants.citizen.beforeYouStart).toEqual([]);
      const removed = await post(`${base}/details`, {
        ...(await detailsForm(base)),
        action: 'remove:useThisServiceTo:business:0',
      });
      expect(removed.status).toBe(303);
      d = await definition(slug);
      expect(d.variants.business.useThisServiceTo).toEqual([{ fr: 'a', en: 'a' }]);
    });

    for (const [locale, texts] of [
      [
        'fr',
        {
          summary: 'Il y a un problème',
          prefix: 'deux à quatre lettres majuscules',
          long: '200 caractères ou moins',
        },
      ],
      [
        'en',
        {
          summary: 'There is a problem',
          prefix: 'two to four capital letters',
          long: '200 characters or fewer',
        },
      ],
    ] as const) {
      it(`refuses a malformed prefix and a text too long with 422, beside their fields, nothing typed lost (${locale})`, async () => {
        const { slug, base } = await newService();
        const form = await detailsForm(base);
        const refusedHere = await post(
          `${base}/details`,
          {
            ...form,
            referencePrefix: 'pp1',
            departmentEn: 'x'.repeat(201),
            summaryFr: 'Gardé tel quel',
          },
          locale,
        );
        expect(refusedHere.status).toBe(422);
        expect(refusedHere.text).toContain(texts.summary);
        expect(refusedHere.text).toContain('href="#referencePrefix"');
        expect(refusedHere.text).toContain('href="#departmentEn"');
        expect(refusedHere.text).toContain(texts.prefix);
        expect(refusedHere.text).toContain(texts.long);
        expect(refusedHere.text).toContain('id="departmentEn-error"');
        expect(refusedHere.text).toContain('value="pp1"');
        expect(refusedHere.text).toContain('>Gardé tel quel</textarea>');
        expect((await definition(slug)).summary.fr).toBe('');
      });
    }

    it('refuses bulk filing for a form with files, naming them, and allows blank texts', async () => {
      const { slug, base } = await newService();
      const form = await detailsForm(base);
      const refused = await post(`${base}/details`, { ...form, bulkFiling: 'yes', titleFr: '' });
      expect(refused.status).toBe(422);
      expect(refused.text).toContain('href="#bulkFiling"');
      expect(refused.text).toContain('sans fichiers ni groupes répétables');
      expect(refused.text).toContain('plan');
      expect((await definition(slug)).bulkFiling).toBeUndefined();
      // Without its file, the form may be filed in bulk; a blank title waits for the checks.
      await post(`${base}/steps/pool/fields/plan/remove`, {
        version: String((await revisions.revision(actor, slug, 1)).version),
      });
      const allowed = await post(`${base}/details`, {
        ...(await detailsForm(base)),
        bulkFiling: 'yes',
        titleFr: '',
      });
      expect(allowed.status).toBe(303);
      const d = await definition(slug);
      expect(d.bulkFiling).toBe(true);
      expect(d.title.fr).toBe('');
    });

    it('answers 409 to a save from an older version, keeps what was typed, and the next save succeeds', async () => {
      const { slug, base } = await newService();
      const form = await detailsForm(base);
      const first = await post(`${base}/details`, { ...form, summaryFr: 'Première' });
      expect(first.status).toBe(303);
      // A second designer saves from the same page, shown before the first save.
      const stale = await post(`${base}/details`, {
        ...form,
        summaryFr: 'Seconde',
        summaryEn: 'Second',
      });
      expect(stale.status).toBe(409);
      expect(stale.text).toContain('votre modification n’a pas été enregistrée');
      expect(stale.text).toContain('>Seconde</textarea>');
      expect(stale.text).toContain('>Second</textarea>');
      const current = (await revisions.revision(actor, slug, 1)).version;
      expect(versionIn(stale.text)).toBe(current);
      expect((await definition(slug)).summary.fr).toBe('Première');
      const again = await post(`${base}/details`, {
        ...form,
        summaryFr: 'Seconde',
        summaryEn: 'Second',
        version: String(versionIn(stale.text)),
      });
      expect(again.status).toBe(303);
      expect((await definition(slug)).summary).toEqual({ fr: 'Seconde', en: 'Second' });
    });
  });

  describe('the steps', () => {
    const version = async (slug: string) =>
      String((await revisions.revision(actor, slug, 1)).version);

    it('lists the steps with a button naming each step for each action', async () => {
      const { base } = await newService();
      const page = await agent.get(`${base}/steps`).set('Cookie', 'guichet_lang=en');
      expect(page.status).toBe(200);
      expect(page.text).toContain(`action="${base}/steps/pool/move-down"`);
      expect(page.text).not.toContain(`action="${base}/steps/pool/move-up"`);
      expect(page.text).toContain(`action="${base}/steps/contact/move-up"`);
      expect(page.text).toContain(
        'Move down<span class="govuk-visually-hidden"> the step « Pool »</span>',
      );
      expect(page.text).toContain(`href="${base}/steps/pool/remove"`);
    });

    it('adds a step, refusing a malformed or a taken slug with 422', async () => {
      const { slug, base } = await newService();
      const added = await post(`${base}/steps`, {
        slug: 'pool-site',
        titleFr: 'Emplacement',
        titleEn: 'Location',
        version: await version(slug),
      });
      expect(added.status).toBe(303);
      expect(added.headers.location).toBe(`${base}/steps/pool-site`);
      expect((await definition(slug)).form.steps.map((s) => s.slug)).toEqual([
        'pool',
        'contact',
        'pool-site',
      ]);
      const malformed = await post(`${base}/steps`, {
        slug: 'Pool Site',
        titleFr: 'Gardé',
        titleEn: 'Kept',
        version: await version(slug),
      });
      expect(malformed.status).toBe(422);
      expect(malformed.text).toContain('href="#slug"');
      expect(malformed.text).toContain('value="Pool Site"');
      expect(malformed.text).toContain('value="Gardé"');
      const taken = await post(`${base}/steps`, {
        slug: 'contact',
        titleFr: 'Encore',
        titleEn: 'Again',
        version: await version(slug),
      });
      expect(taken.status).toBe(422);
      expect(taken.text).toContain('a déjà cette adresse');
      expect(taken.text).toContain('value="Encore"');
      expect((await definition(slug)).form.steps).toHaveLength(3);
    });

    it('moves, duplicates (new slug, new answer keys) and removes a step after confirming, each audited', async () => {
      const { slug, base } = await newService();
      expect(
        (await post(`${base}/steps/contact/move-up`, { version: await version(slug) })).status,
      ).toBe(303);
      expect((await definition(slug)).form.steps.map((s) => s.slug)).toEqual(['contact', 'pool']);
      await post(`${base}/steps/contact/move-down`, { version: await version(slug) });
      const copied = await post(`${base}/steps/pool/duplicate`, { version: await version(slug) });
      expect(copied.status).toBe(303);
      let d = await definition(slug);
      expect(d.form.steps.map((s) => s.slug)).toEqual(['pool', 'pool-copy', 'contact']);
      expect(d.form.steps[1].fields.map((f) => f.name)).toEqual([
        'startCopy',
        'planCopy',
        'heatedCopy',
      ]);
      const confirm = await agent.get(`${base}/steps/pool-copy/remove`);
      expect(confirm.status).toBe(200);
      expect(confirm.text).toContain('Retirer l’étape « Piscine » ?');
      expect(confirm.text).toContain('<code>startCopy</code>');
      expect(confirm.text).toContain(`action="${base}/steps/pool-copy/remove"`);
      const removed = await post(`${base}/steps/pool-copy/remove`, {
        version: String(versionIn(confirm.text)),
      });
      expect(removed.status).toBe(303);
      d = await definition(slug);
      expect(d.form.steps.map((s) => s.slug)).toEqual(['pool', 'contact']);
      const events = await db.query(
        `SELECT after->>'what' AS what FROM audit_event WHERE action = 'service.draft_changed'
          AND entity_id = $1 ORDER BY id`,
        [`${slug}@1`],
      );
      expect(events.map((e: { what: string }) => e.what)).toEqual([
        'test setup',
        'step contact moved up',
        'step contact moved down',
        'step pool duplicated',
        'step pool-copy removed',
      ]);
    });

    it('answers 409 to a button pressed on an older page, and shows the draft as it now is', async () => {
      const { slug, base } = await newService();
      const stale = await version(slug);
      await post(`${base}/steps/pool/duplicate`, { version: stale });
      const refused = await post(`${base}/steps/pool/move-down`, { version: stale });
      expect(refused.status).toBe(409);
      expect(refused.text).toContain('id="conflict"');
      expect(refused.text).toContain('data-step="pool-copy"');
      expect(versionIn(refused.text)).toBe(Number(await version(slug)));
      const again = await post(`${base}/steps/pool/move-down`, {
        version: String(versionIn(refused.text)),
      });
      expect(again.status).toBe(303);
      expect((await definition(slug)).form.steps.map((s) => s.slug)).toEqual([
        'pool-copy',
        'pool',
        'contact',
      ]);
    });
  });

  describe('a step', () => {
    const version = async (slug: string) =>
      String((await revisions.revision(actor, slug, 1)).version);

    it('shows its texts and its questions, each linked to the question editor, with an "Add a question" link', async () => {
      const { base } = await newService();
      const page = await agent.get(`${base}/steps/pool`).set('Cookie', 'guichet_lang=en');
      expect(page.status).toBe(200);
      expect(page.text).toContain('value="Piscine"');
      expect(page.text).toContain('Only in the business variant');
      expect(page.text).toContain(`href="${base}/steps/pool/fields/new"`);
      expect(page.text).toContain(`href="${base}/steps/pool/fields/start"`);
      expect(page.text).toContain('Date');
      expect(page.text).toContain(
        'Move down<span class="govuk-visually-hidden"> the question « Start »</span>',
      );
    });

    it('saves its title, intro and audience (business only, or everyone)', async () => {
      const { slug, base } = await newService();
      const saved = await post(`${base}/steps/contact`, {
        titleFr: 'Coordonnées',
        titleEn: 'Contact details',
        introFr: 'Pour vous joindre.',
        introEn: 'To reach you.',
        businessOnly: 'yes',
        version: await version(slug),
      });
      expect(saved.status).toBe(303);
      expect((await definition(slug)).form.steps[1]).toMatchObject({
        title: { fr: 'Coordonnées', en: 'Contact details' },
        intro: { fr: 'Pour vous joindre.', en: 'To reach you.' },
        only: 'business',
      });
      await post(`${base}/steps/contact`, {
        titleFr: 'Coordonnées',
        titleEn: 'Contact details',
        version: await version(slug),
      });
      const step = (await definition(slug)).form.steps[1];
      expect(step.only).toBeUndefined();
      expect(step.intro).toBeUndefined();
      const tooLong = await post(`${base}/steps/contact`, {
        titleFr: 'x'.repeat(201),
        titleEn: 'Kept',
        version: await version(slug),
      });
      expect(tooLong.status).toBe(422);
      expect(tooLong.text).toContain('href="#titleFr"');
      expect(tooLong.text).toContain('value="Kept"');
    });

    it('keeps what was typed on a 409, and saves it the second time', async () => {
      const { slug, base } = await newService();
      const stale = await version(slug);
      await post(`${base}/steps/pool/duplicate`, { version: stale });
      const refused = await post(`${base}/steps/pool`, {
        titleFr: 'Bassin',
        titleEn: 'Basin',
        version: stale,
      });
      expect(refused.status).toBe(409);
      expect(refused.text).toContain('value="Bassin"');
      const saved = await post(`${base}/steps/pool`, {
        titleFr: 'Bassin',
        titleEn: 'Basin',
        version: String(versionIn(refused.text)),
      });
      expect(saved.status).toBe(303);
      expect((await definition(slug)).form.steps[0].title).toEqual({ fr: 'Bassin', en: 'Basin' });
    });

    it('moves, duplicates (a new answer key) and removes a question after confirming', async () => {
      const { slug, base } = await newService();
      const fields = async () => (await definition(slug)).form.steps[0].fields.map((f) => f.name);
      expect(
        (await post(`${base}/steps/pool/fields/plan/move-up`, { version: await version(slug) }))
          .status,
      ).toBe(303);
      expect(await fields()).toEqual(['plan', 'start', 'heated']);
      await post(`${base}/steps/pool/fields/plan/move-down`, { version: await version(slug) });
      await post(`${base}/steps/pool/fields/start/duplicate`, { version: await version(slug) });
      expect(await fields()).toEqual(['start', 'startCopy', 'plan', 'heated']);
      const confirm = await agent.get(`${base}/steps/pool/fields/startCopy/remove`);
      expect(confirm.status).toBe(200);
      expect(confirm.text).toContain('Retirer la question « Début » ?');
      const removed = await post(`${base}/steps/pool/fields/startCopy/remove`, {
        version: String(versionIn(confirm.text)),
      });
      expect(removed.status).toBe(303);
      expect(await fields()).toEqual(['start', 'plan', 'heated']);
      expect((await agent.get(`${base}/steps/pool/fields/nothing/remove`)).status).toBe(404);
    });
  });

  it('refuses every other staff role: 403 on the pages and the changes', async () => {
    const { slug, base } = await newService();
    for (const role of ['clerk', 'rollout-manager'] as const) {
      const person = await createPerson(db);
      await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, $2)`, [
        person.id,
        role,
      ]);
      const other = await signedInAgent(portal.url, person.email);
      for (const path of ['', '/details', '/steps', '/steps/pool', '/steps/pool/remove'])
        expect((await other.get(`${base}${path}`)).status).toBe(403);
      const version = String((await revisions.revision(actor, slug, 1)).version);
      const csrf = csrfFrom((await other.get('/staff')).text);
      for (const path of ['/details', '/steps', '/steps/pool/duplicate', '/steps/pool'])
        expect(
          (await other.post(`${base}${path}`).type('form').send({ _csrf: csrf, version })).status,
        ).toBe(403);
    }
    expect((await definition(slug)).form.steps).toHaveLength(2);
  });

  describe('the editor’s service, against PostgreSQL', () => {
    it('refuses every role but designers and admins, whoever calls it', async () => {
      const { slug } = await newService();
      const editor = portal.app.get(StudioEditorService);
      const version = (await revisions.revision(actor, slug, 1)).version;
      for (const role of ['clerk', 'rollout-manager', 'analyst'] as const)
        await expect(
          editor.edit(
            { accountId: designer.id, roles: [role] },
            slug,
            1,
            version,
            { kind: 'duplicate-step', step: 'pool' },
            ORIGIN,
          ),
        ).rejects.toBeInstanceOf(ForbiddenException);
      expect((await definition(slug)).form.steps).toHaveLength(2);
    });

    it('lets one of two changes from the same version through, and refuses the other (409)', async () => {
      const { slug } = await newService();
      const editor = portal.app.get(StudioEditorService);
      const version = (await revisions.revision(actor, slug, 1)).version;
      const outcomes = await Promise.allSettled([
        editor.edit(actor, slug, 1, version, { kind: 'duplicate-step', step: 'pool' }, ORIGIN),
        editor.edit(actor, slug, 1, version, { kind: 'remove-step', step: 'contact' }, ORIGIN),
      ]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const [refused] = outcomes.filter((o) => o.status === 'rejected');
      expect((refused as PromiseRejectedResult).reason).toBeInstanceOf(Refusal);
      expect(((refused as PromiseRejectedResult).reason as Refusal).code).toBe('stale-draft');
      expect((await revisions.revision(actor, slug, 1)).version).toBe(version + 1);
    });
  });
});
