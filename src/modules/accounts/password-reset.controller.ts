import { Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { FormBody, FormPage } from '../../platform/forms/form-page.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { AccountService } from './account.service.js';
import { ChoosePasswordPage, PasswordResetPage } from './account-pages.js';
import { ChoosePasswordDto, PasswordResetRequestDto } from './dto/password-reset.dto.js';
import { CurrentOrigin, type RequestOrigin } from '../audit/request-origin.js';

/** "Forgot your password?": a link by email, then a new password. */
@Controller('password-reset')
export class PasswordResetController {
  constructor(
    private readonly accounts: AccountService,
    private readonly i18n: I18nService,
    private readonly requestPage: PasswordResetPage,
    private readonly choosePage: ChoosePasswordPage,
  ) {}

  @Get()
  show(@Req() req: Request, @Res() res: Response) {
    this.requestPage.blank(req, res);
  }

  @Post()
  @FormPage(PasswordResetPage, { field: 'email' })
  async request(
    @FormBody(PasswordResetRequestDto, ['email']) form: PasswordResetRequestDto,
    @CurrentOrigin() origin: RequestOrigin,
    @Res() res: Response,
  ) {
    await this.accounts.requestPasswordReset(origin, form.email);
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
    this.choosePage.blank(req, res, token);
  }

  @Post('choose')
  @FormPage(ChoosePasswordPage, { field: 'password' })
  async choose(
    @FormBody(ChoosePasswordDto, ['token', 'password']) form: ChoosePasswordDto,
    @CurrentOrigin() origin: RequestOrigin,
    @Res() res: Response,
  ) {
    const result = await this.accounts.resetPassword(origin, form.token, form.password);
    const locale = res.locals.locale as Locale;
    // A link unknown, used or expired has its own page, not the form.
    if (!result.ok)
      return res.status(410).render('accounts/link-expired', {
        pageTitle: this.i18n.t(locale, 'accounts.linkExpired.title'),
      });
    res.status(200).render('accounts/password-changed', {
      pageTitle: this.i18n.t(locale, 'accounts.reset.doneTitle'),
    });
  }
}
