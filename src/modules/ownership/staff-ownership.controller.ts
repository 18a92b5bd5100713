import {
  Body,
  Controller,
  Get,
  NotFoundException,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { FormPage, InvalidForm, rememberFormValues } from '../../platform/forms/form-page.js';
import { validateForm } from '../../platform/forms/form.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { CurrentOrigin, type RequestOrigin } from '../audit/request-origin.js';
import { SignInRedirectFilter } from '../accounts/signed-in.guard.js';
import {
  CurrentStaff,
  StaffRoles,
  StaffRolesGuard,
  type StaffActor,
} from '../staff/staff-roles.guard.js';
import { REASON_FIELDS, ReasonDto } from './dto/claim.dto.js';
import { StaffOrganizationPage } from './ownership.pages.js';
import { DONE, OwnershipPresenter } from './ownership.presenter.js';
import { OwnershipReadModel } from './ownership.read-model.js';
import { decided } from './ownership.refusals.js';
import { OwnershipService } from './ownership.service.js';

/**
 * The verification queue (admins, ADR 0014): pending evidence and review
 * requests, an SME's file with its evidence, and the decisions — verify,
 * reject with a reason, transfer to a claimant, revoke an unverified claim.
 * Refused decisions (DECISION_REFUSALS) go back to the SME's file, the message
 * beside the form of the claim decided.
 */
@Controller('staff/verification')
@UseGuards(StaffRolesGuard)
@UseFilters(SignInRedirectFilter)
@StaffRoles('admin')
export class StaffOwnershipController {
  constructor(
    private readonly ownership: OwnershipService,
    private readonly read: OwnershipReadModel,
    private readonly presenter: OwnershipPresenter,
    private readonly i18n: I18nService,
  ) {}

  @Get()
  async queue(@Res() res: Response) {
    const { rows, total } = await this.read.queue();
    this.presenter.queue(res, rows, total);
  }

  @Get('claims/:claimId/evidence')
  async evidence(@Param('claimId') claimId: string, @Res() res: Response) {
    const file = await this.read.evidence(claimId);
    if (!file) throw new NotFoundException();
    res.setHeader('Content-Type', file.contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader(
      'Content-Disposition',
      `attachment; filename="${asciiName(file.filename)}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`,
    );
    res.send(file.content);
  }

  @Get(':organizationId')
  async show(
    @Param('organizationId') id: string,
    @Query('done') doneInput: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const organization = await this.read.organization(id);
    if (!organization) throw new NotFoundException();
    const done = DONE.find((d) => d === doneInput);
    this.presenter.staffOrganization(req, res, 200, organization, { done });
  }

  @Post('claims/:claimId/verify')
  @FormPage(StaffOrganizationPage)
  async verify(
    @Param('claimId') claimId: string,
    @CurrentStaff() staff: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Res() res: Response,
  ) {
    decided(await this.ownership.verify(staff.accountId, claimId, origin), `claim-${claimId}`);
    res.redirect(
      303,
      `/staff/verification/${await this.organizationOfClaim(claimId)}?done=verified`,
    );
  }

  @Post('claims/:claimId/reject')
  @FormPage(StaffOrganizationPage)
  async reject(
    @Param('claimId') claimId: string,
    @Body() body: unknown,
    @CurrentStaff() staff: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const field = `reason-${claimId}`;
    const reason = await this.reasonIn(body, field, req, res);
    decided(await this.ownership.reject(staff.accountId, claimId, reason, origin), field);
    res.redirect(
      303,
      `/staff/verification/${await this.organizationOfClaim(claimId)}?done=rejected`,
    );
  }

  @Post('claims/:claimId/transfer')
  @FormPage(StaffOrganizationPage)
  async transfer(
    @Param('claimId') claimId: string,
    @Body() body: unknown,
    @CurrentStaff() staff: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const field = `transfer-${claimId}`;
    const reason = await this.reasonIn(body, field, req, res);
    decided(await this.ownership.transfer(staff.accountId, claimId, reason, origin), field);
    res.redirect(
      303,
      `/staff/verification/${await this.organizationOfClaim(claimId)}?done=transferred`,
    );
  }

  @Post(':organizationId/revoke')
  @FormPage(StaffOrganizationPage)
  async revoke(
    @Param('organizationId') id: string,
    @Body() body: unknown,
    @CurrentStaff() staff: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const organization = await this.read.organization(id);
    if (!organization) throw new NotFoundException();
    const field = 'revoke-reason';
    const reason = await this.reasonIn(body, field, req, res);
    decided(await this.ownership.revoke(staff.accountId, organization.id, reason, origin), field);
    res.redirect(303, `/staff/verification/${organization.id}?done=revoked`);
  }

  // -------------------------------------------------------------------------

  /** The SME a claim belongs to, or 404. */
  private async organizationOfClaim(claimId: string): Promise<string> {
    const organizationId = await this.read.organizationIdOfClaim(claimId);
    const organization = organizationId ? await this.read.organization(organizationId) : undefined;
    if (!organization) throw new NotFoundException();
    return organization.id;
  }

  /**
   * The reason typed in one of the page's forms: each form names its field after
   * the claim it decides (`reason-<claim id>`), so its message lands beside it.
   * Missing or too long → InvalidForm (422, the SME's file again).
   */
  private async reasonIn(
    body: unknown,
    field: string,
    req: Request,
    res: Response,
  ): Promise<string> {
    const reason =
      typeof body === 'object' && body !== null
        ? (body as Record<string, unknown>)[field]
        : undefined;
    const locale = res.locals.locale as Locale;
    const form = await validateForm(ReasonDto, { reason }, REASON_FIELDS, locale, this.i18n);
    const values = { [field]: form.value.reason };
    if (form.errors.length > 0)
      throw new InvalidForm(
        form.errors.map((e) => ({ ...e, field })),
        values,
      );
    rememberFormValues(req, values);
    return form.value.reason;
  }
}

/** The name for the plain `filename=` parameter: printable ASCII without quotes or backslashes. */
function asciiName(name: string): string {
  return name.normalize('NFKD').replace(/[^\x20-\x7e]|["\\]/g, '_');
}
