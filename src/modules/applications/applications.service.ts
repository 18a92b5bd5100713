import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AppConfig } from '../../platform/config/app-config.js';
import { returningRows } from '../../platform/database/database.js';
import { preparedRows } from '../../platform/database/prepared.js';
import type { Audience } from '../../platform/flags/flag-context.js';
import type { Locale } from '../../platform/i18n/i18n.service.js';
import { AuditService, type AuditEventInput } from '../audit/audit.service.js';
import type { RequestOrigin } from '../audit/request-origin.js';
import { CatalogueService, type ServedRevision } from '../catalogue/catalogue.service.js';
import type { Answers, StepDefinition } from '../catalogue/form-schema.js';
import type { ServiceDefinition } from '../catalogue/service-definition.js';
import { FormService } from '../catalogue/form.service.js';
import { OutboxService, type EmailKind } from '../notifications/outbox.service.js';
import type { ActingAs } from '../accounts/acting-as.js';
import { fieldsFor, type FormProblem, type RawValues } from '../catalogue/form-engine.js';
import { VariantAccessService } from '../rollout/variant-access.service.js';
import { COLUMNS, FROM, OWNED, isUuid } from './application-row.js';
import { ApplicationsReadModel } from './applications.read-model.js';
import { FILING_REFUSALS, revisionMismatch } from './applications.refusals.js';
import { JourneyEvents } from './journey-events.js';
import type { RevisionNotice } from './revision-moves.service.js';
import {
  canTransition,
  isEditable,
  type ApplicationStatus,
  type TransitionActor,
} from './application-status.js';

/** Who files: a person for themselves (citizen) or for an SME (business). */
export interface Applicant {
  accountId: string;
  audience: Audience;
  /** Set exactly when audience is business. */
  organizationId?: string;
  /** How the request came: the web pages, the API (with this key) or a CSV batch. */
  channel: 'web' | 'api' | 'csv';
  apiKeyId?: string;
}

/**
 * The actor of filing: the person acting (as themselves or for an SME: the
 * variant's flag is evaluated for this), through a channel. Every way in (the
 * pages, the API, a CSV batch, a job) files through the methods that take it.
 */
export interface Filer extends ActingAs {
  accountId: string;
  channel: Applicant['channel'];
  /** The API key the request came with (channel 'api'). */
  apiKeyId?: string;
}

/** The applicant a filer is: whose applications they reach. */
export function applicantOf(filer: Filer): Applicant {
  return {
    accountId: filer.accountId,
    audience: filer.audience,
    organizationId: filer.organization?.id,
    channel: filer.channel,
    apiKeyId: filer.apiKeyId,
  };
}

export interface Application {
  id: string;
  reference: string | null;
  serviceSlug: string;
  /** The revision of its service it was started on (ADR 0031). */
  serviceRevision: number;
  variant: Audience;
  accountId: string;
  filedBy: string;
  organizationId: string | null;
  status: ApplicationStatus;
  answers: Answers;
  channel: 'web' | 'api' | 'csv';
  assignedTo: string | null;
  decisionNote: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  submittedAt: Date | null;
  decidedAt: Date | null;
  /**
   * Set when its revision was withdrawn while it was a draft: the steps of its
   * new revision to check again; cleared once each is saved again, or on submission.
   */
  revisionNotice: RevisionNotice | null;
}

export interface Transition {
  from: ApplicationStatus;
  to: ApplicationStatus;
  actorName: string | null;
  actorRole: TransitionActor;
  reason: string | null;
  at: Date;
}

export interface Message {
  id: string;
  authorName: string | null;
  authorRole: TransitionActor;
  body: string;
  createdAt: Date;
}

/** What a new application is started with (`startDraft`). */
interface NewApplication {
  applicant: Applicant;
  serviceSlug: string;
  answers: Answers;
  idempotencyKey?: string;
}

interface Recipient {
  email: string;
  locale: Locale;
  closed: boolean;
}

export type SubmitResult =
  | { ok: true; application: Application; alreadySubmitted: boolean }
  | { ok: false; reason: 'incomplete' | 'not-found' };

export type SaveStepResult =
  { ok: true; application: Application } | { ok: false; problems: FormProblem[] };

export type ChangeResult =
  { ok: true; application: Application } | { ok: false; reason: 'not-found' | 'not-allowed' };

/**
 * What the insert of an application created and submitted at once adds: the
 * row as a draft's submission leaves it (status, reference from the prefix's
 * sequence, ADR 0038, at `$9`; version 2, the draft's 1 plus the submission's),
 * and its transition from draft, by the applicant.
 */
const SUBMITTED_AT_ONCE = {
  columns: ', status, reference, submitted_at, version',
  values: `, 'submitted', next_application_reference($9), now(), 2`,
  transition: `,
         t AS (
           INSERT INTO application_transition (application_id, from_status, to_status, actor_id, actor_role, reason)
           SELECT id, 'draft', 'submitted', account_id, 'applicant', NULL FROM a)`,
};

/** The email each status sends the applicant. */
const EMAIL_FOR: Partial<Record<ApplicationStatus, EmailKind>> = {
  submitted: 'application-submitted',
  in_review: 'application-in-review',
  information_requested: 'application-information-requested',
  resubmitted: 'application-resubmitted',
  approved: 'application-approved',
  rejected: 'application-rejected',
  withdrawn: 'application-withdrawn',
};

/**
 * Applications from the applicant's side: drafts saved step by step, an
 * idempotent submission that gives the reference number, withdrawal, answering
 * a request for information, and the message thread. Every change writes its
 * audit event, and its email through the outbox, in the same transaction.
 *
 * Authorization lives here: an applicant only ever reaches applications they
 * own (a person's own, or their SME's when acting for it); anything else is
 * "not found". The reads (one application, lists, history, messages) are
 * ApplicationsReadModel's, with the same ownership condition (`OWNED`).
 */
@Injectable()
export class ApplicationsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
    private readonly catalogue: CatalogueService,
    private readonly forms: FormService,
    private readonly config: AppConfig,
    private readonly access: VariantAccessService,
    private readonly read: ApplicationsReadModel,
    private readonly journey: JourneyEvents,
  ) {}

  // -- the rules of filing, for every way in ----------------------------------

  /** Whether a service variant is open to this person now (the same rule as `assertOpen`). */
  isOpen(actingAs: ActingAs, serviceSlug: string, variant: Audience): boolean {
    return this.access.check(serviceSlug, variant, actingAs).available;
  }

  /**
   * Refuses unless the service variant is open to this person now: acting for
   * the variant's audience, the variant released to them, the flags known
   * (FILING_REFUSALS 'other-audience', 'not-released', 'flags-unavailable').
   */
  assertOpen(actingAs: ActingAs, serviceSlug: string, variant: Audience): void {
    const access = this.access.check(serviceSlug, variant, actingAs);
    if (!access.available) throw FILING_REFUSALS.of(access.reason);
  }

  /**
   * The revision of a service variant this person gets now (ADR 0032): the
   * one Unleash names for them (a candidate in rollout), else the variant's
   * current one. Refused as `assertOpen` when the variant is not open to them,
   * 'not-found' when it serves nothing, and 'revision-mismatch' (with the
   * revision expected) when `written` names another revision: answers written
   * for one revision are never filed on another.
   */
  revisionFor(
    actingAs: ActingAs,
    serviceSlug: string,
    variant: Audience,
    written?: number,
  ): ServedRevision {
    const access = this.access.check(serviceSlug, variant, actingAs);
    if (!access.available) throw FILING_REFUSALS.of(access.reason);
    const served = this.catalogue.servedTo(serviceSlug, variant, access.revision);
    if (!served) throw FILING_REFUSALS.of('not-found');
    if (written !== undefined && written !== served.revision)
      throw revisionMismatch(served.revision);
    return served;
  }

  /**
   * Refuses ('revision-mismatch', with the application's revision) answers
   * written for another revision than the one the application is on (a
   * rollback may have moved a draft since its form was read).
   */
  assertRevision(application: Application, written: number | undefined): void {
    if (written !== undefined && written !== application.serviceRevision)
      throw revisionMismatch(application.serviceRevision);
  }

  /**
   * A draft may only be worked on while its variant is open to the person (it
   * is kept either way); a filed application sent back for information may be
   * changed whatever the variant's state.
   */
  assertWorkable(actingAs: ActingAs, application: Application): void {
    if (application.status === 'draft')
      this.assertOpen(actingAs, application.serviceSlug, application.variant);
  }

  /**
   * The filer's application and one of its steps, while they may change it:
   * refused when it is not theirs or the step unknown ('not-found'), no longer
   * editable ('not-editable'), or a draft whose variant is closed to them.
   */
  async workableStep(
    filer: Filer,
    id: string,
    stepSlug: string,
  ): Promise<{ application: Application; service: ServiceDefinition; step: StepDefinition }> {
    const application = await this.read.find(applicantOf(filer), id);
    const service = application && (await this.definitionOf(application));
    const step = service && this.forms.step(service, application.variant, stepSlug);
    if (!application || !service || !step) throw FILING_REFUSALS.of('not-found');
    if (!isEditable(application.status)) throw FILING_REFUSALS.of('not-editable');
    this.assertWorkable(filer, application);
    return { application, service, step };
  }

  /**
   * The step of an application's variant that asks a question, refused as
   * `workableStep` is (not the filer's, no longer editable, variant closed);
   * 'unknown-question' when its form has no such question, 'not-file-question'
   * when the question takes no file; 'revision-mismatch' when `written` names
   * another revision than the application's.
   */
  async fileQuestionStep(
    filer: Filer,
    id: string,
    question: string,
    written?: number,
  ): Promise<{ step: string } | { problem: 'unknown-question' | 'not-file-question' }> {
    const application = await this.read.find(applicantOf(filer), id);
    const service = application && (await this.definitionOf(application));
    if (!application || !service) throw FILING_REFUSALS.of('not-found');
    if (!isEditable(application.status)) throw FILING_REFUSALS.of('not-editable');
    this.assertWorkable(filer, application);
    this.assertRevision(application, written);
    for (const step of this.forms.steps(service, application.variant)) {
      const field = fieldsFor(step.fields, application.variant).find((f) => f.name === question);
      if (field)
        return field.type === 'file' ? { step: step.slug } : { problem: 'not-file-question' };
    }
    return { problem: 'unknown-question' };
  }

  /**
   * Starts a draft of a service variant open to the filer (refused otherwise),
   * with these answers, on the revision the filer gets (`revisionFor`);
   * `revision`, when given, names the revision the answers were written or
   * checked for, and another one is refused ('revision-mismatch'). With
   * `submit`, submits it at once when complete. The same idempotency key
   * gives back the application it created the first time, even when the
   * filer has been moved to another revision since (a retry after a lost
   * answer must never file twice).
   */
  async start(
    filer: Filer,
    serviceSlug: string,
    variant: Audience,
    answers: Answers,
    origin: RequestOrigin,
    options: {
      idempotencyKey?: string;
      submit?: boolean;
      revision?: number;
      /**
       * A CSV batch checked on `revision` (and found to be the filer's then)
       * files every row on it while the variant still serves it, even if the
       * filer's flags move during the batch: no row is refused halfway.
       */
      batch?: boolean;
    } = {},
  ): Promise<{ application: Application; created: boolean }> {
    const served = this.revisionFor(filer, serviceSlug, variant);
    if (options.batch && options.revision !== undefined)
      return this.startDraft(
        applicantOf(filer),
        serviceSlug,
        answers,
        origin,
        options.idempotencyKey,
        { submit: options.submit, revision: options.revision },
      );
    if (options.revision !== undefined && options.revision !== served.revision) {
      const replayed =
        options.idempotencyKey !== undefined &&
        (await this.createdWith(applicantOf(filer), options.idempotencyKey));
      if (replayed) return { application: replayed, created: false };
      throw revisionMismatch(served.revision);
    }
    return this.startDraft(
      applicantOf(filer),
      serviceSlug,
      answers,
      origin,
      options.idempotencyKey,
      {
        submit: options.submit,
        revision: served.revision,
      },
    );
  }

  /**
   * Saves one step of an application the filer owns, from what was typed: the
   * step's rules say what is wrong (nothing is saved then), else its answers
   * replace the step's (an answer no longer asked for is removed). Refused when
   * the application is not theirs ('not-found', an unknown step too), no longer
   * editable ('not-editable'), a draft whose variant is closed to them, or
   * typed on a page of another revision than the application's, `written`
   * (a rollback moved the draft meanwhile: 'revision-mismatch', nothing saved).
   * Each save, refused for errors or not, is a journey event (`JourneyEvents`:
   * the revision's evidence and the insights), timed from `shownAt` (when the
   * page was shown, epoch ms) when known.
   */
  async saveStep(
    filer: Filer,
    id: string,
    stepSlug: string,
    raw: RawValues,
    origin: RequestOrigin,
    written?: number,
    shownAt?: number,
  ): Promise<SaveStepResult> {
    const applicant = applicantOf(filer);
    const outcome = await this.dataSource.transaction(async (manager) => {
      const current = await this.lockOwned(manager, applicant, id);
      const service = current && (await this.definitionOf(current));
      const step = service && this.forms.step(service, current.variant, stepSlug);
      if (!current || !service) throw FILING_REFUSALS.of('not-found');
      if (isEditable(current.status)) this.assertRevision(current, written);
      if (!step) throw FILING_REFUSALS.of('not-found');
      if (!isEditable(current.status)) throw FILING_REFUSALS.of('not-editable');
      this.assertWorkable(filer, current);
      const save = {
        serviceSlug: current.serviceSlug,
        variant: current.variant,
        revision: current.serviceRevision,
        step: step.slug,
        seconds: shownAt === undefined ? undefined : (Date.now() - shownAt) / 1000,
      };
      const result = this.forms.parse(service, current.variant, step, raw, current.answers);
      if (result.problems.length > 0)
        return { ok: false as const, problems: result.problems, save };
      const removed = fieldsFor(step.fields, current.variant)
        .map((f) => f.name)
        .filter((name) => !(name in result.answers));
      return {
        save,
        ok: true as const,
        application: await this.writeAnswers(
          manager,
          applicant,
          current,
          result.answers,
          removed,
          origin,
          {
            step: step.slug,
          },
        ),
      };
    });
    if (outcome.ok) {
      this.journey.record(applicant, { kind: 'step_completed', ...outcome.save });
      return { ok: true, application: outcome.application };
    }
    const fieldErrors: Record<string, number> = {};
    for (const problem of outcome.problems)
      fieldErrors[problem.field] = (fieldErrors[problem.field] ?? 0) + 1;
    this.journey.record(applicant, { kind: 'validation_failed', ...outcome.save, fieldErrors });
    return { ok: false, problems: outcome.problems };
  }

  /**
   * Submits a draft the filer owns, once: refused while its variant is closed
   * to them, and, on the pages, without the declaration ('declaration-required':
   * an API key's owner accepted the terms when creating it; a CSV batch is
   * declared once for all its rows). Incomplete: `{ ok: false, reason: 'incomplete' }`.
   * Already submitted: its first result, whatever the variant's state now.
   * `revision`, when given, names the revision the answers were written for:
   * another one than the draft's is refused ('revision-mismatch').
   */
  async submitFiling(
    filer: Filer,
    id: string,
    origin: RequestOrigin,
    declaration?: string,
    options: { revision?: number } = {},
  ): Promise<SubmitResult> {
    const applicant = applicantOf(filer);
    const result = await this.dataSource.transaction(async (manager): Promise<SubmitResult> => {
      const current = await this.lockOwned(manager, applicant, id);
      if (!current) throw FILING_REFUSALS.of('not-found');
      if (current.status !== 'draft')
        return { ok: true, application: current, alreadySubmitted: true };
      this.assertWorkable(filer, current);
      this.assertRevision(current, options.revision);
      if (filer.channel === 'web' && declaration !== 'agreed')
        throw FILING_REFUSALS.of('declaration-required');
      const service = await this.definitionOf(current);
      if (!service) throw FILING_REFUSALS.of('not-found');
      if (this.forms.problems(service, current.variant, current.answers).length > 0)
        return { ok: false, reason: 'incomplete' };
      const application = await this.submitLocked(manager, applicant, current, service, origin);
      return { ok: true, application, alreadySubmitted: false };
    });
    this.submittedNow(applicant, result);
    return result;
  }

  private submittedNow(applicant: Applicant, result: SubmitResult): void {
    if (result.ok && !result.alreadySubmitted)
      this.journeyEvent(applicant, 'submitted', result.application);
  }

  // -- the building blocks (no variant check: the methods above are the ways in) --

  /** Starts a draft, without checking the variant (see `start`, which does). */
  async startDraft(
    applicant: Applicant,
    serviceSlug: string,
    answers: Answers,
    origin: RequestOrigin,
    idempotencyKey?: string,
    options: { submit?: boolean; revision?: number } = {},
  ): Promise<{ application: Application; created: boolean }> {
    // The revision the variant serves now (or the one the caller checked the
    // answers against): the application is read through it for ever.
    const wanted =
      options.revision ?? this.catalogue.served(serviceSlug, applicant.audience)?.revision;
    if (wanted === undefined) throw FILING_REFUSALS.of('not-found');
    const start: NewApplication = { applicant, serviceSlug, answers, idempotencyKey };
    const started = await this.dataSource.transaction(async (manager) => {
      // The revision wanted if the variant still serves it; else, for a draft
      // with nothing in it yet, the current one (a draft's share lock, taken
      // by the first attempt, keeps it current: the second attempt is served).
      let outcome = await this.insertOn(manager, start, wanted, options.submit === true);
      if (outcome.kind === 'not-served') {
        if (Object.keys(answers).length > 0) throw revisionMismatch(outcome.current);
        outcome = await this.insertOn(manager, start, outcome.current, options.submit === true);
      }
      if (outcome.kind === 'not-served') throw revisionMismatch(outcome.current);
      if (outcome.kind === 'exists') {
        // A retried creation: the application made the first time.
        const [existing] = await manager.query<{ id: string }[]>(
          `SELECT id FROM application
            WHERE COALESCE(organization_id, account_id) = $1 AND idempotency_key = $2`,
          [applicant.organizationId ?? applicant.accountId, idempotencyKey],
        );
        return { application: (await this.load(manager, existing.id))!, created: false };
      }
      const { application, filer, submitted } = outcome;
      const id = application.id;
      // Both events of a filing submitted at once in one insert, a row each.
      await this.audit.recordMany(manager, [
        {
          ...auditOrigin(applicant, origin),
          action: 'application.draft_started',
          entity: { type: 'application', id },
          after: {
            serviceSlug,
            serviceRevision: application.serviceRevision,
            variant: applicant.audience,
            channel: applicant.channel,
          },
        },
        ...(submitted ? [submittedEvent(applicant, origin, id)] : []),
      ]);
      if (submitted)
        await this.emailKind(manager, application, 'application-submitted', null, filer);
      return { application, created: true };
    });
    if (started.created) {
      this.journeyEvent(applicant, 'draft_started', started.application);
      if (started.application.status === 'submitted')
        this.journeyEvent(applicant, 'submitted', started.application);
    }
    return started;
  }

  /**
   * A page of a draft's journey was shown: one of its steps, or (no step) its
   * check-your-answers page. Only counted (JourneyEvents); the pages of an
   * application sent back for information are not its first journey.
   */
  pageShown(applicant: Applicant, application: Application, step?: string): void {
    if (application.status !== 'draft') return;
    this.journey.record(applicant, {
      kind: step ? 'step_shown' : 'check_answers_shown',
      serviceSlug: application.serviceSlug,
      variant: application.variant,
      revision: application.serviceRevision,
      step,
    });
  }

  /** A journey event about a whole application (its service, variant and revision). */
  private journeyEvent(
    applicant: Applicant,
    kind: 'draft_started' | 'submitted' | 'withdrawn',
    application: Application,
  ): void {
    this.journey.record(applicant, {
      kind,
      serviceSlug: application.serviceSlug,
      variant: application.variant,
      revision: application.serviceRevision,
    });
  }

  /**
   * Inserts a new application on `revision` if its variant still serves it, as
   * its current revision or the candidate in rollout. With `submit`, answers
   * complete for that revision are written submitted at once
   * (SUBMITTED_AT_ONCE). The new row comes back as `load` reads it, with its
   * filer's address: a filing through the API makes no other round trip for
   * them. 'exists' when the idempotency key made one already.
   *
   * A draft first takes the service row's share lock, in a statement of its
   * own, so the insert reads what is served after any decision on the service
   * under way (a rollout decision, a revision made current or withdrawn in the
   * studio: each locks the row): a rollback moves the candidate's drafts, and
   * none may start on it once it has run. A filing submitted at once takes no
   * lock (ADR 0040): one checked as such a decision commits is filed on a
   * revision that was served when it was checked, like one filed a moment
   * earlier, and neither a rollback nor a withdrawal moves submitted
   * applications. Many SMEs' share locks on one row cost PostgreSQL a multixact
   * and a WAL record each.
   */
  private async insertOn(
    manager: EntityManager,
    { applicant, serviceSlug, answers, idempotencyKey }: NewApplication,
    revision: number,
    submit: boolean,
  ): Promise<
    | { kind: 'inserted'; application: Application; filer: Recipient; submitted: boolean }
    | { kind: 'exists' }
    | { kind: 'not-served'; current: number }
  > {
    // The revision's definition only for a filing asked to be submitted: a
    // draft needs none (its answers are checked step by step).
    const service = submit ? await this.catalogue.revisionOf(serviceSlug, revision) : undefined;
    const submitting =
      service !== undefined &&
      this.forms.problems(service, applicant.audience, answers).length === 0;
    const served = applicant.audience === 'business' ? 'business_revision' : 'citizen_revision';
    if (!submitting)
      await manager.query(`SELECT 1 FROM service WHERE service.slug = $1 FOR SHARE`, [serviceSlug]);
    // One of four texts (the variant's column, submitted at once or not): prepared.
    const [row] = await preparedRows<
      Application & { filer: Recipient; current: number | null; candidate: number | null }
    >(
      manager,
      `WITH s AS MATERIALIZED (
         SELECT service.${served} AS current, revision_rollout.revision AS candidate
           FROM service
           LEFT JOIN revision_rollout ON revision_rollout.service_slug = service.slug
          WHERE service.slug = $1),
       a AS (
         INSERT INTO application (service_slug, variant, account_id, organization_id, answers, channel,
                                  idempotency_key, service_revision${submitting ? SUBMITTED_AT_ONCE.columns : ''})
         SELECT $1, $2, $3::uuid, $4::uuid, $5::jsonb, $6, $7, $8::integer${submitting ? SUBMITTED_AT_ONCE.values : ''}
           FROM s WHERE $8::integer IN (s.current, s.candidate)
            -- A replay of a committed creation takes no reference number (ON
            -- CONFLICT comes after the values, the number among them).
            AND NOT EXISTS (
              SELECT 1 FROM application done
               WHERE COALESCE(done.organization_id, done.account_id) = COALESCE($4::uuid, $3::uuid)
                 AND done.idempotency_key = $7)
         ON CONFLICT (COALESCE(organization_id, account_id), idempotency_key)
           WHERE idempotency_key IS NOT NULL DO NOTHING
         RETURNING *)${submitting ? SUBMITTED_AT_ONCE.transition : ''}
       SELECT s.current, s.candidate, ${COLUMNS},
              json_build_object('email', filer.email, 'locale', filer.preferred_locale,
                                'closed', filer.closed_at IS NOT NULL) AS filer
         FROM s LEFT JOIN (a JOIN account filer ON filer.id = a.account_id) ON true`,
      [
        serviceSlug,
        applicant.audience,
        applicant.accountId,
        applicant.organizationId ?? null,
        JSON.stringify(answers),
        applicant.channel,
        idempotencyKey ?? null,
        revision,
        ...(submitting ? [service.referencePrefix] : []),
      ],
    );
    if (!row || row.current === null) throw FILING_REFUSALS.of('not-found');
    const { current, candidate, filer, ...application } = row;
    if (application.id) return { kind: 'inserted', application, filer, submitted: submitting };
    if (revision === current || revision === candidate) return { kind: 'exists' };
    return { kind: 'not-served', current };
  }

  /** The application an idempotency key created for this applicant's SME or person, if any. */
  private async createdWith(
    applicant: Applicant,
    idempotencyKey: string,
  ): Promise<Application | undefined> {
    const [row] = await this.dataSource.query<{ id: string }[]>(
      `SELECT application.id FROM application
        WHERE COALESCE(application.organization_id, application.account_id) = $1
          AND application.idempotency_key = $2`,
      [applicant.organizationId ?? applicant.accountId, idempotencyKey],
    );
    return row ? this.load(this.dataSource.manager, row.id) : undefined;
  }

  /** Saves answers while the application is editable, without checking the variant (see `saveStep`). */
  async saveAnswers(
    applicant: Applicant,
    id: string,
    changes: Answers,
    removed: string[],
    origin: RequestOrigin,
    what: { step?: string } = {},
  ): Promise<ChangeResult> {
    return this.dataSource.transaction(async (manager) => {
      const current = await this.lockOwned(manager, applicant, id);
      if (!current) return { ok: false, reason: 'not-found' };
      if (!isEditable(current.status)) return { ok: false, reason: 'not-allowed' };
      return {
        ok: true,
        application: await this.writeAnswers(
          manager,
          applicant,
          current,
          changes,
          removed,
          origin,
          what,
        ),
      };
    });
  }

  /**
   * Writes changed answers of an application this transaction holds the row
   * of, with its audit event (`application.answers_saved`).
   */
  async writeAnswers(
    manager: EntityManager,
    applicant: Applicant,
    current: Application,
    changes: Answers,
    removed: string[],
    origin: RequestOrigin,
    what: { step?: string } = {},
  ): Promise<Application> {
    const id = current.id;
    const answers: Answers = { ...current.answers, ...changes };
    for (const name of removed) if (!(name in changes)) delete answers[name];
    // A step to check again after a revision change is checked once saved again.
    const notice = current.revisionNotice && {
      ...current.revisionNotice,
      steps: current.revisionNotice.steps.filter((step) => step !== what.step),
    };
    await manager.query(
      `UPDATE application SET answers = $2, revision_notice = $3, updated_at = now(), version = version + 1
        WHERE id = $1`,
      [id, JSON.stringify(answers), notice?.steps.length ? JSON.stringify(notice) : null],
    );
    await this.audit.record(manager, {
      ...auditOrigin(applicant, origin),
      action: 'application.answers_saved',
      entity: { type: 'application', id },
      after: { step: what.step, fields: Object.keys(changes), removed },
    });
    return (await this.load(manager, id))!;
  }

  /**
   * Submits a draft: one transaction gives it its reference number, records
   * the transition and its audit event, and queues the receipt email. A second
   * submission of the same application (a double click, a retried request)
   * changes nothing and answers with the first one's result.
   */
  async submit(applicant: Applicant, id: string, origin: RequestOrigin): Promise<SubmitResult> {
    // Without the variant's check nor the declaration: see `submitFiling`, which has them.
    const result = await this.dataSource.transaction(async (manager): Promise<SubmitResult> => {
      const current = await this.lockOwned(manager, applicant, id);
      if (!current) return { ok: false, reason: 'not-found' };
      if (current.status !== 'draft')
        return { ok: true, application: current, alreadySubmitted: true };
      const service = await this.definitionOf(current);
      if (!service) return { ok: false, reason: 'not-found' };
      if (this.forms.problems(service, current.variant, current.answers).length > 0)
        return { ok: false, reason: 'incomplete' };
      const application = await this.submitLocked(manager, applicant, current, service, origin);
      return { ok: true, application, alreadySubmitted: false };
    });
    this.submittedNow(applicant, result);
    return result;
  }

  /**
   * Submits a draft whose row this transaction holds: the status change with
   * its reference number and its transition (one statement), the audit event,
   * then the receipt email. (A filing created and submitted at once is written
   * submitted by `startDraft`'s insert, with the same rows.)
   */
  private async submitLocked(
    manager: EntityManager,
    applicant: Applicant,
    current: Application,
    service: ServiceDefinition,
    origin: RequestOrigin,
  ): Promise<Application> {
    const id = current.id;
    const filer = await this.filer(manager, current.accountId);
    // The reference from the prefix's sequence for the year (ADR 0038): no row
    // lock, so concurrent submissions of a service do not queue on one another.
    // The transition row is written by the same statement.
    const [numbered] = await returningRows<{ reference: string; submittedAt: Date }>(
      manager,
      `WITH t AS (
         INSERT INTO application_transition (application_id, from_status, to_status, actor_id, actor_role, reason)
         VALUES ($1, $3, 'submitted', $4, 'applicant', NULL))
       UPDATE application
          SET status = 'submitted', submitted_at = now(), updated_at = now(), version = version + 1,
              revision_notice = NULL, reference = next_application_reference($2)
        WHERE id = $1
       RETURNING reference, submitted_at AS "submittedAt"`,
      [id, service.referencePrefix, current.status, applicant.accountId],
    );
    await this.audit.record(manager, submittedEvent(applicant, origin, id));
    const application: Application = {
      ...current,
      status: 'submitted',
      reference: numbered.reference,
      submittedAt: numbered.submittedAt,
      revisionNotice: null,
      updatedAt: numbered.submittedAt,
      version: current.version + 1,
    };
    await this.emailKind(manager, application, 'application-submitted', null, filer);
    return application;
  }

  /** The applicant withdraws before a decision. */
  async withdraw(
    applicant: Applicant,
    id: string,
    reason: string | null,
    origin: RequestOrigin,
  ): Promise<ChangeResult> {
    const result = (await this.move(applicant, id, 'withdrawn', reason, origin)) as ChangeResult;
    if (result.ok) this.journeyEvent(applicant, 'withdrawn', result.application);
    return result;
  }

  /**
   * The applicant answers a request for information: an optional message, then
   * back to the clerks; refused ('incomplete') while the answers are not complete.
   */
  async resubmit(
    applicant: Applicant,
    id: string,
    message: string,
    origin: RequestOrigin,
  ): Promise<ChangeResult | { ok: false; reason: 'incomplete' }> {
    return this.move(
      applicant,
      id,
      'resubmitted',
      message || null,
      origin,
      message,
      async (current) => {
        const service = await this.definitionOf(current);
        return service && this.forms.firstIncomplete(service, current.variant, current.answers)
          ? 'incomplete'
          : undefined;
      },
    );
  }

  /** Posts a message to the clerks on a submitted application. */
  async postMessage(
    applicant: Applicant,
    id: string,
    body: string,
    origin: RequestOrigin,
  ): Promise<ChangeResult> {
    return this.dataSource.transaction(async (manager) => {
      const current = await this.lockOwned(manager, applicant, id);
      if (!current) return { ok: false, reason: 'not-found' };
      if (current.status === 'draft') return { ok: false, reason: 'not-allowed' };
      await this.insertMessage(manager, current, applicant.accountId, 'applicant', body);
      await this.audit.record(manager, {
        ...auditOrigin(applicant, origin),
        action: 'application.message_posted',
        entity: { type: 'application', id },
        after: { authorRole: 'applicant', length: body.length },
      });
      return { ok: true, application: current };
    });
  }

  // -- shared with the staff side (ApplicationProcessingService) -------------

  async load(manager: EntityManager, id: string): Promise<Application | undefined> {
    const [row] = await manager.query<Application[]>(`SELECT ${COLUMNS} ${FROM} WHERE a.id = $1`, [
      id,
    ]);
    return row;
  }

  async recordTransition(
    manager: EntityManager,
    application: Application,
    to: ApplicationStatus,
    actorId: string,
    actorRole: TransitionActor,
    reason: string | null,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO application_transition (application_id, from_status, to_status, actor_id, actor_role, reason)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [application.id, application.status, to, actorId, actorRole, reason],
    );
  }

  async insertMessage(
    manager: EntityManager,
    application: Application,
    authorId: string,
    role: TransitionActor,
    body: string,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO application_message (application_id, author_id, author_role, body) VALUES ($1, $2, $3, $4)`,
      [application.id, authorId, role, body],
    );
    if (role === 'staff') await this.emailKind(manager, application, 'application-message', body);
  }

  /** Queues the email a status change sends the person who filed. */
  async email(
    manager: EntityManager,
    application: Application,
    status: ApplicationStatus,
    note: string | null,
  ): Promise<void> {
    const kind = EMAIL_FOR[status];
    if (kind) await this.emailKind(manager, application, kind, note);
  }

  private async emailKind(
    manager: EntityManager,
    application: Application,
    kind: EmailKind,
    note: string | null,
    known?: Recipient,
  ): Promise<void> {
    const filer = known ?? (await this.filer(manager, application.accountId));
    if (!filer || filer.closed) return;
    const service = await this.definitionOf(application);
    await this.outbox.enqueue(manager, {
      kind,
      to: filer.email,
      locale: filer.locale,
      values: {
        reference: application.reference ?? '',
        service: service?.title[filer.locale] ?? application.serviceSlug,
        link: `${this.config.PUBLIC_URL}/applications/${application.id}`,
        note: note ?? '',
      },
    });
  }

  /** Where the person who filed gets their emails. */
  private async filer(manager: EntityManager, accountId: string): Promise<Recipient | undefined> {
    const [filer] = await manager.query<Recipient[]>(
      `SELECT email, preferred_locale AS locale, closed_at IS NOT NULL AS closed FROM account WHERE id = $1`,
      [accountId],
    );
    return filer;
  }

  /** The revision an application was started on: the one it is read and checked through. */
  private definitionOf(application: Application): Promise<ServiceDefinition | undefined> {
    return this.catalogue.revisionOf(application.serviceSlug, application.serviceRevision);
  }

  private async move(
    applicant: Applicant,
    id: string,
    to: ApplicationStatus,
    reason: string | null,
    origin: RequestOrigin,
    message?: string,
    refuse?: (current: Application) => Promise<'incomplete' | undefined>,
  ): Promise<ChangeResult | { ok: false; reason: 'incomplete' }> {
    return this.dataSource.transaction(async (manager) => {
      const current = await this.lockOwned(manager, applicant, id);
      if (!current) return { ok: false, reason: 'not-found' };
      const refused = await refuse?.(current);
      if (refused) return { ok: false, reason: refused };
      if (!canTransition(current.status, to, 'applicant'))
        return { ok: false, reason: 'not-allowed' };
      await manager.query(
        `UPDATE application SET status = $2, updated_at = now(), version = version + 1,
                decided_at = CASE WHEN $2 = 'withdrawn' THEN now() ELSE decided_at END
          WHERE id = $1`,
        [id, to],
      );
      await this.recordTransition(manager, current, to, applicant.accountId, 'applicant', reason);
      if (message)
        await this.insertMessage(manager, current, applicant.accountId, 'applicant', message);
      await this.audit.record(manager, {
        ...auditOrigin(applicant, origin),
        action: `application.${to}`,
        entity: { type: 'application', id },
        before: { status: current.status },
        after: { status: to, reason },
      });
      const application = (await this.load(manager, id))!;
      await this.email(manager, application, to, reason);
      return { ok: true, application };
    });
  }

  /** The application the applicant owns, its row locked for this transaction. */
  async lockOwned(
    manager: EntityManager,
    applicant: Applicant,
    id: string,
  ): Promise<Application | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await manager.query<{ id: string }[]>(
      `SELECT a.id FROM application a WHERE a.id = $3 AND ${OWNED} FOR UPDATE`,
      [applicant.accountId, applicant.organizationId ?? null, id],
    );
    return row ? this.load(manager, row.id) : undefined;
  }
}

/** The audit event of a submission by its applicant. */
function submittedEvent(applicant: Applicant, origin: RequestOrigin, id: string): AuditEventInput {
  return {
    ...auditOrigin(applicant, origin),
    action: 'application.submitted',
    entity: { type: 'application', id },
    before: { status: 'draft' },
    after: { status: 'submitted', channel: applicant.channel },
  };
}

/** The actor and acting party of an applicant's change, for its audit event. */
export function auditOrigin(applicant: Applicant, origin: RequestOrigin) {
  return {
    actor:
      applicant.channel === 'api'
        ? { type: 'api-key' as const, id: applicant.apiKeyId }
        : { type: 'person' as const, id: applicant.accountId },
    actingAs: { audience: applicant.audience, organizationId: applicant.organizationId },
    ip: origin.ip,
    requestId: origin.requestId,
  };
}

export { isUuid };
