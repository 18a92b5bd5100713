import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { AUDIENCES, type Audience } from '../../platform/flags/flag-context.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { CurrentActingAs, type ActingAs } from '../accounts/acting-as.js';
import { AcceptanceService } from '../acceptance/acceptance.service.js';
import { FaqReadModel } from '../faq/faq.read-model.js';
import { RolloutReadModel } from '../rollout/rollout.read-model.js';
import { VariantAccessService } from '../rollout/variant-access.service.js';
import { CatalogueService } from './catalogue.service.js';

const STATUS_FOR_REASON = {
  'other-audience': 403,
  'not-released': 403,
  'flags-unavailable': 503,
} as const;

@Controller()
export class CatalogueController {
  constructor(
    private readonly catalogue: CatalogueService,
    private readonly access: VariantAccessService,
    private readonly rollout: RolloutReadModel,
    private readonly i18n: I18nService,
    private readonly faq: FaqReadModel,
    private readonly acceptance: AcceptanceService,
  ) {}

  /** The home page: the catalogue, each service with whether it is open to you. */
  @Get()
  home(@CurrentActingAs() actingAs: ActingAs, @Res() res: Response) {
    const locale = res.locals.locale as Locale;
    const services = this.catalogue.all().map((service) => ({
      service,
      href: `/services/${service.slug}/${actingAs.audience}`,
      available: this.access.check(service.slug, actingAs.audience, actingAs).available,
    }));
    res.render('catalogue/home', {
      pageTitle: this.i18n.t(locale, 'home.title'),
      navActive: 'services',
      services,
      actingAs,
    });
  }

  /** A service's start page for the variant that fits who you are acting as. */
  @Get('services/:slug')
  service(
    @Param('slug') slug: string,
    @CurrentActingAs() actingAs: ActingAs,
    @Res() res: Response,
  ) {
    if (!this.catalogue.find(slug)) throw new NotFoundException();
    res.redirect(303, `/services/${slug}/${actingAs.audience}`);
  }

  /** The start page of one variant, or a page that says why it is not open to you. */
  @Get('services/:slug/:variant')
  async start(
    @Param('slug') slug: string,
    @Param('variant') variant: string,
    @CurrentActingAs() actingAs: ActingAs,
    @Res() res: Response,
  ) {
    const service = this.catalogue.find(slug);
    if (!service || !(AUDIENCES as readonly string[]).includes(variant))
      throw new NotFoundException();
    const audience = variant as Audience;
    const locale = res.locals.locale as Locale;
    const title = service.title[locale];
    const access = this.access.check(slug, audience, actingAs);
    if (!access.available) {
      const stage = await this.rollout.stageOf(slug, audience);
      const reason = access.reason === 'not-released' && stage.paused ? 'paused' : access.reason;
      res.status(STATUS_FOR_REASON[access.reason]).render('catalogue/unavailable', {
        pageTitle: this.i18n.t(locale, 'unavailable.title', { service: title }),
        navActive: 'services',
        service,
        audience,
        reason,
        actingAs,
        signedIn: Boolean(actingAs.accountId),
        subscribed:
          audience === 'citizen' && actingAs.accountId
            ? await this.rollout.isSubscribed(actingAs.accountId, slug)
            : false,
        notifyAction: `/services/${slug}/citizen/notify`,
        otherVariantHref: `/services/${slug}/${actingAs.audience}`,
      });
      return;
    }
    const [faq, tester] = await Promise.all([
      this.faq.published(slug),
      actingAs.accountId
        ? this.acceptance.testerOf({ accountId: actingAs.accountId, actingAs }, slug, audience)
        : undefined,
    ]);
    res.render('catalogue/start', {
      pageTitle: title,
      navActive: 'services',
      service,
      audience,
      content: service.variants[audience],
      actingAs,
      faq,
      // The pilot's testers find their acceptance checklist here.
      checklistHref: tester?.ok ? `/services/${slug}/${audience}/acceptance` : undefined,
    });
  }
}
