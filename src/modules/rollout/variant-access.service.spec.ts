import { FakeFlagsService } from '../../platform/flags/fake-flags.service.js';
import type { ActingAs } from '../accounts/acting-as.js';
import { flagContext, VariantAccessService } from './variant-access.service.js';

const citizen: ActingAs = { audience: 'citizen', accountId: 'acc-1', staff: false };
const sme: ActingAs = {
  audience: 'business',
  accountId: 'acc-2',
  organization: { id: 'org-9', name: 'Atelier inc.', employeeCount: 14 },
  staff: false,
};

describe('VariantAccessService', () => {
  it('opens a variant when its flag is on for the person acting', () => {
    const flags = new FakeFlagsService().set(
      'building-permit.business',
      (ctx) => ctx.properties.audience === 'business',
    );
    const access = new VariantAccessService(flags);
    expect(access.check('building-permit', 'business', sme)).toEqual({ available: true });
  });

  it('explains that a variant is for the other audience before asking the flag', () => {
    const flags = new FakeFlagsService().set('building-permit.business', true);
    const access = new VariantAccessService(flags);
    expect(access.check('building-permit', 'business', citizen)).toEqual({
      available: false,
      reason: 'other-audience',
    });
  });

  it('says "not released" when the flag is off for this person', () => {
    const access = new VariantAccessService(new FakeFlagsService());
    expect(access.check('building-permit', 'citizen', citizen)).toEqual({
      available: false,
      reason: 'not-released',
    });
  });

  it('fails closed when there is no flag configuration at all', () => {
    const flags = new FakeFlagsService().set('building-permit.citizen', true).setState('degraded');
    const access = new VariantAccessService(flags);
    expect(access.check('building-permit', 'citizen', citizen)).toEqual({
      available: false,
      reason: 'flags-unavailable',
    });
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
