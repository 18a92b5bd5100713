import { DataSource } from 'typeorm';
import { ApplicationsService } from '../src/modules/applications/applications.service.js';
import { CatalogueService } from '../src/modules/catalogue/catalogue.service.js';
import type { ActingAs } from '../src/modules/accounts/acting-as.js';
import { buildingPermitRevision2 } from '../src/modules/rollout/demo-revision.js';
import { markPlanChanged } from '../src/modules/rollout/rollout-changes.js';
import { RolloutReconciler } from '../src/modules/rollout/rollout-reconciler.service.js';
import { RevisionRolloutService } from '../src/modules/rollout/revision-rollout.service.js';
import { RolloutError, type RolloutActor } from '../src/modules/rollout/rollout.service.js';
import { VariantAccessService } from '../src/modules/rollout/variant-access.service.js';
import { ServiceRevisionsService } from '../src/modules/studio/service-revisions.service.js';
import type { StaffActor } from '../src/modules/staff/staff-roles.guard.js';
import { UnleashAdminClient, evaluationOrder } from '../src/platform/flags/unleash-admin.client.js';
import type { Answers } from '../src/modules/catalogue/form-schema.js';
import type { ServiceDefinition } from '../src/modules/catalogue/service-definition.js';
import { buildingPermitAnswers } from './support/applications.js';
import { cohortOf, closeInUnleash, openWithCohorts, readyRevision2 } from './support/candidate.js';
import { htmlProblems } from './support/html-check.js';
import { createPerson, signedInAgent } from './support/people.js';
import { startTestApp, unleashAdmin, type TestApp } from './support/test-app.js';

const SLUG = 'building-permit';
const origin = { ip: '127.0.0.1', requestId: 'test' };

/**
 * The revision track's rules on the real PostgreSQL and Unleash: who gets
 * which revision at each stage, what Unleash holds, the gates on the
 * candidate's own evidence, SME-first, rollback keeping drafts.
 */
describe('revisions released SME-first', () => {
  let portal: TestApp;
  let db: DataSource;
  let revisions: RevisionRolloutService;
  let access: VariantAccessService;
  let reconciler: RolloutReconciler;
  let manager: RolloutActor;
  let adminEmail: string;
  const admin = unleashAdmin();
  const sme = (id: string): ActingAs => ({
    audience: 'business',
    accountId: id,
    organization: { id, name: id, employeeCount: 12 },
    staff: false,
  });
  const pilotSme = sme('7a1f3c58-3f7a-4a55-9a3e-0c1d2e3f4a01');
  const otherSmes = Array.from({ length: 40 }, (_, i) =>
    sme(`7a1f3c58-3f7a-4a55-9a3e-0c1d2e3f${String(5000 + i).padStart(4, '0')}`),
  );
  const citizen: ActingAs = {
    audience: 'citizen',
    accountId: '5b2e4d69-4a8b-4b66-8b4f-1d2e3f4a5b01',
    staff: false,
  };

  const revisionOf = (actingAs: ActingAs) => {
    const answer = access.check(SLUG, actingAs.audience, actingAs);
    return answer.available ? answer.revision : undefined;
  };

  /** What Unleash holds for a variant: each strategy's title and revision, in evaluation order. */
  async function held(variant: 'business' | 'citizen') {
    const state = await admin.getEnvironmentState(`${SLUG}.${variant}`);
    return evaluationOrder(state.strategies).map(
      (s) => `${s.title} → ${s.variants?.[0]?.payload?.value}`,
    );
  }

  async function decided<T>(decision: Promise<T>): Promise<T> {
    const outcome = await decision;
    expect(await reconciler.syncNow()).toBe(true);
    return outcome;
  }

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    revisions = portal.app.get(RevisionRolloutService);
    access = portal.app.get(VariantAccessService);
    reconciler = portal.app.get(RolloutReconciler);
    const person = await createPerson(db, { displayName: 'Martin Gagnon' });
    manager = { accountId: person.id, origin };
    adminEmail = person.email;
    const designer: StaffActor = { accountId: person.id, roles: ['admin'] };
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'admin')`, [person.id]);
    // The building permit open to every SME and every citizen, the pilot SME in a cohort.
    await db.query(
      `INSERT INTO organization (id, legal_name, neq, street_address, city, postal_code, employee_count,
         naics_code, contact_name, contact_email, contact_phone)
       VALUES ($1, 'Construction Pilote inc.', '1170000001', '1 rue A', 'Val', 'J0A 1B0', 12, '23',
         'X', 'x@example.test', '418 555-0000')`,
      [pilotSme.organization!.id],
    );
    const cohort = await cohortOf(
      portal,
      {
        slug: 'pme-pilotes-construction',
        name: 'PME pilotes – construction',
        audience: 'business',
      },
      [pilotSme.organization!.id],
    );
    await openWithCohorts(portal, SLUG, { business: cohort });
    // Both variants are open: the new revision is ready but serves nobody yet.
    await readyRevision2(portal, designer, SLUG, buildingPermitRevision2);
    expect(portal.app.get(CatalogueService).served(SLUG, 'business')?.revision).toBe(1);
    expect(await reconciler.syncNow()).toBe(true);
  });

  afterAll(async () => {
    await portal.close();
    await closeInUnleash(SLUG);
  });

  it('names the current revision in Unleash for everyone before any candidate', async () => {
    expect(await held('business')).toEqual(['all → 1']);
    expect(revisionOf(pilotSme)).toBe(1);
    expect(revisionOf(citizen)).toBe(1);
  });

  it('starts only a ready revision, whatever is typed', async () => {
    for (const revision of ['99999999999999999999', '7', 'two', '1.5'])
      await expect(revisions.start(manager, SLUG, { revision, reason: 'x' })).rejects.toMatchObject(
        { code: 'revision-not-ready' },
      );
    await expect(
      revisions.start(manager, SLUG, { revision: '1', reason: 'x' }),
    ).rejects.toMatchObject({ code: 'already-current' });
  });

  it('starts revision 2 in SME pilot: the pilot SME gets 2, every other SME and citizen 1', async () => {
    await decided(revisions.start(manager, SLUG, { revision: '2', reason: 'Clearer work type' }));
    expect(await held('business')).toEqual([
      'revision 2 internal: city staff → 2',
      'revision 2 pilot: cohort:pme-pilotes-construction → 2',
      'all → 1',
    ]);
    expect(await held('citizen')).toEqual(['all → 1']);
    expect(revisionOf(pilotSme)).toBe(2);
    expect(otherSmes.map(revisionOf)).toEqual(otherSmes.map(() => 1));
    expect(revisionOf(citizen)).toBe(1);
    // Everyone else's pages show revision 1's titles and texts.
    const catalogue = portal.app.get(CatalogueService);
    expect(catalogue.find(SLUG)).toBe(catalogue.revision(SLUG, 1));
    const [decision] = await db.query(
      `SELECT kind, revision, to_stage, details FROM rollout_decision WHERE kind = 'revision-started'`,
    );
    expect(decision).toMatchObject({
      kind: 'revision-started',
      revision: 2,
      to_stage: 'sme-pilot',
    });
    // The decision carries what changed from revision 1.
    expect(decision.details.changes.fields).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ change: 'added', name: 'heritageSite' }),
        expect.objectContaining({ change: 'changed', name: 'workType' }),
      ]),
    );
  });

  it('shows the studio that revision 2 is in rollout, and refuses to withdraw it', async () => {
    const designer = await signedInAgent(portal.url, adminEmail, 'en');
    const page = await designer.get(`/staff/services/${SLUG}`).set('Cookie', 'guichet_lang=en');
    expect(page.text).toContain('data-candidate="2" data-candidate-stage="sme-pilot"');
    expect(page.text).toContain('Revision 2 is being released: Pilot – SMEs.');
    expect(page.text).toContain(`href="/staff/rollout/${SLUG}/revisions"`);
    expect(page.text).not.toContain(`/staff/services/${SLUG}/revisions/2/withdraw`);
    expect(await htmlProblems(page.text)).toEqual([]);
    await expect(
      portal.app
        .get(ServiceRevisionsService)
        .withdraw({ accountId: manager.accountId, roles: ['admin'] }, SLUG, 2, origin),
    ).rejects.toMatchObject({ code: 'in-rollout' });
    // Nor revision 1: what would everyone get instead? Only the candidate, without a decision.
    await expect(
      portal.app
        .get(ServiceRevisionsService)
        .withdraw({ accountId: manager.accountId, roles: ['admin'] }, SLUG, 1, origin),
    ).rejects.toMatchObject({ code: 'last-revision' });
  });

  it('refuses a second candidate, and a citizen stage before every SME unless overridden', async () => {
    await expect(
      revisions.start(manager, SLUG, { revision: '2', reason: 'again' }),
    ).rejects.toMatchObject({ code: 'candidate-in-rollout' });
    const refused = await revisions
      .promote(manager, SLUG, { expectedStage: 'sme-pilot', reason: 'x', toCitizens: true })
      .catch((e: RolloutError) => e);
    expect(refused).toMatchObject({ code: 'sme-first' });
  });

  it('blocks leaving the pilot while the candidate has no evidence; an override is recorded', async () => {
    const refused = await revisions
      .promote(manager, SLUG, { expectedStage: 'sme-pilot', reason: 'ready' })
      .catch((e: RolloutError) => e);
    expect(refused).toMatchObject({ code: 'gates-failing' });
    await decided(
      revisions.promote(manager, SLUG, {
        expectedStage: 'sme-pilot',
        reason: 'Pilot SMEs are happy; go on',
        override: true,
      }),
    );
    const [decision] = await db.query(
      `SELECT override, reason, details FROM rollout_decision WHERE kind = 'revision-promoted'`,
    );
    expect(decision.override).toBe(true);
    expect(decision.details.failingGates).toContain('pilot-applications');
    // The evidence snapshot: the candidate's figures beside the current revision's.
    expect(decision.details.evidence).toMatchObject({
      candidate: { revision: 2, started: 0 },
      current: { revision: 1 },
    });
    expect(decision.details.changes).toMatchObject({ from: 1, to: 2 });
  });

  it('sme-gradual: a sticky share of SMEs gets 2; 100 % gives it to every SME', async () => {
    await expect(
      revisions.setPercentage(manager, SLUG, { variant: 'martian', percentage: '50', reason: 'x' }),
    ).rejects.toMatchObject({ code: 'variant-invalid' });
    await decided(
      revisions.setPercentage(manager, SLUG, {
        variant: 'business',
        percentage: '50',
        reason: 'Half the SMEs',
      }),
    );
    const got = otherSmes.map(revisionOf);
    expect(got.filter((r) => r === 2).length).toBeGreaterThan(5);
    expect(got.filter((r) => r === 1).length).toBeGreaterThan(5);
    // Sticky: the same answer again.
    expect(otherSmes.map(revisionOf)).toEqual(got);
    expect(revisionOf(pilotSme)).toBe(2);
    expect(revisionOf(citizen)).toBe(1);
    await decided(
      revisions.promote(manager, SLUG, {
        expectedStage: 'sme-gradual',
        reason: 'Every SME',
        override: true,
      }),
    );
    expect(otherSmes.map(revisionOf)).toEqual(otherSmes.map(() => 2));
    expect(revisionOf(citizen)).toBe(1);
  });

  it('rolls back for everyone at once; a draft started on 2 continues on 1 with its answers', async () => {
    const person = await createPerson(db, { displayName: 'Rémi Bouchard' });
    const applicant = {
      accountId: person.id,
      organizationId: otherSmes[0].organization!.id,
      audience: 'business' as const,
      channel: 'web' as const,
    };
    await db.query(
      `INSERT INTO organization (id, legal_name, neq, street_address, city, postal_code, employee_count,
         naics_code, contact_name, contact_email, contact_phone)
       VALUES ($1, 'Autre PME inc.', '1170000002', '1 rue A', 'Val', 'J0A 1B0', 12, '23',
         'X', 'y@example.test', '418 555-0000')`,
      [applicant.organizationId],
    );
    const answers: Answers = { ...buildingPermitAnswers('business'), heritageSite: 'no' };
    const { application } = await portal.app
      .get(ApplicationsService)
      .startDraft(applicant, SLUG, answers, origin, undefined, { revision: 2 });
    // Unleash's Admin API unreachable: the rollback cannot reach Unleash…
    const unleash = portal.app.get(UnleashAdminClient) as unknown as { api: string };
    const real = unleash.api;
    unleash.api = 'http://127.0.0.1:9/api';
    try {
      await revisions.rollback(manager, SLUG, { expectedStage: 'sme-all', reason: 'Fault found' });
      expect(await reconciler.syncNow(1000)).toBe(false);
      // …which still names revision 2 for every SME, yet every SME gets 1 at once.
      expect((await held('business'))[0]).toMatch(/→ 2$/);
      expect([pilotSme, ...otherSmes].map(revisionOf)).toEqual(
        [pilotSme, ...otherSmes].map(() => 1),
      );
    } finally {
      unleash.api = real;
    }
    expect(await reconciler.syncNow()).toBe(true);
    expect(await held('business')).toEqual(['all → 1']);
    expect([pilotSme, ...otherSmes].map(revisionOf)).toEqual([pilotSme, ...otherSmes].map(() => 1));
    const [draft] = await db.query(
      `SELECT service_revision, answers, revision_notice FROM application WHERE id = $1`,
      [application.id],
    );
    expect(draft.service_revision).toBe(1);
    expect(draft.answers.workType).toBe(answers.workType);
    expect(draft.answers.heritageSite).toBeUndefined();
    expect(draft.revision_notice).toMatchObject({ from: 2, to: 1, steps: ['work'] });
    // An instance whose flags still name revision 2 starts an empty draft on 1,
    // and refuses answers checked against 2 (the rollback's lock orders them).
    const drafts = portal.app.get(ApplicationsService);
    const late = await drafts.startDraft(applicant, SLUG, {}, origin, undefined, { revision: 2 });
    expect(late.application.serviceRevision).toBe(1);
    await expect(
      drafts.startDraft(applicant, SLUG, answers, origin, undefined, { revision: 2 }),
    ).rejects.toMatchObject({ code: 'revision-mismatch' });
  });

  it('after every SME, the citizen stages; out of general, revision 2 becomes current for all', async () => {
    await decided(revisions.start(manager, SLUG, { revision: 2, reason: 'Fixed; again' }));
    for (const [stage, reason] of [
      ['sme-pilot', 'pilot'],
      ['sme-gradual', 'gradual'],
    ])
      await decided(
        revisions.promote(manager, SLUG, { expectedStage: stage, reason, override: true }),
      );
    expect(otherSmes.map(revisionOf)).toEqual(otherSmes.map(() => 2));
    expect(revisionOf(citizen)).toBe(1);
    // Every SME has it: the citizen pilot needs no SME-first override.
    const toCitizens = await decided(
      revisions.promote(manager, SLUG, { expectedStage: 'sme-all', reason: 'Citizens now' }),
    );
    expect(toCitizens).toMatchObject({ to: 'citizen-pilot', override: false });
    expect(await held('citizen')).toEqual(['revision 2 internal: city staff → 2', 'all → 1']);
    expect(revisionOf(citizen)).toBe(1);
    for (const stage of ['citizen-pilot', 'citizen-gradual'])
      await decided(
        revisions.promote(manager, SLUG, { expectedStage: stage, reason: 'on', override: true }),
      );
    expect(revisionOf(citizen)).toBe(2);
    const done = await decided(
      revisions.promote(manager, SLUG, { expectedStage: 'general', reason: 'Current now' }),
    );
    expect(done).toMatchObject({ kind: 'revision-current', to: 'current' });
    expect(await revisions.candidate(SLUG)).toBeUndefined();
    expect(await held('business')).toEqual(['all → 2']);
    expect(await held('citizen')).toEqual(['all → 2']);
    const [service] = await db.query(
      `SELECT business_revision, citizen_revision FROM service WHERE slug = $1`,
      [SLUG],
    );
    expect(service).toEqual({ business_revision: 2, citizen_revision: 2 });
    expect([pilotSme, citizen].map(revisionOf)).toEqual([2, 2]);
    const catalogue = portal.app.get(CatalogueService);
    expect(catalogue.find(SLUG)).toBe(catalogue.revision(SLUG, 2));
  });

  it('skips the stages of a variant that already serves the candidate (released while only staff saw it)', async () => {
    const designer: StaffActor = { accountId: manager.accountId, roles: ['admin'] };
    const clearer = (d: ServiceDefinition) => ({
      ...d,
      summary: { fr: `${d.summary.fr} (révisé)`, en: `${d.summary.en} (revised)` },
    });
    // Open to every SME, closed to citizens: revision 2 serves the citizen variant at once.
    await setStages('sign-permit', 'sme-all', 'closed');
    await readyRevision2(portal, designer, 'sign-permit', clearer);
    await decided(revisions.start(manager, 'sign-permit', { revision: 2, reason: 'SMEs first' }));
    for (const stage of ['sme-pilot', 'sme-gradual'])
      await decided(
        revisions.promote(manager, 'sign-permit', {
          expectedStage: stage,
          reason: 'on',
          override: true,
        }),
      );
    const done = await decided(
      revisions.promote(manager, 'sign-permit', {
        expectedStage: 'sme-all',
        reason: 'Current now',
      }),
    );
    expect(done).toMatchObject({ kind: 'revision-current', to: 'current' });
    // Closed to SMEs, open to citizens: the track starts with the citizens.
    await setStages('occupancy-certificate', 'closed', 'general');
    await readyRevision2(portal, designer, 'occupancy-certificate', clearer);
    const started = await decided(
      revisions.start(manager, 'occupancy-certificate', { revision: 2, reason: 'Citizens' }),
    );
    expect(started).toMatchObject({ to: 'citizen-pilot', variant: 'citizen' });
    await closeInUnleash('sign-permit');
    await closeInUnleash('occupancy-certificate');
  });

  async function setStages(slug: string, business: string, citizen: string) {
    await db.transaction(async (m) => {
      await m.query(
        `UPDATE rollout_plan SET stage = CASE variant WHEN 'business' THEN $2 ELSE $3 END
          WHERE service_slug = $1`,
        [slug, business, citizen],
      );
      await markPlanChanged(m, slug, 'business');
      await markPlanChanged(m, slug, 'citizen');
    });
    expect(await reconciler.syncNow()).toBe(true);
  }
});
