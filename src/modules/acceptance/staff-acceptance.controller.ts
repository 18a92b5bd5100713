import {
  Body,
  Controller,
  Get,
  NotFoundException,
  Param,
  Post,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Audience } from '../../platform/flags/flag-context.js';
import { validateForm, type FieldError } from '../../platform/forms/form.js';
import { renderForm } from '../../platform/forms/render-form.js';
import { csrfToken } from '../../platform/http/sessions.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { requestOrigin } from '../audit/request-origin.js';
import { RolloutReadModel } from '../rollout/rollout.read-model.js';
import { SignInRedirectFilter } from '../accounts/signed-in.guard.js';
import { StaffRoles, StaffRolesGuard } from '../staff/staff-roles.guard.js';
import { holdsRole, type StaffRole } from '../staff/staff-role.js';
import { AcceptancePresenter, staffVariantPath } from './acceptance.presenter.js';
import { AcceptanceReadModel } from './acceptance.read-model.js';
import { AcceptanceService } from './acceptance.service.js';
import { CRITERION_FIELDS, CriterionDto, criterionInput } from './dto/acceptance.dto.js';

declare module 'express-session' {
  interface SessionData {
    /** Shown once on a variant's criteria page after a change. */
    acceptanceNotice?: { key: string; title: string };
  }
}

/** Who may read the criteria and their results, and who may write them. */
const READERS: StaffRole[] = ['admin', 'rollout-manager', 'analyst'];
const WRITERS: StaffRole[] = ['admin', 'rollout-manager'];

/**
 * Acceptance criteria for staff (`/staff/acceptance`): each service variant's
 * criteria with how the pilot's testers answered them and the figure the
 * rollout gate reads; admins and rollout managers write, edit and retire
 * them, analysts read. Thin: AcceptanceService owns the rules and the audit.
 */
@Controller('staff/acceptance')
@UseGuards(StaffRolesGuard)
@UseFilters(SignInRedirectFilter)
@StaffRoles(...READERS)
export class StaffAcceptanceController {
  constructor(
    private readonly acceptance: AcceptanceService,
    private readonly reports: AcceptanceReadModel,
    private readonly rollout: RolloutReadModel,
    private readonly presenter: AcceptancePresenter,
    private readonly i18n: I18nService,
  ) {}

  @Get()
  async overview(@Res() res: Response) {
    const locale = res.locals.locale as Locale;
    const [summaries, stages] = await Promise.all([this.reports.overview(), this.rollout.stages()]);
    res.render('acceptance/staff-overview', this.presenter.overview(summaries, stages, locale));
  }

  @Get(':slug/:variant')
  async variant(
    @Param('slug') slug: string,
    @Param('variant') variant: string,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const found = this.found(slug, variant);
    const notice = req.session.acceptanceNotice;
    if (notice) delete req.session.acceptanceNotice;
    await this.renderVariant(req, res, 200, found, { values: {}, notice });
  }

  @Post(':slug/:variant/criteria')
  @StaffRoles(...WRITERS)
  async create(
    @Param('slug') slug: string,
    @Param('variant') variant: string,
    @Body() body: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const found = this.found(slug, variant);
    const locale = res.locals.locale as Locale;
    const form = await validateForm(CriterionDto, body, CRITERION_FIELDS, locale, this.i18n);
    if (form.errors.length > 0)
      return this.renderVariant(req, res, 422, found, {
        values: this.values(form.value),
        errors: form.errors,
      });
    await this.acceptance.createCriterion(
      this.actor(req),
      found.slug,
      found.variant,
      criterionInput(form.value),
      requestOrigin(req, res),
    );
    this.notice(req, 'acceptance.staff.notices.created', form.value, locale);
    req.session.save(() => res.redirect(303, this.base(found)));
  }

  @Get(':slug/:variant/criteria/:id/edit')
  @StaffRoles(...WRITERS)
  async showEdit(
    @Param('slug') slug: string,
    @Param('variant') variant: string,
    @Param('id') id: string,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const found = this.found(slug, variant);
    const criterion = await this.acceptance.criterion(found.slug, found.variant, id);
    if (!criterion || criterion.retiredAt) throw new NotFoundException();
    this.renderEdit(req, res, 200, found, id, {
      titleFr: criterion.titleFr,
      titleEn: criterion.titleEn,
      descriptionFr: criterion.descriptionFr,
      descriptionEn: criterion.descriptionEn,
      position: String(criterion.position),
    });
  }

  @Post(':slug/:variant/criteria/:id/edit')
  @StaffRoles(...WRITERS)
  async edit(
    @Param('slug') slug: string,
    @Param('variant') variant: string,
    @Param('id') id: string,
    @Body() body: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const found = this.found(slug, variant);
    const locale = res.locals.locale as Locale;
    const form = await validateForm(CriterionDto, body, CRITERION_FIELDS, locale, this.i18n);
    if (form.errors.length > 0) {
      const criterion = await this.acceptance.criterion(found.slug, found.variant, id);
      if (!criterion || criterion.retiredAt) throw new NotFoundException();
      return this.renderEdit(req, res, 422, found, id, this.values(form.value), form.errors);
    }
    const result = await this.acceptance.updateCriterion(
      this.actor(req),
      found.slug,
      found.variant,
      id,
      criterionInput(form.value),
      requestOrigin(req, res),
    );
    if (!result.ok) throw new NotFoundException();
    this.notice(req, 'acceptance.staff.notices.updated', form.value, locale);
    req.session.save(() => res.redirect(303, this.base(found)));
  }

  @Post(':slug/:variant/criteria/:id/retire')
  @StaffRoles(...WRITERS)
  async retire(
    @Param('slug') slug: string,
    @Param('variant') variant: string,
    @Param('id') id: string,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const found = this.found(slug, variant);
    const locale = res.locals.locale as Locale;
    const criterion = await this.acceptance.criterion(found.slug, found.variant, id);
    const result = await this.acceptance.retireCriterion(
      this.actor(req),
      found.slug,
      found.variant,
      id,
      requestOrigin(req, res),
    );
    if (!result.ok || !criterion) throw new NotFoundException();
    this.notice(
      req,
      result.retired
        ? 'acceptance.staff.notices.retired'
        : 'acceptance.staff.notices.alreadyRetired',
      { titleFr: criterion.titleFr, titleEn: criterion.titleEn },
      locale,
    );
    req.session.save(() => res.redirect(303, this.base(found)));
  }

  // ---------------------------------------------------------------------------

  private found(slug: string, variant: string): { slug: string; variant: Audience } {
    const found = this.acceptance.variantOf(slug, variant);
    if (!found) throw new NotFoundException();
    return found;
  }

  private base(found: { slug: string; variant: Audience }) {
    return staffVariantPath(found);
  }

  private actor(req: Request): string {
    return req.session.accountId!;
  }

  private values(dto: CriterionDto): Record<string, string> {
    return Object.fromEntries(CRITERION_FIELDS.map((f) => [f, dto[f]]));
  }

  private notice(
    req: Request,
    key: string,
    titles: { titleFr: string; titleEn: string },
    locale: Locale,
  ) {
    req.session.acceptanceNotice = {
      key,
      title: locale === 'fr' ? titles.titleFr : titles.titleEn,
    };
  }

  private async renderVariant(
    req: Request,
    res: Response,
    status: number,
    found: { slug: string; variant: Audience },
    data: {
      values: Record<string, string>;
      errors?: FieldError[];
      notice?: { key: string; title: string };
    },
  ) {
    const locale = res.locals.locale as Locale;
    const roles = res.locals.staffRoles as StaffRole[];
    const report = await this.reports.variant(found.slug, found.variant);
    res.status(status).render('acceptance/staff-variant', {
      ...this.presenter.variant(found, report, holdsRole(roles, WRITERS), data, locale),
      csrfToken: csrfToken(req),
    });
  }

  private renderEdit(
    req: Request,
    res: Response,
    status: number,
    found: { slug: string; variant: Audience },
    id: string,
    values: Record<string, string>,
    errors: FieldError[] = [],
  ) {
    const locale = res.locals.locale as Locale;
    renderForm(
      req,
      res,
      this.i18n,
      { view: 'acceptance/staff-edit', titleKey: 'acceptance.staff.edit.title' },
      status,
      this.presenter.edit(found, id, values, errors, locale),
    );
  }
}
