import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { AppConfig } from '../../platform/config/app-config.js';
import { RetentionService } from '../privacy/retention.service.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';

/**
 * The portal's statements to the public, linked from every page's footer:
 * `/accessibility`, the accessibility statement (WCAG 2.1 AA, Québec's
 * SGQRI 008 3.0), and `/privacy`, the privacy policy (Québec's Law 25:
 * what is collected, why, who sees it, the retention periods as configured,
 * the person's rights, the person responsible). No sign-in; the same for everyone.
 */
@Controller()
export class AboutController {
  constructor(
    private readonly i18n: I18nService,
    private readonly config: AppConfig,
    private readonly retention: RetentionService,
  ) {}

  @Get('accessibility')
  accessibility(@Res() res: Response) {
    res.render('about/accessibility', {
      pageTitle: this.i18n.t(res.locals.locale as Locale, 'about.accessibility.title'),
    });
  }

  @Get('privacy')
  privacy(@Res() res: Response) {
    const c = this.config;
    const periods = this.retention.periods();
    res.render('about/privacy', {
      pageTitle: this.i18n.t(res.locals.locale as Locale, 'privacy.title'),
      // The periods the retention job applies (docs/adr/0047), as it reads them.
      periods: { ...periods, auditYears: Math.round(periods.auditPersonalDataDays / 365.25) },
      officer: {
        name: c.PRIVACY_OFFICER_NAME,
        title: c.PRIVACY_OFFICER_TITLE,
        email: c.PRIVACY_OFFICER_EMAIL,
      },
    });
  }
}
