import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { renderForm } from '../../platform/forms/render-form.js';
import { safeReturnPath } from '../../platform/http/view-locals.middleware.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import type { Account } from './account.service.js';
import { CurrentActingAs, type ActingAs } from './acting-as.js';
import { ActingAsService, MYSELF } from './acting-as.service.js';
import { requestOrigin } from '../audit/request-origin.js';

const PAGE = { view: 'accounts/acting-as', titleKey: 'actingAs.title' };

/** "Who are you acting for?": yourself, or one of your SMEs. */
@Controller('acting-as')
export class ActingAsController {
  constructor(
    private readonly actingAs: ActingAsService,
    private readonly i18n: I18nService,
  ) {}

  @Get()
  async show(
    @CurrentActingAs() current: ActingAs,
    @Query('return') returnTo: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const account = res.locals.account as Account | undefined;
    const selected = current.organization?.id ?? MYSELF;
    renderForm(req, res, this.i18n, PAGE, 200, {
      navActive: 'acting-as',
      returnTo: safeReturnPath(returnTo),
      values: { actingAs: selected },
      choices: account ? await this.actingAs.choices(account.id) : [],
    });
  }

  @Post()
  async choose(@Body() body: Record<string, unknown>, @Req() req: Request, @Res() res: Response) {
    const account = res.locals.account as Account | undefined;
    const returnTo = safeReturnPath(body?.return);
    if (!account) return res.redirect(303, `/sign-in?return=${encodeURIComponent('/acting-as')}`);
    const choice = typeof body?.actingAs === 'string' ? body.actingAs : '';
    const origin = requestOrigin(req, res);
    if (choice && (await this.actingAs.choose(req, account, choice, origin))) {
      return req.session.save(() => res.redirect(303, returnTo));
    }
    const locale = res.locals.locale as Locale;
    renderForm(req, res, this.i18n, PAGE, 422, {
      navActive: 'acting-as',
      returnTo,
      values: { actingAs: choice },
      choices: await this.actingAs.choices(account.id),
      errors: [{ field: 'actingAs', message: this.i18n.t(locale, 'actingAs.errors.required') }],
    });
  }
}
