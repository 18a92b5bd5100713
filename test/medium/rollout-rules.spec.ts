import { jest } from '@jest/globals';
import { DataSource } from 'typeorm';
import type { ActingAs } from '../../src/modules/accounts/acting-as.js';
import { AuditService } from '../../src/modules/audit/audit.service.js';
import { CatalogueService } from '../../src/modules/catalogue/catalogue.service.js';
import { OutboxService } from '../../src/modules/notifications/outbox.service.js';
import {
  PilotEvidence,
  type PilotFigures,
  type RevisionComparison,
  type StageEvidence,
} from '../../src/modules/rollout/gates.js';
import { RolloutReconciler } from '../../src/modules/rollout/rollout-reconciler.service.js';
import { RolloutService, type RolloutActor } from '../../src/modules/rollout/rollout.service.js';
import { VariantAccessService } from '../../src/modules/rollout/variant-access.service.js';
import { ServicePagesService } from '../../src/modules/service-pages/service-pages.service.js';
import { StaffService } from '../../src/modules/staff/staff.service.js';
import type { Audience } from '../../src/platform/flags/flag-context.js';
import { createPerson } from '../support/people.js';
import { startTestApp, unleashAdmin, type TestApp } from '../support/test-app.js';

/**
 * The rollout rules at the service level ("medium" tests, as Immich's
 * server/test/medium): RolloutService, the reconciler and VariantAccessService
 * called directly, against the real PostgreSQL and the real Unleash, no HTTP.
 * The pure rules have their unit tests (stages, gates); the console's pages
 * theirs (test/rollout.spec.ts). These assert what an operator would notice:
 * the plan stored, the decision and audit event written, what Unleash holds,
 * and who the variant is open to.
 */

const SERVICE = 'occupancy-certificate';
const BUSINESS = `${SERVICE}.business`;
const CITIZEN = `${SERVICE}.citizen`;
/** A second service for the scheduled promotions, so they start from closed. */
const SCHEDULED = 'bulky-waste-pickup';

/** Evidence that meets every gate's default threshold (the checklist is ticked for real). */
class MetEvidence extends PilotEvidence {
  async figures(): Promise<PilotFigures> {
    return {
      applications: 12,
      participants: 4,
      medianProcessingDays: 3,
      completionRate: 90,
      worstStepRefusal: 10,
      feedback: {
        received: 6,
        openBlockingOrMajor: 0,
        averageSatisfaction: 4.5,
        acceptance: { passed: 5, total: 5 },
      },
    };
  }

  compareRevisions(): Promise<RevisionComparison> {
    throw new Error('not read by these rules');
  }

  stageEvidence(): Promise<StageEvidence> {
    throw new Error('not read by these rules');
  }
}

describe('the rollout rules (service level, real PostgreSQL and Unleash)', () => {
  let portal: TestApp;
  let db: DataSource;
  let rollout: RolloutService;
  /** The same service, reading evidence that meets every gate. */
  let rolloutWithEvidence: RolloutService;
  let reconciler: RolloutReconciler;
  let access: VariantAccessService;
  let manager: RolloutActor;
  let managerEmail: string;
  let pilotSme: ActingAs;
  let otherSme: ActingAs;
  let citizen: ActingAs;
  let cohortId: string;
  const admin = unleashAdmin();
  const reason = 'Décision de test';

  async function plan(slug: string, variant: Audience) {
    const [row] = await db.query(
      `SELECT stage, paused, version::int FROM rollout_plan WHERE service_slug = $1 AND variant = $2`,
      [slug, variant],
    );
    return row as { stage: string; paused: boolean; version: number };
  }

  async function decisions(slug: string, variant: Audience) {
    return db.query<
      {
        kind: string;
        from_stage: string;
        to_stage: string;
        override: boolean;
        reason: string | null;
        details: Record<string, unknown>;
        gates: { id: string; status: string }[];
        actor_type: string;
        actor_id: string | null;
      }[]
    >(
      `SELECT kind, from_stage, to_stage, override, reason, details, gates, actor_type, actor_id
         FROM rollout_decision WHERE service_slug = $1 AND variant = $2 ORDER BY created_at, id`,
      [slug, variant],
    );
  }

  async function auditOf(flag: string) {
    return db.query<
      {
        actor_type: string;
        actor_id: string;
        action: string;
        before: Record<string, unknown>;
        after: Record<string, unknown>;
      }[]
    >(
      `SELECT actor_type, actor_id, action, before, after FROM audit_event
        WHERE entity_type = 'rollout-plan' AND entity_id = $1 ORDER BY id`,
      [flag],
    );
  }

  async function sme(legalName: string): Promise<ActingAs> {
    const person = await createPerson(db);
    const [org] = await db.query(
      `INSERT INTO organization (legal_name, neq, street_address, city, postal_code, employee_count, naics_code,
         contact_name, contact_email, contact_phone, verified_at)
       VALUES ($1, $2, '12 rue Principale', 'Val-des-Cèdres', 'J0A 1B0', 14, '31-33', $3, $4, '418 555-0123', now())
       RETURNING id`,
      [
        legalName,
        `11${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`,
        person.displayName,
        person.email,
      ],
    );
    await db.query(
      `INSERT INTO organization_membership (organization_id, account_id, role) VALUES ($1, $2, 'owner')`,
      [org.id, person.id],
    );
    return {
      audience: 'business',
      accountId: person.id,
      organization: { id: org.id as string, name: legalName, employeeCount: 14 },
      staff: false,
    };
  }

  /** Makes Unleash (and this instance's evaluation) follow the plans. */
  async function sync() {
    expect(await reconciler.syncNow()).toBe(true);
  }

  beforeAll(async () => {
    portal = await startTestApp();
    const app = portal.app;
    db = app.get(DataSource);
    rollout = app.get(RolloutService);
    rolloutWithEvidence = new RolloutService(
      db,
      app.get(AuditService),
      new MetEvidence(),
      app.get(OutboxService),
      app.get(CatalogueService),
      portal.config,
      app.get(StaffService),
    );
    reconciler = app.get(RolloutReconciler);
    access = app.get(VariantAccessService);
    const staff = await createPerson(db, { displayName: 'Martin Gagnon' });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'rollout-manager')`, [
      staff.id,
    ]);
    manager = { accountId: staff.id, origin: { ip: '203.0.113.7', requestId: 'req-medium' } };
    managerEmail = staff.email;
    pilotSme = await sme('Café du Cèdre inc.');
    otherSme = await sme('Quincaillerie Nord inc.');
    const person = await createPerson(db, { displayName: 'Jeanne Résidente' });
    citizen = { audience: 'citizen', accountId: person.id, staff: false };
    const [cohort] = await db.query(
      `INSERT INTO cohort (slug, name, audience) VALUES ('pme-medium', 'PME pilotes (medium)', 'business') RETURNING id`,
    );
    cohortId = cohort.id;
    await db.query(
      `INSERT INTO cohort_member (cohort_id, organization_id, status, source, joined_at)
       VALUES ($1, $2, 'active', 'staff', now())`,
      [cohortId, pilotSme.organization!.id],
    );
    await sync();
  });

  afterAll(() => portal.close());

  it('keeps a closed variant closed to everyone, and each variant to its own audience', async () => {
    expect(await admin.getEnvironmentState(BUSINESS)).toEqual({ enabled: false, strategies: [] });
    expect(access.check(SERVICE, 'business', pilotSme)).toEqual({
      available: false,
      reason: 'not-released',
    });
    expect(access.check(SERVICE, 'citizen', citizen)).toEqual({
      available: false,
      reason: 'not-released',
    });
    // The audience is checked before the flag: an SME on the citizen variant, a person on the business one.
    expect(access.check(SERVICE, 'citizen', pilotSme)).toEqual({
      available: false,
      reason: 'other-audience',
    });
    expect(access.check(SERVICE, 'business', citizen)).toEqual({
      available: false,
      reason: 'other-audience',
    });
  });

  it('refuses a decision without a reason, on a stale stage, or off the end of the track, storing nothing', async () => {
    await expect(
      rollout.promote(manager, SERVICE, 'business', { reason: '  ', expectedStage: 'closed' }),
    ).rejects.toMatchObject({ code: 'reason-required' });
    await expect(
      rollout.promote(manager, SERVICE, 'business', { reason, expectedStage: 'sme-pilot' }),
    ).rejects.toMatchObject({ code: 'stage-changed' });
    await expect(
      rollout.rollback(manager, SERVICE, 'business', { reason, expectedStage: 'closed' }),
    ).rejects.toMatchObject({ code: 'no-previous-stage' });
    await expect(
      rollout.promote(manager, 'no-such-service', 'business', { reason }),
    ).rejects.toMatchObject({ code: 'plan-not-found' });
    expect(await plan(SERVICE, 'business')).toMatchObject({ stage: 'closed', paused: false });
    expect(await decisions(SERVICE, 'business')).toEqual([]);
    expect(await auditOf(BUSINESS)).toEqual([]);
  });

  it('moves one stage at a time, recording the decision and its audit event, and back at once', async () => {
    const before = await plan(SERVICE, 'business');
    const done = await rollout.promote(manager, SERVICE, 'business', {
      reason,
      expectedStage: 'closed',
    });
    expect(done).toMatchObject({
      kind: 'promote',
      from: 'closed',
      to: 'internal',
      override: false,
    });
    const after = await plan(SERVICE, 'business');
    expect(after.stage).toBe('internal');
    expect(after.version).toBeGreaterThan(before.version);
    const [decision] = await decisions(SERVICE, 'business');
    expect(decision).toMatchObject({
      kind: 'promote',
      from_stage: 'closed',
      to_stage: 'internal',
      override: false,
      reason,
      actor_type: 'staff',
      actor_id: manager.accountId,
    });
    // The decision keeps a snapshot of every gate, even when none holds the promotion.
    expect(decision.gates.map((g) => g.id)).toHaveLength(8);
    const [event] = await auditOf(BUSINESS);
    expect(event).toMatchObject({
      actor_type: 'staff',
      actor_id: manager.accountId,
      action: 'rollout.promote',
      before: { stage: 'closed', paused: false },
      after: { stage: 'internal', reason },
    });

    await sync();
    const state = await admin.getEnvironmentState(BUSINESS);
    expect(state.enabled).toBe(true);
    expect(
      state.strategies.map((s) => s.constraints.map((c) => `${c.contextName}=${c.values}`)),
    ).toEqual([['audience=business', 'staff=true']]);
    // Internal: staff acting for a business see it; SMEs do not.
    expect(access.check(SERVICE, 'business', { ...otherSme, staff: true })).toEqual({
      available: true,
      revision: 1,
    });
    expect(access.check(SERVICE, 'business', pilotSme).available).toBe(false);

    await expect(
      rollout.rollback(manager, SERVICE, 'business', { reason, expectedStage: 'internal' }),
    ).resolves.toMatchObject({ kind: 'rollback', from: 'internal', to: 'closed' });
    expect((await plan(SERVICE, 'business')).stage).toBe('closed');
    expect((await auditOf(BUSINESS)).map((e) => e.action)).toEqual([
      'rollout.promote',
      'rollout.rollback',
    ]);
  });

  it('opens the pilot to its cohort’s SMEs only (no gate holds a promotion into a pilot)', async () => {
    await rollout.promote(manager, SERVICE, 'business', { reason, expectedStage: 'closed' });
    await rollout.attachCohort(manager, SERVICE, 'business', { reason, cohortId });
    await expect(
      rollout.promote(manager, SERVICE, 'business', { reason, expectedStage: 'internal' }),
    ).resolves.toMatchObject({ to: 'sme-pilot', override: false });
    await sync();
    const state = await admin.getEnvironmentState(BUSINESS);
    expect(state.enabled).toBe(true);
    expect(state.strategies.flatMap((s) => s.segments ?? [])).toHaveLength(1);
    expect(access.check(SERVICE, 'business', pilotSme)).toEqual({ available: true, revision: 1 });
    expect(access.check(SERVICE, 'business', otherSme)).toEqual({
      available: false,
      reason: 'not-released',
    });
    expect(access.check(SERVICE, 'citizen', citizen).available).toBe(false);
  });

  it('refuses to promote out of the pilot without evidence, naming the gates, storing nothing', async () => {
    const decisionsBefore = (await decisions(SERVICE, 'business')).length;
    const refused = await rollout
      .promote(manager, SERVICE, 'business', { reason, expectedStage: 'sme-pilot' })
      .then(
        () => undefined,
        (error: unknown) => error as { code: string; gates: { id: string; status: string }[] },
      );
    expect(refused?.code).toBe('gates-failing');
    // Nothing filed, no feedback, no survey, no criteria, an empty checklist: nothing passes.
    expect(refused?.gates.filter((g) => g.status === 'pass').map((g) => g.id)).toEqual([
      'open-blocking',
    ]);
    expect(refused?.gates.find((g) => g.id === 'satisfaction')?.status).toBe('no-data');
    expect((await plan(SERVICE, 'business')).stage).toBe('sme-pilot');
    expect(await decisions(SERVICE, 'business')).toHaveLength(decisionsBefore);
  });

  it('promotes out of the pilot once every gate passes, the checklist ticked by staff', async () => {
    // The evidence met but the checklist not ticked: still refused.
    await expect(
      rolloutWithEvidence.promote(manager, SERVICE, 'business', {
        reason,
        expectedStage: 'sme-pilot',
      }),
    ).rejects.toMatchObject({ code: 'gates-failing' });
    for (const item of [
      'faq-published',
      'wording-reviewed',
      'help-desk-briefed',
      'accessibility-checked',
    ] as const)
      await rollout.setChecklistItem(manager, SERVICE, 'business', { item, ticked: true });
    const done = await rolloutWithEvidence.promote(manager, SERVICE, 'business', {
      reason,
      expectedStage: 'sme-pilot',
    });
    expect(done).toMatchObject({ from: 'sme-pilot', to: 'sme-gradual', override: false });
    const last = (await decisions(SERVICE, 'business')).at(-1);
    expect(last).toMatchObject({ kind: 'promote', to_stage: 'sme-gradual', override: false });
    expect(last?.gates.every((g) => g.status === 'pass')).toBe(true);
  });

  it('SME-first: the citizen variant may not pass internal before the business one reaches sme-all', async () => {
    // Internal is allowed whatever the business stage.
    await rollout.promote(manager, SERVICE, 'citizen', { reason, expectedStage: 'closed' });
    await expect(
      rollout.promote(manager, SERVICE, 'citizen', { reason, expectedStage: 'internal' }),
    ).rejects.toMatchObject({ code: 'sme-first' });
    expect((await plan(SERVICE, 'citizen')).stage).toBe('internal');

    // With an override and its reason, it goes, and the override is on record.
    const overridden = await rollout.promote(manager, SERVICE, 'citizen', {
      reason: 'Urgence : règlement municipal',
      expectedStage: 'internal',
      override: true,
    });
    expect(overridden).toMatchObject({ to: 'citizen-pilot', override: true });
    const last = (await decisions(SERVICE, 'citizen')).at(-1);
    expect(last).toMatchObject({
      override: true,
      details: { smeFirst: true, businessStage: 'sme-gradual', failingGates: [] },
    });
    expect((await auditOf(CITIZEN)).at(-1)?.action).toBe('rollout.promote.override');
    await rollout.rollback(manager, SERVICE, 'citizen', { reason, expectedStage: 'citizen-pilot' });

    // Once the business variant is open to every SME, citizens may follow without an override.
    await rolloutWithEvidence.promote(manager, SERVICE, 'business', {
      reason,
      expectedStage: 'sme-gradual',
    });
    expect((await plan(SERVICE, 'business')).stage).toBe('sme-all');
    await expect(
      rollout.promote(manager, SERVICE, 'citizen', { reason, expectedStage: 'internal' }),
    ).resolves.toMatchObject({ to: 'citizen-pilot', override: false });

    await sync();
    expect(access.check(SERVICE, 'business', otherSme)).toEqual({ available: true, revision: 1 });
  });

  it('pauses a variant for everyone at once and resumes exactly what was there', async () => {
    await rollout.pause(manager, SERVICE, 'business', { reason });
    await expect(rollout.pause(manager, SERVICE, 'business', { reason })).rejects.toMatchObject({
      code: 'already-paused',
    });
    await sync();
    const paused = await admin.getEnvironmentState(BUSINESS);
    expect(paused.enabled).toBe(false);
    expect(paused.strategies).toHaveLength(1);
    expect(access.check(SERVICE, 'business', otherSme)).toEqual({
      available: false,
      reason: 'not-released',
    });
    // The start page says it is paused, not "not yet".
    const pages = portal.app.get(ServicePagesService);
    await expect(pages.startPage(otherSme, SERVICE, 'business')).resolves.toMatchObject({
      ok: false,
      problem: 'not-released',
      reason: 'paused',
    });
    await rollout.resume(manager, SERVICE, 'business', { reason });
    await sync();
    expect((await admin.getEnvironmentState(BUSINESS)).enabled).toBe(true);
    expect(access.check(SERVICE, 'business', otherSme)).toEqual({ available: true, revision: 1 });
    await expect(pages.startPage(otherSme, SERVICE, 'business')).resolves.toMatchObject({
      ok: true,
      audience: 'business',
    });
    expect((await auditOf(BUSINESS)).slice(-2).map((e) => e.action)).toEqual([
      'rollout.pause',
      'rollout.resume',
    ]);
  });

  it('runs a scheduled promotion when it is due, as the system', async () => {
    await expect(
      rollout.schedule(manager, SCHEDULED, 'business', {
        reason,
        runAt: new Date(Date.now() - 1000),
      }),
    ).rejects.toMatchObject({ code: 'schedule-in-past' });
    const scheduled = await rollout.schedule(manager, SCHEDULED, 'business', {
      reason: 'Essais internes lundi',
      runAt: new Date(Date.now() + 3_600_000),
    });
    expect(scheduled).toMatchObject({ kind: 'schedule', from: 'closed', to: 'internal' });
    // Not due yet: nothing runs.
    expect(await rollout.runDueSchedules()).toEqual({ promoted: [], skipped: [], failed: [] });
    await db.query(
      `UPDATE rollout_schedule SET run_at = now() - interval '1 second' WHERE service_slug = $1`,
      [SCHEDULED],
    );
    expect(await rollout.runDueSchedules()).toEqual({
      promoted: [`${SCHEDULED}.business`],
      skipped: [],
      failed: [],
    });
    expect((await plan(SCHEDULED, 'business')).stage).toBe('internal');
    const [row] = await db.query(
      `SELECT status, ran_at IS NOT NULL AS ran FROM rollout_schedule WHERE service_slug = $1`,
      [SCHEDULED],
    );
    expect(row).toEqual({ status: 'done', ran: true });
    expect((await decisions(SCHEDULED, 'business')).at(-1)).toMatchObject({
      kind: 'scheduled-promotion',
      from_stage: 'closed',
      to_stage: 'internal',
      reason: 'Essais internes lundi',
      actor_type: 'system',
      actor_id: null,
    });
    expect((await auditOf(`${SCHEDULED}.business`)).at(-1)).toMatchObject({
      actor_type: 'system',
      actor_id: 'rollout-scheduler',
      action: 'rollout.scheduled-promotion',
    });
  });

  it('skips a due promotion that would break SME-first or whose stage moved, and emails the rollout managers', async () => {
    await rollout.promote(manager, SCHEDULED, 'citizen', { reason, expectedStage: 'closed' });
    await rollout.schedule(manager, SCHEDULED, 'citizen', {
      reason: 'Pilote citoyen',
      runAt: new Date(Date.now() + 3_600_000),
    });
    await rollout.schedule(manager, SCHEDULED, 'business', {
      reason: 'Pilote PME',
      runAt: new Date(Date.now() + 3_600_000),
    });
    // The business variant moves before its promotion is due.
    await rollout.rollback(manager, SCHEDULED, 'business', { reason, expectedStage: 'internal' });
    await db.query(
      `UPDATE rollout_schedule SET run_at = now() - interval '1 second'
        WHERE service_slug = $1 AND status = 'pending'`,
      [SCHEDULED],
    );
    const ran = await rollout.runDueSchedules();
    expect(ran.promoted).toEqual([]);
    expect([...ran.skipped].sort()).toEqual([`${SCHEDULED}.business`, `${SCHEDULED}.citizen`]);
    expect((await plan(SCHEDULED, 'citizen')).stage).toBe('internal');
    expect((await plan(SCHEDULED, 'business')).stage).toBe('closed');
    const skipped = await db.query(
      `SELECT variant, status, outcome->>'why' AS why FROM rollout_schedule
        WHERE service_slug = $1 AND status <> 'done' ORDER BY variant`,
      [SCHEDULED],
    );
    expect(skipped).toEqual([
      { variant: 'business', status: 'skipped', why: 'stage-changed' },
      { variant: 'citizen', status: 'skipped', why: 'sme-first' },
    ]);
    expect((await decisions(SCHEDULED, 'citizen')).at(-1)).toMatchObject({
      kind: 'scheduled-skipped',
      actor_type: 'system',
      details: { why: 'sme-first' },
    });
    const emails = await db.query(
      `SELECT kind FROM outbox_message WHERE lower(recipient) = lower($1)`,
      [managerEmail],
    );
    expect(emails).toEqual([
      { kind: 'rollout-schedule-skipped' },
      { kind: 'rollout-schedule-skipped' },
    ]);
  });

  it('reads settings, a percentage and a schedule as typed: a threshold, a percentage or a time that is not one is refused first, storing nothing', async () => {
    const before = await decisions(SERVICE, 'citizen');
    for (const typed of ['dix', '-1', '4,2,1', '1e3']) {
      await expect(
        rollout.setSettingsAsTyped(manager, SERVICE, 'citizen', {
          reason,
          driftPolicy: 'adopt',
          thresholds: { 'pilot-applications': typed },
        }),
      ).rejects.toMatchObject({ code: 'threshold-invalid' });
    }
    // Before the reason is looked at.
    await expect(
      rollout.setSettingsAsTyped(manager, SERVICE, 'citizen', {
        reason: '',
        driftPolicy: '',
        thresholds: { satisfaction: 'x' },
      }),
    ).rejects.toMatchObject({ code: 'threshold-invalid' });
    for (const [date, time] of [
      ['demain', '10:00'],
      ['2031-13-45', '10:00'],
      ['2031-06-15', '10h'],
      ['2020-06-15', '10:00'],
    ]) {
      await expect(
        rollout.scheduleAsTyped(manager, SERVICE, 'citizen', { date, time, reason: '' }),
      ).rejects.toMatchObject({ code: 'schedule-in-past' });
    }
    for (const percentage of ['', 'cinquante', '0', '101', '1000', '5.5']) {
      await expect(
        rollout.setPercentageAsTyped(manager, SERVICE, 'citizen', { percentage, reason }),
      ).rejects.toMatchObject({ code: 'percentage-invalid' });
    }
    expect(await decisions(SERVICE, 'citizen')).toEqual(before);

    const done = await rollout.setSettingsAsTyped(manager, SERVICE, 'citizen', {
      reason,
      driftPolicy: 'adopt',
      thresholds: { satisfaction: ' 4,2 ', 'pilot-applications': '' },
    });
    expect(done).toMatchObject({ kind: 'thresholds' });
    const [stored] = await db.query(
      `SELECT gate_thresholds, drift_policy FROM rollout_plan WHERE service_slug = $1 AND variant = 'citizen'`,
      [SERVICE],
    );
    expect(stored).toEqual({ gate_thresholds: { satisfaction: 4.2 }, drift_policy: 'adopt' });

    const year = new Date().getFullYear() + 1;
    await rollout.scheduleAsTyped(manager, SCHEDULED, 'business', {
      date: `${year}-06-15`,
      time: '10:00',
      reason: 'Pilote PME en juin',
    });
    const [pending] = await db.query(
      `SELECT run_at FROM rollout_schedule WHERE service_slug = $1 AND status = 'pending'`,
      [SCHEDULED],
    );
    // 10:00 in the city in June (daylight time, UTC−4).
    expect(new Date(pending.run_at).toISOString()).toBe(`${year}-06-15T14:00:00.000Z`);
  });

  it('cancels a schedule while an instance runs due schedules, and runs a due one once across instances, without deadlock', async () => {
    // The app's own scheduler (every 5 s) stays out of it; these go through a
    // second RolloutService on the same database, as another instance would.
    const idle = jest
      .spyOn(rollout, 'runDueSchedules')
      .mockResolvedValue({ promoted: [], skipped: [], failed: [] });
    const instance = rolloutWithEvidence;
    const schedule = async (reasonText: string) => {
      const { details } = await instance.schedule(manager, SCHEDULED, 'business', {
        reason: reasonText,
        runAt: new Date(Date.now() + 3_600_000),
      });
      const id = details.scheduleId as string;
      await db.query(
        `UPDATE rollout_schedule SET run_at = now() - interval '1 second' WHERE id = $1`,
        [id],
      );
      return id;
    };
    const decisionsOf = async (scheduleId: string) =>
      (
        await db.query<{ kind: string }[]>(
          `SELECT kind FROM rollout_decision WHERE details->>'scheduleId' = $1 ORDER BY created_at, id`,
          [scheduleId],
        )
      ).map((d) => d.kind);
    /** Waits (bounded) until `count` transactions wait for a plan's row lock. */
    const waitingForPlans = async (count: number) => {
      for (let i = 0; i < 100; i++) {
        const [{ waiting }] = await db.query<{ waiting: number }[]>(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'
              AND query LIKE '%FROM rollout_plan%FOR UPDATE%'`,
        );
        if (waiting >= count) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`${count} transaction(s) never waited for a plan's lock`);
    };
    /** A transaction holding one plan's row lock, as a decision under way would. */
    const holdPlan = async (variant: Audience) => {
      const holder = db.createQueryRunner();
      await holder.connect();
      await holder.startTransaction();
      await holder.query(
        `SELECT 1 FROM rollout_plan WHERE service_slug = $1 AND variant = $2 FOR UPDATE`,
        [SCHEDULED, variant],
      );
      return async () => {
        await holder.commitTransaction();
        await holder.release();
      };
    };

    try {
      // A cancellation holding the business plan (waiting for the citizen one)
      // while the scheduler reaches the same schedule: before, the scheduler
      // held the schedule's row and waited for the plan, the cancellation held
      // the plan and waited for the row (PostgreSQL aborted one: deadlock).
      const cancelled = await schedule('Essais internes, annulés');
      let release = await holdPlan('citizen');
      const cancelling = instance.cancelSchedule(manager, SCHEDULED, 'business', {
        scheduleId: cancelled,
        reason: 'Reporté',
      });
      await waitingForPlans(1);
      const running = instance.runDueSchedules();
      await waitingForPlans(2);
      await release();
      const [cancel, run] = await Promise.allSettled([cancelling, running]);
      expect(cancel).toMatchObject({ status: 'fulfilled', value: { kind: 'schedule-cancelled' } });
      expect(run).toEqual({
        status: 'fulfilled',
        value: { promoted: [], skipped: [], failed: [] },
      });
      const [row] = await db.query(`SELECT status FROM rollout_schedule WHERE id = $1`, [
        cancelled,
      ]);
      expect(row.status).toBe('cancelled');
      expect(await decisionsOf(cancelled)).toEqual(['schedule', 'schedule-cancelled']);
      expect((await plan(SCHEDULED, 'business')).stage).toBe('closed');

      // Two instances find the same due schedule while a decision holds the
      // plan: the one that gets the plan second finds it run, and leaves it.
      const due = await schedule('Essais internes');
      release = await holdPlan('business');
      const both = [instance.runDueSchedules(), instance.runDueSchedules()];
      await waitingForPlans(2);
      await release();
      const runs = await Promise.all(both);
      expect(runs.flatMap((r) => r.promoted)).toEqual([`${SCHEDULED}.business`]);
      expect(runs.flatMap((r) => r.skipped)).toEqual([]);
      expect(await decisionsOf(due)).toEqual(['schedule', 'scheduled-promotion']);
      expect((await plan(SCHEDULED, 'business')).stage).toBe('internal');
    } finally {
      idle.mockRestore();
    }
  });

  it('runs the due schedules after one that fails, which stays pending and runs at the next run', async () => {
    const instance = rolloutWithEvidence;
    const idle = jest
      .spyOn(rollout, 'runDueSchedules')
      .mockResolvedValue({ promoted: [], skipped: [], failed: [] });
    const due = async (slug: string, secondsAgo: number) => {
      const { details } = await instance.schedule(manager, slug, 'business', {
        reason: 'Essais internes',
        runAt: new Date(Date.now() + 3_600_000),
      });
      await db.query(
        `UPDATE rollout_schedule SET run_at = now() - make_interval(secs => $2) WHERE id = $1`,
        [details.scheduleId, secondsAgo],
      );
      return details.scheduleId as string;
    };
    try {
      // The first due fails whenever it runs (a fault set in the database); the second is due after it.
      const failing = await due('sign-permit', 60);
      await due('public-domain-occupation', 30);
      await db.query(`
        CREATE FUNCTION test_schedule_fault() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.id = '${failing}' AND NEW.status <> 'pending' THEN RAISE EXCEPTION 'disque plein'; END IF;
          RETURN NEW;
        END $$`);
      await db.query(`CREATE TRIGGER test_schedule_fault BEFORE UPDATE ON rollout_schedule
                        FOR EACH ROW EXECUTE FUNCTION test_schedule_fault()`);
      try {
        expect(await instance.runDueSchedules()).toEqual({
          promoted: ['public-domain-occupation.business'],
          skipped: [],
          failed: [{ schedule: failing, flag: 'sign-permit.business', error: 'disque plein' }],
        });
        expect((await plan('public-domain-occupation', 'business')).stage).toBe('internal');
        // Nothing of the failed one was kept: its plan and its schedule are as they were.
        expect((await plan('sign-permit', 'business')).stage).toBe('closed');
        const [row] = await db.query(`SELECT status FROM rollout_schedule WHERE id = $1`, [
          failing,
        ]);
        expect(row.status).toBe('pending');
      } finally {
        await db.query(`DROP TRIGGER test_schedule_fault ON rollout_schedule`);
        await db.query(`DROP FUNCTION test_schedule_fault()`);
      }
      expect(await instance.runDueSchedules()).toEqual({
        promoted: ['sign-permit.business'],
        skipped: [],
        failed: [],
      });
      expect((await plan('sign-permit', 'business')).stage).toBe('internal');
    } finally {
      idle.mockRestore();
    }
  });
});
