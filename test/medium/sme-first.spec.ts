import { DataSource } from 'typeorm';
import { desiredFlag, resolveSegments } from '../../src/modules/rollout/desired-state.js';
import { RolloutPlansReadModel } from '../../src/modules/rollout/rollout-plans.read-model.js';
import { RolloutReconciler } from '../../src/modules/rollout/rollout-reconciler.service.js';
import { RolloutService, type RolloutActor } from '../../src/modules/rollout/rollout.service.js';
import type { Stage } from '../../src/modules/rollout/stages.js';
import type { Audience } from '../../src/platform/flags/flag-context.js';
import type { FlagEnvironmentState } from '../../src/platform/flags/unleash-admin.client.js';
import { createPerson } from '../support/people.js';
import { startTestApp, unleashAdmin, type TestApp } from '../support/test-app.js';

/**
 * SME-first as an invariant of the plans (issue 17, ADR 0034), at the service
 * level against the real PostgreSQL and Unleash: every path that changes a plan
 * keeps it (rollback and pause carry the citizen twin along, or record an
 * override), drift adoption and scheduled promotions refuse to break it, and
 * the reconciler writes no citizen flag that breaks it. One service per case.
 */
describe('SME-first on every path that changes a plan', () => {
  let portal: TestApp;
  let db: DataSource;
  let rollout: RolloutService;
  let reconciler: RolloutReconciler;
  let manager: RolloutActor;
  const admin = unleashAdmin();
  const reason = 'Décision de test';

  type Reach = { stage: Stage; paused?: boolean };

  /** Puts both plans of a service somewhere, as a migration or an operator would (no rule asked). */
  async function setPlans(slug: string, business: Reach, citizen: Reach) {
    for (const [variant, plan] of [
      ['business', business],
      ['citizen', citizen],
    ] as const)
      await db.query(
        `UPDATE rollout_plan SET stage = $3, paused = $4, version = version + 1
          WHERE service_slug = $1 AND variant = $2`,
        [slug, variant, plan.stage, plan.paused ?? false],
      );
  }

  async function planOf(slug: string, variant: Audience) {
    const [row] = await db.query(
      `SELECT stage, paused, sme_first_override, sync_error, version::int, synced_version::int
         FROM rollout_plan WHERE service_slug = $1 AND variant = $2`,
      [slug, variant],
    );
    return row as {
      stage: Stage;
      paused: boolean;
      sme_first_override: { decision: string; citizen: Reach; business: Reach } | null;
      sync_error: string | null;
      version: number;
      synced_version: number;
    };
  }

  async function decisions(slug: string, variant: Audience) {
    return db.query<
      {
        id: string;
        kind: string;
        to_stage: string;
        override: boolean;
        reason: string | null;
        details: Record<string, unknown>;
        actor_type: string;
      }[]
    >(
      `SELECT id, kind, to_stage, override, reason, details, actor_type FROM rollout_decision
        WHERE service_slug = $1 AND variant = $2 ORDER BY created_at, id`,
      [slug, variant],
    );
  }

  async function lastAudit(flag: string) {
    const [row] = await db.query(
      `SELECT action, after FROM audit_event WHERE entity_type = 'rollout-plan' AND entity_id = $1
        ORDER BY id DESC LIMIT 1`,
      [flag],
    );
    return row as { action: string; after: Record<string, unknown> };
  }

  /** What Unleash opens the citizen flag to: 'off', or the titles of its strategies. */
  async function citizenFlag(slug: string) {
    const state = await admin.getEnvironmentState(`${slug}.citizen`);
    if (!state.enabled) return 'off';
    return state.strategies
      .filter((s) => !s.disabled)
      .map((s) => s.title ?? '')
      .sort();
  }

  async function sync() {
    expect(await reconciler.syncNow()).toBe(true);
  }

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    rollout = portal.app.get(RolloutService);
    reconciler = portal.app.get(RolloutReconciler);
    const staff = await createPerson(db, { displayName: 'Martin Gagnon' });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'rollout-manager')`, [
      staff.id,
    ]);
    manager = { accountId: staff.id, origin: { ip: '203.0.113.7', requestId: 'req-sme-first' } };
    await sync();
  });

  afterAll(() => portal.close());

  it('rolling the SMEs back out of sme-all takes citizens back to internal, in the same decision', async () => {
    const slug = 'building-permit';
    await setPlans(slug, { stage: 'sme-all' }, { stage: 'general' });
    await sync();
    expect(await citizenFlag(slug)).toEqual(['all']);

    await rollout.rollback(manager, slug, 'business', { reason, expectedStage: 'sme-all' });
    expect(await planOf(slug, 'business')).toMatchObject({ stage: 'sme-gradual' });
    expect(await planOf(slug, 'citizen')).toMatchObject({ stage: 'internal', paused: false });
    expect((await decisions(slug, 'citizen')).at(-1)).toMatchObject({
      kind: 'rollback',
      to_stage: 'internal',
      reason,
      actor_type: 'staff',
      details: { smeFirst: true, carriedBy: 'business', businessStage: 'sme-gradual' },
    });
    expect((await decisions(slug, 'business')).at(-1)).toMatchObject({
      kind: 'rollback',
      override: false,
      details: { citizens: { outcome: 'rolled-back', stage: 'internal' } },
    });
    await sync();
    expect(await citizenFlag(slug)).toEqual(['internal: city staff']);
  });

  it('pausing the SMEs pauses citizens too; an override keeps citizens open, its reason recorded', async () => {
    const slug = 'bulky-waste-pickup';
    await setPlans(slug, { stage: 'sme-all' }, { stage: 'citizen-gradual' });
    await sync();

    await rollout.pause(manager, slug, 'business', { reason: 'Anomalie PME' });
    expect(await planOf(slug, 'citizen')).toMatchObject({
      stage: 'citizen-gradual',
      paused: true,
    });
    expect((await decisions(slug, 'citizen')).at(-1)).toMatchObject({
      kind: 'pause',
      reason: 'Anomalie PME',
      details: { carriedBy: 'business' },
    });
    await sync();
    expect(await citizenFlag(slug)).toBe('off');
    // Resuming the SMEs leaves the citizens paused: each is resumed on its own.
    await rollout.resume(manager, slug, 'business', { reason });
    await rollout.resume(manager, slug, 'citizen', { reason });
    await sync();
    expect(await citizenFlag(slug)).not.toBe('off');

    // The override: the SMEs only, citizens keep the service; recorded with its reason.
    const why = 'Le formulaire PME seulement est en cause';
    const kept = await rollout.pause(manager, slug, 'business', { reason: why, override: true });
    expect(kept).toMatchObject({ override: true, details: { citizens: { outcome: 'kept' } } });
    expect(await planOf(slug, 'citizen')).toMatchObject({ paused: false });
    const [decision] = (await decisions(slug, 'business')).slice(-1);
    expect(decision).toMatchObject({ kind: 'pause', override: true, reason: why });
    expect((await lastAudit(`${slug}.business`)).action).toBe('rollout.pause.override');
    expect((await planOf(slug, 'citizen')).sme_first_override).toEqual({
      decision: decision.id,
      business: { stage: 'sme-all', paused: true },
      citizen: { stage: 'citizen-gradual', paused: false },
    });
    // The reconciler writes what the override accepted.
    await sync();
    expect(await citizenFlag(slug)).not.toBe('off');
    expect((await planOf(slug, 'citizen')).sync_error).toBeNull();

    // Back within SME-first, the override is dropped.
    await rollout.resume(manager, slug, 'business', { reason });
    expect((await planOf(slug, 'citizen')).sme_first_override).toBeNull();
  });

  it('resuming citizens while the SMEs are paused needs an override', async () => {
    const slug = 'public-domain-occupation';
    await setPlans(slug, { stage: 'sme-all', paused: true }, { stage: 'general', paused: true });
    await expect(rollout.resume(manager, slug, 'citizen', { reason })).rejects.toMatchObject({
      code: 'sme-first',
    });
    expect((await planOf(slug, 'citizen')).paused).toBe(true);
    await expect(
      rollout.resume(manager, slug, 'citizen', { reason, override: true }),
    ).resolves.toMatchObject({ override: true });
    expect((await planOf(slug, 'citizen')).sme_first_override?.business).toEqual({
      stage: 'sme-all',
      paused: true,
    });
    expect((await decisions(slug, 'citizen')).at(-1)).toMatchObject({
      kind: 'resume',
      override: true,
      details: { smeFirst: true },
    });
    // The SMEs resumed: back within SME-first, the override is dropped.
    await rollout.resume(manager, slug, 'business', { reason });
    expect((await planOf(slug, 'citizen')).sme_first_override).toBeNull();
  });

  it('a scheduled promotion of citizens is skipped while the SMEs are behind sme-all or paused', async () => {
    const slug = 'sign-permit';
    for (const business of [
      { stage: 'sme-gradual' },
      { stage: 'sme-all', paused: true },
    ] as const) {
      await setPlans(slug, business, { stage: 'internal' });
      await rollout.schedule(manager, slug, 'citizen', {
        reason: 'Pilote citoyen prévu',
        runAt: new Date(Date.now() + 60_000),
      });
      await db.query(
        `UPDATE rollout_schedule SET run_at = now() - interval '1 second' WHERE status = 'pending'`,
      );
      expect(await rollout.runDueSchedules()).toEqual({
        promoted: [],
        skipped: [`${slug}.citizen`],
        failed: [],
      });
      expect((await planOf(slug, 'citizen')).stage).toBe('internal');
      expect((await decisions(slug, 'citizen')).at(-1)).toMatchObject({
        kind: 'scheduled-skipped',
        details: { why: 'sme-first' },
      });
    }
  });

  it('adopts no edit made in Unleash that opens citizens before the SMEs; puts it back, saying why', async () => {
    const slug = 'occupancy-certificate';
    const flag = `${slug}.citizen`;
    await setPlans(slug, { stage: 'sme-pilot' }, { stage: 'internal' });
    await db.query(`UPDATE rollout_plan SET drift_policy = 'adopt' WHERE service_slug = $1`, [
      slug,
    ]);
    await sync();
    // Someone opens the citizen variant to everyone in Unleash's UI.
    await openToAll(flag, slug);
    await reconciler.reconcile();
    expect(await planOf(slug, 'citizen')).toMatchObject({ stage: 'internal' });
    expect(await citizenFlag(slug)).toEqual(['internal: city staff']);
    expect((await decisions(slug, 'citizen')).at(-1)).toMatchObject({
      kind: 'drift-corrected',
      details: { refused: 'sme-first' },
    });

    // A widening edit of the SMEs is adopted only with the gates a promotion needs (no evidence here).
    await openToAll(`${slug}.business`, slug);
    await reconciler.reconcile();
    expect(await planOf(slug, 'business')).toMatchObject({ stage: 'sme-pilot' });
    expect((await decisions(slug, 'business')).at(-1)).toMatchObject({
      kind: 'drift-corrected',
      details: { refused: 'gates-failing' },
    });

    // A pause made in Unleash is adopted, and carries citizens along.
    await setPlans(slug, { stage: 'sme-all' }, { stage: 'general' });
    await sync();
    await admin.setEnabled(`${slug}.business`, false);
    await reconciler.reconcile();
    expect(await planOf(slug, 'business')).toMatchObject({ paused: true });
    expect(await planOf(slug, 'citizen')).toMatchObject({ paused: true });
    await sync();
    expect(await citizenFlag(slug)).toBe('off');
  });

  it('adopts no edit made in Unleash over a decision taken while the run was under way', async () => {
    const slug = 'occupancy-certificate';
    const flag = `${slug}.citizen`;
    await setPlans(slug, { stage: 'sme-all' }, { stage: 'general' });
    await db.query(`UPDATE rollout_plan SET drift_policy = 'adopt' WHERE service_slug = $1`, [
      slug,
    ]);
    await sync();
    // A run reads the plans; meanwhile a manager rolls citizens back, and
    // someone switches the citizen flag off in Unleash's UI.
    const read = portal.app.get(RolloutPlansReadModel);
    const before = await read.snapshot();
    await rollout.rollback(manager, slug, 'citizen', { reason, expectedStage: 'general' });
    await admin.setEnabled(flag, false);
    const runs = reconciler as unknown as { plans: RolloutPlansReadModel };
    runs.plans = { snapshot: async () => before } as RolloutPlansReadModel;
    try {
      await reconciler.reconcile();
    } finally {
      runs.plans = read;
    }
    // The older edit did not undo the rollback (adopting it would have put general back, paused).
    expect(await planOf(slug, 'citizen')).toMatchObject({
      stage: 'citizen-gradual',
      paused: false,
    });
    expect((await decisions(slug, 'citizen')).at(-1)).toMatchObject({ kind: 'rollback' });
    // The next run judges Unleash against the plan as it is now: the rollback,
    // not yet applied, is a change to make, not drift to adopt.
    await reconciler.reconcile();
    expect(await planOf(slug, 'citizen')).toMatchObject({
      stage: 'citizen-gradual',
      paused: false,
    });
    expect((await admin.getEnvironmentState(flag)).enabled).toBe(true);
  });

  it('drops an SME-first override once the plans keep SME-first, so it never covers a later breach', async () => {
    const slug = 'sign-permit';
    await setPlans(slug, { stage: 'sme-gradual' }, { stage: 'internal' });
    await sync();
    await rollout.promote(manager, slug, 'citizen', {
      reason,
      expectedStage: 'internal',
      override: true,
    });
    expect((await planOf(slug, 'citizen')).sme_first_override).not.toBeNull();
    // The SMEs reach sme-all outside a console decision (a scheduled promotion,
    // an edit adopted from Unleash: both call dropSpentOverride in their
    // transaction): SME-first holds again, and the override is spent.
    await db.query(
      `UPDATE rollout_plan SET stage = 'sme-all', version = version + 1
        WHERE service_slug = $1 AND variant = 'business'`,
      [slug],
    );
    await db.transaction((m) => rollout.dropSpentOverride(m, slug));
    expect((await planOf(slug, 'citizen')).sme_first_override).toBeNull();
    // A later rollback of the SMEs, without an override, carries citizens back.
    await rollout.rollback(manager, slug, 'business', { reason, expectedStage: 'sme-all' });
    expect(await planOf(slug, 'citizen')).toMatchObject({ stage: 'internal' });
  });

  it('the reconciler writes no citizen flag that breaks SME-first, whatever the database says', async () => {
    const slug = 'building-permit';
    await setPlans(slug, { stage: 'sme-all' }, { stage: 'internal' });
    await sync();
    // Forced by SQL: citizens at general, the SMEs in their pilot, no override.
    await setPlans(slug, { stage: 'sme-pilot' }, { stage: 'general' });
    await reconciler.reconcile();
    expect(await citizenFlag(slug)).toEqual(['internal: city staff']);
    const plan = await planOf(slug, 'citizen');
    expect(plan.sync_error).toContain('SME-first');
    expect(plan.synced_version).toBeLessThan(plan.version);
    expect((await decisions(slug, 'citizen')).at(-1)).toMatchObject({
      kind: 'sme-first-held',
      to_stage: 'internal',
      actor_type: 'system',
    });
    expect((await lastAudit(`${slug}.citizen`)).action).toBe('rollout.sme_first_held');
    // Held and recorded once, however often it runs.
    await reconciler.reconcile();
    expect(await citizenFlag(slug)).toEqual(['internal: city staff']);
    expect((await planOf(slug, 'citizen')).sync_error).toContain('SME-first');
    const held = (await decisions(slug, 'citizen')).filter((d) => d.kind === 'sme-first-held');
    expect(held).toHaveLength(1);
    // Staff put it right (citizens back to a stage SME-first allows): applied, no longer held.
    await rollout.rollback(manager, slug, 'citizen', { reason, expectedStage: 'general' });
    await rollout.rollback(manager, slug, 'citizen', { reason, expectedStage: 'citizen-gradual' });
    await rollout.rollback(manager, slug, 'citizen', { reason, expectedStage: 'citizen-pilot' });
    await sync();
    expect(await planOf(slug, 'citizen')).toMatchObject({ stage: 'internal', sync_error: null });
  });

  /** Makes the flag in Unleash exactly what the stage "all" would be (an edit a plan can express). */
  async function openToAll(flag: string, slug: string) {
    const current = await admin.getEnvironmentState(flag);
    const revision = current.strategies[0]?.variants?.[0]?.payload?.value;
    const variant = flag.endsWith('.citizen') ? 'citizen' : 'business';
    const all: FlagEnvironmentState = resolveSegments(
      desiredFlag({
        slug,
        variant,
        stage: variant === 'citizen' ? 'general' : 'sme-all',
        paused: false,
        gradualPercentage: 10,
        cohorts: [],
        ...(revision ? { revisions: { current: Number(revision) } } : {}),
      }),
      new Map(),
    );
    await admin.applyEnvironmentState(flag, all, current);
  }
});
