import { Body, Controller, Get, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { validateForm } from '../../platform/forms/form.js';
import { renderForm } from '../../platform/forms/render-form.js';
import { SESSION_COOKIE } from '../../platform/http/sessions.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { PASSWORD_MIN_LENGTH } from '../../platform/security/passwords.js';
import { AccountService, type Account } from './account.service.js';
import { PROFILE_FIELDS, ProfileDto } from './dto/profile.dto.js';
import { requestOrigin } from '../audit/request-origin.js';

const PROFILE = { view: 'accounts/profile', titleKey: 'accounts.profile.title' };
const CLOSE = { view: 'accounts/close', titleKey: 'accounts.close.title' };
const PASSWORD = { view: 'accounts/change-password', titleKey: 'accounts.changePassword.title' };

/** The signed-in person's own details: change them, or close the account. */
@Controller('account')
export class ProfileController {
  constructor(
    private readonly accounts: AccountService,
    private readonly i18n: I18nService,
  ) {}

  @Get('profile')
  show(@Req() req: Request, @Res() res: Response) {
    const account = this.signedIn(req, res);
    if (!account) return;
    renderForm(req, res, this.i18n, PROFILE, 200, {
      values: { displayName: account.displayName, preferredLocale: account.preferredLocale },
    });
  }

  @Post('profile')
  async update(@Body() body: unknown, @Req() req: Request, @Res() res: Response) {
    const account = this.signedIn(req, res);
    if (!account) return;
    const locale = res.locals.locale as Locale;
    const { value, errors } = await validateForm(
      ProfileDto,
      body,
      PROFILE_FIELDS,
      locale,
      this.i18n,
    );
    if (errors.length > 0)
      return renderForm(req, res, this.i18n, PROFILE, 422, { values: { ...value }, errors });
    await this.accounts.updateProfile(
      account.id,
      { displayName: value.displayName.trim(), preferredLocale: value.preferredLocale as Locale },
      requestOrigin(req, res),
    );
    res.redirect(303, '/account?saved=1');
  }

  @Get('close')
  showClose(@Req() req: Request, @Res() res: Response) {
    if (!this.signedIn(req, res)) return;
    renderForm(req, res, this.i18n, CLOSE, 200);
  }

  @Get('password')
  showPassword(@Req() req: Request, @Res() res: Response) {
    if (!this.signedIn(req, res)) return;
    renderForm(req, res, this.i18n, PASSWORD, 200);
  }

  @Post('password')
  async changePassword(
    @Body() body: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const account = this.signedIn(req, res);
    if (!account) return;
    const locale = res.locals.locale as Locale;
    const typed = (name: string) => (typeof body?.[name] === 'string' ? body[name] : '');
    const result = await this.accounts.changePassword(
      account.id,
      req.sessionID,
      { currentPassword: typed('currentPassword'), newPassword: typed('newPassword') },
      requestOrigin(req, res),
    );
    if (result.ok) return res.redirect(303, '/account?password=changed');
    if (result.problem === 'too-many') {
      res.setHeader('Retry-After', String(result.retryAfterSeconds));
      const message = this.i18n.t(locale, 'accounts.errors.tooMany', {
        minutes: Math.max(1, Math.ceil(result.retryAfterSeconds / 60)),
      });
      return renderForm(req, res, this.i18n, PASSWORD, 429, {
        errors: [{ field: 'currentPassword', message }],
      });
    }
    const errors = result.errors.map(({ field, problem }) => ({
      field,
      message:
        problem === 'required'
          ? this.i18n.t(
              locale,
              field === 'currentPassword'
                ? 'accounts.errors.passwordRequired'
                : 'accounts.errors.newPasswordRequired',
            )
          : problem === 'incorrect'
            ? this.i18n.t(locale, 'accounts.errors.passwordIncorrect')
            : this.i18n.t(locale, `accounts.errors.password.${problem}`, {
                min: PASSWORD_MIN_LENGTH,
              }),
    }));
    renderForm(req, res, this.i18n, PASSWORD, 422, { errors });
  }

  @Post('close')
  async close(@Body('password') password: unknown, @Req() req: Request, @Res() res: Response) {
    const account = this.signedIn(req, res);
    if (!account) return;
    const locale = res.locals.locale as Locale;
    const typed = typeof password === 'string' ? password : '';
    if (!typed)
      return renderForm(req, res, this.i18n, CLOSE, 422, {
        errors: [
          { field: 'password', message: this.i18n.t(locale, 'accounts.errors.passwordRequired') },
        ],
      });
    const result = await this.accounts.close(account.id, typed, requestOrigin(req, res));
    if (!result.ok) {
      const message =
        result.problem === 'last-owner'
          ? this.i18n.t(locale, 'accounts.errors.lastOwner', {
              organizations: result.organizations.join(', '),
            })
          : this.i18n.t(locale, 'accounts.errors.passwordIncorrect');
      return renderForm(req, res, this.i18n, CLOSE, 422, {
        errors: [{ field: 'password', message }],
      });
    }
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

  /** The signed-in account (set by the session middleware), or a redirect to sign in. */
  private signedIn(req: Request, res: Response): Account | undefined {
    const account = res.locals.account as Account | undefined;
    if (!account) res.redirect(303, `/sign-in?return=${encodeURIComponent(req.originalUrl)}`);
    return account;
  }
}
