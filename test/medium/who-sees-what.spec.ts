import { DataSource } from 'typeorm';
import type { ActingAs } from '../../src/modules/accounts/acting-as.js';
import { CatalogueService } from '../../src/modules/catalogue/catalogue.service.js';
import { markPlanChanged } from '../../src/modules/rollout/rollout-changes.js';
import { RolloutReconciler } from '../../src/modules/rollout/rollout-reconciler.service.js';
import { VariantAccessService } from '../../src/modules/rollout/variant-access.service.js';
import {
  WhoSeesWhatReadModel,
  type VariantVerdict,
  type WhoQuery,
} from '../../src/modules/rollout/who-sees-what.read-model.js';
import { UnleashAdminClient } from '../../src/platform/flags/unleash-admin.client.js';
import type { Audience } from '../../src/platform/flags/flag-context.js';
import { createPerson, signedInAgent } from '../support/people.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const SERVICE = 'building-permit';
const COHORT = 'PME pilotes – construction';

/**
 * "Who sees what" names the revision each person or SME gets and why (issue
 * 15), from Unleash's own evaluation of the flag the reconciler made from the
 * plan and the revision rollout: the read model called directly against the
 * real PostgreSQL and the real Unleash, and its page once in each language.
 * The demo's situation: the building permit open to every SME and every
 * citizen, its revision 2 a candidate with the SMEs of "PME pilotes –
 * construction" first.
 */
describe('who sees which revision (real PostgreSQL and Unleash)', () => {
  let portal: TestApp;
  let db: DataSource;
  let who: WhoSeesWhatReadModel;
  let access: VariantAccessService;
  let pilot: { id: string; neq: string };
  let other: { id: string; neq: string };
  let citizenEmail: string;
  let managerEmail: string;

  const query = (q: Partial<WhoQuery>): WhoQuery => ({
    kind: '',
    neq: '',
    email: '',
    audience: '',
    id: '',
    employeeCount: '',
    staff: '',
    ...q,
  });

  async function verdict(q: Partial<WhoQuery>, variant: Audience): Promise<VariantVerdict> {
    const answer = await who.answer(query(q));
    expect(answer.problems).toEqual([]);
    const found = answer.verdicts.find((v) => v.slug === SERVICE && v.variant === variant);
    if (!found) throw new Error(`no verdict for ${SERVICE}.${variant}`);
    return found;
  }

  /** Commits a change of the revision rollout as the lead's service does, then reconciles. */
  async function changeRollout(sql: string, params: unknown[] = []) {
    await db.transaction(async (manager) => {
      await manager.query(sql, params);
      await markPlanChanged(manager, SERVICE, 'business');
      await markPlanChanged(manager, SERVICE, 'citizen');
    });
    expect(await portal.app.get(RolloutReconciler).syncNow()).toBe(true);
  }

  async function organization(name: string, neq: string) {
    const [org] = await db.query<{ id: string }[]>(
      `INSERT INTO organization (legal_name, neq, street_address, city, postal_code, employee_count,
                                 naics_code, contact_name, contact_email, contact_phone)
       VALUES ($1, $2, '12 rue Principale', 'Val-des-Cèdres', 'J0A 1B0', 8, '23', 'Contact',
               'contact@example.ca', '418 555-0123')
       RETURNING id`,
      [name, neq],
    );
    return { id: org.id, neq };
  }

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    who = portal.app.get(WhoSeesWhatReadModel);
    access = portal.app.get(VariantAccessService);
    pilot = await organization('Construction Boréale inc.', '1170000001');
    other = await organization('Rénovations Nord inc.', '1170000002');
    citizenEmail = (await createPerson(db, { displayName: 'Jeanne Résidente' })).email;
    const manager = await createPerson(db, { displayName: 'Martin Gagnon' });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'rollout-manager')`, [
      manager.id,
    ]);
    managerEmail = manager.email;
    const [cohort] = await db.query<{ id: string }[]>(
      `INSERT INTO cohort (slug, name, audience)
       VALUES ('pme-pilotes-construction', $1, 'business') RETURNING id`,
      [COHORT],
    );
    await db.query(
      `INSERT INTO cohort_member (cohort_id, organization_id, status, source, joined_at)
       VALUES ($1, $2, 'active', 'staff', now())`,
      [cohort.id, pilot.id],
    );
    // Open to every SME (the cohort attached to its plan) and every citizen.
    await db.query(
      `UPDATE rollout_plan SET stage = CASE variant WHEN 'business' THEN 'sme-all' ELSE 'general' END
        WHERE service_slug = $1`,
      [SERVICE],
    );
    await db.query(
      `INSERT INTO rollout_plan_cohort (service_slug, variant, cohort_id) VALUES ($1, 'business', $2)`,
      [SERVICE, cohort.id],
    );
    // Revision 2, ready; both variants keep serving revision 1.
    await db.query(
      `INSERT INTO service_revision (service_slug, number, state, document, based_on, ready_at)
       SELECT service_slug, 2, 'ready', document, 1, now() FROM service_revision
        WHERE service_slug = $1 AND number = 1`,
      [SERVICE],
    );
    await portal.app.get(CatalogueService).reload();
    await changeRollout(
      `INSERT INTO revision_rollout (service_slug, revision, stage, business_stage, business_percentage)
       VALUES ($1, 2, 'sme-pilot', 'sme-pilot', 30)`,
      [SERVICE],
    );
  });

  afterAll(async () => {
    // Leave the shared Unleash as other test files expect to find a variant: closed.
    const client = portal.app.get(UnleashAdminClient);
    for (const variant of ['business', 'citizen'])
      await client.applyEnvironmentState(`${SERVICE}.${variant}`, {
        enabled: false,
        strategies: [],
      });
    await portal.close();
  });

  it('names the candidate for a pilot SME and the current revision for everyone else, and why', async () => {
    const inPilot = await verdict({ kind: 'sme', neq: pilot.neq }, 'business');
    expect(inPilot.enabled).toBe(true);
    expect(inPilot.revision).toEqual({
      revision: 2,
      candidate: true,
      reason: 'candidate-cohort',
      rollout: { revision: 2, stage: 'sme-pilot', percentage: 30 },
    });
    const outside = await verdict({ kind: 'sme', neq: other.neq }, 'business');
    expect(outside.revision).toMatchObject({
      revision: 1,
      candidate: false,
      reason: 'candidate-not-in-pilot',
    });
    const citizen = await verdict({ kind: 'person', email: citizenEmail }, 'citizen');
    expect(citizen.revision).toMatchObject({
      revision: 1,
      candidate: false,
      reason: 'candidate-later',
    });
    // The person is a citizen: the business variant is not theirs, so no revision.
    expect((await verdict({ kind: 'person', email: citizenEmail }, 'business')).revision).toBe(
      undefined,
    );
    const staff = await verdict(
      { kind: 'attributes', audience: 'business', id: 'staff-x', staff: 'yes' },
      'business',
    );
    expect(staff.revision).toMatchObject({ revision: 2, reason: 'candidate-staff' });
  });

  it('gives the revision a request gets: the same evaluation as the access check', async () => {
    const smeActor = (id: string): ActingAs => ({
      audience: 'business',
      accountId: '00000000-0000-4000-8000-000000000000',
      organization: { id, name: 'PME', employeeCount: 8 },
      staff: false,
    });
    for (const org of [pilot, other]) {
      const check = access.check(SERVICE, 'business', smeActor(org.id));
      if (!check.available) throw new Error('the business variant is open to every SME');
      const served = portal.app.get(CatalogueService).servedTo(SERVICE, 'business', check.revision);
      const shown = await verdict({ kind: 'sme', neq: org.neq }, 'business');
      expect(shown.revision?.revision).toBe(served?.revision);
    }
  });

  it('says, in French and in English, which revision and why on the console page', async () => {
    for (const [lang, pilotText, otherText] of [
      [
        'fr',
        `Révision 2 — candidate, Projet pilote – PME : membre de la cohorte ${COHORT}.`,
        'Révision 1 — révision en vigueur : la révision 2 est à l’étape « Projet pilote – PME »',
      ],
      [
        'en',
        `Revision 2 — candidate, Pilot – SMEs: member of cohort ${COHORT}.`,
        'Revision 1 — current revision: revision 2 is at “Pilot – SMEs”',
      ],
    ]) {
      const manager = await signedInAgent(portal.url, managerEmail, lang);
      const page = await manager
        .get(`/staff/rollout/who-sees-what?kind=sme&neq=${pilot.neq}`)
        .set('Cookie', `guichet_lang=${lang}`);
      expect(page.status).toBe(200);
      expect(page.text).toMatch(
        /data-flag="building-permit.business" data-enabled="yes" data-revision="2" data-revision-reason="candidate-cohort"/,
      );
      expect(page.text).toContain(pilotText);
      const outside = await manager
        .get(`/staff/rollout/who-sees-what?kind=sme&neq=${other.neq}`)
        .set('Cookie', `guichet_lang=${lang}`);
      expect(outside.text).toContain(otherText);
    }
  });

  it('explains a sticky share of SMEs: inside gets the candidate, outside the current revision', async () => {
    await changeRollout(
      `UPDATE revision_rollout SET stage = 'sme-gradual', business_stage = 'sme-gradual' WHERE service_slug = $1`,
      [SERVICE],
    );
    const seen = { in: 0, out: 0 };
    for (let i = 1; i <= 40; i++) {
      const v = await verdict(
        { kind: 'attributes', audience: 'business', id: `sme-${i}` },
        'business',
      );
      expect(v.revision?.rollout).toEqual({ revision: 2, stage: 'sme-gradual', percentage: 30 });
      if (v.revision?.revision === 2) {
        expect(v.revision.reason).toBe('candidate-gradual-in');
        seen.in++;
      } else {
        expect(v.revision).toMatchObject({ revision: 1, reason: 'candidate-gradual-out' });
        seen.out++;
      }
    }
    // 40 SMEs hashed into a 30 % share: some of each (the hashing is Unleash's, deterministic).
    expect(seen.in).toBeGreaterThan(0);
    expect(seen.out).toBeGreaterThan(0);
    // The pilot cohort keeps the candidate.
    expect((await verdict({ kind: 'sme', neq: pilot.neq }, 'business')).revision).toMatchObject({
      revision: 2,
      reason: 'candidate-cohort',
    });
  });

  it('follows the candidate to every SME, then to the citizens’ pilot', async () => {
    await changeRollout(
      `UPDATE revision_rollout SET stage = 'citizen-pilot', business_stage = 'sme-all' WHERE service_slug = $1`,
      [SERVICE],
    );
    expect((await verdict({ kind: 'sme', neq: other.neq }, 'business')).revision).toMatchObject({
      revision: 2,
      candidate: true,
      reason: 'candidate-all',
    });
    expect(
      (await verdict({ kind: 'person', email: citizenEmail }, 'citizen')).revision,
    ).toMatchObject({ revision: 1, reason: 'candidate-not-in-pilot' });
  });

  it('says when Unleash’s answer is not yet what the plan says', async () => {
    // The candidate ends in the database, but Unleash has not been told yet.
    await db.query(`DELETE FROM revision_rollout WHERE service_slug = $1`, [SERVICE]);
    expect((await verdict({ kind: 'sme', neq: other.neq }, 'business')).revision).toMatchObject({
      revision: 2,
      reason: 'unsettled',
    });
    await changeRollout(`SELECT 1`);
    expect((await verdict({ kind: 'sme', neq: other.neq }, 'business')).revision).toEqual({
      revision: 1,
      candidate: false,
      reason: 'current',
    });
  });
});
