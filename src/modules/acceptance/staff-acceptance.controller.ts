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
import { AUDIENCES, type Audience } from '../../platform/flags/flag-context.js';
import { errorsByField, validateForm, type FieldError } from '../../platform/forms/form.js';
import { renderForm } from '../../platform/forms/render-form.js';
import { csrfToken } from '../../platform/http/sessions.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { formatDateTime } from '../../platform/i18n/city-time.js';
import { requestOrigin } from '../audit/request-origin.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { RolloutReadModel } from '../rollout/rollout.read-model.js';
import { stageKind } from '../rollout/stages.js';
import { SignInRedirectFilter } from '../accounts/signed-in.guard.js';
import { StaffRoles, StaffRolesGuard } from '../staff/staff-roles.guard.js';
import type { StaffRole } from '../staff/staff-role.js';
import { MAX_CRITERION_DESCRIPTION, MAX_CRITERION_TITLE } from './acceptance-options.js';
import { OUTCOME_TAG } from './acceptance.controller.js';
import { AcceptanceReadModel, type CriterionVerdict } from './acceptance.read-model.js';
import { AcceptanceService } from './acceptance.service.js';
import { CRITERION_FIELDS, CriterionDto, criterionInput } from './dto/acceptance.dto.js';
import { formatNumber } from '../feedback/feedback-view.js';

declare module 'express-session' {
  interface SessionData {
    /** Shown once on a variant's criteria page after a change. */
    acceptanceNotice?: { key: string; title: string };
  }
}

/** Who may read the criteria and their results, and who may write them. */
const READERS: StaffRole[] = ['admin', 'rollout-manager', 'analyst'];
const WRITERS: StaffRole[] = ['admin', 'rollout-manager'];

const VERDICT_TAG: Record<CriterionVerdict, string> = {
  passed: 'govuk-tag--green',
  failed: 'govuk-tag--red',
  blocked: 'govuk-tag--orange',
  untested: 'govuk-tag--grey',
};

const GATE_TAG = {
  pass: 'govuk-tag--green',
  fail: 'govuk-tag--red',
  'no-data': 'govuk-tag--grey',
} as const;

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
    private readonly catalogue: CatalogueService,
    private readonly i18n: I18nService,
  ) {}

  @Get()
  async overview(@Res() res: Response) {
    const locale = res.locals.locale as Locale;
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const [summaries, stages] = await Promise.all([this.reports.overview(), this.rollout.stages()]);
    res.render('acceptance/staff-overview', {
      pageTitle: t('acceptance.staff.overview.title'),
      ...this.nav(),
      services: this.catalogue.all().map((service) => ({
        title: service.title[locale],
        variants: AUDIENCES.map((variant) => {
          const summary = summaries.find((s) => s.slug === service.slug && s.variant === variant);
          const stage = stages.get(`${service.slug}.${variant}`)?.stage ?? 'closed';
          return {
            key: `${service.slug}.${variant}`,
            href: `/staff/acceptance/${service.slug}/${variant}`,
            label: t(`rollout.variant.${variant}`),
            stage: t(`rollout.stage.${stage}`),
            active: summary?.active ?? 0,
            retired: summary?.retired ?? 0,
            testers: summary?.testers ?? 0,
          };
        }),
      })),
    });
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
    return `/staff/acceptance/${found.slug}/${found.variant}`;
  }

  private actor(req: Request): string {
    return req.session.accountId!;
  }

  private nav() {
    return { navActive: 'staff', staffNavActive: 'acceptance' };
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

  private fieldLimits(locale: Locale) {
    return {
      maxTitle: formatNumber(MAX_CRITERION_TITLE, locale),
      maxTitleValue: MAX_CRITERION_TITLE,
      maxDescription: formatNumber(MAX_CRITERION_DESCRIPTION, locale),
      maxDescriptionValue: MAX_CRITERION_DESCRIPTION,
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
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const role = res.locals.staffRole as StaffRole;
    const report = await this.reports.variant(found.slug, found.variant);
    const service = this.catalogue.find(found.slug)!;
    const variantLabel = t(`rollout.variant.${found.variant}`);
    const errors = data.errors ?? [];
    const criterion = (c: (typeof report.criteria)[number]) => ({
      id: c.id,
      position: c.position,
      title: c.title,
      description: c.description,
      passed: c.passed,
      failed: c.failed,
      blocked: c.blocked,
      others: c.others,
      verdict: c.verdict,
      verdictLabel: t(`acceptance.staff.verdict.${c.verdict}`),
      verdictTag: VERDICT_TAG[c.verdict],
      retired: c.retiredAt
        ? t('acceptance.staff.variant.retiredOn', {
            at: formatDateTime(c.retiredAt, locale),
            name: c.retiredBy ?? t('acceptance.staff.variant.someone'),
          })
        : undefined,
      editHref: `${this.base(found)}/criteria/${c.id}/edit`,
      retireAction: `${this.base(found)}/criteria/${c.id}/retire`,
      notes: c.notes.map((n) => ({
        outcome: t(`acceptance.outcome.${n.outcome}`),
        tag: OUTCOME_TAG[n.outcome],
        note: n.note,
        tester: n.tester,
        recordedBy: n.recordedBy && n.recordedBy !== n.tester ? n.recordedBy : undefined,
        at: formatDateTime(n.at, locale),
        feedbackReference: n.feedbackReference,
      })),
    });
    const figures = report.figures;
    res.status(status).render('acceptance/staff-variant', {
      pageTitle: t('acceptance.staff.variant.title', {
        service: service.title[locale],
        variant: variantLabel,
      }),
      ...this.nav(),
      ...this.fieldLimits(locale),
      hasErrors: errors.length > 0,
      errors,
      fieldErrors: errorsByField(errors),
      values: data.values,
      csrfToken: csrfToken(req),
      notice: data.notice ? t(data.notice.key, { title: data.notice.title }) : undefined,
      canWrite: WRITERS.includes(role),
      serviceTitle: service.title[locale],
      variantLabel,
      action: `${this.base(found)}/criteria`,
      rolloutHref: `/staff/rollout/${found.slug}/${found.variant}`,
      stageLabel: t(`rollout.stage.${report.stage}`),
      paused: report.paused,
      trial: ['pilot', 'gradual'].includes(stageKind(found.variant, report.stage)),
      cohorts: report.cohorts.map((c) =>
        t('acceptance.staff.variant.cohortMembers', { name: c.name, count: c.members }),
      ),
      gate: {
        status: report.gate.status,
        statusLabel: t(`rollout.gates.status.${report.gate.status}`),
        tag: GATE_TAG[report.gate.status],
        figure: figures
          ? t('acceptance.staff.variant.figure', {
              passed: figures.passed,
              total: figures.total,
              percent: report.gate.value ?? 0,
            })
          : t('acceptance.staff.variant.noCriteria'),
        threshold: t('acceptance.staff.variant.threshold', { threshold: report.gate.threshold }),
      },
      active: report.criteria.filter((c) => !c.retiredAt).map(criterion),
      retired: report.criteria.filter((c) => c.retiredAt).map(criterion),
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
      {
        ...this.nav(),
        ...this.fieldLimits(locale),
        values,
        errors,
        backLink: this.base(found),
        serviceTitle: this.catalogue.find(found.slug)!.title[locale],
        variantLabel: this.i18n.t(locale, `rollout.variant.${found.variant}`),
        action: `${this.base(found)}/criteria/${id}/edit`,
      },
    );
  }
}
