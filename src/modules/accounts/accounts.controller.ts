import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { validateForm, type FieldError } from '../../platform/forms/form.js';
import { renderForm } from '../../platform/forms/render-form.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { safeReturnPath } from '../../platform/http/view-locals.middleware.js';
import { SESSION_COOKIE } from '../../platform/http/sessions.js';
import { AppConfig } from '../../platform/config/app-config.js';
import { RateLimiter } from '../../platform/security/rate-limiter.js';
import { PASSWORD_MIN_LENGTH, passwordProblem } from '../../platform/security/passwords.js';
import { AccountService, type Account } from './account.service.js';
import { KNOWN_DEVICE_COOKIE, KNOWN_DEVICE_PATH, KnownDevices } from './known-devices.js';
import { requestOrigin } from '../audit/request-origin.js';
import { REGISTER_FIELDS, RegisterDto } from './dto/register.dto.js';
import { SIGN_IN_FIELDS, SignInDto } from './dto/sign-in.dto.js';

const origin = requestOrigin;

/** Registration, email confirmation, signing in and out. */
@Controller()
export class AccountsController {
  constructor(
    private readonly accounts: AccountService,
    private readonly i18n: I18nService,
    private readonly limiter: RateLimiter,
    private readonly devices: KnownDevices,
    private readonly config: AppConfig,
  ) {}

  @Get('register')
  showRegister(@Req() req: Request, @Res() res: Response) {
    this.renderForm(req, res, 'accounts/register', 'accounts.register.title', 200, {
      values: { preferredLocale: res.locals.locale },
    });
  }

  @Post('register')
  async register(@Body() body: unknown, @Req() req: Request, @Res() res: Response) {
    const locale = res.locals.locale as Locale;
    const view = 'accounts/register';
    const title = 'accounts.register.title';
    const form = await validateForm(RegisterDto, body, REGISTER_FIELDS, locale, this.i18n);
    const { value } = form;
    // The password policy in the same pass, so every problem shows at once.
    const problem = value.password ? passwordProblem(value.password, value.email) : undefined;
    const errors = problem
      ? [
          ...form.errors,
          { field: 'password', message: this.passwordMessage(locale, problem) },
        ].sort(
          (x, y) =>
            REGISTER_FIELDS.indexOf(x.field as never) - REGISTER_FIELDS.indexOf(y.field as never),
        )
      : form.errors;
    const values = {
      displayName: value.displayName,
      email: value.email,
      preferredLocale: value.preferredLocale,
    };
    const limit = await this.limiter.take('register:ip', req.ip ?? 'unknown');
    if (!limit.allowed) {
      return this.tooMany(req, res, view, title, limit.retryAfterSeconds, values);
    }
    if (errors.length > 0) return this.renderForm(req, res, view, title, 422, { values, errors });

    const result = await this.accounts.register(
      {
        displayName: value.displayName.trim(),
        email: value.email.trim(),
        password: value.password,
        preferredLocale: value.preferredLocale as Locale,
      },
      origin(req, res),
    );
    if (!result.ok) {
      const message = this.passwordMessage(locale, result.problem);
      return this.renderForm(req, res, view, title, 422, {
        values,
        errors: [{ field: 'password', message }],
      });
    }
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
    this.renderForm(req, res, 'accounts/confirm-email', 'accounts.confirm.title', 200, {
      token: typeof token === 'string' ? token : '',
    });
  }

  @Post('account/confirm-email')
  async confirm(@Body('token') token: unknown, @Req() req: Request, @Res() res: Response) {
    const ok = await this.accounts.confirmEmail(
      typeof token === 'string' ? token : '',
      origin(req, res),
    );
    const locale = res.locals.locale as Locale;
    res.status(ok ? 200 : 410).render(ok ? 'accounts/confirmed' : 'accounts/link-expired', {
      pageTitle: this.i18n.t(
        locale,
        ok ? 'accounts.confirmed.title' : 'accounts.linkExpired.title',
      ),
    });
  }

  @Get('sign-in')
  showSignIn(@Query('return') returnTo: unknown, @Req() req: Request, @Res() res: Response) {
    this.renderForm(req, res, 'accounts/sign-in', 'accounts.signIn.title', 200, {
      values: {},
      returnTo: safeReturnPath(returnTo, '/account'),
    });
  }

  @Post('sign-in')
  async signIn(@Body() body: unknown, @Req() req: Request, @Res() res: Response) {
    const locale = res.locals.locale as Locale;
    const returnTo = safeReturnPath((body as Record<string, unknown>)?.return, '/account');
    const { value, errors } = await validateForm(
      SignInDto,
      body,
      SIGN_IN_FIELDS,
      locale,
      this.i18n,
    );
    const values = { email: value.email };
    const title = 'accounts.signIn.title';
    if (errors.length > 0)
      return this.renderForm(req, res, 'accounts/sign-in', title, 422, {
        values,
        errors,
        returnTo,
      });

    const device = this.devices.read(
      (req.cookies as Record<string, unknown>)?.[KNOWN_DEVICE_COOKIE],
    );
    const result = await this.accounts.signIn(
      value.email,
      value.password,
      origin(req, res),
      device,
    );
    if (!result.ok && result.reason === 'throttled')
      return this.tooMany(req, res, 'accounts/sign-in', title, result.retryAfterSeconds, values, {
        returnTo,
      });
    if (!result.ok) {
      const message = this.i18n.t(
        locale,
        result.reason === 'unconfirmed'
          ? 'accounts.errors.unconfirmed'
          : 'accounts.errors.signInFailed',
      );
      return this.renderForm(req, res, 'accounts/sign-in', title, 422, {
        values,
        errors: [{ field: 'email', message }],
        returnTo,
      });
    }
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
  async signOut(@Req() req: Request, @Res() res: Response) {
    const accountId = req.session.accountId;
    if (accountId) await this.accounts.recordSignOut(accountId, origin(req, res));
    req.session.destroy(() => {
      res.clearCookie(SESSION_COOKIE);
      res.redirect(303, '/');
    });
  }

  @Get('account')
  async account(@Req() req: Request, @Res() res: Response) {
    const account = res.locals.account as Account | undefined;
    if (!account) return res.redirect(303, '/sign-in?return=%2Faccount');
    res.render('accounts/account', {
      pageTitle: this.i18n.t(res.locals.locale as Locale, 'accounts.account.title'),
      navActive: 'account',
      account,
      saved: req.query.saved === '1',
      passwordChanged: req.query.password === 'changed',
    });
  }

  private passwordMessage(locale: Locale, problem: string) {
    return this.i18n.t(locale, `accounts.errors.password.${problem}`, { min: PASSWORD_MIN_LENGTH });
  }

  private renderForm(
    req: Request,
    res: Response,
    view: string,
    titleKey: string,
    status: number,
    data: { values?: Record<string, unknown>; errors?: FieldError[]; [key: string]: unknown },
  ) {
    renderForm(req, res, this.i18n, { view, titleKey }, status, data);
  }

  private tooMany(
    req: Request,
    res: Response,
    view: string,
    titleKey: string,
    retryAfterSeconds: number,
    values: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ) {
    res.setHeader('Retry-After', String(retryAfterSeconds));
    const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
    const message = this.i18n.t(res.locals.locale as Locale, 'accounts.errors.tooMany', {
      minutes,
    });
    this.renderForm(req, res, view, titleKey, 429, {
      ...extra,
      values,
      errors: [{ field: SIGN_IN_FIELDS[0], message }],
    });
  }
}
