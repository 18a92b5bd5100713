import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { OrganizationService } from '../organizations/organization.service.js';
import type { Account } from './account.service.js';
import type { RequestOrigin } from '../audit/request-origin.js';

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

  /** Records a new choice; false when it is neither "myself" nor one of the person's SMEs. */
  async choose(
    req: Request,
    account: Account,
    choice: ActingAsChoice,
    origin: RequestOrigin,
  ): Promise<boolean> {
    const memberships = await this.organizations.membershipsOf(account.id);
    const organization = memberships.find((m) => m.id === choice);
    if (choice !== MYSELF && !organization) return false;
    const before = req.session.actingAsOrganizationId ?? MYSELF;
    const after = organization ? organization.id : MYSELF;
    if (organization) req.session.actingAsOrganizationId = organization.id;
    else delete req.session.actingAsOrganizationId;
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
    return true;
  }
}
