import request from 'supertest';
import { DataSource } from 'typeorm';
import type { ActingAs } from '../src/modules/accounts/acting-as.js';
import { ApplicationsService } from '../src/modules/applications/applications.service.js';
import type { Answers } from '../src/modules/catalogue/form-schema.js';
import { buildingPermitRevision2 } from '../src/modules/rollout/demo-revision.js';
import { RolloutReconciler } from '../src/modules/rollout/rollout-reconciler.service.js';
import { VariantAccessService } from '../src/modules/rollout/variant-access.service.js';
import { evaluationOrder, UnleashAdminClient } from '../src/platform/flags/unleash-admin.client.js';
import { buildingPermitAnswers, PDF } from './support/applications.js';
import { htmlProblems } from './support/html-check.js';
import { cohortOf, closeInUnleash, openWithCohorts, readyRevision2 } from './support/candidate.js';
import { createPerson, signedInAgent, smeMember } from './support/people.js';
import { csrfFrom, startTestApp, unleashAdmin, type TestApp } from './support/test-app.js';

type Agent = ReturnType<typeof request.agent>;

const SLUG = 'building-permit';
const PAGE = `/staff/rollout/${SLUG}/revisions`;
const origin = { ip: '127.0.0.1', requestId: 'test' };

/**
 * Issue 15's "done when", through the rollout console's HTTP routes against
 * the real Unleash: the building permit's revision 2 driven from the SME pilot
 * to every citizen, checking at each stage who gets which revision and what
 * Unleash holds; the candidate's gates on its own evidence; refusals (422,
 * 409) and roles; an override recorded; a rollback for everyone that keeps
 * the drafts; an SME-first override.
 */
describe('revisions released SME-first through the console', () => {
  let portal: TestApp;
  let db: DataSource;
  let access: VariantAccessService;
  let reconciler: RolloutReconciler;
  let manager: Agent;
  let analyst: Agent;
  let clerk: Agent;
  const admin = unleashAdmin();
  /** The SMEs and people whose revision is checked at each stage. */
  const people = {} as Record<'pilotSme' | 'otherSme' | 'citizen' | 'pilotCitizen', ActingAs>;
  let otherSmeAgent: Agent;
  /** Forty SMEs outside every cohort, for the gradual share. */
  const manySmes: ActingAs[] = Array.from({ length: 40 }, (_, i) => ({
    audience: 'business',
    accountId: `7a1f3c58-3f7a-4a55-9a3e-0c1d2e3f${String(6000 + i).padStart(4, '0')}`,
    organization: {
      id: `7a1f3c58-3f7a-4a55-9a3e-0c1d2e3f${String(6000 + i).padStart(4, '0')}`,
      name: `PME ${i}`,
      employeeCount: 12,
    },
    staff: false,
  }));

  const revisionOf = (actingAs: ActingAs) => {
    const answer = access.check(SLUG, actingAs.audience, actingAs);
    return answer.available ? answer.revision : undefined;
  };

  /** [pilot SME, other SME, citizen, pilot citizen]: the revision each gets now. */
  const who = () =>
    [people.pilotSme, people.otherSme, people.citizen, people.pilotCitizen].map(revisionOf);

  /** What Unleash holds for a variant: each strategy's title and revision, in evaluation order. */
  async function held(variant: 'business' | 'citizen') {
    const state = await admin.getEnvironmentState(`${SLUG}.${variant}`);
    return evaluationOrder(state.strategies).map(
      (s) => `${s.title} → ${s.variants?.[0]?.payload?.value}`,
    );
  }

  /** A form of the revision page, posted with the session's CSRF token. */
  async function post(form: string, fields: Record<string, string>, agent = manager) {
    const page = await agent.get('/staff/rollout');
    return agent
      .post(`${PAGE}/${form}`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), ...fields });
  }

  /** A decision that must go through: 303 back to the page, Unleash already following. */
  async function decided(form: string, fields: Record<string, string>) {
    const res = await post(form, fields);
    if (res.status !== 303)
      throw new Error(
        `${form}: ${res.status} ${/govuk-error-summary__list[\s\S]*?<\/ul>/.exec(res.text)?.[0]}`,
      );
    expect(res.headers.location).toBe(PAGE);
    const page = await manager.get(PAGE);
    expect(page.text).toContain('Unleash applique déjà ce changement');
    return page;
  }

  async function staff(role: string, name: string) {
    const person = await createPerson(db, { displayName: name });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, $2)`, [
      person.id,
      role,
    ]);
    return { agent: await signedInAgent(portal.url, person.email), id: person.id };
  }

  /** A building permit filed on `revision` by an SME's member, submitted. */
  async function fileOn(revision: number, sme: ActingAs) {
    const applications = portal.app.get(ApplicationsService);
    const applicant = {
      accountId: sme.accountId!,
      organizationId: sme.organization!.id,
      audience: 'business' as const,
      channel: 'web' as const,
    };
    const answers: Answers = {
      ...buildingPermitAnswers('business'),
      ...(revision === 2 ? { heritageSite: 'no' } : {}),
    };
    const { application } = await applications.startDraft(
      applicant,
      SLUG,
      answers,
      origin,
      undefined,
      { revision },
    );
    const [file] = await db.query<{ id: string }[]>(
      `INSERT INTO application_attachment (application_id, field, filename, content_type, size_bytes, sha256, content, uploaded_by)
       VALUES ($1, 'sitePlan', 'plan.pdf', 'application/pdf', $2, 'test', $3, $4) RETURNING id`,
      [application.id, PDF.length, PDF, applicant.accountId],
    );
    const saved = await applications.saveAnswers(
      applicant,
      application.id,
      {
        sitePlan: [
          { id: file.id, filename: 'plan.pdf', size: PDF.length, contentType: 'application/pdf' },
        ],
      },
      [],
      origin,
    );
    if (!saved.ok) throw new Error(`not saved: ${saved.reason}`);
    const submitted = await applications.submit(applicant, application.id, origin);
    if (!submitted.ok) throw new Error(`not submitted: ${submitted.reason}`);
  }

  const gate = (html: string, id: string) =>
    new RegExp(`data-gate="${id}" data-status="([a-z-]+)" data-value="(\\d*)"`)
      .exec(html)
      ?.slice(1);

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    access = portal.app.get(VariantAccessService);
    reconciler = portal.app.get(RolloutReconciler);
    ({ agent: manager } = await staff('rollout-manager', 'Martin Gagnon'));
    ({ agent: analyst } = await staff('analyst', 'Amira Haddad'));
    ({ agent: clerk } = await staff('clerk', 'Sophie Bélanger'));
    const { id: designerId } = await staff('admin', 'Élise Conception');
    const sme = async (legalName: string): Promise<{ actingAs: ActingAs; agent: Agent }> => {
      const member = await smeMember(portal.url, db, { legalName });
      return {
        actingAs: {
          audience: 'business',
          accountId: member.accountId,
          organization: { id: member.organizationId, name: legalName, employeeCount: 12 },
          staff: false,
        },
        agent: member.agent,
      };
    };
    const pilotSme = (await sme('Construction Pilote inc.')).actingAs;
    const other = await sme('Rénovations Nord inc.');
    const otherSme = other.actingAs;
    otherSmeAgent = other.agent;
    const resident = await createPerson(db, { displayName: 'Jeanne Résidente' });
    const tester = await createPerson(db, { displayName: 'Paul Testeur' });
    Object.assign(people, {
      pilotSme,
      otherSme,
      citizen: { audience: 'citizen', accountId: resident.id, staff: false },
      pilotCitizen: { audience: 'citizen', accountId: tester.id, staff: false },
    });
    // The building permit open to every SME and every citizen; a pilot cohort on each plan.
    const business = await cohortOf(
      portal,
      {
        slug: 'pme-pilotes-construction',
        name: 'PME pilotes – construction',
        audience: 'business',
      },
      [pilotSme.organization!.id],
    );
    const citizens = await cohortOf(
      portal,
      { slug: 'citoyens-pilotes', name: 'Citoyens pilotes', audience: 'citizen' },
      [tester.id],
    );
    await openWithCohorts(portal, SLUG, { business, citizen: citizens });
    // Revision 2 (a clearer type of work, a heritage-site question), ready.
    await readyRevision2(
      portal,
      { accountId: designerId, roles: ['admin'] },
      SLUG,
      buildingPermitRevision2,
    );
    expect(await reconciler.syncNow()).toBe(true);
  });

  afterAll(async () => {
    await portal.close();
    await closeInUnleash(SLUG);
  });

  it('lets analysts read the revision page but not decide, and keeps clerks out', async () => {
    const page = await analyst.get(PAGE);
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-no-candidate');
    expect(page.text).not.toContain(`action="${PAGE}/start"`);
    expect((await post('start', { revision: '2', reason: 'x' }, analyst)).status).toBe(403);
    expect((await clerk.get(PAGE)).status).toBe(403);
    expect((await request(portal.url).get(PAGE)).status).toBe(303);
    expect((await manager.get('/staff/rollout/no-such-service/revisions')).status).toBe(404);
    expect((await manager.get(`${PAGE}/start`)).status).toBe(405);
  });

  it('shows each variant’s current revision, links the page from the console, and offers revision 2', async () => {
    expect(who()).toEqual([1, 1, 1, 1]);
    expect(await held('business')).toEqual(['all → 1']);
    const page = await manager.get(PAGE);
    expect(page.text).toMatch(/data-variant="business" data-current="1"/);
    expect(page.text).toMatch(/data-variant="citizen" data-current="1"/);
    expect(page.text).toMatch(/<option value="2">Révision 2<\/option>/);
    expect(page.text).not.toMatch(/<option value="1">/);
    expect(await htmlProblems(page.text)).toEqual([]);
    const home = await manager.get('/staff/rollout');
    expect(home.text).toContain(`href="${PAGE}"`);
    const plan = await manager.get(`/staff/rollout/${SLUG}/business`);
    expect(plan.text).toContain(`href="${PAGE}"`);
    const english = await manager.get(PAGE).set('Cookie', 'guichet_lang=en');
    expect(english.text).toContain('Revisions of the service');
    expect(english.text).toContain('Start with the SME pilot');
  });

  it('asks for a reason and a ready revision (422, what was typed kept)', async () => {
    const missing = await post('start', { revision: '2', reason: ' ' });
    expect(missing.status).toBe(422);
    expect(missing.text).toContain('Indiquez le motif de la décision');
    expect(missing.text).toContain('href="#start-reason"');
    expect(missing.text).toMatch(/<option value="2" selected>/);
    const unknown = await post('start', { revision: '7', reason: 'Essai\nsur deux lignes' });
    expect(unknown.status).toBe(422);
    expect(unknown.text).toContain('href="#start-revision"');
    expect(unknown.text).toContain('>Essai\nsur deux lignes</textarea>');
    expect(await htmlProblems(unknown.text)).toEqual([]);
    const huge = await post('start', { revision: '99999999999999999999', reason: 'x' });
    expect(huge.status).toBe(422);
    expect(huge.text).toContain('href="#start-revision"');
    const none = await post('promote', { expectedStage: '', reason: 'x' });
    expect(none.status).toBe(409);
    expect(none.text).toContain('Plus aucune révision n’est en déploiement');
  });

  it('sme-pilot: the pilot SME gets revision 2; every other SME and every citizen revision 1', async () => {
    const page = await decided('start', { revision: '2', reason: 'Question plus claire' });
    expect(who()).toEqual([2, 1, 1, 1]);
    expect(manySmes.map(revisionOf)).toEqual(manySmes.map(() => 1));
    expect(await held('business')).toEqual([
      'revision 2 internal: city staff → 2',
      'revision 2 pilot: cohort:pme-pilotes-construction → 2',
      'all → 1',
    ]);
    expect(await held('citizen')).toEqual(['all → 1']);
    expect(page.text).toMatch(/data-candidate="2" data-stage="sme-pilot"/);
    expect(page.text).toMatch(/data-track-stage="sme-pilot" data-here/);
    expect(page.text).toContain('PME pilotes – construction');
    expect(page.text).toMatch(/data-who="business">\s*<li data-revision="2">/);
    expect(page.text).toContain(
      `href="/staff/services/${SLUG}/compare?from&#x3D;1&amp;to&#x3D;2" data-what-changed`,
    );
    // The decision, with what changed from revision 1.
    expect(page.text).toMatch(/data-decision="revision-started" data-revision="2"/);
    expect(page.text).toContain(
      'Question ajoutée : La propriété est-elle dans un site patrimonial ?',
    );
    expect(await htmlProblems(page.text)).toEqual([]);
    // "What changed" opens read-only for rollout managers and analysts.
    for (const agent of [manager, analyst]) {
      const compare = await agent.get(`/staff/services/${SLUG}/compare?from=1&to=2`);
      expect(compare.status).toBe(200);
      expect(compare.text).toContain('heritageSite');
    }
    const home = await manager.get('/staff/rollout');
    expect(home.text).toContain('Révision 2 à l’étape « Projet pilote – PME »');
  });

  it('counts only the candidate’s own evidence in its gates, beside the current revision’s figures', async () => {
    const before = await manager.get(PAGE);
    // Filed on revision 1 by a pilot SME: not the candidate's evidence; then one on revision 2.
    await fileOn(1, people.pilotSme);
    const after1 = await manager.get(PAGE);
    await fileOn(2, people.pilotSme);
    const after2 = await manager.get(PAGE);
    expect(gate(before.text, 'pilot-applications')).toEqual(['fail', '0']);
    expect(gate(after1.text, 'pilot-applications')).toEqual(['fail', '0']);
    expect(gate(after2.text, 'pilot-applications')).toEqual(['fail', '1']);
    // Side by side since the rollout started: one started and submitted on each.
    const table = /data-testid="compare-business">([\s\S]*?)<\/table>/.exec(after2.text)?.[1];
    expect(table).toContain('Révision 2 (candidate)');
    expect(table).toContain('Révision 1 (courante)');
    expect(table).toMatch(
      /Demandes déposées<\/th>\s*<td[^>]*data-candidate>1<\/td>\s*<td[^>]*data-current>1<\/td>/,
    );
  });

  it('refuses leaving the pilot on failing gates, citizens before every SME, and a stale stage', async () => {
    const blocked = await post('promote', { expectedStage: 'sme-pilot', reason: 'On avance' });
    expect(blocked.status).toBe(422);
    expect(blocked.text).toContain('Des critères de la révision candidate ne sont pas respectés');
    expect(blocked.text).toContain('id="promote-override"');
    expect(blocked.text).toContain('>On avance</textarea>');
    expect(await htmlProblems(blocked.text)).toEqual([]);
    const early = await post('citizens', { expectedStage: 'sme-pilot', reason: 'Vite' });
    expect(early.status).toBe(422);
    expect(early.text).toContain('Les PME d’abord');
    expect(early.text).toContain('href="#citizens-override"');
    const stale = await post('promote', {
      expectedStage: 'sme-gradual',
      reason: 'Déjà fait ?',
      override: 'yes',
    });
    expect(stale.status).toBe(409);
    expect(stale.text).toContain('Quelqu’un a modifié le déploiement de cette révision');
    expect(stale.text).toContain('>Déjà fait ?</textarea>');
    const variant = await post('percentage', { variant: 'x', percentage: '50', reason: 'x' });
    expect(variant.status).toBe(422);
    expect(variant.text).toContain('href="#percentage-variant"');
    const zero = await post('percentage', { variant: 'business', percentage: '0', reason: 'x' });
    expect(zero.status).toBe(422);
    expect(zero.text).toContain('href="#percentage-percentage"');
    expect(who()).toEqual([2, 1, 1, 1]);
    const [row] = await db.query(`SELECT stage FROM revision_rollout WHERE service_slug = $1`, [
      SLUG,
    ]);
    expect(row.stage).toBe('sme-pilot');
  });

  it('sme-gradual: an override is recorded; a sticky share of SMEs gets 2, then every SME at 100 %', async () => {
    const page = await decided('promote', {
      expectedStage: 'sme-pilot',
      reason: 'Les PME pilotes sont satisfaites',
      override: 'yes',
    });
    expect(page.text).toMatch(/data-decision="revision-promoted" data-revision="2" data-override/);
    expect(page.text).toContain('Critères non respectés au moment de la décision');
    // The candidate's figures beside the current revision's, as they were.
    expect(page.text).toMatch(
      /data-evidence>Chiffres au moment de la décision : révision 2, \d+ demandes? commencées? et \d+ déposées? ; révision 1, 1 commencée et 1 déposée\.</,
    );
    const [decision] = await db.query(
      `SELECT override, reason, details, from_stage, to_stage FROM rollout_decision
        WHERE kind = 'revision-promoted' ORDER BY created_at DESC LIMIT 1`,
    );
    expect(decision).toMatchObject({
      override: true,
      reason: 'Les PME pilotes sont satisfaites',
      from_stage: 'sme-pilot',
      to_stage: 'sme-gradual',
    });
    expect(decision.details.failingGates).toContain('pilot-applications');
    const [audit] = await db.query(
      `SELECT action FROM audit_event WHERE entity_id = $1 ORDER BY id DESC LIMIT 1`,
      [`${SLUG}@2`],
    );
    expect(audit.action).toBe('rollout.revision-promoted.override');

    await decided('percentage', {
      expectedStage: 'sme-gradual',
      variant: 'business',
      percentage: '50',
      reason: 'La moitié des PME',
    });
    expect(await held('business')).toEqual([
      'revision 2 internal: city staff → 2',
      'revision 2 pilot: cohort:pme-pilotes-construction → 2',
      'revision 2 gradual: 50 % → 2',
      'all → 1',
    ]);
    const got = manySmes.map(revisionOf);
    expect(got.filter((r) => r === 2).length).toBeGreaterThan(5);
    expect(got.filter((r) => r === 1).length).toBeGreaterThan(5);
    expect(manySmes.map(revisionOf)).toEqual(got);
    expect(revisionOf(people.pilotSme)).toBe(2);
    expect(revisionOf(people.citizen)).toBe(1);
    const shown = await manager.get(PAGE);
    expect(shown.text).toContain('50 % des PME qui ont accès');

    await decided('percentage', {
      expectedStage: 'sme-gradual',
      variant: 'business',
      percentage: '100',
      reason: 'Toutes les PME de la part progressive',
    });
    expect(who()).toEqual([2, 2, 1, 1]);
  });

  it('sme-all: every SME gets 2, no citizen yet', async () => {
    await decided('promote', {
      expectedStage: 'sme-gradual',
      reason: 'Toutes les PME',
      override: 'yes',
    });
    expect(who()).toEqual([2, 2, 1, 1]);
    expect(manySmes.map(revisionOf)).toEqual(manySmes.map(() => 2));
    expect(await held('business')).toEqual(['revision 2 all → 2', 'all → 1']);
    expect(await held('citizen')).toEqual(['all → 1']);
  });

  it('citizen stages: the citizen pilot, then a share of citizens, then every citizen', async () => {
    // Every SME has it: no SME-first override needed.
    const page = await decided('promote', { expectedStage: 'sme-all', reason: 'Les citoyens' });
    expect(page.text).toMatch(/data-candidate="2" data-stage="citizen-pilot"/);
    expect(who()).toEqual([2, 2, 1, 2]);
    expect(await held('citizen')).toEqual([
      'revision 2 internal: city staff → 2',
      'revision 2 pilot: cohort:citoyens-pilotes → 2',
      'all → 1',
    ]);
    expect(await held('business')).toEqual(['revision 2 all → 2', 'all → 1']);
    expect(page.text).toMatch(/data-who="citizen">\s*<li data-revision="2">/);
    expect(page.text).toContain('Citoyens pilotes');

    await decided('promote', {
      expectedStage: 'citizen-pilot',
      reason: 'Pilote citoyen concluant',
      override: 'yes',
    });
    // At 10 % of citizens the resident may or may not be drawn: the pilot citizen is.
    expect(who().filter((_, i) => i !== 2)).toEqual([2, 2, 2]);
    // Unleash unreachable: the decision is kept, the page says the sync is pending.
    const unleash = portal.app.get(UnleashAdminClient) as unknown as { api: string };
    const real = unleash.api;
    unleash.api = 'http://127.0.0.1:9/api';
    try {
      const res = await post('percentage', {
        expectedStage: 'citizen-gradual',
        variant: 'citizen',
        percentage: '100',
        reason: 'Tous les citoyens de la part progressive',
      });
      expect(res.status).toBe(303);
      const pending = await manager.get(PAGE);
      expect(pending.text).toContain('Unleash n’a pas pu être joint');
      expect(pending.text).toContain('data-pending-sync');
    } finally {
      unleash.api = real;
    }
    expect(await reconciler.syncNow()).toBe(true);
    expect(who()).toEqual([2, 2, 2, 2]);
    expect(await held('citizen')).toEqual([
      'revision 2 internal: city staff → 2',
      'revision 2 pilot: cohort:citoyens-pilotes → 2',
      'revision 2 gradual: 100 % → 2',
      'all → 1',
    ]);

    await decided('promote', {
      expectedStage: 'citizen-gradual',
      reason: 'Tous les citoyens',
      override: 'yes',
    });
    expect(who()).toEqual([2, 2, 2, 2]);
    expect(await held('citizen')).toEqual(['revision 2 all → 2', 'all → 1']);
  });

  it('a rollback returns everyone to revision 1 at once, with their drafts and a notice', async () => {
    const applications = portal.app.get(ApplicationsService);
    const answers: Answers = { ...buildingPermitAnswers('business'), heritageSite: 'yes' };
    const { application } = await applications.startDraft(
      {
        accountId: people.otherSme.accountId!,
        organizationId: people.otherSme.organization!.id,
        audience: 'business',
        channel: 'web',
      },
      SLUG,
      answers,
      origin,
      undefined,
      { revision: 2 },
    );
    const page = await manager.get(PAGE);
    expect(page.text).toContain(
      'Les brouillons commencés sur la révision 2 passent à la révision courante',
    );
    const rolled = await decided('rollback', {
      expectedStage: 'general',
      reason: 'Erreur dans la nouvelle question',
    });
    expect(rolled.text).toContain('data-no-candidate');
    expect(rolled.text).toMatch(/data-decision="revision-rolled-back" data-revision="2"/);
    expect(who()).toEqual([1, 1, 1, 1]);
    expect(manySmes.map(revisionOf)).toEqual(manySmes.map(() => 1));
    expect(await held('business')).toEqual(['all → 1']);
    expect(await held('citizen')).toEqual(['all → 1']);
    const [draft] = await db.query(
      `SELECT status, service_revision, answers, revision_notice FROM application WHERE id = $1`,
      [application.id],
    );
    expect(draft.status).toBe('draft');
    expect(draft.service_revision).toBe(1);
    expect(draft.answers.workType).toBe(answers.workType);
    expect(draft.answers.workDescription).toBe(answers.workDescription);
    expect(draft.answers.heritageSite).toBeUndefined();
    expect(draft.revision_notice).toMatchObject({ from: 2, to: 1, steps: ['work'] });
    // The applicant continues on revision 1 with what they typed.
    const step = await otherSmeAgent.get(`/applications/${application.id}/steps/work`);
    expect(step.status).toBe(200);
    expect(step.text).toContain(answers.workDescription as string);
    expect(step.text).toContain('data-revision-notice');
    expect(step.text).toContain(`href="/applications/${application.id}/steps/work"`);
  });

  it('records an SME-first override: citizens before every SME, the SMEs left where they were', async () => {
    await decided('start', { revision: '2', reason: 'Corrigé ; on recommence' });
    expect(who()).toEqual([2, 1, 1, 1]);
    const page = await decided('citizens', {
      expectedStage: 'sme-pilot',
      reason: 'Le conseil veut l’avis des citoyens pilotes tout de suite',
      override: 'yes',
    });
    expect(who()).toEqual([2, 1, 1, 2]);
    expect(await held('business')).toEqual([
      'revision 2 internal: city staff → 2',
      'revision 2 pilot: cohort:pme-pilotes-construction → 2',
      'all → 1',
    ]);
    expect(page.text).toContain('data-sme-first-override');
    expect(page.text).toMatch(/<li data-track-stage="sme-pilot">(?:(?!<\/li>).)*data-smes-here/);
    expect(page.text).toMatch(/data-track-stage="citizen-pilot" data-here/);
    expect(page.text).toContain('(avant toutes les PME)');
    const [decision] = await db.query(
      `SELECT override, to_stage, details FROM rollout_decision
        WHERE kind = 'revision-promoted' ORDER BY created_at DESC LIMIT 1`,
    );
    expect(decision).toMatchObject({ override: true, to_stage: 'citizen-pilot' });
    expect(decision.details.smeFirst).toBe(true);
    expect(await htmlProblems(page.text)).toEqual([]);
  });

  it('out of general, revision 2 becomes current for everyone', async () => {
    for (const stage of ['citizen-pilot', 'citizen-gradual'])
      await decided('promote', { expectedStage: stage, reason: 'On continue', override: 'yes' });
    const page = await decided('promote', {
      expectedStage: 'general',
      reason: 'Révision courante',
    });
    expect(page.text).toContain('data-no-candidate');
    expect(page.text).toMatch(/data-variant="business" data-current="2"/);
    expect(page.text).toMatch(/data-variant="citizen" data-current="2"/);
    expect(page.text).toMatch(/data-decision="revision-current" data-revision="2"/);
    expect(who()).toEqual([2, 2, 2, 2]);
    expect(await held('business')).toEqual(['all → 2']);
    expect(await held('citizen')).toEqual(['all → 2']);
  });
});
