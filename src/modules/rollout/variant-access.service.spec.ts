import type { AppConfig } from '../../platform/config/app-config.js';
import { FakeFlagsService } from '../../platform/flags/fake-flags.service.js';
import { JsonLogger } from '../../platform/logging/json-logger.js';
import type { ActingAs } from '../accounts/acting-as.js';
import type { PlanSnapshot } from './desired-state.js';
import { PlanFence } from './plan-fence.js';
import type { RolloutPlansReadModel } from './rollout-plans.read-model.js';
import { flagContext, VariantAccessService } from './variant-access.service.js';

const citizen: ActingAs = { audience: 'citizen', accountId: 'acc-1', staff: false };
const sme: ActingAs = {
  audience: 'business',
  accountId: 'acc-2',
  organization: { id: 'org-9', name: 'Atelier inc.', employeeCount: 14 },
  staff: false,
};

const open = (variant: 'citizen' | 'business', over: Partial<PlanSnapshot> = {}) => ({
  slug: 'building-permit',
  variant,
  stage: variant === 'business' ? ('sme-all' as const) : ('general' as const),
  paused: false,
  gradualPercentage: 10,
  cohorts: [],
  ...over,
});

/** A plan fence over these plans (loaded), or never loaded with `null`. */
async function fenceOf(plans: PlanSnapshot[] | null): Promise<PlanFence> {
  const read = {
    snapshot: async () => {
      if (!plans) throw new Error('connect ECONNREFUSED');
      return { plans, cohorts: [] };
    },
  };
  const fence = new PlanFence(
    read as unknown as RolloutPlansReadModel,
    { PLAN_FENCE_REFRESH_MS: 0 } as AppConfig,
    new JsonLogger('error', () => undefined),
  );
  await fence.reload();
  return fence;
}

const bothOpen = () => fenceOf([open('citizen'), open('business')]);

describe('VariantAccessService', () => {
  it('opens a variant when its flag is on for the person acting and the plan allows it', async () => {
    const flags = new FakeFlagsService().set(
      'building-permit.business',
      (ctx) => ctx.properties.audience === 'business',
    );
    const access = new VariantAccessService(flags, await bothOpen());
    expect(access.check('building-permit', 'business', sme)).toEqual({ available: true });
  });

  it('explains that a variant is for the other audience before asking the flag', async () => {
    const flags = new FakeFlagsService().set('building-permit.business', true);
    const access = new VariantAccessService(flags, await bothOpen());
    expect(access.check('building-permit', 'business', citizen)).toEqual({
      available: false,
      reason: 'other-audience',
    });
  });

  it('says "not released" when the flag is off for this person', async () => {
    const access = new VariantAccessService(new FakeFlagsService(), await bothOpen());
    expect(access.check('building-permit', 'citizen', citizen)).toEqual({
      available: false,
      reason: 'not-released',
    });
  });

  it('says "not released" when Unleash still opens a variant the plan has paused', async () => {
    const flags = new FakeFlagsService().set('building-permit.citizen', true);
    const access = new VariantAccessService(
      flags,
      await fenceOf([open('citizen', { paused: true })]),
    );
    expect(access.check('building-permit', 'citizen', citizen)).toEqual({
      available: false,
      reason: 'not-released',
    });
    expect(access.answer('building-permit.citizen', flagContext(citizen)).unleashOnly).toBe(true);
  });

  it('fails closed, without an error, while the plans were never loaded', async () => {
    const flags = new FakeFlagsService().set('building-permit.citizen', true);
    const access = new VariantAccessService(flags, await fenceOf(null));
    expect(access.check('building-permit', 'citizen', citizen)).toEqual({
      available: false,
      reason: 'not-released',
    });
  });

  it('fails closed when there is no flag configuration at all', async () => {
    const flags = new FakeFlagsService().set('building-permit.citizen', true).setState('degraded');
    const access = new VariantAccessService(flags, await bothOpen());
    expect(access.check('building-permit', 'citizen', citizen)).toEqual({
      available: false,
      reason: 'flags-unavailable',
    });
  });

  it('serves a revision only when Unleash and the plan name the same one, else the current one', async () => {
    const candidate = { revision: 2, kind: 'all' as const, percentage: 100 };
    // Every SME has the service (sme-all), so citizens may have it too (SME-first, ADR 0034).
    const withCandidate = await fenceOf([
      open('citizen', { revisions: { current: 1, candidate } }),
      open('business'),
    ]);
    const rolledBack = await fenceOf([
      open('citizen', { revisions: { current: 1 } }),
      open('business'),
    ]);
    const flags = new FakeFlagsService()
      .set('building-permit.citizen', true)
      .setPayload('building-permit.citizen', '2');
    expect(
      new VariantAccessService(flags, withCandidate).check('building-permit', 'citizen', citizen),
    ).toEqual({ available: true, revision: 2 });
    // Rolled back in the plan, Unleash not updated yet: the current revision.
    expect(
      new VariantAccessService(flags, rolledBack).check('building-permit', 'citizen', citizen),
    ).toEqual({ available: true, revision: 1 });
    // Promoted in the plan, Unleash not updated yet: the current revision until it is.
    flags.setPayload('building-permit.citizen', '1');
    expect(
      new VariantAccessService(flags, withCandidate).check('building-permit', 'citizen', citizen),
    ).toEqual({ available: true, revision: 1 });
  });

  it("uses the organization's id as the sticky userId when acting for an SME", () => {
    expect(flagContext(sme)).toEqual({
      userId: 'org-9',
      properties: {
        audience: 'business',
        organizationId: 'org-9',
        accountId: 'acc-2',
        employeeCount: '14',
        staff: 'false',
      },
    });
    expect(flagContext(citizen).userId).toBe('acc-1');
    expect(flagContext(citizen).properties.organizationId).toBeUndefined();
  });
});
