import { Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { FormBody, FormPage } from '../../platform/forms/form-page.js';
import { text } from '../../platform/forms/form.js';
import type { Account } from '../accounts/account.service.js';
import { CurrentOrigin, type RequestOrigin } from '../audit/request-origin.js';
import { InvitationTokenDto } from './dto/invitation-token.dto.js';
import { InvitationRefusedPage } from './organization.pages.js';
import { OrganizationPresenter } from './organization.presenter.js';
import { OrganizationService, openOrRefuse } from './organization.service.js';

/**
 * The link in an invitation email opens a page naming the SME, with a button
 * (mail scanners following links accept nothing). Accepting needs a signed-in
 * person: the page sends others to sign in (or register) and back. Only the
 * account holding the invited address may accept (OrganizationService decides);
 * anyone else reads who it was sent to (masked) and what to do (403); a link
 * used or expired answers 410 (INVITATION_REFUSALS, InvitationRefusedPage).
 */
@Controller('invitations')
export class InvitationsController {
  constructor(
    private readonly organizations: OrganizationService,
    private readonly presenter: OrganizationPresenter,
  ) {}

  @Get('accept')
  @FormPage(InvitationRefusedPage)
  async show(
    @Query('token') tokenInput: unknown,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const token = text(tokenInput);
    const account = res.locals.account as Account | undefined;
    const viewer = account ? { accountId: account.id, origin } : undefined;
    const invitation = openOrRefuse(await this.organizations.invitation(token, viewer));
    this.presenter.invitation(req, res, invitation, token, account);
  }

  @Post('accept')
  @FormPage(InvitationRefusedPage)
  async accept(
    @FormBody(InvitationTokenDto, ['token']) { token }: InvitationTokenDto,
    @CurrentOrigin() origin: RequestOrigin,
    @Res() res: Response,
  ) {
    const account = res.locals.account as Account | undefined;
    if (!account) {
      return res.redirect(
        303,
        `/sign-in?return=${encodeURIComponent(`/invitations/accept?token=${token}`)}`,
      );
    }
    const accepted = openOrRefuse(
      await this.organizations.acceptInvitation(account.id, token, origin),
    );
    res.redirect(303, `/organizations/${accepted.organizationId}`);
  }
}
