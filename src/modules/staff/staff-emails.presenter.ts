import { Injectable } from '@nestjs/common';
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
    return {
      ...row,
      failedTime: row.failedAt.replace('T', ' ').slice(0, 19),
      createdTime: row.createdAt.replace('T', ' ').slice(0, 19),
      language: this.i18n.t(
        locale,
        `staff.emails.languages.${isLocale(row.locale) ? row.locale : 'fr'}`,
      ),
      retryLabel: this.i18n.t(locale, 'staff.emails.retryFor', { recipient: row.recipient }),
    };
  }
}
