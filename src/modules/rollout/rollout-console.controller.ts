import {
  Controller,
  Get,
  NotFoundException,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { text } from '../../platform/forms/form.js';
import { FormBody, FormPage } from '../../platform/forms/form-page.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { CurrentOrigin, type RequestOrigin } from '../audit/request-origin.js';
import { SignInRedirectFilter } from '../accounts/signed-in.guard.js';
import {
  CurrentStaff,
  RecentSignIn,
  StaffRoles,
  StaffRolesGuard,
  type StaffActor,
} from '../staff/staff-roles.guard.js';
import {
  DECISION_DTO_FIELDS,
  DecisionDto,
  DetachCohortDto,
  type DecisionForm,
} from './dto/decision.dto.js';
import { GATE_IDS, isChecklistItem } from './gates.js';
import { DECIDERS, RolloutConsolePresenter, VIEWERS } from './rollout-console.presenter.js';
import { RolloutConsoleReadModel } from './rollout-console.read-model.js';
import { RolloutReconciler } from './rollout-reconciler.service.js';
import { rolloutRefusal } from './rollout.refusals.js';
import {
  RolloutError,
  RolloutService,
  type CitizensCarried,
  type PlanRecord,
  type RolloutActor,
} from './rollout.service.js';
import { isGatedPromotion } from './stages.js';
import { WhoSeesWhatReadModel, type WhoQuery } from './who-sees-what.read-model.js';

/** What the console reads of a decision taken: its kind, and its details (a carried citizen twin). */
type DecisionOutcome = { kind: string; details?: Record<string, unknown> };

declare module 'express-session' {
  interface SessionData {
    /** Shown once on the plan page after a decision. */
    rolloutNotice?: { key: string; synced: boolean };
  }
}

/**
 * The rollout console (`/staff/rollout`): every service variant's stage,
 * cohorts and gates at a glance; a page per variant with its plan, gates,
 * checklist, decisions, drift and the actions. The rules live in RolloutService;
 * after each decision this instance reconciles Unleash at once, so the change
 * applies from its next request (the page says "pending sync" if Unleash is down).
 */
@Controller('staff/rollout')
@UseGuards(StaffRolesGuard)
@UseFilters(SignInRedirectFilter)
@StaffRoles(...VIEWERS)
export class RolloutConsoleController {
  constructor(
    private readonly rollout: RolloutService,
    private readonly reconciler: RolloutReconciler,
    private readonly consoleReadModel: RolloutConsoleReadModel,
    private readonly i18n: I18nService,
    private readonly who: WhoSeesWhatReadModel,
    private readonly presenter: RolloutConsolePresenter,
  ) {}

  @Get()
  async overview(@Res() res: Response) {
    const rows = await Promise.all(
      (await this.consoleReadModel.overview()).map(async (row) => ({
        ...row,
        gates: isGatedPromotion(row.variant, row.stage)
          ? await this.rollout.gates(await this.rollout.plan(row.slug, row.variant))
          : undefined,
      })),
    );
    await this.presenter.overview(res, rows);
  }

  @Get('who-sees-what')
  async whoSeesWhat(@Query() query: Record<string, unknown>, @Res() res: Response) {
    const typed: WhoQuery = {
      kind: text(query.kind),
      neq: text(query.neq).replace(/\D/g, ''),
      email: text(query.email),
      audience: text(query.audience),
      id: text(query.id),
      employeeCount: text(query.employeeCount),
      staff: text(query.staff),
    };
    this.presenter.who(res, typed, await this.who.answer(typed));
  }

  @Get(':slug/:variant')
  async show(
    @Param('slug') slug: string,
    @Param('variant') variant: string,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const plan = await this.findPlan(slug, variant);
    const notice = req.session.rolloutNotice;
    if (notice) delete req.session.rolloutNotice;
    await this.presenter.show(req, res, plan, { notice, status: 200 });
  }

  /**
   * Every decision on a plan: `promote`, `rollback`, `pause`, `resume`,
   * `percentage`, `cohorts` (attach), `checklist`, `settings`, `schedule`.
   */
  @Post(':slug/:variant/:action')
  @StaffRoles(...DECIDERS)
  @RecentSignIn('/staff/rollout/:slug/:variant')
  @FormPage(RolloutConsolePresenter)
  async act(
    @Param('slug') slug: string,
    @Param('variant') variant: string,
    @Param('action') action: string,
    @FormBody(DecisionDto, DECISION_DTO_FIELDS) dto: DecisionDto,
    @CurrentStaff() staff: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const decision = Object.hasOwn(this.decisions, action)
      ? this.decisions[action as DecisionForm]
      : undefined;
    if (!decision) throw new NotFoundException();
    const plan = await this.findPlan(slug, variant);
    await this.decide(req, res, plan, action as DecisionForm, () =>
      decision.run({ accountId: staff.accountId, origin }, plan, dto),
    );
  }

  /** The rule each decision form runs. */
  private readonly decisions: Record<
    DecisionForm,
    {
      run: (actor: RolloutActor, plan: PlanRecord, v: DecisionDto) => Promise<DecisionOutcome>;
    }
  > = {
    promote: {
      run: (actor, plan, v) =>
        this.rollout.promote(actor, plan.slug, plan.variant, {
          expectedStage: v.expectedStage,
          reason: v.reason,
          override: v.override === 'yes',
        }),
    },
    rollback: {
      run: (actor, plan, v) =>
        this.rollout.rollback(actor, plan.slug, plan.variant, {
          expectedStage: v.expectedStage,
          reason: v.reason,
          override: v.override === 'yes',
        }),
    },
    pause: {
      run: (actor, plan, v) =>
        this.rollout.pause(actor, plan.slug, plan.variant, {
          reason: v.reason,
          override: v.override === 'yes',
        }),
    },
    resume: {
      run: (actor, plan, v) =>
        this.rollout.resume(actor, plan.slug, plan.variant, {
          reason: v.reason,
          override: v.override === 'yes',
        }),
    },
    percentage: {
      run: (actor, plan, v) =>
        this.rollout.setPercentageAsTyped(actor, plan.slug, plan.variant, {
          percentage: v.percentage,
          reason: v.reason,
        }),
    },
    cohorts: {
      run: (actor, plan, v) =>
        this.rollout.attachCohort(actor, plan.slug, plan.variant, {
          cohortId: v.cohort,
          reason: v.reason,
        }),
    },
    checklist: {
      run: (actor, plan, v) => {
        if (!isChecklistItem(v.item)) throw new NotFoundException();
        return this.rollout.setChecklistItem(actor, plan.slug, plan.variant, {
          item: v.item,
          ticked: v.ticked === 'yes',
        });
      },
    },
    settings: {
      run: (actor, plan, v) =>
        this.rollout.setSettingsAsTyped(actor, plan.slug, plan.variant, {
          reason: v.reason,
          driftPolicy: v.driftPolicy,
          thresholds: Object.fromEntries(GATE_IDS.map((id) => [id, v[`threshold-${id}`]])),
        }),
    },
    schedule: {
      run: (actor, plan, v) =>
        this.rollout.scheduleAsTyped(actor, plan.slug, plan.variant, {
          date: v.date,
          time: v.time,
          reason: v.reason,
        }),
    },
  };

  @Post(':slug/:variant/cohorts/:cohortId/detach')
  @StaffRoles(...DECIDERS)
  @RecentSignIn('/staff/rollout/:slug/:variant')
  @FormPage(RolloutConsolePresenter)
  async detach(
    @Param('slug') slug: string,
    @Param('variant') variant: string,
    @Param('cohortId') cohortId: string,
    @FormBody(DetachCohortDto, ['reason']) dto: DetachCohortDto,
    @CurrentStaff() staff: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const plan = await this.findPlan(slug, variant);
    await this.decide(req, res, plan, 'cohorts', () =>
      this.rollout.detachCohort({ accountId: staff.accountId, origin }, plan.slug, plan.variant, {
        cohortId,
        reason:
          dto.reason || this.i18n.t(res.locals.locale as Locale, 'rollout.cohorts.detachedReason'),
      }),
    );
  }

  @Post(':slug/:variant/schedules/:id/cancel')
  @StaffRoles(...DECIDERS)
  @RecentSignIn('/staff/rollout/:slug/:variant')
  @FormPage(RolloutConsolePresenter)
  async cancelSchedule(
    @Param('slug') slug: string,
    @Param('variant') variant: string,
    @Param('id') id: string,
    @CurrentStaff() staff: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const plan = await this.findPlan(slug, variant);
    const reason = this.i18n.t(res.locals.locale as Locale, 'rollout.schedule.cancelledReason');
    await this.decide(req, res, plan, 'schedule', () =>
      this.rollout.cancelSchedule({ accountId: staff.accountId, origin }, plan.slug, plan.variant, {
        scheduleId: /^[0-9a-f-]{36}$/i.test(id) ? id : '00000000-0000-0000-0000-000000000000',
        reason,
      }),
    );
  }

  private async findPlan(slug: string, variant: string): Promise<PlanRecord> {
    try {
      return await this.rollout.planAsTyped(slug, variant);
    } catch (error) {
      if (error instanceof RolloutError) throw new NotFoundException();
      throw error;
    }
  }

  /**
   * Runs a decision; on success reconciles at once and redirects to the plan
   * page with a notice. A refusal (rollout.refusals.ts) goes back to the plan
   * page (RolloutConsolePresenter), its message beside the decision form's input.
   */
  private async decide(
    req: Request,
    res: Response,
    plan: PlanRecord,
    form: DecisionForm,
    action: () => Promise<DecisionOutcome>,
  ) {
    let outcome: DecisionOutcome;
    try {
      outcome = await action();
    } catch (error) {
      if (!(error instanceof RolloutError)) throw error;
      const locale = res.locals.locale as Locale;
      throw rolloutRefusal(error.code, form, this.presenter.failing(locale, error.gates));
    }
    const synced = await this.reconciler.syncNow();
    // A business rollback or pause also says what it did to the citizens (ADR 0034).
    const citizens = (outcome.details?.citizens as CitizensCarried | undefined)?.outcome;
    const key = `rollout.notices.${outcome.kind}${citizens ? `-citizens-${citizens}` : ''}`;
    req.session.rolloutNotice = { key, synced };
    req.session.save(() => res.redirect(303, `/staff/rollout/${plan.slug}/${plan.variant}`));
  }
}
