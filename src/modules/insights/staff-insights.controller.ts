import {
  Controller,
  Get,
  NotFoundException,
  Param,
  Query,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import type { Response } from 'express';
import { AUDIENCES, type Audience } from '../../platform/flags/flag-context.js';
import type { Locale } from '../../platform/i18n/i18n.service.js';
import { SignInRedirectFilter } from '../accounts/signed-in.guard.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { StaffRoles, StaffRolesGuard } from '../staff/staff-roles.guard.js';
import { sendFiguresCsv } from './figures.js';
import { periodFrom } from './period.js';
import { ServiceInsightsReadModel } from './service-insights.read-model.js';
import { SmeFirstReadModel } from './sme-first.read-model.js';
import { INSIGHTS_TABLES, StaffInsightsPresenter } from './staff-insights.presenter.js';

/**
 * The insights for staff (`/staff/insights`): the services' variants, then a
 * variant's figures over a period chosen by its first and last days (the
 * last 90 days unless asked), and each service's SME-first comparison. Read
 * only; nothing on a person.
 */
@Controller('staff/insights')
@UseGuards(StaffRolesGuard)
@UseFilters(SignInRedirectFilter)
@StaffRoles('admin', 'rollout-manager', 'analyst')
export class StaffInsightsController {
  constructor(
    private readonly catalogue: CatalogueService,
    private readonly insights: ServiceInsightsReadModel,
    private readonly smeFirstFigures: SmeFirstReadModel,
    private readonly presenter: StaffInsightsPresenter,
  ) {}

  @Get()
  overview(@Res() res: Response) {
    res.render('insights/overview', this.presenter.overview(res.locals.locale as Locale));
  }

  /** The SME-first comparison's tables as CSV. */
  @Get(':slug/sme-first.csv')
  async smeFirstCsv(@Param('slug') slug: string, @Res() res: Response) {
    if (!this.catalogue.find(slug)) throw new NotFoundException();
    const comparison = await this.smeFirstFigures.comparison(slug);
    sendFiguresCsv(
      res,
      `${slug}-sme-first.csv`,
      this.presenter.smeFirstCsv(comparison, res.locals.locale as Locale),
    );
  }

  /** The SME-first comparison of a service: the page the city shows its council. */
  @Get(':slug/sme-first')
  async smeFirst(@Param('slug') slug: string, @Res() res: Response) {
    if (!this.catalogue.find(slug)) throw new NotFoundException();
    const comparison = await this.smeFirstFigures.comparison(slug);
    res.render(
      'insights/sme-first',
      this.presenter.smeFirst(comparison, res.locals.locale as Locale),
    );
  }

  /** One of a variant's tables as CSV, over the period asked (as on the page). */
  @Get(':slug/:variant/export.csv')
  async serviceCsv(
    @Param('slug') slug: string,
    @Param('variant') variant: string,
    @Query('table') table: unknown,
    @Query('from') from: unknown,
    @Query('to') to: unknown,
    @Res() res: Response,
  ) {
    this.assertVariant(slug, variant);
    const asked = periodFrom(from, to, new Date());
    const name = typeof table === 'string' ? table : '';
    if (!asked.ok || !(INSIGHTS_TABLES as readonly string[]).includes(name))
      return res
        .status(422)
        .type('text/plain; charset=utf-8')
        .send(this.presenter.csvProblem(res.locals.locale as Locale));
    const figures = await this.insights.figures(slug, variant as Audience, asked.period);
    const records = this.presenter.serviceCsv(
      slug,
      variant as Audience,
      res.locals.locale as Locale,
      asked.typed,
      figures,
      name,
    )!;
    sendFiguresCsv(
      res,
      `${slug}-${variant}-${name}-${asked.typed.from}-${asked.typed.to}.csv`,
      records,
    );
  }

  @Get(':slug/:variant')
  async service(
    @Param('slug') slug: string,
    @Param('variant') variant: string,
    @Query('from') from: unknown,
    @Query('to') to: unknown,
    @Res() res: Response,
  ) {
    this.assertVariant(slug, variant);
    const locale = res.locals.locale as Locale;
    const asked = periodFrom(from, to, new Date());
    if (!asked.ok)
      return res.status(422).render(
        'insights/service',
        this.presenter.service(slug, variant as Audience, locale, {
          typed: asked.typed,
          errors: asked.errors,
        }),
      );
    const figures = await this.insights.figures(slug, variant as Audience, asked.period);
    res.render(
      'insights/service',
      this.presenter.service(slug, variant as Audience, locale, { typed: asked.typed, figures }),
    );
  }

  /** A service's variant, or 404. */
  private assertVariant(slug: string, variant: string): asserts variant is Audience {
    if (!this.catalogue.find(slug) || !(AUDIENCES as readonly string[]).includes(variant))
      throw new NotFoundException();
  }
}
