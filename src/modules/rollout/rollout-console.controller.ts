import {
  Body,
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
import { AUDIENCES, type Audience } from '../../platform/flags/flag-context.js';
import { text, type FieldError } from '../../platform/forms/form.js';
import { errorsByField } from '../../platform/forms/form.js';
import { csrfToken } from '../../platform/http/sessions.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { requestOrigin } from '../audit/request-origin.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { SignInRedirectFilter, StaffRoles, StaffRolesGuard } from '../staff/staff-roles.guard.js';
import type { StaffRole } from '../staff/staff-role.js';
import { GATE_IDS, isChecklistItem, isGateId, type GateResult, type Thresholds } from './gates.js';
import { RolloutConsoleReadModel, type DecisionRow } from './rollout-console.read-model.js';
import { RolloutReconciler } from './rollout-reconciler.service.js';
import {
  RolloutError,
  RolloutService,
  type PlanRecord,
  type RolloutActor,
  type RolloutErrorCode,
} from './rollout.service.js';
import {
  isGatedPromotion,
  nextStage,
  previousStage,
  stageKind,
  track,
  type Stage,
} from './stages.js';
import { variantFlag } from './variant-access.service.js';
import { WhoSeesWhatService, type Subject } from './who-sees-what.service.js';

declare module 'express-session' {
  interface SessionData {
    /** Shown once on the plan page after a decision. */
    rolloutNotice?: { key: string; synced: boolean };
  }
}

/** Who may look at the console, and who may change a plan. */
const VIEWERS: StaffRole[] = ['admin', 'rollout-manager', 'analyst'];
const DECIDERS: StaffRole[] = ['admin', 'rollout-manager'];

/** The govuk-tag colour of each stage kind. */
const STAGE_TAG: Record<string, string> = {
  closed: 'govuk-tag--grey',
  internal: 'govuk-tag--purple',
  pilot: 'govuk-tag--yellow',
  gradual: 'govuk-tag--blue',
  all: 'govuk-tag--green',
};

const GATE_TAG: Record<GateResult['status'], string> = {
  pass: 'govuk-tag--green',
  fail: 'govuk-tag--red',
  'no-data': 'govuk-tag--grey',
};

/** Which form on the plan page a field belongs to, so its error is shown there. */
type ActionForm =
  | 'promote'
  | 'rollback'
  | 'pause'
  | 'resume'
  | 'percentage'
  | 'cohorts'
  | 'checklist'
  | 'settings'
  | 'schedule';

/** Each refusal: its HTTP status, and the field its message sits beside. */
function refusal(code: RolloutErrorCode, form: ActionForm): { status: number; field: string } {
  switch (code) {
    case 'plan-not-found':
      return { status: 404, field: `${form}-reason` };
    case 'stage-changed':
    case 'already-paused':
    case 'not-paused':
    case 'no-next-stage':
    case 'no-previous-stage':
    case 'schedule-not-found':
      return { status: 409, field: `${form}-reason` };
    case 'gates-failing':
    case 'sme-first':
      return { status: 422, field: `${form}-override` };
    case 'reason-required':
      return { status: 422, field: `${form}-reason` };
    case 'percentage-invalid':
      return { status: 422, field: 'percentage-percentage' };
    case 'cohort-not-found':
    case 'cohort-audience':
      return { status: 422, field: 'cohorts-cohort' };
    case 'schedule-in-past':
      return { status: 422, field: 'schedule-date' };
    case 'threshold-invalid':
      return { status: 422, field: 'settings-thresholds' };
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
    private readonly catalogue: CatalogueService,
    private readonly i18n: I18nService,
    private readonly who: WhoSeesWhatService,
  ) {}

  @Get()
  async overview(@Res() res: Response) {
    const locale = res.locals.locale as Locale;
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const rows = await Promise.all(
      (await this.consoleReadModel.overview()).map(async (row) => ({
        ...row,
        gates: isGatedPromotion(row.variant, row.stage)
          ? await this.rollout.gates(await this.rollout.plan(row.slug, row.variant))
          : undefined,
      })),
    );
    res.render('rollout/overview', {
      pageTitle: t('rollout.overview.title'),
      navActive: 'staff',
      staffNavActive: 'rollout',
      services: this.catalogue.all().map((service) => ({
        title: service.title[locale],
        variants: AUDIENCES.map((variant) => {
          const row = rows.find((r) => r.slug === service.slug && r.variant === variant);
          const stage: Stage = row?.stage ?? 'closed';
          return {
            href: `/staff/rollout/${service.slug}/${variant}`,
            variantLabel: t(`rollout.variant.${variant}`),
            flag: variantFlag(service.slug, variant),
            stage,
            stageLabel: t(`rollout.stage.${stage}`),
            stageTag: STAGE_TAG[stageKind(variant, stage)],
            paused: row?.paused ?? false,
            cohorts: row?.cohorts.join(', ') || t('rollout.overview.noCohorts'),
            gates: row?.gates
              ? t('rollout.overview.gatesPassing', {
                  passing: row.gates.filter((g) => g.status === 'pass').length,
                  total: row.gates.length,
                })
              : t('rollout.overview.gatesNotApplicable'),
            gatesAllPass: row?.gates?.every((g) => g.status === 'pass') ?? false,
            pending: row ? row.syncedVersion < row.version : false,
            syncError: row?.syncError ?? undefined,
            drift: row?.recentDrift ?? 0,
          };
        }),
      })),
    });
  }

  @Get('who-sees-what')
  async whoSeesWhat(@Query() query: Record<string, unknown>, @Res() res: Response) {
    const locale = res.locals.locale as Locale;
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const values = {
      kind: text(query.kind),
      neq: text(query.neq).replace(/\D/g, ''),
      email: text(query.email),
      audience: text(query.audience),
      id: text(query.id),
      employeeCount: text(query.employeeCount),
      staff: text(query.staff),
    };
    const errors: FieldError[] = [];
    let subject: Subject | undefined;
    if (values.kind === 'sme') {
      if (!/^\d{10}$/.test(values.neq))
        errors.push({ field: 'neq', message: t('rollout.who.errors.neq') });
      else subject = { kind: 'sme', neq: values.neq };
    } else if (values.kind === 'person') {
      if (!/^[^\s@]+@[^\s@]+$/.test(values.email))
        errors.push({ field: 'email', message: t('rollout.who.errors.email') });
      else subject = { kind: 'person', email: values.email };
    } else if (values.kind === 'attributes') {
      const count = values.employeeCount === '' ? undefined : Number(values.employeeCount);
      if (values.audience !== 'business' && values.audience !== 'citizen')
        errors.push({ field: 'audience', message: t('rollout.who.errors.audience') });
      if (!/^[\w-]{1,64}$/.test(values.id))
        errors.push({ field: 'id', message: t('rollout.who.errors.id') });
      if (count !== undefined && !(Number.isInteger(count) && count >= 0))
        errors.push({ field: 'employeeCount', message: t('rollout.who.errors.employeeCount') });
      if (errors.length === 0)
        subject = {
          kind: 'attributes',
          audience: values.audience as Audience,
          id: values.id,
          employeeCount: count,
          staff: values.staff === 'yes',
        };
    } else if (values.kind !== '') {
      errors.push({ field: 'kind-sme', message: t('rollout.who.errors.kind') });
    }
    const resolved = subject ? await this.who.resolve(subject) : undefined;
    if (subject && !resolved)
      errors.push({
        field: subject.kind === 'sme' ? 'neq' : 'email',
        message: t(
          subject.kind === 'sme' ? 'rollout.who.errors.noSme' : 'rollout.who.errors.noPerson',
        ),
      });
    const verdicts = resolved ? await this.who.verdicts(resolved.context) : [];
    res.status(errors.length > 0 ? 422 : 200).render('rollout/who', {
      pageTitle: t('rollout.who.title'),
      navActive: 'staff',
      staffNavActive: 'rollout',
      hasErrors: errors.length > 0,
      errors,
      fieldErrors: errorsByField(errors),
      values,
      subject: resolved
        ? {
            label: resolved.label,
            audience: t(`rollout.variant.${resolved.context.properties.audience}`),
            userId: resolved.context.userId,
            staff: resolved.context.properties.staff === 'true',
          }
        : undefined,
      services: this.catalogue.all().map((service) => ({
        title: service.title[locale],
        variants: verdicts
          .filter((v) => v.slug === service.slug)
          .map((v) => ({
            ...v,
            variantLabel: t(`rollout.variant.${v.variant}`),
            stageLabel: t(`rollout.stage.${v.stage}`),
            reasonLabel: t(`rollout.who.reason.${v.reason}`, { cohorts: v.cohorts.join(', ') }),
          })),
      })),
    });
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
    await this.renderPlan(req, res, plan, { notice, status: 200 });
  }

  @Post(':slug/:variant/promote')
  @StaffRoles(...DECIDERS)
  async promote(
    @Param('slug') slug: string,
    @Param('variant') variant: string,
    @Body() body: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const plan = await this.findPlan(slug, variant);
    const values = formValues(body, ['expectedStage', 'reason', 'override']);
    await this.decide(req, res, plan, 'promote', values, () =>
      this.rollout.promote(this.actor(req, res), plan.slug, plan.variant, {
        expectedStage: values.expectedStage,
        reason: values.reason,
        override: values.override === 'yes',
      }),
    );
  }

  @Post(':slug/:variant/rollback')
  @StaffRoles(...DECIDERS)
  async rollback(
    @Param('slug') slug: string,
    @Param('variant') variant: string,
    @Body() body: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const plan = await this.findPlan(slug, variant);
    const values = formValues(body, ['expectedStage', 'reason']);
    await this.decide(req, res, plan, 'rollback', values, () =>
      this.rollout.rollback(this.actor(req, res), plan.slug, plan.variant, values),
    );
  }

  @Post(':slug/:variant/pause')
  @StaffRoles(...DECIDERS)
  async pause(
    @Param('slug') slug: string,
    @Param('variant') variant: string,
    @Body() body: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const plan = await this.findPlan(slug, variant);
    const values = formValues(body, ['reason']);
    await this.decide(req, res, plan, 'pause', values, () =>
      this.rollout.pause(this.actor(req, res), plan.slug, plan.variant, values),
    );
  }

  @Post(':slug/:variant/resume')
  @StaffRoles(...DECIDERS)
  async resume(
    @Param('slug') slug: string,
    @Param('variant') variant: string,
    @Body() body: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const plan = await this.findPlan(slug, variant);
    const values = formValues(body, ['reason']);
    await this.decide(req, res, plan, 'resume', values, () =>
      this.rollout.resume(this.actor(req, res), plan.slug, plan.variant, values),
    );
  }

  @Post(':slug/:variant/percentage')
  @StaffRoles(...DECIDERS)
  async percentage(
    @Param('slug') slug: string,
    @Param('variant') variant: string,
    @Body() body: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const plan = await this.findPlan(slug, variant);
    const values = formValues(body, ['percentage', 'reason']);
    const percentage = /^\d{1,3}$/.test(values.percentage) ? Number(values.percentage) : NaN;
    await this.decide(req, res, plan, 'percentage', values, () =>
      this.rollout.setPercentage(this.actor(req, res), plan.slug, plan.variant, {
        percentage,
        reason: values.reason,
      }),
    );
  }

  @Post(':slug/:variant/cohorts')
  @StaffRoles(...DECIDERS)
  async attach(
    @Param('slug') slug: string,
    @Param('variant') variant: string,
    @Body() body: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const plan = await this.findPlan(slug, variant);
    const values = formValues(body, ['cohort', 'reason']);
    await this.decide(req, res, plan, 'cohorts', values, () =>
      this.rollout.attachCohort(this.actor(req, res), plan.slug, plan.variant, {
        cohortId: values.cohort,
        reason: values.reason,
      }),
    );
  }

  @Post(':slug/:variant/cohorts/:cohortId/detach')
  @StaffRoles(...DECIDERS)
  async detach(
    @Param('slug') slug: string,
    @Param('variant') variant: string,
    @Param('cohortId') cohortId: string,
    @Body() body: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const plan = await this.findPlan(slug, variant);
    const values = formValues(body, ['reason']);
    await this.decide(req, res, plan, 'cohorts', values, () =>
      this.rollout.detachCohort(this.actor(req, res), plan.slug, plan.variant, {
        cohortId,
        reason:
          values.reason ||
          this.i18n.t(res.locals.locale as Locale, 'rollout.cohorts.detachedReason'),
      }),
    );
  }

  @Post(':slug/:variant/checklist')
  @StaffRoles(...DECIDERS)
  async checklist(
    @Param('slug') slug: string,
    @Param('variant') variant: string,
    @Body() body: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const plan = await this.findPlan(slug, variant);
    const values = formValues(body, ['item', 'ticked']);
    if (!isChecklistItem(values.item)) throw new NotFoundException();
    const item = values.item;
    await this.decide(req, res, plan, 'checklist', values, () =>
      this.rollout.setChecklistItem(this.actor(req, res), plan.slug, plan.variant, {
        item,
        ticked: values.ticked === 'yes',
      }),
    );
  }

  @Post(':slug/:variant/settings')
  @StaffRoles(...DECIDERS)
  async settings(
    @Param('slug') slug: string,
    @Param('variant') variant: string,
    @Body() body: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const plan = await this.findPlan(slug, variant);
    const values = formValues(body, [
      'reason',
      'driftPolicy',
      ...GATE_IDS.map((id) => `threshold-${id}`),
    ]);
    const thresholds: Thresholds = {};
    let invalid = false;
    for (const id of GATE_IDS) {
      const raw = values[`threshold-${id}`].replace(',', '.');
      if (raw === '') continue;
      const value = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
      if (Number.isNaN(value)) invalid = true;
      else if (isGateId(id)) thresholds[id] = value;
    }
    await this.decide(req, res, plan, 'settings', values, () => {
      if (invalid) throw new RolloutError('threshold-invalid');
      return this.rollout.setSettings(this.actor(req, res), plan.slug, plan.variant, {
        reason: values.reason,
        thresholds,
        driftPolicy: values.driftPolicy === 'adopt' ? 'adopt' : 'correct',
      });
    });
  }

  @Post(':slug/:variant/schedule')
  @StaffRoles(...DECIDERS)
  async schedule(
    @Param('slug') slug: string,
    @Param('variant') variant: string,
    @Body() body: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const plan = await this.findPlan(slug, variant);
    const values = formValues(body, ['date', 'time', 'reason']);
    const runAt = cityDateTime(values.date, values.time);
    await this.decide(req, res, plan, 'schedule', values, () => {
      if (!runAt) throw new RolloutError('schedule-in-past');
      return this.rollout.schedule(this.actor(req, res), plan.slug, plan.variant, {
        runAt,
        reason: values.reason,
      });
    });
  }

  @Post(':slug/:variant/schedules/:id/cancel')
  @StaffRoles(...DECIDERS)
  async cancelSchedule(
    @Param('slug') slug: string,
    @Param('variant') variant: string,
    @Param('id') id: string,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const plan = await this.findPlan(slug, variant);
    const reason = this.i18n.t(res.locals.locale as Locale, 'rollout.schedule.cancelledReason');
    await this.decide(req, res, plan, 'schedule', {}, () =>
      this.rollout.cancelSchedule(this.actor(req, res), plan.slug, plan.variant, {
        scheduleId: /^[0-9a-f-]{36}$/i.test(id) ? id : '00000000-0000-0000-0000-000000000000',
        reason,
      }),
    );
  }

  private actor(req: Request, res: Response): RolloutActor {
    return { accountId: req.session.accountId!, origin: requestOrigin(req, res) };
  }

  private async findPlan(slug: string, variant: string): Promise<PlanRecord> {
    if (!this.catalogue.find(slug) || !(AUDIENCES as readonly string[]).includes(variant))
      throw new NotFoundException();
    try {
      return await this.rollout.plan(slug, variant as Audience);
    } catch (error) {
      if (error instanceof RolloutError) throw new NotFoundException();
      throw error;
    }
  }

  /**
   * Runs a decision; on success reconciles at once and redirects to the plan
   * page with a notice; a refusal re-renders the page with the message beside
   * the form's field and what was typed kept.
   */
  private async decide(
    req: Request,
    res: Response,
    plan: PlanRecord,
    form: ActionForm,
    values: Record<string, string>,
    action: () => Promise<{ kind: string }>,
  ) {
    const locale = res.locals.locale as Locale;
    try {
      const outcome = await action();
      const synced = await this.reconciler.syncNow();
      req.session.rolloutNotice = { key: `rollout.notices.${outcome.kind}`, synced };
      return req.session.save(() =>
        res.redirect(303, `/staff/rollout/${plan.slug}/${plan.variant}`),
      );
    } catch (error) {
      if (!(error instanceof RolloutError)) throw error;
      const { status, field } = refusal(error.code, form);
      if (status === 404) throw new NotFoundException();
      const fresh = await this.rollout.plan(plan.slug, plan.variant);
      const message = this.i18n.t(locale, `rollout.errors.${error.code}`, {
        failing: error.gates
          .filter((g) => g.status !== 'pass')
          .map((g) => this.i18n.t(locale, `rollout.gates.${g.id}.name`))
          .join(', '),
      });
      await this.renderPlan(req, res, fresh, {
        status,
        errors: [{ field, message }],
        values: Object.fromEntries(Object.entries(values).map(([k, v]) => [`${form}-${k}`, v])),
        showOverride: error.code === 'gates-failing' || error.code === 'sme-first',
      });
    }
  }

  private async renderPlan(
    req: Request,
    res: Response,
    plan: PlanRecord,
    state: {
      status: number;
      notice?: { key: string; synced: boolean };
      errors?: FieldError[];
      values?: Record<string, string>;
      showOverride?: boolean;
    },
  ) {
    const locale = res.locals.locale as Locale;
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const service = this.catalogue.find(plan.slug)!;
    const role = res.locals.staffRole as StaffRole;
    const [gates, decisions, drift, schedules, cohorts] = await Promise.all([
      this.rollout.gates(plan),
      this.consoleReadModel.decisions(plan.slug, plan.variant),
      this.consoleReadModel.drift(plan.slug, plan.variant),
      this.consoleReadModel.schedules(plan.slug, plan.variant),
      this.consoleReadModel.cohorts(plan.variant),
    ]);
    const dateTime = new Intl.DateTimeFormat(locale === 'fr' ? 'fr-CA' : 'en-CA', {
      dateStyle: 'long',
      timeStyle: 'short',
      timeZone: 'America/Toronto',
    });
    const next = nextStage(plan.variant, plan.stage);
    const previous = previousStage(plan.variant, plan.stage);
    const gated = isGatedPromotion(plan.variant, plan.stage);
    const errors = state.errors ?? [];
    const variantLabel = t(`rollout.variant.${plan.variant}`);
    const gateView = (g: GateResult) => ({
      ...g,
      name: t(`rollout.gates.${g.id}.name`),
      valueLabel:
        g.value === null
          ? t('rollout.gates.noData')
          : t(`rollout.gates.${g.id}.value`, { value: g.value }),
      thresholdLabel: t(`rollout.gates.comparator.${g.comparator}`, {
        threshold: t(`rollout.gates.${g.id}.value`, { value: g.threshold }),
      }),
      statusLabel: t(`rollout.gates.status.${g.status}`),
      statusTag: GATE_TAG[g.status],
    });
    res.status(state.status).render('rollout/plan', {
      pageTitle: `${service.title[locale]} (${variantLabel}) – ${t('rollout.plan.title')}`,
      navActive: 'staff',
      staffNavActive: 'rollout',
      csrfToken: csrfToken(req),
      hasErrors: errors.length > 0,
      errors,
      fieldErrors: errorsByField(errors),
      values: state.values ?? {},
      showOverride: state.showOverride ?? false,
      notice: state.notice ? { text: t(state.notice.key), synced: state.notice.synced } : undefined,
      canDecide: DECIDERS.includes(role),
      serviceTitle: service.title[locale],
      variantLabel,
      flag: variantFlag(plan.slug, plan.variant),
      base: `/staff/rollout/${plan.slug}/${plan.variant}`,
      plan,
      stageLabel: t(`rollout.stage.${plan.stage}`),
      stageTag: STAGE_TAG[stageKind(plan.variant, plan.stage)],
      isGradual: stageKind(plan.variant, plan.stage) === 'gradual',
      track: track(plan.variant).map((stage) => ({
        stage,
        label: t(`rollout.stage.${stage}`),
        current: stage === plan.stage,
      })),
      next: next ? { stage: next, label: t(`rollout.stage.${next}`) } : undefined,
      previous: previous ? { stage: previous, label: t(`rollout.stage.${previous}`) } : undefined,
      gated,
      gatesAllPass: gates.every((g) => g.status === 'pass'),
      gates: gates.map(gateView),
      pending: plan.syncedVersion < plan.version,
      syncedAt: plan.syncedAt ? dateTime.format(plan.syncedAt) : undefined,
      checklist: plan.checklist.map((c) => ({
        ...c,
        label: t(`rollout.checklist.${c.item}`),
        tickedAtLabel: c.tickedAt ? dateTime.format(c.tickedAt) : undefined,
      })),
      attachable: cohorts
        .filter((c) => !plan.cohorts.some((p) => p.id === c.id))
        .map((c) => ({ value: c.id, text: `${c.name} (${c.members})` })),
      driftPolicyAdopt: plan.driftPolicy === 'adopt',
      thresholdFields: GATE_IDS.map((id) => ({
        id,
        name: `threshold-${id}`,
        label: t(`rollout.gates.${id}.name`),
        value: state.values?.[`settings-threshold-${id}`] ?? plan.thresholds[id] ?? '',
        placeholder: gates.find((g) => g.id === id)?.threshold,
      })),
      schedules: schedules.map((s) => ({
        ...s,
        runAtLabel: dateTime.format(s.runAt),
        toLabel: t(`rollout.stage.${s.toStage}`),
        statusLabel: t(`rollout.schedule.status.${s.status}`),
      })),
      drift: drift.map((d) => ({
        ...d,
        detectedLabel: dateTime.format(d.detectedAt),
        resolutionLabel: t(`rollout.drift.${d.resolution}`),
      })),
      decisions: decisions.map((d: DecisionRow) => ({
        ...d,
        atLabel: dateTime.format(d.createdAt),
        kindLabel: t(`rollout.decisions.kind.${d.kind}`),
        fromLabel: d.fromStage ? t(`rollout.stage.${d.fromStage}`) : '',
        toLabel: d.toStage ? t(`rollout.stage.${d.toStage}`) : '',
        moved: d.fromStage !== d.toStage,
        actor: d.actorName ?? t('rollout.decisions.system'),
        gates: d.gates.map(gateView),
      })),
    });
  }
}

function formValues<K extends string>(body: Record<string, unknown>, keys: K[]): Record<K, string> {
  return Object.fromEntries(
    keys.map((key) => [key, key === 'reason' ? multilineText(body?.[key]) : text(body?.[key])]),
  ) as Record<K, string>;
}

function multilineText(value: unknown): string {
  return typeof value === 'string' ? value.replace(/\r\n/g, '\n').trim().slice(0, 2000) : '';
}

/** A date (YYYY-MM-DD) and time (HH:MM) in the city's time zone, or undefined. */
export function cityDateTime(date: string, time: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !/^\d{2}:\d{2}$/.test(time)) return undefined;
  const naive = new Date(`${date}T${time}:00Z`);
  if (Number.isNaN(naive.getTime())) return undefined;
  // The offset of America/Toronto at that moment (EST/EDT), applied to the naive UTC time.
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'America/Toronto',
    timeZoneName: 'longOffset',
  }).formatToParts(naive);
  const offset = parts.find((p) => p.type === 'timeZoneName')?.value ?? 'GMT-05:00';
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(offset);
  const minutes = match
    ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]))
    : 0;
  return new Date(naive.getTime() - minutes * 60_000);
}
