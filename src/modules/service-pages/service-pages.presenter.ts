import { Injectable } from '@nestjs/common';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import type { ActingAs } from '../accounts/acting-as.js';
import type { CatalogueEntry, StartPage } from './service-pages.service.js';

/** Builds the view models of the home page, the start pages and the "not available" page. */
@Injectable()
export class ServicePagesPresenter {
  constructor(private readonly i18n: I18nService) {}

  home(locale: Locale, actingAs: ActingAs, entries: CatalogueEntry[]) {
    return {
      pageTitle: this.i18n.t(locale, 'home.title'),
      navActive: 'services',
      services: entries.map(({ service, available }) => ({
        service,
        href: `/services/${service.slug}/${actingAs.audience}`,
        available,
      })),
      actingAs,
    };
  }

  start(locale: Locale, actingAs: ActingAs, page: Extract<StartPage, { ok: true }>) {
    const { service, audience } = page;
    return {
      pageTitle: service.title[locale],
      navActive: 'services',
      service,
      // The phase banner reads it: a candidate revision carries its own banner.
      revision: page.revision,
      audience,
      content: service.variants[audience],
      actingAs,
      faq: page.faq,
      // The pilot's testers find their acceptance checklist here.
      checklistHref: page.tester ? `/services/${service.slug}/${audience}/acceptance` : undefined,
    };
  }

  unavailable(locale: Locale, actingAs: ActingAs, page: Extract<StartPage, { ok: false }>) {
    const { service, audience } = page;
    return {
      pageTitle: this.i18n.t(locale, 'unavailable.title', { service: service.title[locale] }),
      navActive: 'services',
      service,
      audience,
      reason: page.reason,
      actingAs,
      signedIn: Boolean(actingAs.accountId),
      subscribed: page.subscribed,
      notifyAction: `/services/${service.slug}/citizen/notify`,
      otherVariantHref: `/services/${service.slug}/${actingAs.audience}`,
    };
  }
}
