import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AUDIENCES, type Audience } from '../../platform/flags/flag-context.js';
import { AuditService } from '../audit/audit.service.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import type { ServiceDefinition } from '../catalogue/service-definition.js';
import { compareRevisions } from '../studio/revision-comparison.js';
import { DraftMoves } from './draft-moves.js';
import { PilotEvidence, type GateResult } from './gates.js';
import { markPlanChanged, markPlansChanged } from './rollout-changes.js';
import { RolloutError, RolloutService, type RolloutActor } from './rollout.service.js';
import {
  candidateOf,
  isBusinessStage,
  isGatedRevisionStage,
  nextRevisionStage,
  revisionBreaksSmeFirst,
  revisionStageVariant,
  type BusinessRevisionStage,
  type RevisionRolloutState,
  type RevisionStage,
} from './revision-track.js';

/** A candidate in rollout, as the console shows it. */
export interface RevisionRolloutRecord extends RevisionRolloutState {
  slug: string;
  /** What each variant serves to everyone else. */
  current: Record<Audience, number | null>;
  startedAt: Date;
  startedBy: string | null;
}

/** The candidate's gates where it stands: on its own evidence, for the variant its stage reaches. */
export interface CandidateGates {
  variant: Audience;
  gates: GateResult[];
  /** Leaving this stage needs them to pass. */
  gated: boolean;
}

interface Decided {
  kind: 'revision-started' | 'revision-promoted' | 'revision-rolled-back' | 'revision-current';
  variant: Audience;
  from: RevisionStage | null;
  to: RevisionStage | 'current' | null;
  override?: boolean;
  gates: GateResult[];
  details: Record<string, unknown>;
}

interface TypedDecision {
  /** The stage the person saw when they decided: a concurrent change makes this a 409. */
  expectedStage?: string;
  reason: string;
}

/**
 * Every revision released SME-first (ADR 0032). A service has at most one
 * candidate revision in rollout; it moves along the revision track
 * (revision-track.ts) on rollout managers' decisions, each one transaction:
 * the candidate's row, a decision record (with what changed from the current
 * revision and the candidate's own evidence), an audit event, and a change of
 * the variants' plans, so the reconciler makes Unleash give each person the
 * revision the track says. The service's row is locked for the decision, as
 * the studio locks it to release or withdraw a revision.
 */
@Injectable()
export class RevisionRolloutService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly rollout: RolloutService,
    private readonly catalogue: CatalogueService,
    private readonly drafts: DraftMoves,
    private readonly evidence: PilotEvidence,
  ) {}

  /** The service's candidate in rollout, if it has one. */
  async candidate(
    slug: string,
    manager?: EntityManager,
  ): Promise<RevisionRolloutRecord | undefined> {
    const db = manager ?? this.dataSource.manager;
    const [row] = await db.query<
      {
        revision: number;
        stage: RevisionStage;
        business_stage: BusinessRevisionStage;
        business_percentage: number;
        citizen_percentage: number;
        started_at: Date;
        started_by: string | null;
        business_revision: number | null;
        citizen_revision: number | null;
      }[]
    >(
      `SELECT revision_rollout.revision, revision_rollout.stage, revision_rollout.business_stage,
              revision_rollout.business_percentage, revision_rollout.citizen_percentage,
              revision_rollout.started_at, account.display_name AS started_by,
              service.business_revision, service.citizen_revision
         FROM revision_rollout
         JOIN service ON service.slug = revision_rollout.service_slug
         LEFT JOIN account ON account.id = revision_rollout.started_by
        WHERE revision_rollout.service_slug = $1`,
      [slug],
    );
    if (!row) return undefined;
    return {
      slug,
      revision: row.revision,
      stage: row.stage,
      businessStage: row.business_stage,
      percentage: { business: row.business_percentage, citizen: row.citizen_percentage },
      current: { business: row.business_revision, citizen: row.citizen_revision },
      startedAt: row.started_at,
      startedBy: row.started_by,
    };
  }

  /** The candidate's gates at its stage, on its own evidence. */
  async gates(candidate: RevisionRolloutRecord, manager?: EntityManager): Promise<CandidateGates> {
    const variant = revisionStageVariant(candidate.stage);
    const plan = await this.rollout.plan(candidate.slug, variant, manager);
    return {
      variant,
      gates: await this.rollout.gates(plan, candidate.revision),
      gated: isGatedRevisionStage(candidate.stage),
    };
  }

  /**
   * Starts a ready revision's rollout at the SME pilot: the business
   * variant's pilot cohorts (and staff) get it; everyone else keeps the
   * current revision. One candidate per service at a time.
   */
  async start(
    actor: RolloutActor,
    slug: string,
    input: { revision: string | number; reason: string },
  ) {
    // As typed or given: a revision number PostgreSQL can hold, else "not ready".
    const revision = /^[1-9]\d{0,8}$/.test(String(input.revision).trim())
      ? Number(String(input.revision).trim())
      : NaN;
    return this.decide(actor, slug, { reason: input.reason }, async (manager, candidate) => {
      if (candidate) throw new RolloutError('candidate-in-rollout');
      const service = await this.lockedService(manager, slug);
      const ready =
        Number.isInteger(revision) &&
        (
          await manager.query<unknown[]>(
            `SELECT 1 FROM service_revision
            WHERE service_slug = $1 AND number = $2 AND state = 'ready'`,
            [slug, revision],
          )
        ).length > 0;
      if (!ready) throw new RolloutError('revision-not-ready');
      if (service.business_revision === revision && service.citizen_revision === revision)
        throw new RolloutError('already-current');
      // A business variant that serves it already (released while only staff
      // saw it) has nothing to try: the track starts with the citizens.
      const first = service.business_revision === revision ? 'citizen-pilot' : 'sme-pilot';
      await manager.query(
        `INSERT INTO revision_rollout (service_slug, revision, stage, business_stage, started_by)
         VALUES ($1, $2, $3, $4, $5)`,
        [slug, revision, first, first === 'sme-pilot' ? 'sme-pilot' : 'sme-all', actor.accountId],
      );
      await markPlanChanged(manager, slug, first === 'sme-pilot' ? 'business' : 'citizen');
      const started = (await this.candidate(slug, manager))!;
      return {
        kind: 'revision-started' as const,
        variant: revisionStageVariant(first),
        from: null,
        to: first,
        revision,
        gates: (await this.gates(started, manager)).gates,
        details: {},
      };
    });
  }

  /**
   * One stage forward along the revision track; out of `general`, the
   * candidate becomes the current revision of both variants. Out of a pilot
   * or gradual stage the candidate's own gates must pass; the citizen stages
   * need every SME to have it (SME-first). `toCitizens` releases to the
   * citizen pilot before every SME has it. Each rule can be overridden with a
   * written reason, recorded.
   */
  async promote(
    actor: RolloutActor,
    slug: string,
    input: TypedDecision & { override?: boolean; toCitizens?: boolean },
  ) {
    return this.decide(actor, slug, input, async (manager, candidate) => {
      if (!candidate) throw new RolloutError('no-candidate');
      const from = candidate.stage;
      if (input.toCitizens && from !== 'sme-pilot' && from !== 'sme-gradual')
        throw new RolloutError('not-before-citizens');
      // A citizen variant that serves it already (released while only staff saw
      // it) has nothing to try: after every SME, the candidate becomes current.
      const citizensHaveIt = candidate.current.citizen === candidate.revision;
      const to = input.toCitizens
        ? 'citizen-pilot'
        : from === 'sme-all' && citizensHaveIt
          ? 'current'
          : nextRevisionStage(from);
      const { variant, gates, gated } = await this.gates(candidate, manager);
      const failing = gated ? gates.filter((g) => g.status !== 'pass').map((g) => g.id) : [];
      // Asked once, on the way into the citizen stages (an override then holds).
      const smeFirst =
        revisionStageVariant(from) === 'business' &&
        revisionBreaksSmeFirst(to, candidate.businessStage);
      const override = failing.length > 0 || smeFirst;
      if (override && !input.override)
        throw new RolloutError(smeFirst ? 'sme-first' : 'gates-failing', gates);
      const decided = {
        from,
        to,
        override,
        revision: candidate.revision,
        gates,
        details: { failingGates: failing, smeFirst, businessStage: candidate.businessStage },
      };
      if (to === 'current') {
        await this.makeCurrent(manager, candidate);
        return { ...decided, kind: 'revision-current' as const, variant };
      }
      const businessStage = isBusinessStage(to) ? to : candidate.businessStage;
      await manager.query(
        `UPDATE revision_rollout SET stage = $2, business_stage = $3, changed_at = now()
          WHERE service_slug = $1`,
        [slug, to, businessStage],
      );
      await this.markChanged(manager, candidate, { ...candidate, stage: to, businessStage });
      return { ...decided, kind: 'revision-promoted' as const, variant: revisionStageVariant(to) };
    });
  }

  /**
   * Ends the candidate's rollout for everyone at once: every variant serves
   * its current revision again. The drafts started on the candidate move to
   * their variant's current revision, keeping every answer that still fits,
   * and their applicants are told which pages to check again. No gate holds
   * a rollback.
   */
  async rollback(actor: RolloutActor, slug: string, input: TypedDecision) {
    return this.decide(actor, slug, input, async (manager, candidate) => {
      if (!candidate) throw new RolloutError('no-candidate');
      const { gates } = await this.gates(candidate, manager);
      await manager.query(`DELETE FROM revision_rollout WHERE service_slug = $1`, [slug]);
      await this.markChanged(manager, candidate, undefined);
      const from = await this.definition(manager, slug, candidate.revision);
      const moved: Partial<Record<Audience, number>> = {};
      for (const variant of AUDIENCES) {
        const current = candidate.current[variant];
        if (current === null || current === candidate.revision) continue;
        moved[variant] = await this.drafts.moveDrafts(
          manager,
          {
            slug,
            variant,
            from: { number: candidate.revision, definition: from },
            to: { number: current, definition: await this.definition(manager, slug, current) },
          },
          actor,
          actor.origin,
        );
      }
      return {
        kind: 'revision-rolled-back' as const,
        variant: revisionStageVariant(candidate.stage),
        from: candidate.stage,
        to: null,
        revision: candidate.revision,
        gates,
        details: { movedDrafts: moved },
      };
    });
  }

  /** The share of a variant's audience a gradual stage reaches (typed: 1–100). */
  async setPercentage(
    actor: RolloutActor,
    slug: string,
    input: TypedDecision & { variant: string; percentage: string },
  ) {
    if (!(AUDIENCES as readonly string[]).includes(input.variant))
      throw new RolloutError('variant-invalid');
    const variant = input.variant as Audience;
    const typed = input.percentage.trim();
    const percentage = /^\d{1,3}$/.test(typed) ? Number(typed) : NaN;
    if (!Number.isInteger(percentage) || percentage < 1 || percentage > 100)
      throw new RolloutError('percentage-invalid');
    return this.decide(actor, slug, input, async (manager, candidate) => {
      if (!candidate) throw new RolloutError('no-candidate');
      await manager.query(
        `UPDATE revision_rollout SET ${variant === 'business' ? 'business_percentage' : 'citizen_percentage'} = $2,
                changed_at = now()
          WHERE service_slug = $1`,
        [slug, percentage],
      );
      await this.markChanged(manager, candidate, {
        ...candidate,
        percentage: { ...candidate.percentage, [variant]: percentage },
      });
      return {
        kind: 'revision-percentage' as const,
        variant,
        from: candidate.stage,
        to: candidate.stage,
        revision: candidate.revision,
        gates: (await this.gates(candidate, manager)).gates,
        details: { from: candidate.percentage[variant], to: percentage },
      };
    });
  }

  /** The runner of every decision: lock, check, change, record, audit; then the catalogue follows. */
  private async decide<
    T extends Omit<Decided, 'kind'> & {
      kind: Decided['kind'] | 'revision-percentage';
      revision: number;
    },
  >(
    actor: RolloutActor,
    slug: string,
    input: TypedDecision,
    body: (manager: EntityManager, candidate: RevisionRolloutRecord | undefined) => Promise<T>,
  ): Promise<T> {
    const reason = input.reason.trim();
    const outcome = await this.dataSource.transaction(async (manager) => {
      const service = await this.lockedService(manager, slug);
      const candidate = await this.candidate(slug, manager);
      if (input.expectedStage !== undefined && input.expectedStage !== (candidate?.stage ?? ''))
        throw new RolloutError('stage-changed');
      const decided = await body(manager, candidate);
      // After the rules, so "gates failing" is said before "give a reason".
      if (!reason) throw new RolloutError('reason-required');
      await this.record(manager, slug, actor, reason, {
        ...decided,
        details: {
          ...decided.details,
          ...(await this.snapshot(slug, service, decided, candidate)),
        },
      });
      return decided;
    });
    if (outcome.kind === 'revision-current') await this.catalogue.reload();
    return outcome;
  }

  private async record(
    manager: EntityManager,
    slug: string,
    actor: RolloutActor,
    reason: string,
    decision: Omit<Decided, 'kind'> & { kind: string; revision: number },
  ): Promise<void> {
    const [row] = await manager.query<{ id: string }[]>(
      `INSERT INTO rollout_decision
         (service_slug, variant, kind, from_stage, to_stage, override, reason, details, gates,
          actor_type, actor_id, revision)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'staff', $10, $11) RETURNING id`,
      [
        slug,
        decision.variant,
        decision.kind,
        decision.from,
        decision.to,
        decision.override ?? false,
        reason,
        JSON.stringify(decision.details),
        JSON.stringify(decision.gates),
        actor.accountId,
        decision.revision,
      ],
    );
    await this.audit.record(manager, {
      actor: { type: 'staff', id: actor.accountId },
      action: `rollout.${decision.kind}${decision.override ? '.override' : ''}`,
      entity: { type: 'service-revision', id: `${slug}@${decision.revision}` },
      before: { stage: decision.from },
      after: { decision: row.id, stage: decision.to, reason, ...decision.details },
      ip: actor.origin.ip,
      requestId: actor.origin.requestId,
    });
  }

  /**
   * The candidate becomes what both variants serve (a variant that already
   * serves a newer one, released while only staff could see it, keeps it);
   * its rollout ends.
   */
  private async makeCurrent(manager: EntityManager, candidate: RevisionRolloutRecord) {
    await manager.query(
      `UPDATE service SET business_revision = greatest(business_revision, $2),
              citizen_revision = greatest(citizen_revision, $2), changed_at = now()
        WHERE slug = $1`,
      [candidate.slug, candidate.revision],
    );
    await manager.query(`DELETE FROM revision_rollout WHERE service_slug = $1`, [candidate.slug]);
    // Business, then citizen: the order in which a rollout decision locks them.
    await markPlansChanged(manager, candidate.slug, AUDIENCES);
  }

  /** The variants whose candidate reach changed get a new plan version (the reconciler follows). */
  private async markChanged(
    manager: EntityManager,
    before: RevisionRolloutRecord,
    after: RevisionRolloutState | undefined,
  ) {
    const changed = AUDIENCES.filter(
      (variant) =>
        JSON.stringify(candidateOf(before, variant) ?? null) !==
        JSON.stringify((after && candidateOf(after, variant)) ?? null),
    );
    // Business, then citizen: the order in which a rollout decision locks them.
    await markPlansChanged(manager, before.slug, changed);
  }

  /**
   * What a decision record keeps besides its gates: what changed from the
   * current revision, and the candidate's figures beside the current
   * revision's since the candidate started (none yet when it starts).
   */
  private async snapshot(
    slug: string,
    service: Record<'business_revision' | 'citizen_revision', number | null>,
    decided: { variant: Audience; revision: number },
    before: RevisionRolloutRecord | undefined,
  ) {
    const current = service[`${decided.variant}_revision`];
    return {
      changes: await this.changes(slug, current, decided.revision),
      evidence:
        before && current !== null && current !== decided.revision
          ? await this.evidence.compareRevisions(
              slug,
              decided.variant,
              { candidate: decided.revision, current },
              before.startedAt,
            )
          : null,
    };
  }

  /** What changed from the current revision to the candidate (the studio's comparison, in short). */
  private async changes(slug: string, base: number | null, revision: number) {
    const [older, newer] = await Promise.all([
      base === null ? undefined : this.catalogue.revisionOf(slug, base),
      this.catalogue.revisionOf(slug, revision),
    ]);
    if (!older || !newer) return null;
    const comparison = compareRevisions(older, newer);
    return {
      from: base,
      to: revision,
      steps: comparison.steps.map((s) => ({ change: s.change, slug: s.slug, moved: s.moved })),
      fields: comparison.fields.map((f) => ({
        change: f.change,
        name: f.name,
        label: f.label,
        moved: f.moved,
      })),
      rules: comparison.rules.map((r) => r.change),
      service: comparison.service.map((c) => c.attribute),
    };
  }

  private async lockedService(manager: EntityManager, slug: string) {
    const [service] = await manager.query<
      { business_revision: number | null; citizen_revision: number | null }[]
    >(
      `SELECT service.business_revision, service.citizen_revision FROM service
        WHERE service.slug = $1 FOR UPDATE`,
      [slug],
    );
    if (!service) throw new RolloutError('plan-not-found');
    return service;
  }

  private async definition(
    manager: EntityManager,
    slug: string,
    revision: number,
  ): Promise<ServiceDefinition> {
    const [row] = await manager.query<{ document: ServiceDefinition }[]>(
      `SELECT document FROM service_revision WHERE service_slug = $1 AND number = $2`,
      [slug, revision],
    );
    return row.document;
  }
}
