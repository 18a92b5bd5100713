import { Injectable, NotFoundException } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { FormPageRenderer, FormState } from '../../platform/forms/form-page.js';
import type { Account } from '../accounts/account.service.js';
import { OrganizationPresenter } from '../organizations/organization.presenter.js';
import { OrganizationService } from '../organizations/organization.service.js';
import { OwnershipPresenter } from './ownership.presenter.js';
import { OwnershipReadModel, type OrganizationFile } from './ownership.read-model.js';
import { OwnershipService } from './ownership.service.js';

/** The request to review who owns a registered NEQ, shown again with its problems. */
@Injectable()
export class ReviewRequestPage implements FormPageRenderer {
  constructor(private readonly presenter: OwnershipPresenter) {}

  render(req: Request, res: Response, status: number, { values, errors }: FormState) {
    this.presenter.reviewRequest(req, res, status, { values, errors });
  }
}

/**
 * An owner's verification page (`/organizations/:id/verification`), for its
 * owners only: someone who is not a member gets 404, a member who is not an
 * owner the 403 page naming the SME (ADR 0006), whatever they sent.
 */
@Injectable()
export class EvidencePage implements FormPageRenderer {
  constructor(
    private readonly ownership: OwnershipService,
    private readonly read: OwnershipReadModel,
    private readonly organizations: OrganizationService,
    private readonly organizationPresenter: OrganizationPresenter,
    private readonly presenter: OwnershipPresenter,
  ) {}

  async render(req: Request, res: Response, status: number, { values, errors }: FormState) {
    const account = res.locals.account as Account;
    const organizationId = String(req.params.id);
    const access = await this.ownership.ownerAccess(account.id, organizationId);
    if (status === 404 || (!access.ok && access.problem === 'not-found'))
      throw new NotFoundException();
    if (status === 403 || !access.ok) {
      const memberships = await this.organizations.membershipsOf(account.id);
      const organization = memberships.find((m) => m.id === organizationId);
      return this.organizationPresenter.forbidden(
        res,
        organization ?? { id: organizationId, legalName: '' },
      );
    }
    const view = await this.organizations.view(account.id, organizationId);
    if (!view) throw new NotFoundException();
    const state = await this.read.ownerStatus(account.id, organizationId);
    this.presenter.evidence(req, res, status, view, state, { values, errors });
  }
}

/**
 * An SME's file in the admins' verification queue, shown again after a
 * decision was refused or its reason was missing: the SME of the claim
 * (`:claimId`) or the SME itself (`:organizationId`); 404 when there is none.
 */
@Injectable()
export class StaffOrganizationPage implements FormPageRenderer {
  constructor(
    private readonly read: OwnershipReadModel,
    private readonly presenter: OwnershipPresenter,
  ) {}

  async render(req: Request, res: Response, status: number, { values, errors }: FormState) {
    if (status === 404) throw new NotFoundException();
    const organization = await this.organizationOf(req);
    this.presenter.staffOrganization(req, res, status, organization, { values, errors });
  }

  async organizationOf(req: Request): Promise<OrganizationFile> {
    const organizationId =
      req.params.claimId !== undefined
        ? await this.read.organizationIdOfClaim(String(req.params.claimId))
        : String(req.params.organizationId);
    const organization = organizationId ? await this.read.organization(organizationId) : undefined;
    if (!organization) throw new NotFoundException();
    return organization;
  }
}
