import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AUDIENCES, type Audience } from '../../platform/flags/flag-context.js';
import type { Locale } from '../../platform/i18n/i18n.service.js';
import type { ActingAs } from '../accounts/acting-as.js';
import { isUuid } from '../applications/applications.service.js';
import { AuditService } from '../audit/audit.service.js';
import type { RequestOrigin } from '../audit/request-origin.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import type { Localized } from '../catalogue/service-definition.js';
import { RolloutReadModel, type CohortRef } from '../rollout/rollout.read-model.js';
import type { Stage } from '../rollout/stages.js';
import { FeedbackService, revisionServedTo } from '../feedback/feedback.service.js';
import { VariantAccessService } from '../rollout/variant-access.service.js';
import { MAX_POSITION, type Outcome } from './acceptance-options.js';
import type { ChecklistAnswer, CriterionInput } from './dto/acceptance.dto.js';

/** The signed-in person opening a checklist, as they are acting. */
export interface TesterPerson {
  accountId: string;
  actingAs: ActingAs;
}

/**
 * Who a result belongs to: the SME when acting for one (the business
 * variant's cohorts are SMEs: any employee records the SME's result), the
 * person when acting as themselves.
 */
export type Tester =
  { kind: 'organization'; id: string; name: string } | { kind: 'account'; id: string };

/** Why someone may not use a variant's checklist. */
export type ChecklistRefusal = 'not-found' | 'no-pilot' | 'not-tester';

export interface ChecklistCriterion {
  id: string;
  title: Localized;
  description: Localized;
  /** The tester's latest result, if any. */
  result: {
    outcome: Outcome;
    note: string;
    updatedAt: Date;
    /** The feedback item a fail created; `own` when the person reading may open it. */
    feedback: { id: string; reference: string; own: boolean } | null;
  } | null;
}

export interface Checklist {
  serviceSlug: string;
  serviceTitle: Localized;
  variant: Audience;
  stage: Stage;
  tester: Tester;
  /** The person's cohorts that take part in this variant's pilot. */
  cohorts: CohortRef[];
  criteria: ChecklistCriterion[];
}

export type ChecklistAccess =
  { ok: true; checklist: Checklist } | { ok: false; reason: ChecklistRefusal };

/** What recording a checklist did. */
export interface RecordOutcome {
  /** Results created or changed (an answer identical to the stored one changes nothing). */
  changed: number;
  /** Feedback items created by new fails. */
  feedbackCreated: number;
}

/** Where a checklist was sent from: stored with the feedback item a fail creates. */
export interface ChecklistHints {
  language: Locale;
  userAgent?: string;
}

export type CriterionProblem = 'not-found';

interface CriterionRow {
  id: string;
  serviceSlug: string;
  variant: Audience;
  position: number;
  titleFr: string;
  titleEn: string;
  descriptionFr: string;
  descriptionEn: string;
  retiredAt: Date | null;
}

const CRITERION_COLUMNS = `
  acceptance_criterion.id, acceptance_criterion.service_slug AS "serviceSlug",
  acceptance_criterion.variant, acceptance_criterion.position,
  acceptance_criterion.title_fr AS "titleFr", acceptance_criterion.title_en AS "titleEn",
  acceptance_criterion.description_fr AS "descriptionFr",
  acceptance_criterion.description_en AS "descriptionEn",
  acceptance_criterion.retired_at AS "retiredAt"`;

const MAX_USER_AGENT = 512;

/**
 * Acceptance-test campaigns (issue 6): staff write, for each service variant,
 * what must work before it is promoted; the testers of its pilot (members of a
 * cohort attached to its plan, while it is in a pilot or gradual stage) record
 * pass, fail or blocked for each, with a note. A fail becomes a major problem
 * in the variant's feedback, once per result. Every change and its audit event
 * are one transaction. The gate's figure is computed by the insights module
 * (`PilotEvidenceReadModel`) from these tables.
 */
@Injectable()
export class AcceptanceService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly catalogue: CatalogueService,
    private readonly rollout: RolloutReadModel,
    private readonly feedback: FeedbackService,
    private readonly access: VariantAccessService,
  ) {}

  // --- Staff: the criteria ------------------------------------------------

  /** A catalogue service variant, or undefined. */
  variantOf(slug: string, variant: string): { slug: string; variant: Audience } | undefined {
    if (!this.catalogue.find(slug) || !(AUDIENCES as readonly string[]).includes(variant))
      return undefined;
    return { slug, variant: variant as Audience };
  }

  /** One criterion of a variant (retired or not), or undefined. */
  async criterion(slug: string, variant: Audience, id: string): Promise<CriterionRow | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await this.dataSource.query<CriterionRow[]>(
      `SELECT ${CRITERION_COLUMNS} FROM acceptance_criterion
        WHERE acceptance_criterion.id = $1 AND acceptance_criterion.service_slug = $2
          AND acceptance_criterion.variant = $3`,
      [id, slug, variant],
    );
    return row;
  }

  /** Adds a criterion to a variant (after the others unless an order is given). */
  async createCriterion(
    staffId: string,
    slug: string,
    variant: Audience,
    input: CriterionInput,
    origin: RequestOrigin,
  ): Promise<string> {
    return this.dataSource.transaction(async (manager) => {
      const position = input.position ?? (await this.nextPosition(manager, slug, variant));
      const [row] = await manager.query<{ id: string }[]>(
        `INSERT INTO acceptance_criterion
           (service_slug, variant, position, title_fr, title_en, description_fr, description_en,
            created_by, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
        [
          slug,
          variant,
          position,
          input.title.fr,
          input.title.en,
          input.description.fr,
          input.description.en,
          staffId,
        ],
      );
      await this.audit.record(manager, {
        actor: { type: 'staff', id: staffId },
        action: 'acceptance.criterion_created',
        entity: { type: 'acceptance-criterion', id: row.id },
        after: { serviceSlug: slug, variant, position, ...this.texts(input) },
        ip: origin.ip,
        requestId: origin.requestId,
      });
      return row.id;
    });
  }

  /** Changes a criterion's texts or order; its results stay. */
  async updateCriterion(
    staffId: string,
    slug: string,
    variant: Audience,
    id: string,
    input: CriterionInput,
    origin: RequestOrigin,
  ): Promise<{ ok: true } | { ok: false; problem: CriterionProblem }> {
    if (!isUuid(id)) return { ok: false, problem: 'not-found' };
    return this.dataSource.transaction(async (manager) => {
      const [before] = await manager.query<CriterionRow[]>(
        `SELECT ${CRITERION_COLUMNS} FROM acceptance_criterion
          WHERE acceptance_criterion.id = $1 AND acceptance_criterion.service_slug = $2
            AND acceptance_criterion.variant = $3 AND acceptance_criterion.retired_at IS NULL
          FOR UPDATE`,
        [id, slug, variant],
      );
      if (!before) return { ok: false, problem: 'not-found' };
      const position = input.position ?? before.position;
      await manager.query(
        `UPDATE acceptance_criterion
            SET position = $2, title_fr = $3, title_en = $4, description_fr = $5,
                description_en = $6, updated_by = $7, updated_at = now()
          WHERE acceptance_criterion.id = $1`,
        [
          id,
          position,
          input.title.fr,
          input.title.en,
          input.description.fr,
          input.description.en,
          staffId,
        ],
      );
      await this.audit.record(manager, {
        actor: { type: 'staff', id: staffId },
        action: 'acceptance.criterion_updated',
        entity: { type: 'acceptance-criterion', id },
        before: {
          position: before.position,
          title: { fr: before.titleFr, en: before.titleEn },
          description: { fr: before.descriptionFr, en: before.descriptionEn },
        },
        after: { position, ...this.texts(input) },
        ip: origin.ip,
        requestId: origin.requestId,
      });
      return { ok: true };
    });
  }

  /**
   * Retires a criterion: kept with its results for the history, no longer
   * asked nor counted. Retiring a retired criterion changes nothing.
   */
  async retireCriterion(
    staffId: string,
    slug: string,
    variant: Audience,
    id: string,
    origin: RequestOrigin,
  ): Promise<{ ok: true; retired: boolean } | { ok: false; problem: CriterionProblem }> {
    if (!isUuid(id)) return { ok: false, problem: 'not-found' };
    return this.dataSource.transaction(async (manager) => {
      const [row] = await manager.query<CriterionRow[]>(
        `SELECT ${CRITERION_COLUMNS} FROM acceptance_criterion
          WHERE acceptance_criterion.id = $1 AND acceptance_criterion.service_slug = $2
            AND acceptance_criterion.variant = $3
          FOR UPDATE`,
        [id, slug, variant],
      );
      if (!row) return { ok: false, problem: 'not-found' };
      if (row.retiredAt) return { ok: true, retired: false };
      await manager.query(
        `UPDATE acceptance_criterion SET retired_at = now(), retired_by = $2
          WHERE acceptance_criterion.id = $1`,
        [id, staffId],
      );
      await this.audit.record(manager, {
        actor: { type: 'staff', id: staffId },
        action: 'acceptance.criterion_retired',
        entity: { type: 'acceptance-criterion', id },
        before: { retired: false },
        after: { retired: true, serviceSlug: slug, variant, title: row.titleFr },
        ip: origin.ip,
        requestId: origin.requestId,
      });
      return { ok: true, retired: true };
    });
  }

  // --- Testers: the checklist ---------------------------------------------

  /**
   * Whether the person, as they act, is one of the variant's pilot testers:
   * the variant is in a pilot or gradual stage (not paused) and one of their
   * cohorts is attached to its plan.
   */
  async testerOf(
    person: TesterPerson,
    slug: string,
    variant: string,
  ): Promise<
    | {
        ok: true;
        slug: string;
        variant: Audience;
        stage: Stage;
        tester: Tester;
        cohorts: CohortRef[];
      }
    | { ok: false; reason: ChecklistRefusal }
  > {
    const found = this.variantOf(slug, variant);
    if (!found) return { ok: false, reason: 'not-found' };
    const { actingAs } = person;
    // The stage first: most start pages are of variants in no trial stage.
    const stage = await this.rollout.stageOf(slug, found.variant);
    if (!stage.trial || stage.paused) return { ok: false, reason: 'no-pilot' };
    const [planCohorts, mine] = await Promise.all([
      this.rollout.cohortsOfPlan(slug, found.variant),
      this.rollout.cohortsOf(actingAs),
    ]);
    const attached = new Set(planCohorts.map((c) => c.id));
    const cohorts = mine.filter((c) => attached.has(c.id));
    if (actingAs.audience !== found.variant || cohorts.length === 0)
      return { ok: false, reason: 'not-tester' };
    const tester: Tester =
      actingAs.audience === 'business' && actingAs.organization
        ? { kind: 'organization', id: actingAs.organization.id, name: actingAs.organization.name }
        : { kind: 'account', id: person.accountId };
    return { ok: true, slug, variant: found.variant, stage: stage.stage, tester, cohorts };
  }

  /** The variant's checklist for one of its pilot testers, with their latest results. */
  async checklist(person: TesterPerson, slug: string, variant: string): Promise<ChecklistAccess> {
    const access = await this.testerOf(person, slug, variant);
    if (!access.ok) return access;
    const rows = await this.dataSource.query<
      (CriterionRow & {
        outcome: Outcome | null;
        note: string | null;
        resultUpdatedAt: Date | null;
        feedbackId: string | null;
        feedbackReference: string | null;
        feedbackAccountId: string | null;
      })[]
    >(
      `SELECT ${CRITERION_COLUMNS}, acceptance_result.outcome, acceptance_result.note,
              acceptance_result.updated_at AS "resultUpdatedAt", feedback_item.id AS "feedbackId",
              feedback_item.reference AS "feedbackReference",
              feedback_item.account_id AS "feedbackAccountId"
         FROM acceptance_criterion
         LEFT JOIN acceptance_result ON acceptance_result.criterion_id = acceptance_criterion.id
              AND ${access.tester.kind === 'organization' ? 'acceptance_result.organization_id' : 'acceptance_result.account_id'} = $3
         LEFT JOIN feedback_item ON feedback_item.acceptance_result_id = acceptance_result.id
        WHERE acceptance_criterion.service_slug = $1 AND acceptance_criterion.variant = $2
          AND acceptance_criterion.retired_at IS NULL
        ORDER BY acceptance_criterion.position, acceptance_criterion.created_at, acceptance_criterion.id`,
      [access.slug, access.variant, access.tester.id],
    );
    return {
      ok: true,
      checklist: {
        serviceSlug: access.slug,
        serviceTitle: this.catalogue.find(access.slug)!.title,
        variant: access.variant,
        stage: access.stage,
        tester: access.tester,
        cohorts: access.cohorts,
        criteria: rows.map((row) => ({
          id: row.id,
          title: { fr: row.titleFr, en: row.titleEn },
          description: { fr: row.descriptionFr, en: row.descriptionEn },
          result: row.outcome
            ? {
                outcome: row.outcome,
                note: row.note ?? '',
                updatedAt: row.resultUpdatedAt!,
                feedback:
                  row.feedbackId && row.feedbackReference
                    ? {
                        id: row.feedbackId,
                        reference: row.feedbackReference,
                        own: row.feedbackAccountId === person.accountId,
                      }
                    : null,
              }
            : null,
        })),
      },
    };
  }

  /**
   * Records the tester's answers (criteria left unanswered keep their result),
   * in one transaction with their audit events. A fail creates a major problem
   * in the variant's feedback, linked to the result; failing again updates
   * that item rather than adding one. Answers about criteria retired meanwhile
   * are dropped.
   */
  async record(
    person: TesterPerson,
    slug: string,
    variant: string,
    answers: ChecklistAnswer[],
    hints: ChecklistHints,
    origin: RequestOrigin,
  ): Promise<{ ok: true; outcome: RecordOutcome } | { ok: false; reason: ChecklistRefusal }> {
    const access = await this.testerOf(person, slug, variant);
    if (!access.ok) return access;
    const { tester, stage, cohorts } = access;
    const testerColumn = tester.kind === 'organization' ? 'organization_id' : 'account_id';
    const organizationId = tester.kind === 'organization' ? tester.id : null;
    const cohortSlugs = cohorts.map((c) => c.slug);
    const page = `/services/${access.slug}/${access.variant}/acceptance`;
    // The revision the tester gets now: the one they tested (ADR 0032).
    const revision = revisionServedTo(
      this.catalogue,
      this.access,
      access.slug,
      access.variant,
      person.actingAs,
    );
    const actingAs = {
      audience: person.actingAs.audience,
      organizationId: organizationId ?? undefined,
    };
    const auditBase = {
      actor: { type: 'person' as const, id: person.accountId },
      actingAs,
      ip: origin.ip,
      requestId: origin.requestId,
    };
    return this.dataSource.transaction(async (manager) => {
      // One tester's posts one after the other (two tabs, a double click).
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [
        `acceptance:${access.slug}.${access.variant}:${tester.kind}:${tester.id}`,
      ]);
      const criteria = await manager.query<CriterionRow[]>(
        `SELECT ${CRITERION_COLUMNS} FROM acceptance_criterion
          WHERE acceptance_criterion.id = ANY($1::uuid[]) AND acceptance_criterion.service_slug = $2
            AND acceptance_criterion.variant = $3 AND acceptance_criterion.retired_at IS NULL`,
        [answers.map((a) => a.criterionId).filter(isUuid), access.slug, access.variant],
      );
      const outcome: RecordOutcome = { changed: 0, feedbackCreated: 0 };
      for (const answer of answers) {
        const criterion = criteria.find((c) => c.id === answer.criterionId);
        if (!criterion) continue;
        const [before] = await manager.query<
          { id: string; outcome: Outcome; note: string; revision: number }[]
        >(
          `SELECT acceptance_result.id, acceptance_result.outcome, acceptance_result.note,
                  acceptance_result.service_revision AS revision
             FROM acceptance_result
            WHERE acceptance_result.criterion_id = $1 AND acceptance_result.${testerColumn} = $2`,
          [criterion.id, tester.id],
        );
        // The same answer on another revision is a new result: that revision's.
        if (
          before &&
          before.outcome === answer.outcome &&
          before.note === answer.note &&
          before.revision === revision
        )
          continue;
        let resultId: string;
        if (before) {
          await manager.query(
            `UPDATE acceptance_result
                SET outcome = $2, note = $3, recorded_by = $4, stage = $5, cohorts = $6,
                    language = $7, service_revision = $8, updated_at = now()
              WHERE acceptance_result.id = $1`,
            [
              before.id,
              answer.outcome,
              answer.note,
              person.accountId,
              stage,
              cohortSlugs,
              hints.language,
              revision,
            ],
          );
          resultId = before.id;
        } else {
          const [created] = await manager.query<{ id: string }[]>(
            `INSERT INTO acceptance_result
               (criterion_id, organization_id, account_id, recorded_by, outcome, note, stage, cohorts,
                language, service_revision)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
            [
              criterion.id,
              organizationId,
              tester.kind === 'account' ? tester.id : null,
              person.accountId,
              answer.outcome,
              answer.note,
              stage,
              cohortSlugs,
              hints.language,
              revision,
            ],
          );
          resultId = created.id;
        }
        outcome.changed++;
        await this.audit.record(manager, {
          ...auditBase,
          action: 'acceptance.result_recorded',
          entity: { type: 'acceptance-criterion', id: criterion.id },
          before: before ? { outcome: before.outcome, noted: before.note !== '' } : undefined,
          after: {
            resultId,
            serviceSlug: access.slug,
            variant: access.variant,
            serviceRevision: revision,
            stage,
            outcome: answer.outcome,
            noted: answer.note !== '',
          },
        });
        if (answer.outcome === 'fail') {
          const created = await this.failure(manager, {
            resultId,
            criterion,
            note: answer.note,
            slug: access.slug,
            variant: access.variant,
            revision,
            stage,
            page,
            audience: person.actingAs.audience,
            organizationId,
            accountId: person.accountId,
            cohorts: cohortSlugs,
            language: hints.language,
            userAgent: hints.userAgent?.slice(0, MAX_USER_AGENT) || null,
            audit: auditBase,
          });
          if (created) outcome.feedbackCreated++;
        }
      }
      return { ok: true, outcome };
    });
  }

  // -------------------------------------------------------------------------

  /**
   * The feedback item of a failing result: created the first time (a major
   * problem, its texts from the criterion and the note, the context of the
   * moment), updated afterwards, by FeedbackService (the one writer of
   * `feedback_item`) in this transaction. True when created.
   */
  private async failure(
    manager: EntityManager,
    fail: {
      resultId: string;
      criterion: CriterionRow;
      note: string;
      slug: string;
      variant: Audience;
      revision: number;
      stage: Stage;
      page: string;
      audience: Audience;
      organizationId: string | null;
      accountId: string;
      cohorts: string[];
      language: Locale;
      userAgent: string | null;
      audit: {
        actor: { type: 'person'; id: string };
        actingAs: { audience: string; organizationId?: string };
        ip?: string;
        requestId?: string;
      };
    },
  ): Promise<boolean> {
    const { criterion, language } = fail;
    // "What were you trying to do": the criterion; "what did you expect": its description.
    const tried = language === 'fr' ? criterion.titleFr : criterion.titleEn;
    const expected = language === 'fr' ? criterion.descriptionFr : criterion.descriptionEn;
    return this.feedback.storeAcceptanceFailure(
      manager,
      {
        channel: 'web',
        serviceSlug: fail.slug,
        variant: fail.variant,
        serviceRevision: fail.revision,
        stage: fail.stage,
        page: fail.page,
        audience: fail.audience,
        organizationId: fail.organizationId,
        accountId: fail.accountId,
        cohorts: fail.cohorts,
        language,
        userAgent: fail.userAgent,
        kind: 'problem',
        severity: 'major',
        tried,
        happened: fail.note,
        expected,
        acceptanceResultId: fail.resultId,
      },
      {
        // As the feedback form's event: the context and the choices, not the texts.
        stored: {
          ...fail.audit,
          action: 'feedback.submitted',
          after: {
            serviceSlug: fail.slug,
            variant: fail.variant,
            stage: fail.stage,
            page: fail.page,
            cohorts: fail.cohorts,
            kind: 'problem',
            severity: 'major',
            source: 'acceptance',
            acceptanceResultId: fail.resultId,
            criterionId: criterion.id,
          },
        },
        updated: {
          ...fail.audit,
          action: 'feedback.acceptance_failure_updated',
          after: {
            acceptanceResultId: fail.resultId,
            criterionId: criterion.id,
            stage: fail.stage,
          },
        },
      },
    );
  }

  private async nextPosition(manager: EntityManager, slug: string, variant: Audience) {
    const [row] = await manager.query<{ next: number }[]>(
      `SELECT COALESCE(max(acceptance_criterion.position), 0) + 1 AS next
         FROM acceptance_criterion
        WHERE acceptance_criterion.service_slug = $1 AND acceptance_criterion.variant = $2
          AND acceptance_criterion.retired_at IS NULL`,
      [slug, variant],
    );
    return Math.min(Number(row.next), MAX_POSITION);
  }

  private texts(input: CriterionInput) {
    return { title: input.title, description: input.description };
  }
}
