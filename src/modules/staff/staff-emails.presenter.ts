import { Injectable } from '@nestjs/common';
import { formatDateTime } from '../../platform/i18n/city-time.js';
import { I18nService, isLocale, type Locale } from '../../platform/i18n/i18n.service.js';
import type { FailedEmail } from '../notifications/failed-emails.read-model.js';
import type { FailedEmailsSearch } from './staff-emails.service.js';

/** What the failed emails page shows. */
@Injectable()
export class StaffEmailsPresenter {
  constructor(private readonly i18n: I18nService) {}

  /** 400 for an edited paging link. */
  status(search: FailedEmailsSearch): number {
    return search.badCursor ? 400 : 200;
  }

  page(locale: Locale, search: FailedEmailsSearch, notice?: { id: string; recipient: string }) {
    return {
      pageTitle: this.i18n.t(locale, 'staff.emails.title'),
      navActive: 'staff',
      staffNavActive: 'emails',
      notice: notice
        ? this.i18n.t(locale, 'staff.emails.retried', { recipient: notice.recipient })
        : undefined,
      badCursor: search.badCursor,
      rows: search.page.rows.map((row) => this.display(locale, row)),
      nextHref: search.page.next
        ? `/staff/emails?${new URLSearchParams({ after: search.page.next })}`
        : undefined,
      newestHref: search.cursor ? '/staff/emails' : undefined,
    };
  }

  private display(locale: Locale, row: FailedEmail) {
    const kindKey = `staff.emails.kinds.${row.kind}`;
    return {
      ...row,
      failedTime: formatDateTime(new Date(row.failedAt), locale),
      createdTime: formatDateTime(new Date(row.createdAt), locale),
      // A kind this release does not know (a message left by an older one) shows as stored.
      kindName: this.i18n.has(locale, kindKey) ? this.i18n.t(locale, kindKey) : row.kind,
      inLanguage: this.i18n.t(locale, 'staff.emails.inLanguage', {
        language: isLocale(row.locale) ? row.locale : 'fr',
      }),
      retryLabel: this.i18n.t(locale, 'staff.emails.retryFor', { recipient: row.recipient }),
    };
  }
}
