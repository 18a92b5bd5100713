import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AUDIENCES, type Audience, type FlagContext } from '../../platform/flags/flag-context.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { candidateReach } from './desired-state.js';
import { candidateOf, type BusinessRevisionStage, type RevisionStage } from './revision-track.js';
import { stageKind, type Stage } from './stages.js';
import { VariantAccessService } from './variant-access.service.js';
import { variantFlag } from './variant-flags.js';

/** Who to look at: an SME by NEQ, a person by email, or attributes typed in. */
export type Subject =
  | { kind: 'sme'; neq: string }
  | { kind: 'person'; email: string }
  | {
      kind: 'attributes';
      audience: Audience;
      id: string;
      employeeCount?: number;
      staff: boolean;
    };

export interface ResolvedSubject {
  label: string;
  context: FlagContext;
}

/** Why a variant is on or off for someone, in the plan's terms. */
export type Reason =
  | 'other-audience'
  | 'closed'
  | 'paused'
  | 'staff'
  | 'cohort'
  | 'gradual-in'
  | 'gradual-out'
  | 'all'
  | 'not-in-pilot';

/**
 * Why someone with access gets the revision they get, in the revision track's
 * terms (ADR 0032): the service's current revision (no candidate in rollout;
 * the candidate still with SMEs first; not in its pilot cohorts; outside its
 * gradual share) or the candidate (staff; a pilot cohort; inside the gradual
 * share; the whole audience). `unsettled`: Unleash's answer is not what the
 * plan says (a change not applied yet, or drift).
 */
export type RevisionReason =
  | 'current'
  | 'candidate-later'
  | 'candidate-not-in-pilot'
  | 'candidate-gradual-out'
  | 'candidate-staff'
  | 'candidate-cohort'
  | 'candidate-gradual-in'
  | 'candidate-all'
  | 'unsettled';

/** The revision someone gets, from the same evaluation as their access, and why. */
export interface RevisionVerdict {
  /** The revision they get: the one Unleash names for them if ready, else the current one. */
  revision: number;
  /** Whether that is the candidate in rollout. */
  candidate: boolean;
  reason: RevisionReason;
  /**
   * The candidate in rollout on the service, if any: its stage on the revision
   * track for this variant (where the SMEs are, for the business variant) and
   * the share of the audience a gradual stage gives it to.
   */
  rollout?: { revision: number; stage: RevisionStage; percentage: number };
}

export interface VariantVerdict {
  slug: string;
  variant: Audience;
  stage: Stage;
  /** What this instance answers now (Unleash's answer within what the plan allows). */
  enabled: boolean;
  /** Unleash would open it but the plan does not: paused or closed, Unleash not updated yet. */
  heldByPlan: boolean;
  reason: Reason;
  cohorts: string[];
  /** With access, the revision they get (none when the service serves no revision). */
  revision?: RevisionVerdict;
}

/** The "who sees what" question as typed (every field text, trimmed; the NEQ's digits). */
export interface WhoQuery {
  kind: string;
  neq: string;
  email: string;
  audience: string;
  id: string;
  employeeCount: string;
  staff: string;
}

/** A field of the question that cannot be answered, with its message's catalog key. */
export interface WhoProblem {
  field: string;
  key: string;
}

/** The answer: who was looked at (if found) and every variant's verdict, or the problems. */
export interface WhoAnswer {
  problems: WhoProblem[];
  resolved?: ResolvedSubject;
  verdicts: VariantVerdict[];
}

/** Who a question names, or what is wrong with it (nothing asked yet: neither). */
export function subjectOf(query: WhoQuery): { subject?: Subject; problems: WhoProblem[] } {
  const problems: WhoProblem[] = [];
  if (query.kind === 'sme') {
    if (!/^\d{10}$/.test(query.neq)) problems.push({ field: 'neq', key: 'rollout.who.errors.neq' });
    else return { subject: { kind: 'sme', neq: query.neq }, problems };
  } else if (query.kind === 'person') {
    if (!/^[^\s@]+@[^\s@]+$/.test(query.email))
      problems.push({ field: 'email', key: 'rollout.who.errors.email' });
    else return { subject: { kind: 'person', email: query.email }, problems };
  } else if (query.kind === 'attributes') {
    const count = query.employeeCount === '' ? undefined : Number(query.employeeCount);
    if (query.audience !== 'business' && query.audience !== 'citizen')
      problems.push({ field: 'audience', key: 'rollout.who.errors.audience' });
    if (!/^[\w-]{1,64}$/.test(query.id))
      problems.push({ field: 'id', key: 'rollout.who.errors.id' });
    if (count !== undefined && !(Number.isInteger(count) && count >= 0))
      problems.push({ field: 'employeeCount', key: 'rollout.who.errors.employeeCount' });
    if (problems.length === 0)
      return {
        subject: {
          kind: 'attributes',
          audience: query.audience as Audience,
          id: query.id,
          employeeCount: count,
          staff: query.staff === 'yes',
        },
        problems,
      };
  } else if (query.kind !== '') {
    problems.push({ field: 'kind-sme', key: 'rollout.who.errors.kind' });
  }
  return { problems };
}

/**
 * "Who sees what": for an SME, a person or typed attributes, which variant of
 * every service they get, which revision, and why. The verdict is the gate's
 * own answer, one per variant as on a real request (VariantAccessService:
 * Unleash's evaluation within what the plan fence allows, access and revision
 * together); the reasons read the plan and the revision rollout.
 * A read model (ADR 0021): it finds the SME or the person in their modules'
 * tables and never writes.
 */
@Injectable()
export class WhoSeesWhatReadModel {
  constructor(
    private readonly dataSource: DataSource,
    private readonly access: VariantAccessService,
    private readonly catalogue: CatalogueService,
  ) {}

  /** Answers a question as typed: the subject it names, found, and its verdicts. */
  async answer(query: WhoQuery): Promise<WhoAnswer> {
    const { subject, problems } = subjectOf(query);
    const resolved = subject ? await this.resolve(subject) : undefined;
    if (subject && !resolved)
      problems.push(
        subject.kind === 'sme'
          ? { field: 'neq', key: 'rollout.who.errors.noSme' }
          : { field: 'email', key: 'rollout.who.errors.noPerson' },
      );
    const verdicts = resolved ? await this.verdicts(resolved.context) : [];
    return { problems, resolved, verdicts };
  }

  async resolve(subject: Subject): Promise<ResolvedSubject | undefined> {
    if (subject.kind === 'sme') {
      const [org] = await this.dataSource.query<
        { id: string; legal_name: string; employee_count: number }[]
      >(
        `SELECT organization.id, organization.legal_name, organization.employee_count
           FROM organization WHERE organization.neq = $1`,
        [subject.neq],
      );
      if (!org) return undefined;
      return {
        label: org.legal_name,
        context: {
          userId: org.id,
          properties: {
            audience: 'business',
            organizationId: org.id,
            employeeCount: String(org.employee_count),
            staff: 'false',
          },
        },
      };
    }
    if (subject.kind === 'person') {
      const [person] = await this.dataSource.query<
        { id: string; display_name: string; staff: boolean }[]
      >(
        `SELECT account.id, account.display_name,
                EXISTS (SELECT 1 FROM staff_member WHERE staff_member.account_id = account.id) AS staff
           FROM account WHERE lower(account.email) = lower($1) AND account.closed_at IS NULL`,
        [subject.email],
      );
      if (!person) return undefined;
      return {
        label: person.display_name,
        context: {
          userId: person.id,
          properties: {
            audience: 'citizen',
            accountId: person.id,
            staff: person.staff ? 'true' : 'false',
          },
        },
      };
    }
    const business = subject.audience === 'business';
    return {
      label: subject.id,
      context: {
        userId: subject.id,
        properties: {
          audience: subject.audience,
          ...(business ? { organizationId: subject.id } : { accountId: subject.id }),
          ...(subject.employeeCount !== undefined
            ? { employeeCount: String(subject.employeeCount) }
            : {}),
          staff: subject.staff ? 'true' : 'false',
        },
      },
    };
  }

  async verdicts(context: FlagContext): Promise<VariantVerdict[]> {
    const memberId =
      context.properties.audience === 'business'
        ? context.properties.organizationId
        : context.properties.accountId;
    const plans = await this.dataSource.query<PlanRow[]>(
      `SELECT rollout_plan.service_slug, rollout_plan.variant, rollout_plan.stage, rollout_plan.paused,
              rollout_plan.gradual_percentage,
              revision_rollout.revision AS candidate, revision_rollout.stage AS candidate_stage,
              revision_rollout.business_stage, revision_rollout.business_percentage,
              revision_rollout.citizen_percentage,
              COALESCE((SELECT array_agg(cohort.name ORDER BY cohort.name)
                          FROM rollout_plan_cohort
                          JOIN cohort ON cohort.id = rollout_plan_cohort.cohort_id
                          JOIN cohort_member ON cohort_member.cohort_id = cohort.id
                           AND cohort_member.status = 'active'
                         WHERE rollout_plan_cohort.service_slug = rollout_plan.service_slug
                           AND rollout_plan_cohort.variant = rollout_plan.variant
                           AND CASE cohort.audience
                                 WHEN 'business' THEN cohort_member.organization_id::text = $1
                                 ELSE cohort_member.account_id::text = $1 END), '{}') AS member_of
         FROM rollout_plan
         LEFT JOIN revision_rollout ON revision_rollout.service_slug = rollout_plan.service_slug
        ORDER BY rollout_plan.service_slug, rollout_plan.variant`,
      [memberId ?? ''],
    );
    return plans
      .filter((p) => (AUDIENCES as readonly string[]).includes(p.variant))
      .map((p) => {
        // The gate's own answer, as on a request: access and revision together.
        const answer = this.access.answer(variantFlag(p.service_slug, p.variant), context);
        const inCohort = p.member_of.length > 0;
        const served = answer.enabled
          ? this.catalogue.servedTo(p.service_slug, p.variant, answer.revision)
          : undefined;
        return {
          slug: p.service_slug,
          variant: p.variant,
          stage: p.stage,
          enabled: answer.enabled,
          heldByPlan: answer.unleashOnly,
          cohorts: p.member_of,
          reason: explain(p.variant, p.stage, p.paused, context, inCohort, answer.enabled),
          revision: served && {
            revision: served.revision,
            ...explainRevision(p, context, inCohort, served.revision, this.currentOf(p)),
          },
        };
      });
  }

  /** The revision the variant serves to everyone with access. */
  private currentOf(plan: PlanRow): number | undefined {
    return this.catalogue.served(plan.service_slug, plan.variant)?.revision;
  }
}

interface PlanRow {
  service_slug: string;
  variant: Audience;
  stage: Stage;
  paused: boolean;
  gradual_percentage: number;
  candidate: number | null;
  candidate_stage: RevisionStage | null;
  business_stage: BusinessRevisionStage | null;
  business_percentage: number | null;
  citizen_percentage: number | null;
  member_of: string[];
}

/**
 * Why someone with access gets `got`: the candidate's reach on this variant
 * (candidateOf, narrowed by the access stage as desiredFlag's candidate
 * strategies are), compared with what Unleash answered.
 */
function explainRevision(
  plan: PlanRow,
  context: FlagContext,
  inCohort: boolean,
  got: number,
  current: number | undefined,
): Omit<RevisionVerdict, 'revision'> {
  if (plan.candidate === null || !plan.candidate_stage || !plan.business_stage)
    return { candidate: false, reason: got === current ? 'current' : 'unsettled' };
  const percentage = {
    business: plan.business_percentage ?? 10,
    citizen: plan.citizen_percentage ?? 10,
  };
  const stage = plan.variant === 'business' ? plan.business_stage : plan.candidate_stage;
  const rollout = { revision: plan.candidate, stage, percentage: percentage[plan.variant] };
  const candidate = candidateOf(
    {
      revision: plan.candidate,
      stage: plan.candidate_stage,
      businessStage: plan.business_stage,
      percentage,
    },
    plan.variant,
  );
  const isCandidate = got === plan.candidate && plan.candidate !== current;
  const verdict = (reason: RevisionReason) => ({ candidate: isCandidate, reason, rollout });
  if (!candidate) return verdict(got === current ? 'candidate-later' : 'unsettled');
  const reach = candidateReach(
    stageKind(plan.variant, plan.stage),
    candidate,
    plan.gradual_percentage,
  );
  rollout.percentage = reach.percentage;
  const staff = context.properties.staff === 'true';
  const certain = reach.kind === 'all' || staff || (inCohort && reach.kind !== 'internal');
  if (isCandidate) {
    if (reach.kind === 'all') return verdict('candidate-all');
    if (staff) return verdict('candidate-staff');
    if (inCohort && reach.kind !== 'internal') return verdict('candidate-cohort');
    return verdict(reach.kind === 'gradual' ? 'candidate-gradual-in' : 'unsettled');
  }
  if (got !== current || certain) return verdict('unsettled');
  return verdict(reach.kind === 'gradual' ? 'candidate-gradual-out' : 'candidate-not-in-pilot');
}

function explain(
  variant: Audience,
  stage: Stage,
  paused: boolean,
  context: FlagContext,
  inCohort: boolean,
  enabled: boolean,
): Reason {
  if (context.properties.audience !== variant) return 'other-audience';
  const kind = stageKind(variant, stage);
  if (kind === 'closed') return 'closed';
  if (paused) return 'paused';
  if (kind === 'all') return 'all';
  if (context.properties.staff === 'true') return 'staff';
  if (inCohort && kind !== 'internal') return 'cohort';
  if (kind === 'gradual') return enabled ? 'gradual-in' : 'gradual-out';
  return 'not-in-pilot';
}
