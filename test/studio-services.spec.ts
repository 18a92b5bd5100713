import { loadServiceDocuments } from '../src/modules/catalogue/service-document-loader.js';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { DataSource } from 'typeorm';
import type { ServiceDocument } from '../src/modules/catalogue/service-document.js';
import { ServiceRevisionsService } from '../src/modules/studio/service-revisions.service.js';
import { projectPath } from '../src/platform/project-path.js';
import { createPerson, signedInAgent } from './support/people.js';
import {
  csrfFrom,
  deleteFlag,
  startTestApp,
  unleashAdmin,
  type TestApp,
} from './support/test-app.js';

type Agent = ReturnType<typeof request.agent>;

const repoDocument = (slug: string) =>
  JSON.parse(readFileSync(projectPath(`services/${slug}.json`), 'utf8')) as ServiceDocument;

/** A slug no other test file's service has (they share one Unleash). */
const unique = (base: string) =>
  `${base}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;
/** A prefix (2–4 capitals) unlikely to be taken. */
const prefix = () =>
  Array.from({ length: 4 }, () => String.fromCharCode(65 + Math.floor(Math.random() * 26))).join(
    '',
  );

/**
 * The studio's services (issue 14): creating a service, importing and
 * exporting its guichet-service documents, and a service's page with its
 * revisions (start, restore, discard, withdraw), through HTTP against the real
 * PostgreSQL and Unleash.
 */
describe('the studio: creating, importing, exporting services and their revisions', () => {
  let portal: TestApp;
  let db: DataSource;
  let designer: Agent;
  let designerId: string;
  let clerk: Agent;
  const flags: string[] = [];

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    const person = await createPerson(db, { displayName: 'Élise Conception' });
    designerId = person.id;
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'service-designer')`, [
      person.id,
    ]);
    designer = await signedInAgent(portal.url, person.email);
    const clerkPerson = await createPerson(db, { displayName: 'Claude Commis' });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'clerk')`, [
      clerkPerson.id,
    ]);
    clerk = await signedInAgent(portal.url, clerkPerson.email);
  });
  afterAll(async () => {
    for (const flag of flags) await deleteFlag(flag).catch(() => undefined);
    await portal?.close();
  });

  async function csrf(agent: Agent = designer) {
    return csrfFrom((await agent.get('/staff/services/new')).text);
  }

  async function post(path: string, form: Record<string, string>, lang = 'fr', agent = designer) {
    const token = await csrf(agent).catch(() => 'none');
    return agent
      .post(path)
      .set('Cookie', `guichet_lang=${lang}`)
      .type('form')
      .send({ _csrf: token, ...form });
  }

  async function importFile(
    content: string | Buffer,
    options: { json?: boolean; lang?: string; agent?: Agent } = {},
  ) {
    const agent = options.agent ?? designer;
    const token = csrfFrom((await designer.get('/staff/services/import')).text);
    const call = agent
      .post('/staff/services/import')
      .set('Cookie', `guichet_lang=${options.lang ?? 'fr'}`);
    if (options.json) call.set('Accept', 'application/json');
    return call.field('_csrf', token).attach('definition', Buffer.from(content), {
      filename: 'service.json',
      contentType: 'application/json',
    });
  }

  async function auditOf(action: string, entityId: string) {
    return db.query<{ actor_id: string; after: Record<string, unknown> }[]>(
      `SELECT actor_id, after FROM audit_event WHERE action = $1 AND entity_id = $2`,
      [action, entityId],
    );
  }

  async function revisionRow(slug: string, number: number) {
    const [row] = await db.query<
      { state: string; document: unknown; based_on: number | null; version: number }[]
    >(
      `SELECT state, document, based_on, version FROM service_revision WHERE service_slug = $1 AND number = $2`,
      [slug, number],
    );
    return row;
  }

  describe('the list', () => {
    it('offers to create and import a service, links each to its page, shows its revision and draft', async () => {
      const page = await designer.get('/staff/services').set('Cookie', 'guichet_lang=en');
      expect(page.status).toBe(200);
      expect(page.text).toContain('href="/staff/services/new"');
      expect(page.text).toContain('href="/staff/services/import"');
      expect(page.text).not.toContain('comes in a later release');
      const row = page.text.slice(page.text.indexOf('data-service="building-permit"'));
      expect(row).toContain('href="/staff/services/building-permit"');
      expect(row.slice(0, row.indexOf('</tr>'))).toContain('Revision 1 current');
    });
  });

  describe('creating a service', () => {
    it('shows the form, French and English side by side', async () => {
      const page = await designer.get('/staff/services/new').set('Cookie', 'guichet_lang=en');
      expect(page.status).toBe(200);
      for (const name of [
        'slug',
        'referencePrefix',
        'titleFr',
        'titleEn',
        'departmentFr',
        'departmentEn',
      ])
        expect(page.text).toContain(`name="${name}"`);
      expect(page.text).toMatch(/id="titleFr" name="titleFr" type="text" lang="fr"/);
      expect(page.text).toMatch(/id="titleEn" name="titleEn" type="text" lang="en"/);
    });

    it('refuses every missing or malformed field with 422, keeping what was typed (fr and en)', async () => {
      const empty = await post('/staff/services/new', {}, 'en');
      expect(empty.status).toBe(422);
      for (const message of [
        'Enter the service’s address name.',
        'Enter the reference prefix.',
        'Enter the title in French.',
        'Enter the title in English.',
        'Enter the department in French.',
        'Enter the department in English.',
      ])
        expect(empty.text).toContain(message);
      expect(empty.text).toContain('govuk-error-summary');

      const bad = await post('/staff/services/new', {
        slug: 'Permis Piscine',
        referencePrefix: 'pp1',
        titleFr: 'Permis de piscine',
        titleEn: 'Pool permit',
        departmentFr: 'Urbanisme',
        departmentEn: 'Planning',
      });
      expect(bad.status).toBe(422);
      expect(bad.text).toContain('Le nom d’adresse ne peut contenir que des lettres minuscules');
      expect(bad.text).toContain(
        'Le préfixe de référence doit compter de 2 à 4 lettres majuscules',
      );
      expect(bad.text).toContain('value="Permis Piscine"');
      expect(bad.text).toContain('value="pp1"');
      expect(bad.text).toContain('value="Permis de piscine"');
      expect(bad.text).toContain('value="Pool permit"');

      const reserved = await post(
        '/staff/services/new',
        {
          slug: 'import',
          referencePrefix: prefix(),
          titleFr: 'Importer',
          titleEn: 'Import',
          departmentFr: 'Urbanisme',
          departmentEn: 'Planning',
        },
        'en',
      );
      expect(reserved.status).toBe(422);
      expect(reserved.text).toContain('Another service already has this identifier');
    });

    it('refuses a slug or a prefix another service has (422), keeping what was typed', async () => {
      const form = {
        slug: 'building-permit',
        referencePrefix: 'ZZZ',
        titleFr: 'Permis de piscine',
        titleEn: 'Pool permit',
        departmentFr: 'Urbanisme',
        departmentEn: 'Planning',
      };
      const slugTaken = await post('/staff/services/new', form, 'en');
      expect(slugTaken.status).toBe(422);
      expect(slugTaken.text).toContain('Another service already has this identifier');
      expect(slugTaken.text).toContain('href="#slug"');
      expect(slugTaken.text).toContain('value="Pool permit"');
      const prefixTaken = await post('/staff/services/new', {
        ...form,
        slug: unique('pool'),
        referencePrefix: 'PC',
      });
      expect(prefixTaken.status).toBe(422);
      expect(prefixTaken.text).toContain(
        'Le service building-permit a déjà ce préfixe de référence',
      );
      expect(prefixTaken.text).toContain('href="#referencePrefix"');
      expect(prefixTaken.text).toContain('value="Permis de piscine"');
    });

    it('creates the service: its draft revision 1, two closed plans, two Unleash flags off; audited', async () => {
      const slug = unique('pool-permit');
      const code = prefix();
      flags.push(`${slug}.citizen`, `${slug}.business`);
      const res = await post('/staff/services/new', {
        slug,
        referencePrefix: code,
        titleFr: 'Permis de piscine',
        titleEn: 'Pool permit',
        departmentFr: 'Service de l’urbanisme',
        departmentEn: 'Urban Planning Department',
      });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/staff/services/${slug}/revisions/1`);
      const draft = await revisionRow(slug, 1);
      expect(draft.state).toBe('draft');
      expect(draft.document).toMatchObject({
        slug,
        referencePrefix: code,
        title: { fr: 'Permis de piscine', en: 'Pool permit' },
        department: { fr: 'Service de l’urbanisme', en: 'Urban Planning Department' },
      });
      const plans = await db.query<{ variant: string; stage: string }[]>(
        `SELECT variant, stage FROM rollout_plan WHERE service_slug = $1 ORDER BY variant`,
        [slug],
      );
      expect(plans).toEqual([
        { variant: 'business', stage: 'closed' },
        { variant: 'citizen', stage: 'closed' },
      ]);
      const admin = unleashAdmin();
      for (const variant of ['citizen', 'business']) {
        expect(await admin.flagExists(`${slug}.${variant}`)).toBe(true);
        expect((await admin.getEnvironmentState(`${slug}.${variant}`)).enabled).toBe(false);
      }
      const [event] = await auditOf('service.created', slug);
      expect(event.actor_id).toBe(designerId);
      // Its page lists the draft, served by no variant yet.
      const overview = await designer
        .get(`/staff/services/${slug}`)
        .set('Cookie', 'guichet_lang=en');
      expect(overview.status).toBe(200);
      expect(overview.text).toContain('data-revision="1" data-state="draft"');
      expect(overview.text).toContain('Serves no revision yet');
      expect(overview.text).toContain(`href="/staff/services/${slug}/revisions/1"`);
      // Its first draft is all it has: nothing to discard it for.
      expect(overview.text).not.toContain(`/revisions/1/discard`);
    });
  });

  describe('exporting a revision', () => {
    it('gives revision 1 of an untouched service byte for byte as the repo keeps it, as an attachment', async () => {
      for (const slug of loadServiceDocuments().map((d) => d.slug)) {
        for (const query of ['', '?revision=1']) {
          const res = await designer
            .get(`/staff/services/${slug}/export.json${query}`)
            .buffer(true);
          expect(res.status).toBe(200);
          expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
          expect(res.headers['content-disposition']).toMatch(
            new RegExp(`^attachment; filename="${slug}-r1\\.json"`),
          );
          const text = res.text;
          expect(text.endsWith('}\n')).toBe(true);
          expect(
            text.startsWith(
              '{\n  "$schema": "../docs/service-definition.schema.json",\n  "format": "guichet-service",',
            ),
          ).toBe(true);
          expect(JSON.parse(text)).toEqual(repoDocument(slug));
          // services/*.json are written in the export's order: a city's git diff shows only real changes.
          expect(text).toBe(readFileSync(projectPath(`services/${slug}.json`), 'utf8'));
        }
      }
    });

    it('answers 404 for an unknown service or revision', async () => {
      for (const path of [
        '/staff/services/building-permit/export.json?revision=99',
        '/staff/services/building-permit/export.json?revision=abc',
        '/staff/services/building-permit/export.json?revision=0',
        '/staff/services/nothing-here/export.json',
      ])
        expect((await designer.get(path)).status).toBe(404);
    });
  });

  describe('importing a document', () => {
    it('shows the form: one file field, multipart', async () => {
      const page = await designer.get('/staff/services/import').set('Cookie', 'guichet_lang=en');
      expect(page.status).toBe(200);
      expect(page.text).toContain('enctype="multipart/form-data"');
      expect(page.text).toContain('name="definition" type="file"');
    });

    it('round trip: an export imported under a new slug is that service as a new draft, exactly', async () => {
      const exported = JSON.parse(
        (await designer.get('/staff/services/building-permit/export.json?revision=1')).text,
      ) as ServiceDocument;
      const slug = unique('building-permit-copy');
      const code = prefix();
      flags.push(`${slug}.citizen`, `${slug}.business`);
      const copy = { ...exported, service: { ...exported.service, slug, referencePrefix: code } };
      const res = await importFile(JSON.stringify(copy, null, 2));
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/staff/services/${slug}/revisions/1`);
      const draft = await revisionRow(slug, 1);
      expect(draft.state).toBe('draft');
      expect(draft.document).toEqual({
        ...repoDocument('building-permit').service,
        slug,
        referencePrefix: code,
      });
      const plans = await db.query(`SELECT stage FROM rollout_plan WHERE service_slug = $1`, [
        slug,
      ]);
      expect(plans).toEqual([{ stage: 'closed' }, { stage: 'closed' }]);
      expect(await unleashAdmin().flagExists(`${slug}.business`)).toBe(true);
      const [event] = await auditOf('service.imported', `${slug}@1`);
      expect(event.after).toMatchObject({ newService: true, referencePrefix: code });
      // Exported again, it is the same document (revision numbers aside).
      const again = JSON.parse(
        (await designer.get(`/staff/services/${slug}/export.json?revision=1`)).text,
      ) as ServiceDocument;
      expect(again).toEqual(copy);
    });

    it('an export of an existing service becomes its new draft; a second import is refused (409) with a link to it', async () => {
      const exported = (await designer.get('/staff/services/occupancy-certificate/export.json'))
        .text;
      const res = await importFile(exported);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/staff/services/occupancy-certificate/revisions/2');
      // Exported again, the draft is the same text but for its revision number.
      const draftText = (
        await designer.get('/staff/services/occupancy-certificate/export.json?revision=2')
      ).text;
      expect(draftText).toBe(exported.replace('"revision": 1,', '"revision": 2,'));
      const draft = await revisionRow('occupancy-certificate', 2);
      expect(draft).toMatchObject({ state: 'draft', based_on: 1 });
      expect(draft.document).toEqual(repoDocument('occupancy-certificate').service);
      const [event] = await auditOf('service.imported', 'occupancy-certificate@2');
      expect(event.after).toMatchObject({ newService: false, basedOn: 1 });

      const twice = await importFile(exported, { lang: 'en' });
      expect(twice.status).toBe(409);
      expect(twice.text).toContain('This service already has a draft (revision 2)');
      expect(twice.text).toContain('href="/staff/services/occupancy-certificate/revisions/2"');
      const json = await importFile(exported, { json: true });
      expect(json.status).toBe(409);
      expect(json.body).toMatchObject({ code: 'draft-exists' });
    });

    it('refuses a slug the studio reserves or the portal cannot store (422, its pointer)', async () => {
      for (const slug of ['new', `a${'-b'.repeat(40)}`]) {
        const document = repoDocument('bulky-waste-pickup');
        document.service.slug = slug;
        const json = await importFile(JSON.stringify(document), { json: true });
        expect(json.status).toBe(422);
        expect(json.body.problems).toEqual([
          { pointer: '/service/slug', message: expect.any(String) },
        ]);
      }
    });

    it('refuses a reference prefix another service has (422)', async () => {
      const document = repoDocument('bulky-waste-pickup');
      document.service.referencePrefix = 'PC';
      const res = await importFile(JSON.stringify(document), { lang: 'en' });
      expect(res.status).toBe(422);
      expect(res.text).toContain('The service building-permit already has this reference prefix');
    });

    const broken: [string, (d: ServiceDocument) => unknown, string[]][] = [
      ['a wrong format', (d) => ({ ...d, format: 'something-else' }), ['/format']],
      [
        'missing fields',
        (d) => {
          delete (d.service as { title?: unknown }).title;
          delete (d.service.form.steps[0].fields[0] as { label?: unknown }).label;
          return d;
        },
        ['/service/title', '/service/form/steps/0/fields/0/label'],
      ],
      [
        'a field of a bad type',
        (d) => {
          (d.service.form.steps[0].fields[0] as { type: string }).type = 'colour';
          (d as { revision: unknown }).revision = 'one';
          return d;
        },
        ['/service/form/steps/0/fields/0/type', '/revision'],
      ],
      [
        'two questions with one name',
        (d) => {
          d.service.form.steps[0].fields[1].name = d.service.form.steps[0].fields[0].name;
          return d;
        },
        ['/service/form/steps/0/fields/1/name'],
      ],
    ];
    for (const [what, breakIt, pointers] of broken)
      it(`refuses ${what} with 422 and every problem's JSON pointer (page and JSON)`, async () => {
        const document = JSON.stringify(breakIt(repoDocument('sign-permit')));
        const page = await importFile(document, { lang: 'en' });
        expect(page.status).toBe(422);
        expect(page.text).toContain('The document is not a valid service');
        expect(page.text).toContain('govuk-error-summary');
        for (const pointer of pointers) expect(page.text).toContain(`data-pointer="${pointer}"`);
        const json = await importFile(document, { json: true });
        expect(json.status).toBe(422);
        expect(json.body).toMatchObject({ code: 'not-a-service', message: expect.any(String) });
        const problems = json.body.problems as { pointer: string; message: string }[];
        for (const pointer of pointers)
          expect(problems).toContainEqual({ pointer, message: expect.any(String) });
      });

    it('refuses a file that is not JSON with the parser’s message, and no file at all (422)', async () => {
      const page = await importFile('{ "format": "guichet-service", ', { lang: 'en' });
      expect(page.status).toBe(422);
      expect(page.text).toContain('The file is not valid JSON:');
      const json = await importFile('pas du JSON', { json: true });
      expect(json.status).toBe(422);
      expect(json.body).toMatchObject({ code: 'not-json', problems: [{ pointer: '' }] });
      expect(json.body.problems[0].message).toMatch(/JSON/);
      const token = csrfFrom((await designer.get('/staff/services/import')).text);
      const none = await designer
        .post('/staff/services/import')
        .set('Cookie', 'guichet_lang=fr')
        .field('_csrf', token);
      expect(none.status).toBe(422);
      expect(none.text).toContain('Choisissez le fichier du service à importer.');
      // A text field where the file should be, longer than a form field may be.
      const unreadable = await designer
        .post('/staff/services/import')
        .set('Cookie', 'guichet_lang=fr')
        .field('_csrf', token)
        .field('definition', 'x'.repeat(10 * 1024));
      expect(unreadable.status).toBe(422);
      expect(unreadable.text).toContain('Le formulaire n’a pas pu être lu en entier');
    });

    it('refuses a file above the upload limit (422)', async () => {
      const big = `{"padding": "${'x'.repeat(1024 * 1024 + 10)}"}`;
      const res = await importFile(big, { lang: 'en' });
      expect(res.status).toBe(422);
      expect(res.text).toContain('The file must be 1 MB or smaller.');
    });
  });

  describe('a service’s page and its revisions', () => {
    const slug = 'sign-permit';
    const revisions = () => portal.app.get(ServiceRevisionsService);
    const actor = () => ({ accountId: designerId, roles: ['service-designer' as const] });
    const origin = { ip: '127.0.0.1', requestId: 'test' };

    it('shows its revisions, what each variant serves, and the actions (fr and en)', async () => {
      for (const [lang, texts] of [
        [
          'fr',
          {
            ready: 'Prête',
            start: 'Commencer un brouillon à partir de la révision 1',
            serves: 'Sert la révision 1',
          },
        ],
        [
          'en',
          { ready: 'Ready', start: 'Start a draft from revision 1', serves: 'Serves revision 1' },
        ],
      ] as const) {
        const page = await designer
          .get(`/staff/services/${slug}`)
          .set('Cookie', `guichet_lang=${lang}`);
        expect(page.status).toBe(200);
        expect(page.text).toContain('data-revision="1" data-state="ready"');
        expect(page.text).toContain(texts.ready);
        expect(page.text).toContain(texts.start);
        expect(page.text).toContain(texts.serves);
        expect(page.text).toContain(`href="/staff/services/${slug}/revisions/1/preview/citizen"`);
        expect(page.text).toContain(`href="/staff/services/${slug}/export.json?revision&#x3D;1"`);
        // Its only ready revision: nothing to withdraw.
        expect(page.text).not.toContain(`href="/staff/services/${slug}/revisions/1/withdraw"`);
      }
      expect((await designer.get('/staff/services/nothing-here')).status).toBe(404);
      // Its only ready revision: the page says why it cannot be withdrawn, with no button.
      const last = await designer
        .get(`/staff/services/${slug}/revisions/1/withdraw`)
        .set('Cookie', 'guichet_lang=en');
      expect(last.status).toBe(200);
      expect(last.text).toContain('This is the service’s only ready revision');
      expect(last.text).not.toContain(`action="/staff/services/${slug}/revisions/1/withdraw"`);
    });

    it('starts a draft (audited); a second one is refused with 409 on the page', async () => {
      const res = await post(`/staff/services/${slug}/drafts`, {});
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/staff/services/${slug}/revisions/2`);
      expect(await revisionRow(slug, 2)).toMatchObject({ state: 'draft', based_on: 1 });
      expect(await auditOf('service.draft_started', `${slug}@2`)).toHaveLength(1);
      const again = await post(`/staff/services/${slug}/drafts`, {}, 'en');
      expect(again.status).toBe(409);
      expect(again.text).toContain('This service already has a draft (revision 2)');
      expect(again.text).toContain('href="#revisions"');
      expect(again.text).toContain('data-revision="2" data-state="draft"');
      const bad = await post(`/staff/services/${slug}/drafts`, { from: 'abc' }, 'en');
      expect(bad.status).toBe(422);
      expect(bad.text).toContain('<a href="#revisions">Choose a revision of this service.</a>');
    });

    it('discards the draft after confirming; a stale version is refused (409)', async () => {
      const confirm = await designer
        .get(`/staff/services/${slug}/revisions/2/discard`)
        .set('Cookie', 'guichet_lang=en');
      expect(confirm.status).toBe(200);
      expect(confirm.text).toContain('Discard the draft (revision 2)?');
      expect(confirm.text).toContain('name="version" value="1"');
      expect((await designer.get(`/staff/services/${slug}/revisions/1/discard`)).status).toBe(404);
      const stale = await post(
        `/staff/services/${slug}/revisions/2/discard`,
        { version: '7' },
        'en',
      );
      expect(stale.status).toBe(409);
      expect(stale.text).toContain('since you opened it: your changes were not saved');
      const done = await post(
        `/staff/services/${slug}/revisions/2/discard`,
        { version: '1' },
        'en',
      );
      expect(done.status).toBe(303);
      expect(done.headers.location).toBe(`/staff/services/${slug}`);
      expect(await revisionRow(slug, 2)).toBeUndefined();
      expect(await auditOf('service.draft_discarded', `${slug}@2`)).toHaveLength(1);
      const page = await designer.get(`/staff/services/${slug}`).set('Cookie', 'guichet_lang=en');
      expect(page.text).toContain('The draft (revision 2) was discarded.');
    });

    it('withdraws a ready revision after confirming; refuses the last one and a draft (409)', async () => {
      // Revision 3 (2 was discarded): ready, served on the closed variants.
      const draft = await revisions().startDraft(actor(), slug, origin);
      expect(draft.number).toBe(3);
      await revisions().markReady(actor(), slug, 3, draft.version, origin);
      const confirm = await designer
        .get(`/staff/services/${slug}/revisions/3/withdraw`)
        .set('Cookie', 'guichet_lang=en');
      expect(confirm.status).toBe(200);
      expect(confirm.text).toContain('Withdraw revision 3?');
      expect(confirm.text).toContain('will serve revision 1');
      expect(confirm.text).toContain('keeps every answer whose question still exists');
      const done = await post(`/staff/services/${slug}/revisions/3/withdraw`, {}, 'en');
      expect(done.status).toBe(303);
      expect(await revisionRow(slug, 3)).toMatchObject({ state: 'withdrawn' });
      expect(await auditOf('service.revision_withdrawn', `${slug}@3`)).toHaveLength(1);
      const page = await designer.get(`/staff/services/${slug}`).set('Cookie', 'guichet_lang=en');
      expect(page.text).toContain('Revision 3 was withdrawn.');
      expect(page.text).toContain('data-revision="3" data-state="withdrawn"');

      const last = await post(`/staff/services/${slug}/revisions/1/withdraw`, {}, 'en');
      expect(last.status).toBe(409);
      expect(last.text).toContain(
        'This is the service’s only ready revision: nothing would be left to serve.',
      );
      const withdrawn = await post(`/staff/services/${slug}/revisions/3/withdraw`, {}, 'en');
      expect(withdrawn.status).toBe(409);
      expect(withdrawn.text).toContain('Only a ready revision can be withdrawn.');
    });

    it('restores a withdrawn revision as a new draft (start a draft from it)', async () => {
      const page = await designer.get(`/staff/services/${slug}`);
      expect(page.text).toContain('data-restore="3"');
      const res = await post(`/staff/services/${slug}/drafts`, { from: '3' });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/staff/services/${slug}/revisions/4`);
      expect(await revisionRow(slug, 4)).toMatchObject({ state: 'draft', based_on: 3 });
      const missing = await post(`/staff/services/${slug}/revisions/4/discard`, { version: '1' });
      expect(missing.status).toBe(303);
      expect((await post(`/staff/services/${slug}/drafts`, { from: '99' })).status).toBe(404);
    });
  });

  it('refuses a clerk every page and action (403), in the service too', async () => {
    for (const path of [
      '/staff/services/new',
      '/staff/services/import',
      '/staff/services/building-permit',
      '/staff/services/building-permit/export.json',
      '/staff/services/building-permit/revisions/1/withdraw',
    ])
      expect((await clerk.get(path)).status).toBe(403);
    const token = csrfFrom((await clerk.get('/register')).text);
    for (const path of [
      '/staff/services/new',
      '/staff/services/building-permit/drafts',
      '/staff/services/building-permit/revisions/1/withdraw',
      '/staff/services/building-permit/revisions/1/discard',
    ])
      expect(
        (await clerk.post(path).type('form').send({ _csrf: token, version: '1' })).status,
      ).toBe(403);
    const upload = await clerk
      .post('/staff/services/import')
      .field('_csrf', token)
      .attach('definition', Buffer.from('{}'), 'x.json');
    expect(upload.status).toBe(403);
    await expect(
      portal.app
        .get(ServiceRevisionsService)
        .importDocument(
          { accountId: designerId, roles: ['clerk'] },
          repoDocument('sign-permit').service,
          { ip: '127.0.0.1' },
        ),
    ).rejects.toThrow();
  });
});
