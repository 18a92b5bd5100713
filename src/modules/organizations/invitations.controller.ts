import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { text } from '../../platform/forms/form.js';
import { csrfToken } from '../../platform/http/sessions.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import type { Account } from '../accounts/account.service.js';
import { origin } from './organizations.controller.js';
import { OrganizationService, type InvitationAnswer } from './organization.service.js';

/**
 * The link in an invitation email opens a page naming the SME, with a button
 * (mail scanners following links accept nothing). Accepting needs a signed-in
 * person: the page sends others to sign in (or register) and back. Only the
 * account holding the invited address may accept (OrganizationService decides);
 * anyone else reads who it was sent to (masked) and what to do (403).
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
    const account = res.locals.account as Account | undefined;
    const invitation = await this.organizations.invitation(
      token,
      account ? { accountId: account.id, origin: origin(req, res) } : undefined,
    );
    if (invitation.state !== 'open') return this.refuse(res, invitation);
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
    if (accepted.state !== 'open') return this.refuse(res, accepted);
    res.redirect(303, `/organizations/${accepted.organizationId}`);
  }

  /** Why the link cannot be used, answered in one place. */
  private refuse(res: Response, answer: Exclude<InvitationAnswer, { state: 'open' }>) {
    const locale = res.locals.locale as Locale;
    switch (answer.state) {
      case 'gone':
        return res.status(410).render('organizations/invitation-gone', {
          pageTitle: this.i18n.t(locale, 'organizations.invitationGone.title'),
        });
      case 'not-addressee':
        return res.status(403).render('organizations/invitation-not-addressee', {
          pageTitle: this.i18n.t(locale, 'organizations.invitationNotAddressee.title'),
          legalName: answer.legalName,
          invitedTo: answer.invitedTo,
          account: res.locals.account as Account | undefined,
        });
      default:
        return assertUnreachable(answer);
    }
  }
}

function assertUnreachable(value: never): never {
  throw new Error(`Unhandled case: ${String(value)}`);
}
