import { Controller, Get, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { AppConfig } from '../../platform/config/app-config.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { safeReturnPath } from '../../platform/http/view-locals.middleware.js';
import { AUDIENCES } from '../../platform/flags/flag-context.js';
import { CurrentActingAs, type ActingAs } from './acting-as.js';
import { ACTING_AS_COOKIE, DEMO_ORGANIZATION } from './acting-as.service.js';

/**
 * TEMPORARY (foundation): the "acting as" choice without accounts. A GET form, as
 * it only sets a preference cookie; the accounts issue makes it a POST with CSRF.
 */
@Controller('acting-as')
export class ActingAsController {
  constructor(
    private readonly i18n: I18nService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  show(
    @CurrentActingAs() actingAs: ActingAs,
    @Query('return') returnTo: unknown,
    @Res() res: Response,
  ) {
    this.render(res, 200, { selected: actingAs.audience, returnTo: safeReturnPath(returnTo) });
  }

  @Get('choose')
  choose(
    @Query('audience') audience: unknown,
    @Query('return') returnTo: unknown,
    @Res() res: Response,
  ) {
    const target = safeReturnPath(returnTo);
    if (typeof audience !== 'string' || !(AUDIENCES as readonly string[]).includes(audience)) {
      this.render(res, 422, { returnTo: target, error: true });
      return;
    }
    res.cookie(ACTING_AS_COOKIE, audience, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.config.PUBLIC_URL.startsWith('https:'),
    });
    res.redirect(303, target);
  }

  private render(
    res: Response,
    status: number,
    data: { selected?: string; returnTo: string; error?: boolean },
  ) {
    const locale = res.locals.locale as Locale;
    res.status(status).render('accounts/acting-as', {
      pageTitle: this.i18n.t(locale, 'actingAs.title'),
      navActive: 'acting-as',
      hasErrors: Boolean(data.error),
      organization: DEMO_ORGANIZATION,
      ...data,
    });
  }
}
