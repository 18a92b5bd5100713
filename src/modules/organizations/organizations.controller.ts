import { Controller, Get, NotFoundException, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { FormBody, FormPage } from '../../platform/forms/form-page.js';
import type { Locale } from '../../platform/i18n/i18n.service.js';
import type { Account } from '../accounts/account.service.js';
import { CurrentAccount, SignedIn } from '../accounts/signed-in.guard.js';
import { CurrentOrigin, type RequestOrigin } from '../audit/request-origin.js';
import { InvitationDto, type Role } from './dto/invitation.dto.js';
import { MemberRoleDto } from './dto/member-role.dto.js';
import {
  ORGANIZATION_DETAIL_FIELDS,
  ORGANIZATION_FIELDS,
  OrganizationDetailsDto,
  organizationDetailsInput,
  OrganizationDto,
  organizationInput,
} from './dto/organization.dto.js';
import {
  EditOrganizationPage,
  InvitationFormPage,
  MembersFormPage,
  NewOrganizationPage,
} from './organization.pages.js';
import { OrganizationPresenter } from './organization.presenter.js';
import { OrganizationService } from './organization.service.js';
import { ORGANIZATION_REFUSALS } from './organizations.refusals.js';

/** "My businesses": registering an SME, its page, and its owners managing who belongs to it. */
@Controller('organizations')
export class OrganizationsController {
  constructor(
    private readonly organizations: OrganizationService,
    private readonly presenter: OrganizationPresenter,
    private readonly editPage: EditOrganizationPage,
  ) {}

  @Get()
  @SignedIn('/organizations')
  async list(@CurrentAccount() account: Account, @Res() res: Response) {
    this.presenter.list(res, await this.organizations.membershipsOf(account.id));
  }

  @Get('new')
  @SignedIn('/organizations/new')
  showNew(@Req() req: Request, @Res() res: Response) {
    this.presenter.renderNew(req, res, 200, {});
  }

  @Post('new')
  @SignedIn('/organizations/new')
  @FormPage(NewOrganizationPage, { field: 'neq' })
  async create(
    @FormBody(OrganizationDto, ORGANIZATION_FIELDS) dto: OrganizationDto,
    @CurrentAccount() account: Account,
    @CurrentOrigin() origin: RequestOrigin,
    @Res() res: Response,
  ) {
    const input = organizationInput(dto);
    const { id } = ORGANIZATION_REFUSALS.unwrap(
      await this.organizations.register(account.id, input, origin),
    );
    res.redirect(303, `/organizations/${id}`);
  }

  @Get(':id')
  @SignedIn('/organizations/:id')
  async show(
    @Param('id') id: string,
    @CurrentAccount() account: Account,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const view = await this.organizations.view(account.id, id);
    if (!view) throw new NotFoundException();
    this.presenter.renderShow(req, res, 200, view, account, {});
  }

  @Get(':id/edit')
  @SignedIn('/organizations/:id/edit')
  showEdit(@Req() req: Request, @Res() res: Response) {
    return this.editPage.blank(req, res);
  }

  @Post(':id/edit')
  @SignedIn('/organizations/:id/edit')
  @FormPage(EditOrganizationPage, { field: 'streetAddress' })
  async edit(
    @Param('id') id: string,
    @FormBody(OrganizationDetailsDto, ORGANIZATION_DETAIL_FIELDS) dto: OrganizationDetailsDto,
    @CurrentAccount() account: Account,
    @CurrentOrigin() origin: RequestOrigin,
    @Res() res: Response,
  ) {
    await this.organizations.updateDetails(account.id, id, organizationDetailsInput(dto), origin);
    res.redirect(303, `/organizations/${id}?saved=1`);
  }

  @Post(':id/invitations')
  @SignedIn('/organizations/:id')
  @FormPage(InvitationFormPage, { field: 'email' })
  async invite(
    @Param('id') id: string,
    @FormBody(InvitationDto) dto: InvitationDto,
    @CurrentAccount() account: Account,
    @CurrentOrigin() origin: RequestOrigin,
    @Res() res: Response,
  ) {
    const input = { email: dto.email, role: dto.role as Role };
    await this.organizations.invite(account.id, id, input, res.locals.locale as Locale, origin);
    res.redirect(303, `/organizations/${id}?invited=1`);
  }

  @Post(':id/members/:accountId/role')
  @SignedIn('/organizations/:id')
  @FormPage(MembersFormPage, { field: 'members' })
  async changeRole(
    @Param('id') id: string,
    @Param('accountId') memberId: string,
    @FormBody(MemberRoleDto) dto: MemberRoleDto,
    @CurrentAccount() account: Account,
    @CurrentOrigin() origin: RequestOrigin,
    @Res() res: Response,
  ) {
    await this.organizations.changeRole(account.id, id, memberId, dto.role as Role, origin);
    res.redirect(303, `/organizations/${id}`);
  }

  @Post(':id/members/:accountId/remove')
  @SignedIn('/organizations/:id')
  @FormPage(MembersFormPage, { field: 'members' })
  async remove(
    @Param('id') id: string,
    @Param('accountId') memberId: string,
    @CurrentAccount() account: Account,
    @CurrentOrigin() origin: RequestOrigin,
    @Res() res: Response,
  ) {
    await this.organizations.removeMember(account.id, id, memberId, origin);
    // Whoever removed themselves no longer sees the SME.
    res.redirect(303, memberId === account.id ? '/organizations' : `/organizations/${id}`);
  }
}
