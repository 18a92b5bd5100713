import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { FormBody, FormPage } from '../../platform/forms/form-page.js';
import { renderForm } from '../../platform/forms/render-form.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { safeReturnPath } from '../../platform/http/view-locals.middleware.js';
import { SESSION_COOKIE } from '../../platform/http/sessions.js';
import { AppConfig } from '../../platform/config/app-config.js';
import { AccountService, type Account } from './account.service.js';
import { RegisterPage, SignInPage } from './account-pages.js';
import { AccountPresenter } from './account.presenter.js';
import { CurrentAccount, SignedIn } from './signed-in.guard.js';
import { KNOWN_DEVICE_COOKIE, KNOWN_DEVICE_PATH, KnownDevices } from './known-devices.js';
import { CurrentOrigin, type RequestOrigin } from '../audit/request-origin.js';
import { SignInDto } from './dto/sign-in.dto.js';

/** Registration, email confirmation, signing in and out. */
@Controller()
export class AccountsController {
  constructor(
    private readonly accounts: AccountService,
    private readonly i18n: I18nService,
    private readonly devices: KnownDevices,
    private readonly config: AppConfig,
    private readonly registerPage: RegisterPage,
    private readonly signInPage: SignInPage,
    private readonly presenter: AccountPresenter,
  ) {}

  @Get('register')
  showRegister(@Req() req: Request, @Res() res: Response) {
    this.registerPage.blank(req, res);
  }

  /** The form goes to the service as posted: it counts the attempt before reading it. */
  @Post('register')
  @FormPage(RegisterPage, { field: 'email' })
  async register(
    @Body() form: unknown,
    @CurrentOrigin() origin: RequestOrigin,
    @Res() res: Response,
  ) {
    await this.accounts.register(origin, form);
    res.redirect(303, `/register/check-email`);
  }

  @Get('register/check-email')
  checkEmail(@Res() res: Response) {
    res.render('accounts/check-email', {
      pageTitle: this.i18n.t(res.locals.locale as Locale, 'accounts.checkEmail.title'),
    });
  }

  /** The link in the email opens a page with a button, so that mail scanners following links confirm nothing. */
  @Get('account/confirm-email')
  showConfirm(@Query('token') token: unknown, @Req() req: Request, @Res() res: Response) {
    const page = { view: 'accounts/confirm-email', titleKey: 'accounts.confirm.title' };
    renderForm(req, res, this.i18n, page, 200, { token: typeof token === 'string' ? token : '' });
  }

  @Post('account/confirm-email')
  async confirm(
    @Body('token') token: unknown,
    @CurrentOrigin() origin: RequestOrigin,
    @Res() res: Response,
  ) {
    const ok = await this.accounts.confirmEmail(typeof token === 'string' ? token : '', origin);
    const locale = res.locals.locale as Locale;
    res.status(ok ? 200 : 410).render(ok ? 'accounts/confirmed' : 'accounts/link-expired', {
      pageTitle: this.i18n.t(
        locale,
        ok ? 'accounts.confirmed.title' : 'accounts.linkExpired.title',
      ),
    });
  }

  @Get('sign-in')
  showSignIn(
    @Query('return') returnTo: unknown,
    @Query('again') again: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    this.signInPage.blank(req, res, returnTo, again === '1');
  }

  @Post('sign-in')
  @FormPage(SignInPage, { field: 'email' })
  async signIn(
    @FormBody(SignInDto) credentials: SignInDto,
    @Body('return') returnInput: unknown,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const returnTo = safeReturnPath(returnInput, '/account');
    const device = this.devices.read(
      (req.cookies as Record<string, unknown>)?.[KNOWN_DEVICE_COOKIE],
    );
    const result = await this.accounts.signIn(origin, credentials, device);
    // This browser is now known for the account (docs/adr/0015).
    res.cookie(KNOWN_DEVICE_COOKIE, result.device.value, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.config.PUBLIC_URL.startsWith('https:'),
      path: KNOWN_DEVICE_PATH,
      maxAge: result.device.maxAgeMs,
    });
    // A new session id at sign-in (no fixation), then the account in it.
    // What a step page kept when the session expired survives the new session,
    // for the account it was typed for only (ADR 0016).
    const pendingInput = req.session.pendingInput;
    req.session.regenerate((error) => {
      if (error) return res.status(500).end();
      if (pendingInput?.accountId === result.account.id) req.session.pendingInput = pendingInput;
      req.session.accountId = result.account.id;
      req.session.signedInAt = new Date().toISOString();
      req.session.save(() => res.redirect(303, returnTo));
    });
  }

  @Post('sign-out')
  async signOut(@CurrentOrigin() origin: RequestOrigin, @Req() req: Request, @Res() res: Response) {
    const accountId = req.session.accountId;
    if (accountId) await this.accounts.recordSignOut(accountId, origin);
    req.session.destroy(() => {
      res.clearCookie(SESSION_COOKIE);
      res.redirect(303, '/');
    });
  }

  @Get('account')
  @SignedIn('/account')
  account(
    @CurrentAccount() account: Account,
    @Query() query: Record<string, unknown>,
    @Res() res: Response,
  ) {
    res.render(
      'accounts/account',
      this.presenter.accountPage(res.locals.locale as Locale, account, query),
    );
  }
}
