import { Injectable } from '@nestjs/common';
import type { ActingAs, ActingAsOrganization } from './acting-as.js';

export const ACTING_AS_COOKIE = 'guichet_acting_as';

/**
 * TEMPORARY (foundation): until real accounts exist, a visitor picks "myself" or
 * "on behalf of a business" and the choice is kept in a cookie; the business is a
 * fixed demo SME. The accounts issue replaces this with signed-in identities.
 */
export const DEMO_ORGANIZATION: ActingAsOrganization = {
  id: '5f0c2a7e-3b1d-4c8a-9e2f-6a1b7c3d9e01',
  name: 'Boulangerie du Vieux-Moulin inc.',
  employeeCount: 12,
};

@Injectable()
export class ActingAsService {
  fromCookie(value: unknown, accountId?: string): ActingAs {
    if (value === 'business') {
      return { audience: 'business', accountId, organization: DEMO_ORGANIZATION, staff: false };
    }
    return { audience: 'citizen', accountId, staff: false };
  }
}
