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
import { isRevisionForm, REVISION_FIELDS, type RevisionForm } from './dto/revision-decision.dto.js';
import { isGateId, PilotEvidence, type GateResult, type RevisionFigures } from './gates.js';
import {
  RevisionConsoleReadModel,
  type RevisionDecisionRow,
  type ServiceRevisionsRow,
} from './revision-console.read-model.js';
import { RevisionRolloutService, type RevisionRolloutRecord } from './revision-rollout.service.js';
import {
  candidateOf,
  nextRevisionStage,
  REVISION_TRACK,
  revisionBreaksSmeFirst,
  revisionStageVariant,
} from './revision-track.js';
import { candidateReach } from './desired-state.js';
import { DECIDERS, gateResultView } from './rollout-console.presenter.js';
import { RolloutService, type PlanRecord } from './rollout.service.js';
import { stageKind } from './stages.js';

/** The variants in the order a revision reaches them: SMEs first. */
const SME_FIRST: readonly Audience[] = ['business', 'citizen'];

/** The service and the form of a revision page's request (`…/revisions/<form>`). */
export function revisionPage(req: Request): { slug: string; form: RevisionForm } {
  const last = req.path.split('/').pop();
  return { slug: String(req.params.slug), form: isRevisionForm(last) ? last : 'start' };
}

interface PageState {
  status: number;
  notice?: { key: string; synced: boolean };
  errors?: FieldError[];
  values?: Record<string, string>;
  showOverride?: boolean;
}

/**
 * A service's revision page on the rollout console (ADR 0032): what each
 * variant serves, the candidate on the revision track and who gets it, its
 * gates on its own evidence beside the current revision's figures, the
 * decisions, and the forms. Also the page a refused decision goes back to (the
 * message beside the form's input, what was typed in that form kept).
 */
@Injectable()
export class RevisionConsolePresenter implements FormPageRenderer {
  constructor(
    private readonly revisions: RevisionRolloutService,
    private readonly rollout: RolloutService,
    private readonly readModel: RevisionConsoleReadModel,
    private readonly evidence: PilotEvidence,
    private readonly catalogue: CatalogueService,
    private readonly i18n: I18nService,
  ) {}

  async render(req: Request, res: Response, status: number, form: FormState) {
    const { slug, form: decision } = revisionPage(req);
    if (status === 404 || !this.catalogue.find(slug)) throw new NotFoundException();
    const fields = REVISION_FIELDS[decision];
    const typed = formValuesOf(req);
    await this.show(req, res, slug, {
      status,
      errors: form.errors.map((e) =>
        e.field.startsWith(`${decision}-`) ? e : { ...e, field: `${decision}-${e.field}` },
      ),
      values: Object.fromEntries(
        Object.entries(typed)
          .filter(([k]) => fields.includes(k))
          .map(([k, v]) => [`${decision}-${k}`, v]),
      ),
      showOverride: form.refusal?.code === 'gates-failing' || form.refusal?.code === 'sme-first',
    });
  }

  /** The names of the gates that do not pass, for a refusal's message. */
  failing(locale: Locale, gates: GateResult[]): string {
    return gates
      .filter((g) => g.status !== 'pass')
      .map((g) => this.i18n.t(locale, `rollout.gates.${g.id}.name`))
      .join(', ');
  }

  async show(req: Request, res: Response, slug: string, state: PageState) {
    const locale = res.locals.locale as Locale;
    const t = (key: string, vars?: Record<string, unknown>) =>
      this.i18n.t(locale, `revisionRollout.${key}`, vars);
    const service = this.catalogue.find(slug);
    const served = await this.readModel.service(slug);
    if (!service || !served) throw new NotFoundException();
    const roles = res.locals.staffRoles as StaffRole[];
    const [candidate, decisions, plans] = await Promise.all([
      this.revisions.candidate(slug),
      this.readModel.decisions(slug),
      Promise.all(AUDIENCES.map((variant) => this.rollout.plan(slug, variant))),
    ]);
    const planOf = (variant: Audience) => plans.find((p) => p.variant === variant)!;
    const dateTime = cityDateFormat(locale, { time: true });
    const errors = state.errors ?? [];
    const values = state.values ?? {};
    const base = `/staff/rollout/${slug}/revisions`;
    const title = service.title[locale];

    const gates = candidate ? await this.revisions.gates(candidate) : undefined;
    const next = candidate ? nextRevisionStage(candidate.stage) : undefined;
    const failingGates = gates?.gated ? gates.gates.some((g) => g.status !== 'pass') : false;
    const smeFirst =
      candidate && next ? revisionBreaksSmeFirst(next, candidate.businessStage) : false;
    const baseRevision = served.current.business ?? served.current.citizen;

    res.status(state.status).render('rollout/revisions', {
      pageTitle: `${title} – ${t('title')}`,
      navActive: 'staff',
      staffNavActive: 'rollout',
      csrfToken: csrfToken(req),
      hasErrors: errors.length > 0,
      errors,
      fieldErrors: errorsByField(errors),
      values,
      notice: state.notice
        ? { text: this.i18n.t(locale, state.notice.key), synced: state.notice.synced }
        : undefined,
      canDecide: holdsRole(roles, DECIDERS),
      serviceTitle: title,
      base,
      pending: plans.some((p) => p.syncedVersion < p.version),
      variants: SME_FIRST.map((variant) => ({
        variant,
        label: this.i18n.t(locale, `rollout.variant.${variant}`),
        current: served.current[variant],
        href: `/staff/rollout/${slug}/${variant}`,
        accessLabel: this.i18n.t(locale, `rollout.stage.${planOf(variant).stage}`),
        paused: planOf(variant).paused,
      })),
      candidate: candidate && {
        ...candidate,
        stageLabel: this.i18n.t(locale, `rollout.stage.${candidate.stage}`),
        startedAtLabel: dateTime.format(candidate.startedAt),
        smesBehind:
          candidate.businessStage !== candidate.stage &&
          revisionStageVariant(candidate.stage) === 'citizen',
        businessStageLabel: this.i18n.t(locale, `rollout.stage.${candidate.businessStage}`),
        compareHref:
          baseRevision === null
            ? undefined
            : `/staff/services/${slug}/compare?from=${baseRevision}&to=${candidate.revision}`,
        baseRevision,
      },
      track: candidate ? this.track(locale, candidate) : [],
      who: SME_FIRST.map((variant) =>
        this.who(locale, variant, planOf(variant), served, candidate),
      ),
      gates: gates && {
        variantLabel: this.i18n.t(locale, `rollout.variant.${gates.variant}`),
        gated: gates.gated,
        allPass: !failingGates,
        rows: gates.gates.map((g) => this.gateView(locale, g)),
      },
      comparisons: candidate ? await this.comparisons(locale, candidate) : [],
      startable: candidate
        ? []
        : served.revisions
            .filter(
              (r) =>
                r.state === 'ready' &&
                !(served.current.business === r.number && served.current.citizen === r.number),
            )
            .map((r) => ({
              value: String(r.number),
              text: t('start.option', { number: r.number }),
              selected: values['start-revision'] === String(r.number),
            })),
      next: next && {
        stage: next,
        label:
          next === 'current'
            ? t('promote.toCurrent', { revision: candidate!.revision })
            : t('promote.to', { stage: this.i18n.t(locale, `rollout.stage.${next}`) }),
        gated: gates?.gated ?? false,
        failingGates,
        smeFirst,
        offerOverride: failingGates || smeFirst || (state.showOverride ?? false),
      },
      canReleaseToCitizens: candidate
        ? candidate.stage === 'sme-pilot' || candidate.stage === 'sme-gradual'
        : false,
      percentageVariants: candidate
        ? SME_FIRST.map((variant) => ({
            value: variant,
            label: this.i18n.t(locale, `rollout.variant.${variant}`),
            percentage: candidate.percentage[variant],
            checked:
              (values['percentage-variant'] ?? revisionStageVariant(candidate.stage)) === variant,
          }))
        : [],
      percentageValue:
        values['percentage-percentage'] ??
        (candidate ? String(candidate.percentage[revisionStageVariant(candidate.stage)]) : ''),
      decisions: decisions.map((d) => this.decisionView(locale, d, dateTime)),
    });
  }

  /** The six stages and "current", with where the candidate is (and where the SMEs are). */
  private track(locale: Locale, candidate: RevisionRolloutRecord) {
    const at = REVISION_TRACK.indexOf(candidate.stage);
    return [
      ...REVISION_TRACK.map((stage, index) => ({
        stage,
        label: this.i18n.t(locale, `rollout.stage.${stage}`),
        here: stage === candidate.stage,
        done: index < at,
        smes: stage === candidate.businessStage && stage !== candidate.stage,
      })),
      {
        stage: 'current',
        label: this.i18n.t(locale, 'revisionRollout.track.current'),
        here: false,
        done: false,
        smes: false,
      },
    ];
  }

  /** In plain words: who gets which revision of `variant` now. */
  private who(
    locale: Locale,
    variant: Audience,
    plan: PlanRecord,
    served: ServiceRevisionsRow,
    candidate: RevisionRolloutRecord | undefined,
  ) {
    const t = (key: string, vars?: Record<string, unknown>) =>
      this.i18n.t(locale, `revisionRollout.who.${key}`, vars);
    const label = this.i18n.t(locale, `rollout.variant.${variant}`);
    const current = served.current[variant];
    const access = stageKind(variant, plan.stage);
    const people = {
      people: t(`people.${variant}.plural`),
      every: t(`people.${variant}.every`),
      others: t(`people.${variant}.others`),
    };
    const lines: { revision?: number; text: string }[] = [];
    if (current === null) lines.push({ text: t('unreleased') });
    else if (access === 'closed') lines.push({ text: t('closed') });
    else {
      const offered = candidate ? candidateOf(candidate, variant) : undefined;
      const reach =
        offered && candidate!.revision !== current
          ? candidateReach(access, offered, plan.gradualPercentage)
          : undefined;
      const cohorts = plan.cohorts.map((c) => c.name).join(', ') || t('noCohorts');
      if (reach && offered) {
        const percentage = reach.percentage;
        lines.push({
          revision: offered.revision,
          text: t(`candidate.${reach.kind}`, { cohorts, percentage, ...people }),
        });
        if (reach.kind !== 'all') lines.push({ revision: current, text: t('others', people) });
      } else lines.push({ revision: current, text: t('everyone', people) });
      if (access !== 'all')
        lines.push({
          text: t('narrower', { stage: this.i18n.t(locale, `rollout.stage.${plan.stage}`) }),
        });
    }
    if (plan.paused) lines.push({ text: t('paused') });
    return { variant, label, lines };
  }

  /** The candidate's figures beside the current revision's, for each variant it reached. */
  private async comparisons(locale: Locale, candidate: RevisionRolloutRecord) {
    const number = new Intl.NumberFormat(locale === 'fr' ? 'fr-CA' : 'en-CA', {
      maximumFractionDigits: 1,
    });
    const t = (key: string, vars?: Record<string, unknown>) =>
      this.i18n.t(locale, `revisionRollout.compare.${key}`, vars);
    const reached = AUDIENCES.filter(
      (v) => v === 'business' || revisionStageVariant(candidate.stage) === 'citizen',
    );
    const shown = [];
    for (const variant of reached) {
      const current = candidate.current[variant];
      if (current === null || current === candidate.revision) continue;
      const comparison = await this.evidence.compareRevisions(
        candidate.slug,
        variant,
        { candidate: candidate.revision, current },
        candidate.startedAt,
      );
      const titles = await this.stepTitles(locale, candidate.slug, [candidate.revision, current]);
      const measure = (key: keyof RevisionFigures, format: (v: number) => string) => ({
        label: t(`measure.${key}`),
        candidate: this.figure(comparison.candidate[key] as number | null, format, t('none')),
        current: this.figure(comparison.current[key] as number | null, format, t('none')),
      });
      const steps = [
        ...comparison.candidate.steps.map((s) => s.step),
        ...comparison.current.steps.map((s) => s.step),
      ].filter((s, i, all) => all.indexOf(s) === i);
      const cell = (figures: RevisionFigures, step: string) => {
        const s = figures.steps.find((x) => x.step === step);
        return s
          ? {
              saves: number.format(s.saves),
              refused: number.format(s.refused),
              errors: number.format(s.errors),
            }
          : { saves: '–', refused: '–', errors: '–' };
      };
      shown.push({
        variant,
        variantLabel: this.i18n.t(locale, `rollout.variant.${variant}`),
        candidate: candidate.revision,
        current,
        caption: t('caption', {
          variant: this.i18n.t(locale, `rollout.variant.${variant}`),
          since: cityDateFormat(locale, { time: true }).format(comparison.since),
        }),
        measures: [
          measure('started', (v) => number.format(v)),
          measure('submitted', (v) => number.format(v)),
          measure('completionRate', (v) => `${number.format(v)} %`),
          measure('feedback', (v) => number.format(v)),
          measure('averageSatisfaction', (v) => `${number.format(v)} / 5`),
        ],
        steps: steps.map((step) => ({
          step,
          title: titles.get(step) ?? step,
          candidate: cell(comparison.candidate, step),
          current: cell(comparison.current, step),
        })),
      });
    }
    return shown;
  }

  private figure(value: number | null, format: (v: number) => string, none: string): string {
    return value === null ? none : format(value);
  }

  /** The steps' titles in the revisions shown (the candidate's first). */
  private async stepTitles(locale: Locale, slug: string, revisions: number[]) {
    const titles = new Map<string, string>();
    for (const revision of revisions) {
      const definition = await this.catalogue.revisionOf(slug, revision);
      for (const step of definition?.form.steps ?? [])
        if (!titles.has(step.slug)) titles.set(step.slug, step.title[locale]);
    }
    return titles;
  }

  private gateView(locale: Locale, g: GateResult) {
    return gateResultView((key, vars) => this.i18n.t(locale, key, vars), g);
  }

  private decisionView(locale: Locale, d: RevisionDecisionRow, dateTime: Intl.DateTimeFormat) {
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const stageLabel = (stage: string | null) =>
      stage === null
        ? ''
        : stage === 'current'
          ? t('revisionRollout.track.current')
          : t(`rollout.stage.${stage}`);
    const failing = Array.isArray(d.details.failingGates)
      ? (d.details.failingGates as unknown[]).filter(isGateId)
      : [];
    return {
      ...d,
      atLabel: dateTime.format(d.createdAt),
      kindLabel: t(`revisionRollout.decisions.kind.${d.kind}`, { revision: d.revision }),
      fromLabel: stageLabel(d.fromStage),
      toLabel: stageLabel(d.toStage),
      moved: d.fromStage !== null && d.toStage !== null && d.fromStage !== d.toStage,
      smeFirst: d.details.smeFirst === true,
      actor: d.actorName ?? t('rollout.decisions.system'),
      failing: failing.map((id) => t(`rollout.gates.${id}.name`)).join(', '),
      changes: this.changes(locale, d.details.changes),
      evidence: this.evidenceAtDecision(locale, d.details.evidence),
      gates: d.gates.map((g) => this.gateView(locale, g)),
    };
  }

  /** The candidate's figures beside the current revision's when decided (`details.evidence`). */
  private evidenceAtDecision(locale: Locale, recorded: unknown): string | undefined {
    const figures = (value: unknown) =>
      typeof value === 'object' && value !== null ? (value as Partial<RevisionFigures>) : {};
    if (typeof recorded !== 'object' || recorded === null) return undefined;
    const { candidate, current } = recorded as { candidate?: unknown; current?: unknown };
    const [c, k] = [figures(candidate), figures(current)];
    if (typeof c.revision !== 'number' || typeof k.revision !== 'number') return undefined;
    return this.i18n.t(locale, 'revisionRollout.decisions.evidence', {
      candidate: c.revision,
      candidateStarted: c.started ?? 0,
      candidateSubmitted: c.submitted ?? 0,
      current: k.revision,
      currentStarted: k.started ?? 0,
      currentSubmitted: k.submitted ?? 0,
    });
  }

  /** The summary of what changed, as the decision recorded it (`details.changes`). */
  private changes(locale: Locale, recorded: unknown): string[] {
    if (typeof recorded !== 'object' || recorded === null) return [];
    const t = (key: string, vars?: Record<string, unknown>) =>
      this.i18n.t(locale, `revisionRollout.decisions.changes.${key}`, vars);
    const changes = recorded as {
      steps?: { change: string; slug: string }[];
      fields?: { change: string; name: string; label?: Record<string, string> }[];
      rules?: string[];
      service?: string[];
    };
    const lines: string[] = [];
    for (const f of changes.fields ?? [])
      lines.push(
        t(`field.${['added', 'removed'].includes(f.change) ? f.change : 'changed'}`, {
          name: f.label?.[locale] ?? f.name,
        }),
      );
    for (const s of changes.steps ?? [])
      if (s.change !== 'unchanged')
        lines.push(
          t(`step.${['added', 'removed'].includes(s.change) ? s.change : 'changed'}`, {
            name: s.slug,
          }),
        );
    if (changes.rules?.length) lines.push(t('rules', { count: changes.rules.length }));
    if (changes.service?.length) lines.push(t('service', { count: changes.service.length }));
    return lines;
  }
}
