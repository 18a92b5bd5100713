import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { FormBody, FormPage } from '../../platform/forms/form-page.js';
import { SESSION_COOKIE } from '../../platform/http/sessions.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { AccountService, type Account } from './account.service.js';
import {
  ChangeEmailPage,
  ChangePasswordPage,
  CloseAccountPage,
  ProfilePage,
} from './account-pages.js';
import { ChangeEmailDto, ChangePasswordDto, CloseAccountDto } from './dto/account-forms.dto.js';
import { renderForm } from '../../platform/forms/render-form.js';
import { ProfileDto } from './dto/profile.dto.js';
import { CurrentAccount, SignedIn } from './signed-in.guard.js';
import { CurrentOrigin, type RequestOrigin } from '../audit/request-origin.js';

/** The signed-in person's own details: change them, or close the account. */
@Controller('account')
export class ProfileController {
  constructor(
    private readonly accounts: AccountService,
    private readonly i18n: I18nService,
    private readonly profilePage: ProfilePage,
    private readonly passwordPage: ChangePasswordPage,
    private readonly closePage: CloseAccountPage,
    private readonly emailPage: ChangeEmailPage,
  ) {}

  @Get('profile')
  @SignedIn()
  show(@CurrentAccount() account: Account, @Req() req: Request, @Res() res: Response) {
    this.profilePage.blank(req, res, account);
  }

  @Post('profile')
  @SignedIn()
  @FormPage(ProfilePage)
  async update(
    @CurrentAccount() account: Account,
    @FormBody(ProfileDto) profile: ProfileDto,
    @CurrentOrigin() origin: RequestOrigin,
    @Res() res: Response,
  ) {
    await this.accounts.updateProfile(
      account.id,
      { displayName: profile.displayName, preferredLocale: profile.preferredLocale as Locale },
      origin,
    );
    res.redirect(303, '/account?saved=1');
  }

  @Get('close')
  @SignedIn()
  showClose(@Req() req: Request, @Res() res: Response) {
    this.closePage.blank(req, res);
  }

  @Get('password')
  @SignedIn()
  showPassword(@Req() req: Request, @Res() res: Response) {
    this.passwordPage.blank(req, res);
  }

  @Post('password')
  @SignedIn()
  @FormPage(ChangePasswordPage, { field: 'currentPassword' })
  async changePassword(
    @CurrentAccount() account: Account,
    @FormBody(ChangePasswordDto, ['currentPassword', 'newPassword']) form: ChangePasswordDto,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    // This session stays signed in; the account's other sessions end.
    await this.accounts.changePassword(account.id, req.sessionID, form, origin);
    res.redirect(303, '/account?password=changed');
  }

  @Get('email')
  @SignedIn()
  showEmail(@Req() req: Request, @Res() res: Response) {
    this.emailPage.blank(req, res);
  }

  @Post('email')
  @SignedIn()
  @FormPage(ChangeEmailPage, { field: 'newEmail' })
  async requestEmailChange(
    @CurrentAccount() account: Account,
    @FormBody(ChangeEmailDto, ['newEmail', 'currentPassword']) form: ChangeEmailDto,
    @CurrentOrigin() origin: RequestOrigin,
    @Res() res: Response,
  ) {
    await this.accounts.requestEmailChange(account.id, form, origin);
    res.redirect(303, '/account?email=sent');
  }

  /**
   * The link emailed to the new address opens a page with a button, so that
   * mail scanners following links change nothing. Signed in or not: the link
   * is the proof (whoever holds the new mailbox was named by the account).
   */
  @Get('email/confirm')
  showEmailConfirm(@Query('token') token: unknown, @Req() req: Request, @Res() res: Response) {
    const page = { view: 'accounts/confirm-email-change', titleKey: 'accounts.emailChange.title' };
    renderForm(req, res, this.i18n, page, 200, { token: typeof token === 'string' ? token : '' });
  }

  @Post('email/confirm')
  async confirmEmailChange(
    @Body('token') token: unknown,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const signedIn = res.locals.account as Account | undefined;
    const result = await this.accounts.confirmEmailChange(
      typeof token === 'string' ? token : '',
      { accountId: signedIn?.id, sessionId: req.sessionID },
      origin,
    );
    const locale = res.locals.locale as Locale;
    res
      .status(result.ok ? 200 : 410)
      .render(result.ok ? 'accounts/email-changed' : 'accounts/link-expired', {
        pageTitle: this.i18n.t(
          locale,
          result.ok ? 'accounts.emailChanged.title' : 'accounts.linkExpired.title',
        ),
        signedIn: Boolean(signedIn),
      });
  }

  @Post('close')
  @SignedIn()
  @FormPage(CloseAccountPage, { field: 'password' })
  async close(
    @CurrentAccount() account: Account,
    @FormBody(CloseAccountDto, ['password']) form: CloseAccountDto,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    await this.accounts.close(account.id, form.password, origin);
    req.session.destroy(() => {
      res.clearCookie(SESSION_COOKIE);
      res.redirect(303, '/account/closed');
    });
  }

  @Get('closed')
  closed(@Res() res: Response) {
    res.render('accounts/closed', {
      pageTitle: this.i18n.t(res.locals.locale as Locale, 'accounts.closed.title'),
    });
  }
}
