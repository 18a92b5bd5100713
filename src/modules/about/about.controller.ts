import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';

/**
 * The portal's statements to the public, linked from every page's footer:
 * `/accessibility`, the accessibility statement (WCAG 2.1 AA, Québec's
 * SGQRI 008 3.0). No sign-in; the same for everyone.
 */
@Controller()
export class AboutController {
  constructor(private readonly i18n: I18nService) {}

  @Get('accessibility')
  accessibility(@Res() res: Response) {
    res.render('about/accessibility', {
      pageTitle: this.i18n.t(res.locals.locale as Locale, 'about.accessibility.title'),
    });
  }
}
