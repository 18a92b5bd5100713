import { Injectable } from '@nestjs/common';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import type { StudioService } from './studio.service.js';

/** What the studio's list of services shows, in the page's language. */
@Injectable()
export class StudioPresenter {
  constructor(private readonly i18n: I18nService) {}

  services(locale: Locale, services: StudioService[]) {
    const t = (key: string) => this.i18n.t(locale, key);
    const stage = (s: StudioService['stages']['citizen']) => ({
      stage: s.stage,
      label: t(`rollout.stage.${s.stage}`),
      paused: s.paused,
    });
    return {
      pageTitle: t('studio.services.title'),
      navActive: 'staff',
      staffNavActive: 'studio',
      services: services.map((s) => ({
        slug: s.slug,
        href: `/staff/services/${s.slug}`,
        title: s.title[locale],
        otherTitle: s.title[locale === 'fr' ? 'en' : 'fr'],
        otherLang: locale === 'fr' ? 'en' : 'fr',
        referencePrefix: s.referencePrefix,
        department: s.department[locale],
        current: s.current,
        draft: s.draft,
        draftHref: s.draft === null ? undefined : `/staff/services/${s.slug}/revisions/${s.draft}`,
        citizen: stage(s.stages.citizen),
        business: stage(s.stages.business),
      })),
    };
  }
}
