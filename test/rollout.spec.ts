import request from 'supertest';
import { DataSource } from 'typeorm';
import { ApplicationsService } from '../src/modules/applications/applications.service.js';
import { CatalogueService } from '../src/modules/catalogue/catalogue.service.js';
import { FormService } from '../src/modules/catalogue/form.service.js';
import { markCohortChanged } from '../src/modules/rollout/rollout-changes.js';
import { PlanFence } from '../src/modules/rollout/plan-fence.js';
import { RolloutReconciler } from '../src/modules/rollout/rollout-reconciler.service.js';
import { RolloutScheduler } from '../src/modules/rollout/rollout-scheduler.js';
import { createApp } from '../src/app.js';
import { FlagsService } from '../src/platform/flags/flags.service.js';
import { UnleashAdminClient } from '../src/platform/flags/unleash-admin.client.js';
import { JsonLogger } from '../src/platform/logging/json-logger.js';
import { createPerson, signedInAgent, smeMember } from './support/people.js';
import {
  csrfFrom,
  databaseUrl,
  eventually,
  mailFor,
  startTestApp,
  testConfig,
  unleashAdmin,
  type TestApp,
} from './support/test-app.js';

type Agent = ReturnType<typeof request.agent>;

const SERVICE = 'sign-permit';
const BUSINESS = `${SERVICE}.business`;
const CITIZEN = `${SERVICE}.citizen`;

/**
 * Issue 5's "done when": a service driven from closed to general through the
 * console's HTTP routes against the real Unleash, checking at each stage who
 * gets the variant; gates block and overrides are recorded; a pause keeps a
 * draft; scheduled promotions; Unleash edited directly is put back.
 */
describe('staged rollout through the console', () => {
  let portal: TestApp;
  let db: DataSource;
  let manager: Agent;
  let managerEmail: string;
  let analyst: Agent;
  let clerk: Agent;
  let pilotSme: Awaited<ReturnType<typeof smeMember>>;
  let otherSme: Awaited<ReturnType<typeof smeMember>>;
  let citizen: Agent;
  let citizenEmail: string;
  let cohortId: string;
  const admin = unleashAdmin();

  async function staff(role: string, name: string) {
    const person = await createPerson(db, { displayName: name });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, $2)`, [
      person.id,
      role,
    ]);
    return { agent: await signedInAgent(portal.url, person.email), email: person.email };
  }

  /** A console form post with the session's CSRF token. */
  async function decide(path: string, form: Record<string, string> = {}, agent = manager) {
    const page = await agent.get('/staff/rollout');
    return agent
      .post(`/staff/rollout/${path}`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), ...form });
  }

  async function stageOf(variant: 'business' | 'citizen') {
    const [row] = await db.query(
      `SELECT stage, paused, version, synced_version FROM rollout_plan WHERE service_slug = $1 AND variant = $2`,
      [SERVICE, variant],
    );
    return row as { stage: string; paused: boolean; version: string; synced_version: string };
  }

  /** Status of a variant's start page for someone: 200 open, 403 not for them. */
  async function startPage(agent: Agent, variant: 'business' | 'citizen') {
    return (await agent.get(`/services/${SERVICE}/${variant}`)).status;
  }

  /** Who gets the business variant now: [pilot SME, other SME]. */
  async function businessAccess() {
    return [
      await startPage(pilotSme.agent, 'business'),
      await startPage(otherSme.agent, 'business'),
    ];
  }

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    ({ agent: manager, email: managerEmail } = await staff('rollout-manager', 'Martin Gagnon'));
    ({ agent: analyst } = await staff('analyst', 'Amira Haddad'));
    ({ agent: clerk } = await staff('clerk', 'Sophie Bélanger'));
    pilotSme = await smeMember(portal.url, db, { legalName: 'Café du Cèdre inc.' });
    otherSme = await smeMember(portal.url, db, { legalName: 'Quincaillerie Nord inc.' });
    const person = await createPerson(db, { displayName: 'Jeanne Résidente' });
    citizen = await signedInAgent(portal.url, person.email);
    citizenEmail = person.email;
    const [cohort] = await db.query(
      `INSERT INTO cohort (slug, name, audience) VALUES ('pme-pilotes-test', 'PME pilotes (test)', 'business') RETURNING id`,
    );
    cohortId = cohort.id;
    await db.query(
      `INSERT INTO cohort_member (cohort_id, organization_id, status, source, joined_at) VALUES ($1, $2, 'active', 'staff', now())`,
      [cohortId, pilotSme.organizationId],
    );
    // Every plan starts closed; the reconciler gives Unleash that state first.
    expect(await portal.app.get(RolloutReconciler).syncNow()).toBe(true);
  });

  afterAll(() => portal.close());

  it('starts with every variant closed, in the database and in Unleash', async () => {
    const plans = await db.query(
      `SELECT count(*)::int AS n, bool_and(stage = 'closed') AS closed FROM rollout_plan`,
    );
    const services = portal.app.get(CatalogueService).all().length;
    expect(plans[0]).toEqual({ n: services * 2, closed: true });
    const state = await admin.getEnvironmentState(BUSINESS);
    expect(state).toEqual({ enabled: false, strategies: [] });
    expect(await businessAccess()).toEqual([403, 403]);
    expect(await startPage(citizen, 'citizen')).toBe(403);
  });

  it('offers SMEs the pilot programme and citizens "notify me when it opens"', async () => {
    const business = await pilotSme.agent.get(`/services/${SERVICE}/business`);
    expect(business.text).toContain('href="/pilot"');
    const page = await citizen.get(`/services/${SERVICE}/citizen`);
    expect(page.text).toContain('M’avertir quand il sera offert');
    const res = await citizen
      .post(`/services/${SERVICE}/citizen/notify`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    expect(res.status).toBe(303);
    const after = await citizen.get(`/services/${SERVICE}/citizen`);
    expect(after.text).toContain('data-subscribed');
    const [audit] = await db.query(
      `SELECT count(*)::int AS n FROM audit_event WHERE action = 'rollout.release_subscribed'`,
    );
    expect(audit.n).toBe(1);
  });

  it('lets analysts look but not decide, and keeps clerks out', async () => {
    expect((await analyst.get('/staff/rollout')).status).toBe(200);
    expect((await analyst.get(`/staff/rollout/${SERVICE}/business`)).status).toBe(200);
    expect(
      (
        await decide(
          `${SERVICE}/business/promote`,
          { reason: 'x', expectedStage: 'closed' },
          analyst,
        )
      ).status,
    ).toBe(403);
    expect((await clerk.get('/staff/rollout')).status).toBe(403);
    expect((await request(portal.url).get('/staff/rollout')).status).toBe(303);
  });

  it('asks for a reason (422, what was typed kept) and refuses a stale stage (409)', async () => {
    const missing = await decide(`${SERVICE}/business/promote`, {
      expectedStage: 'closed',
      reason: ' ',
    });
    expect(missing.status).toBe(422);
    expect(missing.text).toContain('Indiquez le motif de la décision');
    expect(missing.text).toContain('href="#promote-reason"');
    const stale = await decide(`${SERVICE}/business/promote`, {
      expectedStage: 'sme-pilot',
      reason: 'Essai\nsur deux lignes',
    });
    expect(stale.status).toBe(409);
    // What was typed comes back as typed, its second line not indented.
    expect(stale.text).toContain('>Essai\nsur deux lignes</textarea>');
    expect((await stageOf('business')).stage).toBe('closed');
  });

  it('internal: staff acting for a business see it; SMEs do not', async () => {
    const res = await decide(`${SERVICE}/business/promote`, {
      expectedStage: 'closed',
      reason: 'Essais internes par le Service de l’urbanisme',
    });
    expect(res.status).toBe(303);
    const plan = await stageOf('business');
    expect(plan.stage).toBe('internal');
    expect(plan.synced_version).toBe(plan.version);
    const state = await admin.getEnvironmentState(BUSINESS);
    expect(state.enabled).toBe(true);
    expect(
      state.strategies.map((s) => s.constraints.map((c) => `${c.contextName}=${c.values}`)),
    ).toEqual([['audience=business', 'staff=true']]);
    expect(await businessAccess()).toEqual([403, 403]);
    const page = await manager.get(`/staff/rollout/${SERVICE}/business`);
    expect(page.text).toContain('Interne (personnel)');
    expect(page.text).toContain('Essais internes par le Service de l’urbanisme');
  });

  it('sme-pilot: the cohort’s SME gets it at once; another SME and citizens do not', async () => {
    expect(
      (
        await decide(`${SERVICE}/business/cohorts`, {
          cohort: cohortId,
          reason: 'Les commerces de la rue Principale',
        })
      ).status,
    ).toBe(303);
    expect(
      (
        await decide(`${SERVICE}/business/promote`, {
          expectedStage: 'internal',
          reason: 'Début du projet pilote',
        })
      ).status,
    ).toBe(303);
    // Effective on this instance's next request: no waiting for a fetch.
    expect(await businessAccess()).toEqual([200, 403]);
    const start = await pilotSme.agent.get(`/services/${SERVICE}/business`);
    expect(start.text).toContain('data-phase="pilot-business"');
    expect(start.text).toContain('Projet pilote – PME');
    const feedback = /href="(\/services\/[^"]+\/feedback\?[^"]+)"/.exec(start.text)?.[1];
    expect(feedback?.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&')).toBe(
      `/services/${SERVICE}/business/feedback?page=%2Fservices%2F${SERVICE}%2Fbusiness&return=%2Fservices%2F${SERVICE}%2Fbusiness`,
    );
    expect(await startPage(citizen, 'citizen')).toBe(403);
    const segment = (await admin.segments()).find((s) => s.name === 'cohort:pme-pilotes-test');
    expect(segment?.constraints).toEqual([
      expect.objectContaining({ contextName: 'organizationId', values: [pilotSme.organizationId] }),
    ]);
    const state = await admin.getEnvironmentState(BUSINESS);
    expect(state.strategies.some((s) => s.segments?.includes(segment!.id))).toBe(true);
  });

  it('a cohort change reaches Unleash through the NOTIFY the reconciler listens to', async () => {
    await db.transaction(async (m) => {
      await m.query(
        `INSERT INTO cohort_member (cohort_id, organization_id, status, source, joined_at) VALUES ($1, $2, 'active', 'staff', now())`,
        [cohortId, otherSme.organizationId],
      );
      await markCohortChanged(m, cohortId);
    });
    await eventually(async () => {
      const segment = (await admin.segments()).find((s) => s.name === 'cohort:pme-pilotes-test');
      return segment?.constraints[0].values.length === 2;
    }, 5000);
    await eventually(async () => (await startPage(otherSme.agent, 'business')) === 200, 5000);
    await db.transaction(async (m) => {
      await m.query(
        `UPDATE cohort_member SET status = 'withdrawn', withdrawn_at = now() WHERE organization_id = $1`,
        [otherSme.organizationId],
      );
      await markCohortChanged(m, cohortId);
    });
    await eventually(async () => (await startPage(otherSme.agent, 'business')) === 403, 5000);
  });

  it('gates block leaving the pilot; an override needs a reason and is recorded with every gate', async () => {
    const page = await manager.get(`/staff/rollout/${SERVICE}/business`);
    expect(page.text).toMatch(/data-gate="feedback-received" data-status="fail"/);
    expect(page.text).toMatch(/data-gate="acceptance" data-status="no-data"/);
    expect(page.text).toMatch(/data-gate="pilot-applications" data-status="fail"/);

    const blocked = await decide(`${SERVICE}/business/promote`, {
      expectedStage: 'sme-pilot',
      reason: 'On avance',
    });
    expect(blocked.status).toBe(422);
    expect(blocked.text).toContain('Des critères ne sont pas respectés');
    expect(blocked.text).toContain('id="promote-override"');
    expect(blocked.text).toContain('On avance');
    expect((await stageOf('business')).stage).toBe('sme-pilot');

    const overridden = await decide(`${SERVICE}/business/promote`, {
      expectedStage: 'sme-pilot',
      reason: 'Le conseil municipal a fixé l’ouverture au 1er décembre',
      override: 'yes',
    });
    expect(overridden.status).toBe(303);
    expect((await stageOf('business')).stage).toBe('sme-gradual');
    const [decision] = await db.query(
      `SELECT kind, from_stage, to_stage, override, reason, gates, details, actor_type
         FROM rollout_decision WHERE service_slug = $1 AND variant = 'business' ORDER BY created_at DESC LIMIT 1`,
      [SERVICE],
    );
    expect(decision).toMatchObject({
      kind: 'promote',
      from_stage: 'sme-pilot',
      to_stage: 'sme-gradual',
      override: true,
      reason: 'Le conseil municipal a fixé l’ouverture au 1er décembre',
      actor_type: 'staff',
    });
    expect(decision.gates).toHaveLength(8);
    expect(decision.gates).toContainEqual(
      expect.objectContaining({
        id: 'acceptance',
        value: null,
        status: 'no-data',
        threshold: 100,
      }),
    );
    expect(decision.details.failingGates).toContain('pilot-applications');
    const [audit] = await db.query(
      `SELECT action FROM audit_event WHERE entity_id = $1 ORDER BY id DESC LIMIT 1`,
      [BUSINESS],
    );
    expect(audit.action).toBe('rollout.promote.override');
  });

  it('counts the variant’s open blocking or major feedback, and satisfaction, in the gates', async () => {
    const gate = async (id: string) => {
      const page = await manager.get(`/staff/rollout/${SERVICE}/business`);
      return new RegExp(`data-gate="${id}" data-status="([a-z-]+)"`).exec(page.text)?.[1];
    };
    expect(await gate('open-blocking')).toBe('pass');
    const [item] = await db.query(
      `INSERT INTO feedback_item (service_slug, variant, service_revision, stage, audience, organization_id, language, kind, severity, happened)
       VALUES ($1, 'business', 1, 'sme-gradual', 'business', $2, 'fr', 'problem', 'blocker', 'Le bouton Envoyer ne répond pas')
       RETURNING id`,
      [SERVICE, pilotSme.organizationId],
    );
    expect(await gate('open-blocking')).toBe('fail');
    await db.query(`UPDATE feedback_item SET status = 'fixed' WHERE id = $1`, [item.id]);
    expect(await gate('open-blocking')).toBe('pass');
    expect(await gate('satisfaction')).toBe('no-data');
  });

  it('sme-gradual: the percentage decides, sticky per SME; 100 % opens every SME', async () => {
    expect(
      (await decide(`${SERVICE}/business/percentage`, { percentage: '0', reason: 'x' })).status,
    ).toBe(422);
    const state = await admin.getEnvironmentState(BUSINESS);
    const gradual = state.strategies.find((s) => s.parameters.stickiness === 'userId');
    expect(gradual?.parameters.rollout).toBe('10');
    // The plan fence draws the very share Unleash draws, SME by SME (ADR 0033).
    const flags = portal.app.get(FlagsService);
    const fence = portal.app.get(PlanFence);
    const smeContext = (id: string) => ({
      userId: id,
      properties: { audience: 'business' as const, organizationId: id, staff: 'false' as const },
    });
    const ids = Array.from({ length: 200 }, (_, i) => `org-${i}`);
    const unleashSays = ids.map((id) => flags.isEnabled(BUSINESS, smeContext(id)));
    expect(unleashSays.filter(Boolean).length).toBeGreaterThan(5);
    expect(ids.map((id) => fence.evaluate(BUSINESS, smeContext(id))?.enabled)).toEqual(unleashSays);
    expect(
      (
        await decide(`${SERVICE}/business/percentage`, {
          percentage: '100',
          reason: 'Tout va bien',
        })
      ).status,
    ).toBe(303);
    expect(await businessAccess()).toEqual([200, 200]);
    expect(await startPage(citizen, 'citizen')).toBe(403);
  });

  it('SME-first: the citizen variant cannot pass internal before the business variant reaches sme-all', async () => {
    expect(
      (await decide(`${SERVICE}/citizen/promote`, { expectedStage: 'closed', reason: 'Essais' }))
        .status,
    ).toBe(303);
    const refused = await decide(`${SERVICE}/citizen/promote`, {
      expectedStage: 'internal',
      reason: 'Trop tôt',
    });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Les PME d’abord');
    expect((await stageOf('citizen')).stage).toBe('internal');

    expect(
      (
        await decide(`${SERVICE}/business/promote`, {
          expectedStage: 'sme-gradual',
          reason: 'Ouverture à toutes les PME',
          override: 'yes',
        })
      ).status,
    ).toBe(303);
    expect((await stageOf('business')).stage).toBe('sme-all');
    expect(
      (
        await decide(`${SERVICE}/citizen/promote`, {
          expectedStage: 'internal',
          reason: 'Pilote citoyen',
        })
      ).status,
    ).toBe(303);
    expect((await stageOf('citizen')).stage).toBe('citizen-pilot');
    expect(await startPage(citizen, 'citizen')).toBe(403);
  });

  it('general: after two overridden promotions every citizen gets the citizen variant', async () => {
    for (const from of ['citizen-pilot', 'citizen-gradual']) {
      const res = await decide(`${SERVICE}/citizen/promote`, {
        expectedStage: from,
        reason: 'Décision du comité',
        override: 'yes',
      });
      expect(res.status).toBe(303);
    }
    expect((await stageOf('citizen')).stage).toBe('general');
    expect(await startPage(citizen, 'citizen')).toBe(200);
    // The subscriber hears about it.
    await eventually(async () => (await mailFor(citizenEmail)).length > 0, 10_000);
    const [email] = await mailFor(citizenEmail);
    expect(email.subject).toContain('est maintenant offert en ligne');
    expect(email.text).toContain(`/services/${SERVICE}/citizen`);
    expect(await businessAccess()).toEqual([200, 200]);
    // Each audience only ever gets its own variant.
    expect(await startPage(citizen, 'business')).toBe(403);
    const overview = await manager.get('/staff/rollout');
    expect(overview.text).toMatch(/data-flag="sign-permit.citizen"[\s\S]*?data-stage="general"/);
  });

  it('a pause closes the variant at once and keeps the draft; resuming carries on', async () => {
    const service = portal.app.get(CatalogueService).find(SERVICE)!;
    const [first] = portal.app.get(FormService).steps(service, 'business');
    const { application } = await portal.app.get(ApplicationsService).startDraft(
      {
        channel: 'web',
        accountId: pilotSme.accountId,
        audience: 'business',
        organizationId: pilotSme.organizationId,
      },
      SERVICE,
      { businessName: 'Café du Cèdre inc.' },
      { ip: '127.0.0.1', requestId: 'test' },
    );
    const stepPath = `/applications/${application.id}/steps/${first.slug}`;
    expect((await pilotSme.agent.get(stepPath)).status).toBe(200);

    expect(
      (await decide(`${SERVICE}/business/pause`, { reason: 'Anomalie signalée' })).status,
    ).toBe(303);
    expect((await stageOf('business')).paused).toBe(true);
    expect((await admin.getEnvironmentState(BUSINESS)).enabled).toBe(false);
    const paused = await pilotSme.agent.get(stepPath);
    expect(paused.status).toBe(403);
    expect(paused.text).toContain('brouillon');
    const start = await pilotSme.agent.get(`/services/${SERVICE}/business`);
    expect(start.status).toBe(403);
    expect(start.text).toContain('temporairement indisponible');
    expect(start.text).toContain('votre brouillon est conservé');
    const [kept] = await db.query(`SELECT status, answers FROM application WHERE id = $1`, [
      application.id,
    ]);
    expect(kept).toEqual({ status: 'draft', answers: { businessName: 'Café du Cèdre inc.' } });
    expect((await decide(`${SERVICE}/business/pause`, { reason: 'Encore' })).status).toBe(409);

    expect((await decide(`${SERVICE}/business/resume`, { reason: 'Corrigé' })).status).toBe(303);
    const resumed = await pilotSme.agent.get(stepPath);
    expect(resumed.status).toBe(200);
    expect(resumed.text).toContain('Café du Cèdre inc.');
  });

  it('rolls back one stage at once, without gates', async () => {
    const res = await decide(`${SERVICE}/business/rollback`, {
      expectedStage: 'sme-all',
      reason: 'Retour à l’ouverture progressive',
    });
    expect(res.status).toBe(303);
    expect((await stageOf('business')).stage).toBe('sme-gradual');
    const kinds = await db.query(
      `SELECT kind FROM rollout_decision WHERE service_slug = $1 AND variant = 'business' ORDER BY created_at`,
      [SERVICE],
    );
    expect(kinds.map((k: { kind: string }) => k.kind)).toEqual([
      'promote',
      'cohort-attached',
      'promote',
      'promote',
      'percentage',
      'promote',
      'pause',
      'resume',
      'rollback',
    ]);
  });

  it('a scheduled promotion runs when due if the gates pass; otherwise it is skipped and the managers are emailed', async () => {
    const tomorrow = new Date(Date.now() + 86_400_000);
    const date = tomorrow.toISOString().slice(0, 10);
    const inPast = await decide(`${SERVICE}/business/schedule`, {
      date: '2020-01-01',
      time: '09:00',
      reason: 'Trop tard',
    });
    expect(inPast.status).toBe(422);
    expect(inPast.text).toContain('href="#schedule-date"');
    const scheduled = await decide(`${SERVICE}/business/schedule`, {
      date,
      time: '09:00',
      reason: 'Ouverture à toutes les PME prévue',
    });
    expect(scheduled.status).toBe(303);
    await db.query(`UPDATE rollout_schedule SET run_at = now() - interval '1 second'`);
    const outcome = await portal.app.get(RolloutScheduler).tick();
    expect(outcome).toEqual({ promoted: [], skipped: [BUSINESS], failed: [] });
    expect((await stageOf('business')).stage).toBe('sme-gradual');
    await eventually(async () => (await mailFor(managerEmail)).length > 0, 10_000);
    const [email] = await mailFor(managerEmail);
    expect(email.subject).toContain(BUSINESS);

    // At an ungated stage (internal → pilot) the schedule runs.
    await decide(`${SERVICE}/business/rollback`, { expectedStage: 'sme-gradual', reason: 'x' });
    await decide(`${SERVICE}/business/rollback`, { expectedStage: 'sme-pilot', reason: 'x' });
    await decide(`${SERVICE}/business/schedule`, { date, time: '08:00', reason: 'Pilote' });
    await db.query(
      `UPDATE rollout_schedule SET run_at = now() - interval '1 second' WHERE status = 'pending'`,
    );
    expect(await portal.app.get(RolloutScheduler).tick()).toEqual({
      promoted: [BUSINESS],
      skipped: [],
      failed: [],
    });
    expect((await stageOf('business')).stage).toBe('sme-pilot');
    expect(await businessAccess()).toEqual([200, 403]);
  });

  it('puts back a change made directly in Unleash, and records the drift', async () => {
    const reconciler = portal.app.get(RolloutReconciler);
    // Someone opens the pilot to every business from Unleash's UI.
    await admin.addStrategy(BUSINESS, {
      name: 'flexibleRollout',
      parameters: { rollout: '100', stickiness: 'default', groupId: BUSINESS },
      constraints: [{ contextName: 'audience', operator: 'IN', values: ['business'] }],
    });
    await reconciler.reconcile();
    const state = await admin.getEnvironmentState(BUSINESS);
    expect(state.strategies).toHaveLength(2);
    expect(state.strategies.every((s) => s.parameters.stickiness === 'default')).toBe(true);
    const [drift] = await db.query(
      `SELECT flag, resolution FROM rollout_drift ORDER BY detected_at DESC`,
    );
    expect(drift).toEqual({ flag: BUSINESS, resolution: 'corrected' });
    const page = await manager.get(`/staff/rollout/${SERVICE}/business`);
    expect(page.text).toContain('data-drift="corrected"');
    expect(page.text).toMatch(/data-decision="drift-corrected"/);
    // Nothing else changed: a second run only reads.
    expect((await reconciler.reconcile()).applied).toEqual([]);
  });

  it('adopts a drift into the plan when the plan says so and the edit is a stage', async () => {
    const reconciler = portal.app.get(RolloutReconciler);
    await decide(`${SERVICE}/business/settings`, { driftPolicy: 'adopt', reason: 'Essai' });
    // Someone switches the flag off in Unleash: a pause.
    await admin.setEnabled(BUSINESS, false);
    await reconciler.reconcile();
    expect(await stageOf('business')).toMatchObject({ stage: 'sme-pilot', paused: true });
    expect((await admin.getEnvironmentState(BUSINESS)).enabled).toBe(false);
    const [drift] = await db.query(
      `SELECT resolution FROM rollout_drift ORDER BY detected_at DESC`,
    );
    expect(drift.resolution).toBe('adopted');
  });

  it('shows who sees what, from Unleash’s own evaluation', async () => {
    await decide(`${SERVICE}/business/resume`, { reason: 'Reprise' });
    const [org] = await db.query(`SELECT neq FROM organization WHERE id = $1`, [
      pilotSme.organizationId,
    ]);
    const pilot = await manager.get(`/staff/rollout/who-sees-what?kind=sme&neq=${org.neq}`);
    expect(pilot.status).toBe(200);
    expect(pilot.text).toMatch(/data-flag="sign-permit.business" data-enabled="yes"/);
    expect(pilot.text).toContain('Membre d’une cohorte pilote : PME pilotes (test).');
    // And the revision they get, from the same evaluation: no candidate, the current one.
    expect(pilot.text).toMatch(
      /data-flag="sign-permit.business" data-enabled="yes" data-revision="1" data-revision-reason="current"/,
    );
    expect(pilot.text).toContain('Révision 1 — révision en vigueur.');
    const [other] = await db.query(`SELECT neq FROM organization WHERE id = $1`, [
      otherSme.organizationId,
    ]);
    const outsider = await manager.get(`/staff/rollout/who-sees-what?kind=sme&neq=${other.neq}`);
    expect(outsider.text).toMatch(/data-flag="sign-permit.business" data-enabled="no"/);
    const typed = await manager.get(
      '/staff/rollout/who-sees-what?kind=attributes&audience=business&id=org-x&staff=yes',
    );
    expect(typed.text).toMatch(/data-flag="sign-permit.business" data-enabled="yes"/);
    const bad = await manager.get('/staff/rollout/who-sees-what?kind=sme&neq=123');
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Le NEQ compte 10 chiffres.');
  });

  it('enforces a decision at once while Unleash is unreachable (pending sync there), and applies it in Unleash when it is back', async () => {
    const flags = portal.app.get(FlagsService);
    const pilot = {
      userId: pilotSme.organizationId,
      properties: {
        audience: 'business' as const,
        organizationId: pilotSme.organizationId,
        staff: 'false' as const,
      },
    };
    expect(await businessAccess()).toEqual([200, 403]);
    const [org] = await db.query(`SELECT neq FROM organization WHERE id = $1`, [
      pilotSme.organizationId,
    ]);
    const unleash = portal.app.get(UnleashAdminClient) as unknown as { api: string };
    const real = unleash.api;
    unleash.api = 'http://127.0.0.1:9/api';
    try {
      const res = await decide(`${SERVICE}/business/rollback`, {
        expectedStage: 'sme-pilot',
        reason: 'Retour en interne',
      });
      expect(res.status).toBe(303);
      const page = await manager.get(`/staff/rollout/${SERVICE}/business`);
      expect(page.text).toContain('Unleash n’a pas pu être joint');
      expect(page.text).toContain('Le portail applique déjà une pause, un retour en arrière');
      expect(page.text).toContain('data-pending-sync');
      const plan = await stageOf('business');
      expect(Number(plan.synced_version)).toBeLessThan(Number(plan.version));
      // Unleash still opens the pilot to the pilot SME: it has not been told…
      expect((await admin.getEnvironmentState(BUSINESS)).strategies).toHaveLength(2);
      expect(flags.isEnabled(BUSINESS, pilot)).toBe(true);
      // …yet the portal refuses them already: the plan is the second fence.
      expect(await businessAccess()).toEqual([403, 403]);
      const who = await manager.get(`/staff/rollout/who-sees-what?kind=sme&neq=${org.neq}`);
      expect(who.text).toMatch(/data-flag="sign-permit.business" data-enabled="no"/);
      expect(who.text).toContain('Retenue par le plan : Unleash n’est pas encore à jour.');
    } finally {
      unleash.api = real;
    }
    // The reconciler retries with backoff on its own.
    await eventually(async () => {
      const plan = await stageOf('business');
      return plan.synced_version === plan.version;
    }, 10_000);
    expect((await admin.getEnvironmentState(BUSINESS)).strategies).toHaveLength(1);
    expect(await businessAccess()).toEqual([403, 403]);
  });

  it('another instance on the same database follows within its refresh interval', async () => {
    const second = await createApp(testConfig({ DATABASE_URL: databaseUrl(portal.database) }), {
      logger: new JsonLogger('error'),
      skipBootTasks: true,
    });
    try {
      const flags = second.get(FlagsService);
      const pilot = {
        userId: pilotSme.organizationId,
        properties: {
          audience: 'business' as const,
          organizationId: pilotSme.organizationId,
          staff: 'false' as const,
        },
      };
      await eventually(async () => !flags.isEnabled(BUSINESS, pilot), 5000);
      const res = await decide(`${SERVICE}/business/promote`, {
        expectedStage: 'internal',
        reason: 'Retour au projet pilote',
      });
      expect(res.status).toBe(303);
      // It follows on its own next fetch (how soon is measured by npm run bench:rollout).
      await eventually(async () => flags.isEnabled(BUSINESS, pilot), 10_000);
    } finally {
      await second.close();
    }
  });

  afterAll(async () => {
    // Leave the shared Unleash as other test files expect to find a variant: closed.
    const client = new UnleashAdminClient(
      process.env.UNLEASH_URL!,
      process.env.UNLEASH_ADMIN_TOKEN!,
      'default',
      process.env.UNLEASH_ENVIRONMENT!,
    );
    for (const flag of [BUSINESS, CITIZEN])
      await client.applyEnvironmentState(flag, { enabled: false, strategies: [] });
  });
});
