import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { text, type FieldError } from '../../platform/forms/form.js';
import { renderForm } from '../../platform/forms/render-form.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { PASSWORD_MIN_LENGTH } from '../../platform/security/passwords.js';
import { RateLimiter } from '../../platform/security/rate-limiter.js';
import { AccountService } from './account.service.js';
import { requestOrigin } from '../audit/request-origin.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** "Forgot your password?": a link by email, then a new password. */
@Controller('password-reset')
export class PasswordResetController {
  constructor(
    private readonly accounts: AccountService,
    private readonly i18n: I18nService,
    private readonly limiter: RateLimiter,
  ) {}

  @Get()
  show(@Req() req: Request, @Res() res: Response) {
    this.render(req, res, 'accounts/password-reset', 'accounts.reset.title', 200, { values: {} });
  }

  @Post()
  async request(@Body('email') emailInput: unknown, @Req() req: Request, @Res() res: Response) {
    const locale = res.locals.locale as Locale;
    const email = text(emailInput);
    const values = { email };
    const errorKey = !email
      ? 'accounts.errors.emailRequired'
      : !EMAIL.test(email) || email.length > 254
        ? 'accounts.errors.emailInvalid'
        : undefined;
    if (errorKey) {
      const errors = [{ field: 'email', message: this.i18n.t(locale, errorKey) }];
      return this.render(req, res, 'accounts/password-reset', 'accounts.reset.title', 422, {
        values,
        errors,
      });
    }
    const byIp = await this.limiter.take('reset:ip', req.ip ?? 'unknown');
    const byEmail = await this.limiter.take('reset:email', email.toLowerCase());
    if (!byIp.allowed || !byEmail.allowed) {
      const seconds = Math.max(
        byIp.allowed ? 0 : byIp.retryAfterSeconds,
        byEmail.allowed ? 0 : byEmail.retryAfterSeconds,
      );
      res.setHeader('Retry-After', String(seconds));
      const message = this.i18n.t(locale, 'accounts.errors.tooMany', {
        minutes: Math.max(1, Math.ceil(seconds / 60)),
      });
      return this.render(req, res, 'accounts/password-reset', 'accounts.reset.title', 429, {
        values,
        errors: [{ field: 'email', message }],
      });
    }
    await this.accounts.requestPasswordReset(email, requestOrigin(req, res));
    res.redirect(303, '/password-reset/check-email');
  }

  @Get('check-email')
  checkEmail(@Res() res: Response) {
    res.render('accounts/reset-check-email', {
      pageTitle: this.i18n.t(res.locals.locale as Locale, 'accounts.reset.checkEmailTitle'),
    });
  }

  @Get('choose')
  showChoose(@Query('token') token: unknown, @Req() req: Request, @Res() res: Response) {
    this.render(req, res, 'accounts/password-choose', 'accounts.reset.chooseTitle', 200, {
      token: text(token),
    });
  }

  @Post('choose')
  async choose(@Body() body: Record<string, unknown>, @Req() req: Request, @Res() res: Response) {
    const locale = res.locals.locale as Locale;
    const token = text(body?.token);
    const password = typeof body?.password === 'string' ? body.password : '';
    const title = 'accounts.reset.chooseTitle';
    if (!password) {
      const errors = [
        { field: 'password', message: this.i18n.t(locale, 'accounts.errors.passwordRequired') },
      ];
      return this.render(req, res, 'accounts/password-choose', title, 422, { token, errors });
    }
    const result = await this.accounts.resetPassword(token, password, requestOrigin(req, res));
    if (result.ok) {
      return res.status(200).render('accounts/password-changed', {
        pageTitle: this.i18n.t(locale, 'accounts.reset.doneTitle'),
      });
    }
    if (result.problem === 'invalid-token') {
      return res.status(410).render('accounts/link-expired', {
        pageTitle: this.i18n.t(locale, 'accounts.linkExpired.title'),
      });
    }
    if (result.problem === 'too-many') {
      res.setHeader('Retry-After', String(result.retryAfterSeconds));
      const message = this.i18n.t(locale, 'accounts.errors.tooMany', {
        minutes: Math.max(1, Math.ceil(result.retryAfterSeconds / 60)),
      });
      return this.render(req, res, 'accounts/password-choose', title, 429, {
        token,
        errors: [{ field: 'password', message }],
      });
    }
    const message = this.i18n.t(locale, `accounts.errors.password.${result.problem}`, {
      min: PASSWORD_MIN_LENGTH,
    });
    this.render(req, res, 'accounts/password-choose', title, 422, {
      token,
      errors: [{ field: 'password', message }],
    });
  }

  private render(
    req: Request,
    res: Response,
    view: string,
    titleKey: string,
    status: number,
    data: { errors?: FieldError[]; [key: string]: unknown },
  ) {
    renderForm(req, res, this.i18n, { view, titleKey }, status, data);
  }
}
