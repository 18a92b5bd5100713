import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { AppConfig } from '../../platform/config/app-config.js';
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
    res.render('about/privacy', {
      pageTitle: this.i18n.t(res.locals.locale as Locale, 'privacy.title'),
      // The periods the retention job applies (docs/adr/0047), never a copy of them.
      periods: {
        closedAccountDays: c.CLOSED_ACCOUNT_RETENTION_DAYS,
        draftDays: c.DRAFT_RETENTION_DAYS,
        emailDays: c.OUTBOX_RETENTION_DAYS,
        rateLimitHours: c.RATE_LIMIT_RETENTION_HOURS,
        feedbackContactDays: c.FEEDBACK_CONTACT_RETENTION_DAYS,
        auditDays: c.AUDIT_PERSONAL_DATA_RETENTION_DAYS,
        auditYears: Math.round(c.AUDIT_PERSONAL_DATA_RETENTION_DAYS / 365.25),
      },
      officer: {
        name: c.PRIVACY_OFFICER_NAME,
        title: c.PRIVACY_OFFICER_TITLE,
        email: c.PRIVACY_OFFICER_EMAIL,
      },
    });
  }
}
