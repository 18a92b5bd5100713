import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { CatalogueService } from '../src/modules/catalogue/catalogue.service.js';
import type { ServiceDefinition } from '../src/modules/catalogue/service-definition.js';
import { loadServiceDocuments } from '../src/modules/catalogue/service-document-loader.js';
import { ServiceRevisionsService } from '../src/modules/studio/service-revisions.service.js';
import type { StaffActor } from '../src/modules/staff/staff-roles.guard.js';
import { createPerson, signedInAgent } from './support/people.js';
import { csrfFrom, startTestApp, type TestApp } from './support/test-app.js';

const ORIGIN = { ip: '127.0.0.1', requestId: 'test' };

/** A complete, sound service: bulky-waste pickup under another name and prefix. */
function soundCopy(slug: string, prefix: string): ServiceDefinition {
  const original = loadServiceDocuments().find((d) => d.slug === 'bulky-waste-pickup')!;
  return { ...structuredClone(original), slug, referencePrefix: prefix };
}

/** A revision's checks page and "mark ready" (issue 14): `/staff/services/:slug/revisions/:n/checks`. */
describe('the studio: a revision’s checks and marking it ready', () => {
  let portal: TestApp;
  let db: DataSource;
  let revisions: ServiceRevisionsService;
  let designer: StaffActor & { email: string };
  let clerkEmail: string;

  const newService = async (prefix: string) => {
    const slug = `pool-${randomBytes(3).toString('hex')}`;
    await revisions.create(
      designer,
      {
        slug,
        referencePrefix: prefix,
        title: { fr: 'Permis de piscine', en: 'Pool permit' },
        department: { fr: 'Urbanisme', en: 'Urban planning' },
      },
      ORIGIN,
    );
    return slug;
  };

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    revisions = portal.app.get(ServiceRevisionsService);
    const person = await createPerson(db, { displayName: 'Élise Conception' });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'service-designer')`, [
      person.id,
    ]);
    designer = { accountId: person.id, roles: ['service-designer'], email: person.email };
    const clerk = await createPerson(db, { displayName: 'Paul Commis' });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'clerk')`, [clerk.id]);
    clerkEmail = clerk.email;
  });
  afterAll(() => portal?.close());

  it('lists what keeps a new service’s draft from being ready, each problem linking to where it is fixed', async () => {
    const slug = await newService('PK');
    const agent = await signedInAgent(portal.url, designer.email, 'en');
    const page = await agent
      .get(`/staff/services/${slug}/revisions/1/checks`)
      .set('Cookie', 'guichet_lang=en');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Checks of revision 1');
    expect(page.text).toContain('data-check="languages" data-passed="false"');
    // The blank summary is fixed on the details page.
    expect(page.text).toMatch(
      new RegExp(
        `data-pointer="/summary/fr"><a class="govuk-link" href="/staff/services/${slug}/revisions/1/details">`,
      ),
    );
    expect(page.text).toContain('data-blocked');
    expect(page.text).not.toContain(`action="/staff/services/${slug}/revisions/1/ready"`);
    // Posting anyway is refused (409), the page shown again with why.
    const refused = await agent
      .post(`/staff/services/${slug}/revisions/1/ready`)
      .set('Cookie', 'guichet_lang=en')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), version: '1' });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('govuk-error-summary');
    expect(refused.text).toContain(
      'This revision cannot be marked ready: some checks do not pass.',
    );
    const [row] = await db.query<{ state: string }[]>(
      `SELECT state FROM service_revision WHERE service_slug = $1 AND number = 1`,
      [slug],
    );
    expect(row.state).toBe('draft');
  });

  it('marks a sound draft ready; a page shown before a colleague’s save gets a 409 and nothing changes', async () => {
    const slug = await newService('PL');
    const agent = await signedInAgent(portal.url, designer.email, 'fr');
    const before = await agent.get(`/staff/services/${slug}/revisions/1/checks`);
    await revisions.changeDraft(designer, slug, 1, 1, () => soundCopy(slug, 'PL'), 'all', ORIGIN);
    const page = await agent.get(`/staff/services/${slug}/revisions/1/checks`);
    expect(page.text).toContain('Toutes les vérifications sont réussies.');
    expect(page.text).not.toContain('data-passed="false"');
    expect(page.text).toContain('name="version" value="2"');
    // The first page's version (1) is stale now.
    const stale = await agent
      .post(`/staff/services/${slug}/revisions/1/ready`)
      .type('form')
      .send({ _csrf: csrfFrom(before.text), version: '1' });
    expect(stale.status).toBe(409);
    expect(stale.text).toContain('Quelqu’un a enregistré ce brouillon (révision 1)');
    expect(stale.text).toContain('name="version" value="2"');
    const ready = await agent
      .post(`/staff/services/${slug}/revisions/1/ready`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), version: '2' });
    expect(ready.status).toBe(303);
    expect(ready.headers.location).toBe(`/staff/services/${slug}/revisions/1/checks`);
    const after = await agent.get(ready.headers.location);
    expect(after.text).toContain('Révision prête');
    expect(after.text).toContain(
      'Les nouvelles demandes reçoivent cette révision : variante citoyenne et variante entreprise.',
    );
    expect(portal.app.get(CatalogueService).served(slug, 'business')?.revision).toBe(1);
    const audit = await db.query<{ action: string; actor_id: string }[]>(
      `SELECT action, actor_id FROM audit_event WHERE entity_id = $1 ORDER BY id`,
      [`${slug}@1`],
    );
    expect(audit.map((a) => a.action)).toEqual(['service.draft_changed', 'service.revision_ready']);
    expect(audit[1].actor_id).toBe(designer.accountId);
  });

  it('refuses a malformed version with a 422, and other staff roles with a 403', async () => {
    const slug = await newService('PM');
    const agent = await signedInAgent(portal.url, designer.email, 'fr');
    const page = await agent.get(`/staff/services/${slug}/revisions/1/checks`);
    const malformed = await agent
      .post(`/staff/services/${slug}/revisions/1/ready`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), version: 'deux' });
    expect(malformed.status).toBe(422);
    expect(malformed.text).toContain('Ce formulaire est incomplet');
    expect((await agent.get(`/staff/services/${slug}/revisions/99/checks`)).status).toBe(404);
    const clerk = await signedInAgent(portal.url, clerkEmail, 'fr');
    expect((await clerk.get(`/staff/services/${slug}/revisions/1/checks`)).status).toBe(403);
  });
});
