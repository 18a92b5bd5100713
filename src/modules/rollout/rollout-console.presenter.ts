import { Injectable, NotFoundException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AUDIENCES, type Audience } from '../../platform/flags/flag-context.js';
import { errorsByField, type FieldError } from '../../platform/forms/form.js';
import {
  formValuesOf,
  type FormPageRenderer,
  type FormState,
} from '../../platform/forms/form-page.js';
import { csrfToken } from '../../platform/http/sessions.js';
import { cityDateFormat } from '../../platform/i18n/city-time.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { holdsRole, type StaffRole } from '../staff/staff-role.js';
import { DECISION_FIELDS, type DecisionForm } from './dto/decision.dto.js';
import { GATE_IDS, GATE_RULES, type GateResult } from './gates.js';
import { RevisionConsoleReadModel } from './revision-console.read-model.js';
import {
  RolloutConsoleReadModel,
  type DecisionRow,
  type OverviewRow,
} from './rollout-console.read-model.js';
import { RolloutService, type PlanRecord } from './rollout.service.js';
import {
  isGatedPromotion,
  nextStage,
  previousStage,
  stageKind,
  track,
  type Stage,
} from './stages.js';
import { smeFirstHolds, type VariantReach } from './sme-first.js';
import { variantFlag } from './variant-flags.js';
import type {
  RevisionVerdict,
  VariantVerdict,
  WhoAnswer,
  WhoQuery,
} from './who-sees-what.read-model.js';

/** Who may change a plan (the others only look). */
export const DECIDERS: StaffRole[] = ['admin', 'rollout-manager'];
/** Who may look at the console and its revision pages. */
export const VIEWERS: StaffRole[] = [...DECIDERS, 'analyst'];

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

/** An overview row with its gates, when its next promotion is gated. */
export type OverviewWithGates = OverviewRow & { gates?: GateResult[] };

/**
 * The rollout console's pages: the overview, and a plan's page with its gates,
 * checklist, decisions, drift and the decision forms. Also the page a refused
 * decision goes back to (the message beside the decision form's input, what
 * was typed in that form kept).
 */
@Injectable()
export class RolloutConsolePresenter implements FormPageRenderer {
  constructor(
    private readonly rollout: RolloutService,
    private readonly consoleReadModel: RolloutConsoleReadModel,
    private readonly revisionReadModel: RevisionConsoleReadModel,
    private readonly catalogue: CatalogueService,
    private readonly i18n: I18nService,
  ) {}

  /** A refused decision: the plan as it is now, the refusal in the decision's form. */
  async render(req: Request, res: Response, status: number, form: FormState) {
    if (status === 404) throw new NotFoundException();
    const plan = await this.rollout.plan(String(req.params.slug), req.params.variant as Audience);
    const error = form.errors[0];
    const decision = (error?.field.split('-')[0] ?? '') as DecisionForm;
    const fields = DECISION_FIELDS[decision] ?? [];
    const typed = formValuesOf(req);
    await this.show(req, res, plan, {
      status,
      errors: form.errors,
      values: Object.fromEntries(
        Object.entries(typed)
          .filter(([k]) => fields.includes(k))
          .map(([k, v]) => [`${decision}-${k}`, v]),
      ),
      showOverride: form.refusal?.code === 'gates-failing' || form.refusal?.code === 'sme-first',
    });
  }

  /** "Who sees what": the question as typed, its problems, or the subject and its verdicts. */
  who(res: Response, values: WhoQuery, answer: WhoAnswer) {
    const locale = res.locals.locale as Locale;
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const errors: FieldError[] = answer.problems.map((p) => ({
      field: p.field,
      message: t(p.key),
    }));
    const { resolved, verdicts } = answer;
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
            reasonLabel: [
              t(`rollout.who.reason.${v.reason}`, { cohorts: v.cohorts.join(', ') }),
              ...(v.heldByPlan ? [t('rollout.who.heldByPlan')] : []),
            ].join(' '),
            revisionLabel: v.revision && this.revisionReason(t, v, v.revision),
          })),
      })),
    });
  }

  /** "Revision 2 — candidate, Pilot – SMEs: member of cohort …": the revision someone gets, and why. */
  private revisionReason(
    t: (key: string, vars?: Record<string, unknown>) => string,
    v: VariantVerdict,
    { revision, rollout, reason }: RevisionVerdict,
  ): string {
    return t(`rollout.who.revisionReason.${reason}`, {
      revision,
      candidate: rollout?.revision ?? '',
      stage: rollout ? t(`rollout.stage.${rollout.stage}`) : '',
      percentage: rollout?.percentage ?? '',
      audience: v.variant,
      cohorts: v.cohorts.join(', '),
      count: v.cohorts.length,
    });
  }

  /** The names of the gates that do not pass, for a refusal's message. */
  failing(locale: Locale, gates: GateResult[]): string {
    return gates
      .filter((g) => g.status !== 'pass')
      .map((g) => this.i18n.t(locale, `rollout.gates.${g.id}.name`))
      .join(', ');
  }

  async overview(res: Response, rows: OverviewWithGates[]) {
    const locale = res.locals.locale as Locale;
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const candidates = await this.revisionReadModel.candidates();
    res.render('rollout/overview', {
      pageTitle: t('rollout.overview.title'),
      navActive: 'staff',
      staffNavActive: 'rollout',
      // "Revision N in <stage>" per service with a candidate (ADR 0032).
      revisions: this.catalogue.all().map((service) => {
        const candidate = candidates.find((c) => c.slug === service.slug);
        return {
          slug: service.slug,
          title: service.title[locale],
          href: `/staff/rollout/${service.slug}/revisions`,
          candidate: candidate
            ? t('revisionRollout.overview.inStage', {
                revision: candidate.revision,
                stage: t(`rollout.stage.${candidate.stage}`),
              })
            : undefined,
        };
      }),
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

  async show(
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
    const roles = res.locals.staffRoles as StaffRole[];
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
    const smeFirst = await this.smeFirstNotes(t, plan, previous);
    const gated = isGatedPromotion(plan.variant, plan.stage);
    const errors = state.errors ?? [];
    const variantLabel = t(`rollout.variant.${plan.variant}`);
    const gateView = (g: GateResult) => gateResultView(t, g);
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
      smeFirst,
      notice: state.notice ? { text: t(state.notice.key), synced: state.notice.synced } : undefined,
      canDecide: holdsRole(roles, DECIDERS),
      serviceTitle: service.title[locale],
      variantLabel,
      flag: variantFlag(plan.slug, plan.variant),
      base: `/staff/rollout/${plan.slug}/${plan.variant}`,
      revisionsHref: `/staff/rollout/${plan.slug}/revisions`,
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
        hint: GATE_RULES[id].optional
          ? t('rollout.gates.optionalHint', { threshold: GATE_RULES[id].default })
          : undefined,
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
        resolutionLabel: d.segment
          ? t('rollout.drift.segmentCorrected', { segment: d.segment })
          : t(`rollout.drift.${d.resolution}`),
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

  /**
   * What SME-first makes of the rollback, pause and resume forms (ADR 0034),
   * said on the page before anyone presses the button: on the business
   * variant, whether the citizen twin is carried along (and the override that
   * keeps citizens where they are); on the citizen variant, whether resuming
   * needs an override.
   */
  private async smeFirstNotes(
    t: (key: string, vars?: Record<string, unknown>) => string,
    plan: PlanRecord,
    previous: Stage | undefined,
  ) {
    const twin = await this.rollout.plan(
      plan.slug,
      plan.variant === 'business' ? 'citizen' : 'business',
    );
    if (plan.variant === 'business') {
      const citizens = { citizens: t(`rollout.stage.${twin.stage}`) };
      const carries = (business: VariantReach) =>
        !smeFirstHolds(business, twin, twin.smeFirstOverride);
      const rollback = previous && carries({ stage: previous, paused: plan.paused });
      const pause = !plan.paused && carries({ stage: plan.stage, paused: true });
      return {
        rollback: rollback
          ? {
              note: t('rollout.smeFirst.rollbackCarries', citizens),
              keep: t('rollout.smeFirst.keepCitizens', citizens),
            }
          : undefined,
        pause: pause
          ? {
              note: t('rollout.smeFirst.pauseCarries', citizens),
              keep: t('rollout.smeFirst.keepCitizensOpen', citizens),
            }
          : undefined,
      };
    }
    const resume =
      plan.paused &&
      !smeFirstHolds(twin, { stage: plan.stage, paused: false }, plan.smeFirstOverride);
    return {
      resume: resume
        ? {
            note: t('rollout.smeFirst.resumeBreaks', { smes: t(`rollout.stage.${twin.stage}`) }),
            keep: t('rollout.actions.override'),
          }
        : undefined,
    };
  }
}

/** A gate's value, threshold and verdict as the console's pages show them. */
export function gateResultView(
  t: (key: string, vars?: Record<string, unknown>) => string,
  g: GateResult,
) {
  return {
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
  };
}
