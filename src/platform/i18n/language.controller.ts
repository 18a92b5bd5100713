import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { AppConfig } from '../config/app-config.js';
import { LANGUAGE_COOKIE, safeReturnPath } from '../http/view-locals.middleware.js';
import { isLocale } from './i18n.service.js';

/** The language switch: remembers the choice in a cookie for a year and goes back. */
@Controller('language')
export class LanguageController {
  constructor(private readonly config: AppConfig) {}

  @Get(':locale')
  choose(
    @Param('locale') locale: string,
    @Query('return') returnTo: unknown,
    @Res() res: Response,
  ) {
    const target = safeReturnPath(returnTo);
    if (isLocale(locale)) {
      res.cookie(LANGUAGE_COOKIE, locale, {
        maxAge: 365 * 24 * 3600 * 1000,
        httpOnly: true,
        sameSite: 'lax',
        secure: this.config.PUBLIC_URL.startsWith('https:'),
      });
    }
    res.redirect(303, target);
  }
}
