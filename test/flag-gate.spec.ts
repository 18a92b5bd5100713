import request from 'supertest';
import { allBusinessesStrategy } from '../src/modules/rollout/demo-rollout.seed.js';
import { DataSource } from 'typeorm';
import { smeMember } from './support/people.js';
import {
  deleteFlag,
  eventually,
  planAllows,
  startTestApp,
  type TestApp,
  unleashAdmin,
} from './support/test-app.js';

const BUSINESS = 'building-permit.business';
const CITIZEN = 'building-permit.citizen';
/** Session cookies: a signed-in SME member acting for the SME; a visitor (a resident). */
let asBusiness = '';
const asCitizen = '';
/** A change is effective within the refresh interval (250 ms here) + Unleash's 1 s revision tick + slack. */
const PROPAGATION_MS = 3000;

/** What a visitor acting as `who` gets on a variant's start page. */
async function startPage(portal: TestApp, variant: 'business' | 'citizen', who: string) {
  const res = await request(portal.url)
    .get(`/services/building-permit/${variant}`)
    .set('Cookie', who);
  return { status: res.status, text: res.text };
}

describe('the flag gate on service variants, driven through Unleash', () => {
  const admin = unleashAdmin();
  let portal: TestApp;

  beforeAll(async () => {
    // Boot tasks create both flags in Unleash, switched off.
    await deleteFlag(BUSINESS);
    await deleteFlag(CITIZEN);
    portal = await startTestApp();
    // The plans allow both variants: Unleash alone decides, within them (ADR 0033).
    await planAllows(portal, ['building-permit']);
    asBusiness = (await smeMember(portal.url, portal.app.get(DataSource))).cookie;
    // Unleash publishes changes to clients on a 1 s revision tick: an earlier test
    // file's configuration of these flags may be served for up to a second more.
    await eventually(
      async () => (await startPage(portal, 'business', asBusiness)).status === 403,
      PROPAGATION_MS,
    );
  });
  afterAll(() => portal.close());

  it('creates a flag per variant at boot, off, and records it in the audit log', async () => {
    expect(await admin.flagExists(BUSINESS)).toBe(true);
    expect(await admin.flagExists(CITIZEN)).toBe(true);
    expect((await admin.getEnvironmentState(CITIZEN)).enabled).toBe(false);
    const events = await portal.app.get(DataSource).query(
      `SELECT actor_type, action, entity_id, after FROM audit_event
           WHERE action = 'flag.created' AND entity_id LIKE 'building-permit.%' ORDER BY entity_id`,
    );
    expect(events).toEqual([
      {
        actor_type: 'system',
        action: 'flag.created',
        entity_id: BUSINESS,
        after: { enabled: false, environment: 'production' },
      },
      {
        actor_type: 'system',
        action: 'flag.created',
        entity_id: CITIZEN,
        after: { enabled: false, environment: 'production' },
      },
    ]);
  });

  it('takes a flag that another instance created a moment before as created, not as a failure', async () => {
    // Two portal instances (or the provisioner and the reconciler) may both find a
    // flag missing; the second create meets Unleash's 409 and goes on.
    expect(await admin.createFlag(BUSINESS, 'created twice')).toBe(false);
    expect((await admin.getEnvironmentState(BUSINESS)).enabled).toBe(false);
  });

  it('shows "not available for you yet" with the reason while a variant is closed', async () => {
    const page = await startPage(portal, 'business', asBusiness);
    expect(page.status).toBe(403);
    expect(page.text).toContain('Ce service n’est pas encore offert pour vous');
    expect(page.text).toContain('groupe pilote de petites et moyennes entreprises');
  });

  it('opens the business variant to businesses, not citizens, within the refresh interval', async () => {
    await admin.replaceStrategies(BUSINESS, true, [allBusinessesStrategy(BUSINESS)]);
    await eventually(
      async () => (await startPage(portal, 'business', asBusiness)).status === 200,
      PROPAGATION_MS,
    );

    const business = await startPage(portal, 'business', asBusiness);
    expect(business.text).toContain('Permis de construction ou de rénovation');
    expect(business.text).toContain('numéro d’entreprise du Québec (NEQ)');
    expect(business.text).toContain('Au nom de Boulangerie du Vieux-Moulin inc.');

    // A citizen opening the business variant is told it is for businesses.
    const wrongAudience = await startPage(portal, 'business', asCitizen);
    expect(wrongAudience.status).toBe(403);
    expect(wrongAudience.text).toContain('Cette version est destinée aux entreprises');
    // The citizen variant is still closed: SME first.
    const citizen = await startPage(portal, 'citizen', asCitizen);
    expect(citizen.status).toBe(403);
    expect(citizen.text).toContain(
      'La Ville met d’abord ce service à l’essai avec des entreprises',
    );
  });

  it('opens the citizen variant to citizens when its flag is switched on, and closes it again', async () => {
    await admin.replaceStrategies(CITIZEN, true, [
      {
        name: 'flexibleRollout',
        parameters: { rollout: '100', stickiness: 'default', groupId: CITIZEN },
        constraints: [{ contextName: 'audience', operator: 'IN', values: ['citizen'] }],
      },
    ]);
    await eventually(
      async () => (await startPage(portal, 'citizen', asCitizen)).status === 200,
      PROPAGATION_MS,
    );
    const page = await startPage(portal, 'citizen', asCitizen);
    expect(page.text).toContain('Pour les travaux sur votre propre résidence.');
    expect(page.text).not.toContain('NEQ');

    await admin.setEnabled(CITIZEN, false);
    await eventually(
      async () => (await startPage(portal, 'citizen', asCitizen)).status === 403,
      PROPAGATION_MS,
    );
  });

  it('lists the catalogue on the home page with whether each service is open to you', async () => {
    const business = await request(portal.url).get('/').set('Cookie', asBusiness);
    expect(business.text).toContain('href="/services/building-permit/business"');
    expect(business.text).toContain('Offert en ligne');
    const citizen = await request(portal.url).get('/').set('Cookie', asCitizen);
    expect(citizen.text).toContain('href="/services/building-permit/citizen"');
    expect(citizen.text).toContain('Pas encore offert pour vous');
  });

  it('sends /services/<slug> to the variant that fits who you act as, and 404s unknown services', async () => {
    const res = await request(portal.url)
      .get('/services/building-permit')
      .set('Cookie', asBusiness);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/services/building-permit/business');
    expect((await request(portal.url).get('/services/no-such-service/citizen')).status).toBe(404);
    expect((await request(portal.url).get('/services/building-permit/martian')).status).toBe(404);
  });
});
