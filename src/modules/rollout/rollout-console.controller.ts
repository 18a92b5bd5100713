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
import { cityDateFormat, cityDateTime } from '../../platform/i18n/city-time.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { requestOrigin } from '../audit/request-origin.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { SignInRedirectFilter, StaffRoles, StaffRolesGuard } from '../staff/staff-roles.guard.js';
import type { StaffRole } from '../staff/staff-role.js';
import { GATE_IDS, isChecklistItem, type GateResult, type Thresholds } from './gates.js';
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

/** The decision forms of the plan page; a field's error is shown in its form. */
type DecisionForm =
  | 'promote'
  | 'rollback'
  | 'pause'
  | 'resume'
  | 'percentage'
  | 'cohorts'
  | 'checklist'
  | 'settings'
  | 'schedule';

type StageInput = { expectedStage?: string; reason: string };

/** Each refusal: its HTTP status, and the field its message sits beside. */
function refusal(code: RolloutErrorCode, form: DecisionForm): { status: number; field: string } {
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

  /**
   * Every decision on a plan: `promote`, `rollback`, `pause`, `resume`,
   * `percentage`, `cohorts` (attach), `checklist`, `settings`, `schedule`.
   */
  @Post(':slug/:variant/:action')
  @StaffRoles(...DECIDERS)
  async act(
    @Param('slug') slug: string,
    @Param('variant') variant: string,
    @Param('action') action: string,
    @Body() body: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const decision = Object.hasOwn(this.decisions, action)
      ? this.decisions[action as DecisionForm]
      : undefined;
    if (!decision) throw new NotFoundException();
    const plan = await this.findPlan(slug, variant);
    const values = formValues(body, decision.fields);
    await this.decide(req, res, plan, action as DecisionForm, values, () =>
      decision.run(this.actor(req, res), plan, values),
    );
  }

  /** What each decision form sends, and the rule it runs. */
  private readonly decisions: Record<
    DecisionForm,
    {
      fields: string[];
      run: (
        actor: RolloutActor,
        plan: PlanRecord,
        values: Record<string, string>,
      ) => Promise<{ kind: string }>;
    }
  > = {
    promote: {
      fields: ['expectedStage', 'reason', 'override'],
      run: (actor, plan, v) =>
        this.rollout.promote(actor, plan.slug, plan.variant, {
          expectedStage: v.expectedStage,
          reason: v.reason,
          override: v.override === 'yes',
        }),
    },
    rollback: {
      fields: ['expectedStage', 'reason'],
      run: (actor, plan, v) =>
        this.rollout.rollback(actor, plan.slug, plan.variant, v as StageInput),
    },
    pause: {
      fields: ['reason'],
      run: (actor, plan, v) => this.rollout.pause(actor, plan.slug, plan.variant, v as StageInput),
    },
    resume: {
      fields: ['reason'],
      run: (actor, plan, v) => this.rollout.resume(actor, plan.slug, plan.variant, v as StageInput),
    },
    percentage: {
      fields: ['percentage', 'reason'],
      run: (actor, plan, v) =>
        this.rollout.setPercentage(actor, plan.slug, plan.variant, {
          percentage: /^\d{1,3}$/.test(v.percentage) ? Number(v.percentage) : NaN,
          reason: v.reason,
        }),
    },
    cohorts: {
      fields: ['cohort', 'reason'],
      run: (actor, plan, v) =>
        this.rollout.attachCohort(actor, plan.slug, plan.variant, {
          cohortId: v.cohort,
          reason: v.reason,
        }),
    },
    checklist: {
      fields: ['item', 'ticked'],
      run: (actor, plan, v) => {
        if (!isChecklistItem(v.item)) throw new NotFoundException();
        return this.rollout.setChecklistItem(actor, plan.slug, plan.variant, {
          item: v.item,
          ticked: v.ticked === 'yes',
        });
      },
    },
    settings: {
      fields: ['reason', 'driftPolicy', ...GATE_IDS.map((id) => `threshold-${id}`)],
      run: (actor, plan, v) => {
        const thresholds: Thresholds = {};
        for (const id of GATE_IDS) {
          const raw = v[`threshold-${id}`].replace(',', '.');
          if (raw === '') continue;
          if (!/^\d+(\.\d+)?$/.test(raw)) throw new RolloutError('threshold-invalid');
          thresholds[id] = Number(raw);
        }
        return this.rollout.setSettings(actor, plan.slug, plan.variant, {
          reason: v.reason,
          thresholds,
          driftPolicy: v.driftPolicy === 'adopt' ? 'adopt' : 'correct',
        });
      },
    },
    schedule: {
      fields: ['date', 'time', 'reason'],
      run: (actor, plan, v) => {
        const runAt = cityDateTime(v.date, v.time);
        if (!runAt) throw new RolloutError('schedule-in-past');
        return this.rollout.schedule(actor, plan.slug, plan.variant, { runAt, reason: v.reason });
      },
    },
  };

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
    form: DecisionForm,
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
    const dateTime = cityDateFormat(locale, { time: true });
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
