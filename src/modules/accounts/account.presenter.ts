import { Injectable } from '@nestjs/common';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import type { Account } from './account.service.js';

/** What the "Your account" page shows. */
@Injectable()
export class AccountPresenter {
  constructor(private readonly i18n: I18nService) {}

  /** The account's details, and the notice of what was just done (`?saved=1`, `?password=changed`, `?email=sent`). */
  accountPage(
    locale: Locale,
    account: Account,
    query: { saved?: unknown; password?: unknown; email?: unknown },
  ) {
    return {
      pageTitle: this.i18n.t(locale, 'accounts.account.title'),
      navActive: 'account',
      account,
      saved: query.saved === '1',
      passwordChanged: query.password === 'changed',
      emailSent: query.email === 'sent',
    };
  }
}
