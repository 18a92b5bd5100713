import {
  Body,
  Controller,
  Get,
  NotFoundException,
  Param,
  Post,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { FormBody, FormPage } from '../../platform/forms/form-page.js';
import { validateForm, type FieldError } from '../../platform/forms/form.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import type { Account } from '../accounts/account.service.js';
import { CurrentOrigin, type RequestOrigin } from '../audit/request-origin.js';
import { SignInRedirectFilter } from '../staff/staff-roles.guard.js';
import { InvitationDto, type Role } from './dto/invitation.dto.js';
import { MemberRoleDto } from './dto/member-role.dto.js';
import {
  normalizeNeq,
  normalizePhone,
  normalizePostalCode,
  ORGANIZATION_FIELDS,
  OrganizationDto,
  parseEmployeeCount,
} from './dto/organization.dto.js';
import { InvitationFormPage, MembersFormPage } from './organization.pages.js';
import { OrganizationPresenter } from './organization.presenter.js';
import { OrganizationService } from './organization.service.js';
import { CurrentAccount, SignedIn, SignedInGuard } from './signed-in.js';

export { signedIn } from './signed-in.js';

/** "My businesses": registering an SME, its page, and its owners managing who belongs to it. */
@Controller('organizations')
@UseGuards(SignedInGuard)
@UseFilters(SignInRedirectFilter)
export class OrganizationsController {
  constructor(
    private readonly organizations: OrganizationService,
    private readonly presenter: OrganizationPresenter,
    private readonly i18n: I18nService,
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
  async create(
    @Body() body: unknown,
    @CurrentAccount() account: Account,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const locale = res.locals.locale as Locale;
    const form = await validateForm(OrganizationDto, body, ORGANIZATION_FIELDS, locale, this.i18n);
    const { value } = form;
    const values: Record<string, string> = Object.fromEntries(
      ORGANIZATION_FIELDS.map((field) => [field, value[field]]),
    );
    const neq = normalizeNeq(value.neq);
    const errors: FieldError[] = [...form.errors];
    // A registered NEQ in the same pass as the other problems, so all show at once.
    if (neq && (await this.organizations.neqTaken(neq)))
      errors.push(this.presenter.neqTaken(locale));
    errors.sort(
      (x, y) =>
        ORGANIZATION_FIELDS.indexOf(x.field as never) -
        ORGANIZATION_FIELDS.indexOf(y.field as never),
    );
    if (errors.length > 0) return this.presenter.renderNew(req, res, 422, { values, errors });

    const result = await this.organizations.register(
      account.id,
      {
        legalName: value.legalName,
        neq: neq!,
        streetAddress: value.streetAddress,
        city: value.city,
        postalCode: normalizePostalCode(value.postalCode)!,
        employeeCount: parseEmployeeCount(value.employeeCount)!,
        naicsCode: value.naicsCode,
        contactName: value.contactName,
        contactEmail: value.contactEmail,
        contactPhone: normalizePhone(value.contactPhone)!,
      },
      origin,
    );
    // Registered by someone else between the check and the insert.
    if (!result.ok)
      return this.presenter.renderNew(req, res, 422, {
        values,
        errors: [this.presenter.neqTaken(locale)],
      });
    res.redirect(303, `/organizations/${result.id}`);
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
