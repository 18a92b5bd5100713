import {
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
import { FormBody, FormPage } from '../../platform/forms/form-page.js';
import type { Locale } from '../../platform/i18n/i18n.service.js';
import { CurrentOrigin, type RequestOrigin } from '../audit/request-origin.js';
import { SignInRedirectFilter } from '../accounts/signed-in.guard.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import {
  CurrentStaff,
  RecentSignIn,
  StaffRoles,
  StaffRolesGuard,
  type StaffActor,
} from '../staff/staff-roles.guard.js';
import {
  REVISION_DTO_FIELDS,
  REVISION_FORMS,
  RevisionDecisionDto,
  type RevisionForm,
} from './dto/revision-decision.dto.js';
import { revisionRefusal } from './revision-console.refusals.js';
import { RevisionConsolePresenter, revisionPage } from './revision-console.presenter.js';
import { RevisionRolloutService } from './revision-rollout.service.js';
import { DECIDERS, VIEWERS } from './rollout-console.presenter.js';
import { RolloutReconciler } from './rollout-reconciler.service.js';
import { RolloutError, type RolloutActor } from './rollout.service.js';

/**
 * The rollout console's revision pages (ADR 0032): a page per service
 * (`/staff/rollout/:slug/revisions`) with each variant's current revision, the
 * candidate on the revision track, who gets which revision, the candidate's
 * gates on its own evidence beside the current revision's figures, and the
 * decisions; its forms start, promote, release to citizens before every SME,
 * set a percentage, or roll back (RevisionRolloutService holds every rule).
 * After a decision this instance reconciles Unleash at once.
 *
 * Registered before RolloutConsoleController: its `:slug/:variant` routes
 * would take `revisions` for a variant.
 */
@Controller('staff/rollout')
@UseGuards(StaffRolesGuard)
@UseFilters(SignInRedirectFilter)
@StaffRoles(...VIEWERS)
export class RevisionConsoleController {
  constructor(
    private readonly revisions: RevisionRolloutService,
    private readonly reconciler: RolloutReconciler,
    private readonly catalogue: CatalogueService,
    private readonly presenter: RevisionConsolePresenter,
  ) {}

  @Get(':slug/revisions')
  async show(@Param('slug') slug: string, @Req() req: Request, @Res() res: Response) {
    this.assertService(slug);
    const notice = req.session.rolloutNotice;
    if (notice) delete req.session.rolloutNotice;
    await this.presenter.show(req, res, slug, { notice, status: 200 });
  }

  /** Every decision on the service's candidate: `start`, `promote`, `citizens`, `percentage`, `rollback`. */
  @Post(REVISION_FORMS.map((form) => `:slug/revisions/${form}`))
  @StaffRoles(...DECIDERS)
  @RecentSignIn('/staff/rollout/:slug/revisions')
  @FormPage(RevisionConsolePresenter)
  async decide(
    @Param('slug') slug: string,
    @FormBody(RevisionDecisionDto, REVISION_DTO_FIELDS) dto: RevisionDecisionDto,
    @CurrentStaff() staff: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    this.assertService(slug);
    const form = revisionPage(req).form;
    const actor: RolloutActor = { accountId: staff.accountId, origin };
    let outcome: { kind: string };
    try {
      outcome = await this.decisions[form](actor, slug, dto);
    } catch (error) {
      if (!(error instanceof RolloutError)) throw error;
      const locale = res.locals.locale as Locale;
      throw revisionRefusal(error.code, form, this.presenter.failing(locale, error.gates));
    }
    const synced = await this.reconciler.syncNow();
    req.session.rolloutNotice = { key: `revisionRollout.notices.${outcome.kind}`, synced };
    req.session.save(() => res.redirect(303, `/staff/rollout/${slug}/revisions`));
  }

  /** The rule each form runs. */
  private readonly decisions: Record<
    RevisionForm,
    (actor: RolloutActor, slug: string, v: RevisionDecisionDto) => Promise<{ kind: string }>
  > = {
    start: (actor, slug, v) =>
      this.revisions.start(actor, slug, { revision: v.revision, reason: v.reason }),
    promote: (actor, slug, v) =>
      this.revisions.promote(actor, slug, {
        expectedStage: v.expectedStage,
        reason: v.reason,
        override: v.override === 'yes',
      }),
    citizens: (actor, slug, v) =>
      this.revisions.promote(actor, slug, {
        expectedStage: v.expectedStage,
        reason: v.reason,
        override: v.override === 'yes',
        toCitizens: true,
      }),
    percentage: (actor, slug, v) =>
      this.revisions.setPercentage(actor, slug, {
        expectedStage: v.expectedStage,
        variant: v.variant,
        percentage: v.percentage,
        reason: v.reason,
      }),
    rollback: (actor, slug, v) =>
      this.revisions.rollback(actor, slug, { expectedStage: v.expectedStage, reason: v.reason }),
  };

  private assertService(slug: string) {
    if (!this.catalogue.find(slug)) throw new NotFoundException();
  }
}
