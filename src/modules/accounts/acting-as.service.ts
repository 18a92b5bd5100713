import { Injectable } from '@nestjs/common';
import type { SessionData } from 'express-session';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { OrganizationService } from '../organizations/organization.service.js';
import type { Account } from './account.service.js';
import type { RequestOrigin } from '../audit/request-origin.js';
import { ACCOUNT_REFUSALS } from './accounts.refusals.js';

/** "myself", or the id of one of the person's SMEs. */
export type ActingAsChoice = string;
export const MYSELF = 'myself';

/**
 * Who a signed-in person acts as: themselves (a resident) or one of the SMEs
 * they belong to. The choice is kept in the session and checked against the
 * memberships on every request (IdentityReadModel), so a removed member stops
 * acting for the SME at once. Visitors who are not signed in act as residents.
 */
@Injectable()
export class ActingAsService {
  constructor(
    private readonly organizations: OrganizationService,
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  /** The choices offered to a person: themselves, then each of their SMEs. */
  async choices(accountId: string) {
    return this.organizations.membershipsOf(accountId);
  }

  /**
   * Records a new choice in the person's session (audited when it changes).
   * Refused ("acting-as-required", 422) when it is neither "myself" nor one of
   * the person's SMEs, an empty choice included.
   */
  async choose(
    account: Account,
    session: Pick<SessionData, 'actingAsOrganizationId'>,
    choice: ActingAsChoice,
    origin: RequestOrigin,
  ): Promise<void> {
    if (!choice) throw ACCOUNT_REFUSALS.of('acting-as-required');
    const memberships = await this.organizations.membershipsOf(account.id);
    const organization = memberships.find((m) => m.id === choice);
    if (choice !== MYSELF && !organization) throw ACCOUNT_REFUSALS.of('acting-as-required');
    const before = session.actingAsOrganizationId ?? MYSELF;
    const after = organization ? organization.id : MYSELF;
    if (organization) session.actingAsOrganizationId = organization.id;
    else delete session.actingAsOrganizationId;
    if (before !== after) {
      await this.dataSource.transaction((manager) =>
        this.audit.record(manager, {
          actor: { type: 'person', id: account.id },
          actingAs: organization
            ? { audience: 'business', organizationId: organization.id }
            : { audience: 'citizen' },
          action: 'acting_as.switched',
          entity: { type: 'account', id: account.id },
          before: { actingAs: before },
          after: { actingAs: after },
          ...origin,
        }),
      );
    }
  }
}
