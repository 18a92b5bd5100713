import { Controller, Get, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { Locale } from '../../platform/i18n/i18n.service.js';
import { CurrentActingAs, type ActingAs } from '../accounts/acting-as.js';
import { ServicePagesPresenter } from './service-pages.presenter.js';
import { SERVICE_PAGE_REFUSALS } from './service-pages.refusals.js';
import { ServicePagesService } from './service-pages.service.js';

@Controller()
export class ServicePagesController {
  constructor(
    private readonly pages: ServicePagesService,
    private readonly presenter: ServicePagesPresenter,
  ) {}

  /** The home page: the catalogue, each service with whether it is open to you. */
  @Get()
  home(@CurrentActingAs() actingAs: ActingAs, @Res() res: Response) {
    const locale = res.locals.locale as Locale;
    res.render(
      'service-pages/home',
      this.presenter.home(locale, actingAs, this.pages.catalogueFor(actingAs)),
    );
  }

  /** A service's start page for the variant that fits who you are acting as. */
  @Get('services/:slug')
  service(
    @Param('slug') slug: string,
    @CurrentActingAs() actingAs: ActingAs,
    @Res() res: Response,
  ) {
    const service = this.pages.service(slug);
    res.redirect(303, `/services/${service.slug}/${actingAs.audience}`);
  }

  /** The start page of one variant, or a page that says why it is not open to you. */
  @Get('services/:slug/:variant')
  async start(
    @Param('slug') slug: string,
    @Param('variant') variant: string,
    @CurrentActingAs() actingAs: ActingAs,
    @Res() res: Response,
  ) {
    const locale = res.locals.locale as Locale;
    const page = await this.pages.startPage(actingAs, slug, variant);
    if (page.ok) res.render('service-pages/start', this.presenter.start(locale, actingAs, page));
    else
      res
        .status(SERVICE_PAGE_REFUSALS.table[page.problem].status)
        .render('service-pages/unavailable', this.presenter.unavailable(locale, actingAs, page));
  }
}
