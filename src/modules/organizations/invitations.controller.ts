import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { text } from '../../platform/forms/form.js';
import { csrfToken } from '../../platform/http/sessions.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import type { Account } from '../accounts/account.service.js';
import { origin } from './organizations.controller.js';
import { OrganizationService } from './organization.service.js';

/**
 * The link in an invitation email opens a page naming the SME, with a button
 * (mail scanners following links accept nothing). Accepting needs a signed-in
 * person: the page sends others to sign in (or register) and back.
 */
@Controller('invitations')
export class InvitationsController {
  constructor(
    private readonly organizations: OrganizationService,
    private readonly i18n: I18nService,
  ) {}

  @Get('accept')
  async show(@Query('token') tokenInput: unknown, @Req() req: Request, @Res() res: Response) {
    const locale = res.locals.locale as Locale;
    const token = text(tokenInput);
    const invitation = await this.organizations.invitation(token);
    if (!invitation) return this.gone(res);
    const account = res.locals.account as Account | undefined;
    res.render('organizations/invitation', {
      pageTitle: this.i18n.t(locale, 'organizations.invitation.title'),
      invitation,
      roleLabel: this.i18n.t(locale, `organizations.roles.${invitation.role}`),
      token,
      signedIn: Boolean(account),
      account,
      signInReturn: encodeURIComponent(`/invitations/accept?token=${token}`),
      csrfToken: csrfToken(req),
    });
  }

  @Post('accept')
  async accept(@Body('token') tokenInput: unknown, @Req() req: Request, @Res() res: Response) {
    const token = text(tokenInput);
    const account = res.locals.account as Account | undefined;
    if (!account) {
      return res.redirect(
        303,
        `/sign-in?return=${encodeURIComponent(`/invitations/accept?token=${token}`)}`,
      );
    }
    const accepted = await this.organizations.acceptInvitation(account.id, token, origin(req, res));
    if (!accepted) return this.gone(res);
    res.redirect(303, `/organizations/${accepted.organizationId}`);
  }

  private gone(res: Response) {
    res.status(410).render('organizations/invitation-gone', {
      pageTitle: this.i18n.t(res.locals.locale as Locale, 'organizations.invitationGone.title'),
    });
  }
}
