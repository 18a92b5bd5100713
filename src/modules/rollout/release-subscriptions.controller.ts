import { Controller, NotFoundException, Param, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import { isLocale } from '../../platform/i18n/i18n.service.js';
import { CurrentActingAs, type ActingAs } from '../accounts/acting-as.js';
import { CurrentOrigin, type RequestOrigin } from '../audit/request-origin.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { RolloutService } from './rollout.service.js';

/**
 * "Notify me when it opens": a signed-in person asks to be emailed when the
 * citizen variant of a service reaches `general` (RolloutService sends it).
 */
@Controller('services/:slug/citizen/notify')
export class ReleaseSubscriptionsController {
  constructor(
    private readonly rollout: RolloutService,
    private readonly catalogue: CatalogueService,
  ) {}

  @Post()
  async subscribe(
    @Param('slug') slug: string,
    @CurrentActingAs() actingAs: ActingAs,
    @CurrentOrigin() origin: RequestOrigin,
    @Res() res: Response,
  ) {
    if (!this.catalogue.find(slug)) throw new NotFoundException();
    const back = `/services/${slug}/citizen`;
    if (!actingAs.accountId)
      return res.redirect(303, `/sign-in?return=${encodeURIComponent(back)}`);
    const locale = isLocale(res.locals.locale) ? res.locals.locale : 'fr';
    await this.rollout.subscribe(actingAs.accountId, slug, locale, origin);
    res.redirect(303, back);
  }
}
