// An SME's owners change its details (issue 18): address, contact, size and
// sector, never its legal name or NEQ (staff checked them, ADR 0014). Owners
// only; validated like the registration form; audited with what changed; and
// what reads the SME afterwards (a new application's prefill, the size the
// flags are evaluated against) sees the new details.
import type TestAgent from 'supertest/lib/agent.js';
import { DataSource } from 'typeorm';
import { IdentityReadModel } from '../src/modules/accounts/identity.read-model.js';
import { flagContext } from '../src/modules/rollout/variant-access.service.js';
import { releaseService } from './support/applications.js';
import { createPerson, signedInAgent, smeMember, uniqueEmail } from './support/people.js';
import { csrfFrom, eventually, startTestApp, type TestApp } from './support/test-app.js';

type Agent = InstanceType<typeof TestAgent>;

const newDetails = {
  streetAddress: '99, rue Nouvelle',
  city: 'Saint-Fictif',
  postalCode: 'g1r4p5',
  employeeCount: '140',
  naicsCode: '23',
  contactName: 'Luc Bouchard',
  contactEmail: 'luc@boulangerie.example',
  contactPhone: '(418) 555-0199',
};

/** The hrefs of the error summary, in order. */
const summaryFields = (html: string) => {
  const start = html.indexOf('govuk-error-summary__list');
  if (start === -1) return [];
  const summary = html.slice(start, html.indexOf('</ul>', start));
  return [...summary.matchAll(/href="#([\w-]+)"/g)].map((m) => m[1]);
};

const valueOf = (html: string, id: string) =>
  new RegExp(`id="${id}" name="${id}" type="[a-z]+" value="([^"]*)"`).exec(html)?.[1];

describe("changing an SME's details", () => {
  let portal: TestApp;
  let db: DataSource;
  let sme: Awaited<ReturnType<typeof smeMember>>;
  let member: Agent;
  let stranger: Agent;

  beforeAll(async () => {
    portal = await startTestApp({ SESSION_CACHE_MS: '1000' });
    db = portal.app.get(DataSource);
    await releaseService(portal, 'building-permit');
    sme = await smeMember(portal.url, db, { legalName: 'Boulangerie Édition inc.' });
    const memberPerson = await createPerson(db, { email: uniqueEmail('member') });
    await db.query(
      `INSERT INTO organization_membership (organization_id, account_id, role) VALUES ($1, $2, 'member')`,
      [sme.organizationId, memberPerson.id],
    );
    member = await signedInAgent(portal.url, memberPerson.email);
    stranger = await signedInAgent(
      portal.url,
      (await createPerson(db, { email: uniqueEmail('stranger') })).email,
    );
  }, 120_000);
  afterAll(() => portal.close());

  const editPath = () => `/organizations/${sme.organizationId}/edit`;

  async function postEdit(agent: Agent, fields: Record<string, string>, lang = 'fr') {
    const csrf = csrfFrom((await agent.get('/organizations/new')).text);
    return agent
      .post(editPath())
      .set('Cookie', `guichet_lang=${lang}`)
      .type('form')
      .send({ _csrf: csrf, ...fields });
  }

  it('offers owners, and only them, the form filled with the details, legal name and NEQ read-only', async () => {
    const show = await sme.agent.get(`/organizations/${sme.organizationId}`);
    expect(show.text).toContain(`href="${editPath()}"`);
    expect((await member.get(`/organizations/${sme.organizationId}`)).text).not.toContain(
      `href="${editPath()}"`,
    );

    const page = await sme.agent.get(editPath());
    expect(page.status).toBe(200);
    expect(valueOf(page.text, 'streetAddress')).toBe('12 rue Principale');
    expect(valueOf(page.text, 'employeeCount')).toBe('12');
    expect(page.text).toMatch(/<option value="31-33" selected>/);
    expect(page.text).toContain('Boulangerie Édition inc.');
    // Neither is a field: they are shown, with how to have them corrected.
    expect(page.text).not.toContain('name="legalName"');
    expect(page.text).not.toContain('name="neq"');
    expect(page.text).toContain('services aux citoyens');

    const forbidden = await member.get(editPath());
    expect(forbidden.status).toBe(403);
    expect(forbidden.text).toContain('Boulangerie Édition inc.');
    expect((await stranger.get(editPath())).status).toBe(404);
    expect((await sme.agent.get('/organizations/not-a-uuid/edit')).status).toBe(404);
  });

  it('answers 422 with the error summary, each message beside its field, and what was typed kept', async () => {
    const res = await postEdit(sme.agent, {
      ...newDetails,
      postalCode: '12345',
      employeeCount: 'douze',
      naicsCode: '99',
      contactEmail: '',
    });
    expect(res.status).toBe(422);
    expect(summaryFields(res.text)).toEqual([
      'postalCode',
      'employeeCount',
      'naicsCode',
      'contactEmail',
    ]);
    expect(res.text).toContain('<title>Erreur');
    expect(valueOf(res.text, 'postalCode')).toBe('12345');
    expect(valueOf(res.text, 'employeeCount')).toBe('douze');
    expect(valueOf(res.text, 'streetAddress')).toBe('99, rue Nouvelle');
    expect(res.text).toContain('id="employeeCount-error"');

    const english = await postEdit(sme.agent, { ...newDetails, city: '' }, 'en');
    expect(english.status).toBe(422);
    expect(english.text).toContain('There is a problem');
    // Nothing was saved.
    const [row] = await db.query(`SELECT city FROM organization WHERE id = $1`, [
      sme.organizationId,
    ]);
    expect(row.city).toBe('Val-des-Cèdres');
  });

  it('refuses members (403) and strangers (404), whatever they send, and changes nothing', async () => {
    expect((await postEdit(member, newDetails)).status).toBe(403);
    expect((await postEdit(member, { city: '' })).status).toBe(403);
    expect((await postEdit(stranger, newDetails)).status).toBe(404);
    const [row] = await db.query(`SELECT employee_count FROM organization WHERE id = $1`, [
      sme.organizationId,
    ]);
    expect(row.employee_count).toBe(12);
  });

  it('saves the details, audited with what changed, and what reads the SME follows', async () => {
    // The identity (and with it the flag context) is in memory before the change.
    const identities = portal.app.get(IdentityReadModel);
    const before = await identities.load(sme.accountId, sme.organizationId);
    expect(before?.organization?.employeeCount).toBe(12);

    const res = await postEdit(sme.agent, {
      ...newDetails,
      streetAddress: '99, rue Nouvelle',
      legalName: 'Autre nom inc.',
      neq: '1199999999',
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/organizations/${sme.organizationId}?saved=1`);
    const page = await sme.agent.get(res.headers.location);
    expect(page.text).toContain('Les coordonnées de l’entreprise ont été enregistrées');
    expect(page.text).toContain('99, rue Nouvelle');
    expect(page.text).toContain('G1R 4P5');
    expect(page.text).toContain('418 555-0199');

    const [row] = await db.query(`SELECT * FROM organization WHERE id = $1`, [sme.organizationId]);
    expect(row).toMatchObject({
      legal_name: 'Boulangerie Édition inc.',
      street_address: '99, rue Nouvelle',
      city: 'Saint-Fictif',
      postal_code: 'G1R 4P5',
      employee_count: 140,
      naics_code: '23',
      contact_name: 'Luc Bouchard',
      contact_email: 'luc@boulangerie.example',
      contact_phone: '418 555-0199',
    });
    expect(row.neq).not.toBe('1199999999');

    const events = await db.query(
      `SELECT actor_id, before, after FROM audit_event
        WHERE entity_id = $1 AND action = 'organization.details_updated'`,
      [sme.organizationId],
    );
    expect(events).toEqual([
      {
        actor_id: sme.accountId,
        before: {
          streetAddress: '12 rue Principale',
          city: 'Val-des-Cèdres',
          postalCode: 'J0A 1B0',
          employeeCount: 12,
          naicsCode: '31-33',
          contactName: 'Marie Tremblay',
          contactEmail: expect.stringContaining('@exemple.ca'),
          contactPhone: '418 555-0123',
        },
        after: {
          streetAddress: '99, rue Nouvelle',
          city: 'Saint-Fictif',
          postalCode: 'G1R 4P5',
          employeeCount: 140,
          naicsCode: '23',
          contactName: 'Luc Bouchard',
          contactEmail: 'luc@boulangerie.example',
          contactPhone: '418 555-0199',
        },
      },
    ]);

    // The database announced the change: the identity kept in memory is dropped,
    // and the flags are evaluated against the SME's new size.
    await eventually(
      async () =>
        (await identities.load(sme.accountId, sme.organizationId))?.organization?.employeeCount ===
        140,
      3000,
    );
    const identity = (await identities.load(sme.accountId, sme.organizationId))!;
    const context = flagContext({
      audience: 'business',
      accountId: sme.accountId,
      organization: identity.organization,
      staff: false,
    });
    expect(context.properties.employeeCount).toBe('140');
    expect(context.userId).toBe(sme.organizationId);

    // A new application's business step is prefilled from the new address.
    const start = await sme.agent.get('/services/building-permit/business');
    const started = await sme.agent
      .post('/services/building-permit/business/start')
      .type('form')
      .send({ _csrf: csrfFrom(start.text) });
    expect(started.status).toBe(303);
    const step = await sme.agent.get(`${started.headers.location}/steps/business`);
    expect(step.status).toBe(200);
    expect(valueOf(step.text, 'businessAddress-line1')).toBe('99, rue Nouvelle');
    expect(valueOf(step.text, 'businessAddress-city')).toBe('Saint-Fictif');
    expect(valueOf(step.text, 'businessName')).toBe('Boulangerie Édition inc.');
  });

  it('records nothing when nothing changed', async () => {
    const res = await postEdit(sme.agent, newDetails);
    expect(res.status).toBe(303);
    const [{ n }] = await db.query(
      `SELECT count(*)::int AS n FROM audit_event
        WHERE entity_id = $1 AND action = 'organization.details_updated'`,
      [sme.organizationId],
    );
    expect(n).toBe(1);
  });
});
