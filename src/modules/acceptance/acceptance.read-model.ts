import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Audience } from '../../platform/flags/flag-context.js';
import { evaluateGates, PilotEvidence, type GateResult } from '../rollout/gates.js';
import { RolloutService } from '../rollout/rollout.service.js';
import type { Stage } from '../rollout/stages.js';
import { LATEST_NOTES, type Outcome } from './acceptance-options.js';

/** A criterion's standing among the pilot's testers, as the gate reads it. */
export type CriterionVerdict = 'passed' | 'failed' | 'blocked' | 'untested';

export interface CriterionReport {
  id: string;
  position: number;
  title: { fr: string; en: string };
  description: { fr: string; en: string };
  retiredAt: Date | null;
  retiredBy: string | null;
  /** Latest results of the testers currently in the pilot's cohorts. */
  passed: number;
  failed: number;
  blocked: number;
  verdict: CriterionVerdict;
  /** Results from testers no longer in the pilot: kept, not counted. */
  others: number;
  /** The newest notes of the pilot's testers. */
  notes: {
    outcome: Outcome;
    note: string;
    tester: string;
    recordedBy: string | null;
    at: Date;
    feedbackReference: string | null;
  }[];
}

export interface VariantReport {
  stage: Stage;
  paused: boolean;
  cohorts: { id: string; name: string; members: number }[];
  criteria: CriterionReport[];
  /** The gate's figures: null with no active criterion ("no data", which blocks). */
  figures: { passed: number; total: number } | null;
  gate: GateResult;
}

export interface VariantSummary {
  slug: string;
  variant: Audience;
  active: number;
  retired: number;
  /** Testers who recorded at least one result on an active criterion. */
  testers: number;
}

/**
 * The staff pages of acceptance-test campaigns: per variant, each criterion
 * with how the pilot's testers answered it and its newest notes, and the
 * figure the rollout gate reads (taken from the gate's own evidence, so the
 * page and the gate always agree). A reporting read model: it reads the names
 * of SMEs and people who tested, never writes.
 */
@Injectable()
export class AcceptanceReadModel {
  constructor(
    private readonly dataSource: DataSource,
    private readonly rollout: RolloutService,
    private readonly evidence: PilotEvidence,
  ) {}

  /** Every variant that has criteria, with their counts. */
  async overview(): Promise<VariantSummary[]> {
    return this.dataSource.query<VariantSummary[]>(
      `SELECT acceptance_criterion.service_slug AS slug, acceptance_criterion.variant,
              count(*) FILTER (WHERE acceptance_criterion.retired_at IS NULL)::int AS active,
              count(*) FILTER (WHERE acceptance_criterion.retired_at IS NOT NULL)::int AS retired,
              (SELECT count(DISTINCT COALESCE(acceptance_result.organization_id, acceptance_result.account_id))::int
                 FROM acceptance_result
                 JOIN acceptance_criterion AS active_criterion
                   ON active_criterion.id = acceptance_result.criterion_id
                WHERE active_criterion.service_slug = acceptance_criterion.service_slug
                  AND active_criterion.variant = acceptance_criterion.variant
                  AND active_criterion.retired_at IS NULL) AS testers
         FROM acceptance_criterion
        GROUP BY acceptance_criterion.service_slug, acceptance_criterion.variant`,
    );
  }

  /**
   * A variant's criteria (active first, in their order; then retired ones)
   * with the latest results of the testers now in the plan's cohorts, and the
   * acceptance gate as the console shows it.
   */
  async variant(slug: string, variant: Audience): Promise<VariantReport> {
    const plan = await this.rollout.plan(slug, variant);
    const cohortIds = plan.cohorts.map((c) => c.id);
    const [figures, rows, notes] = await Promise.all([
      this.evidence.figures(slug, variant, cohortIds),
      this.dataSource.query<
        (Omit<CriterionReport, 'title' | 'description' | 'verdict' | 'notes'> & {
          titleFr: string;
          titleEn: string;
          descriptionFr: string;
          descriptionEn: string;
        })[]
      >(
        `${PILOT_TESTER}
         SELECT acceptance_criterion.id, acceptance_criterion.position,
                acceptance_criterion.title_fr AS "titleFr", acceptance_criterion.title_en AS "titleEn",
                acceptance_criterion.description_fr AS "descriptionFr",
                acceptance_criterion.description_en AS "descriptionEn",
                acceptance_criterion.retired_at AS "retiredAt", retirer.display_name AS "retiredBy",
                count(acceptance_result.id) FILTER (WHERE pilot_tester.id IS NOT NULL AND acceptance_result.outcome = 'pass')::int AS passed,
                count(acceptance_result.id) FILTER (WHERE pilot_tester.id IS NOT NULL AND acceptance_result.outcome = 'fail')::int AS failed,
                count(acceptance_result.id) FILTER (WHERE pilot_tester.id IS NOT NULL AND acceptance_result.outcome = 'blocked')::int AS blocked,
                count(acceptance_result.id) FILTER (WHERE pilot_tester.id IS NULL)::int AS others
           FROM acceptance_criterion
           LEFT JOIN account AS retirer ON retirer.id = acceptance_criterion.retired_by
           LEFT JOIN acceptance_result ON acceptance_result.criterion_id = acceptance_criterion.id
           LEFT JOIN pilot_tester
                  ON pilot_tester.id = COALESCE(acceptance_result.organization_id, acceptance_result.account_id)
          WHERE acceptance_criterion.service_slug = $1 AND acceptance_criterion.variant = $2
          GROUP BY acceptance_criterion.id, retirer.display_name
          ORDER BY acceptance_criterion.retired_at IS NOT NULL, acceptance_criterion.position,
                   acceptance_criterion.created_at, acceptance_criterion.id`,
        [slug, variant, cohortIds],
      ),
      this.dataSource.query<(CriterionReport['notes'][number] & { criterionId: string })[]>(
        `${PILOT_TESTER}
         SELECT ranked."criterionId", ranked.outcome, ranked.note, ranked.tester,
                ranked."recordedBy", ranked.at, ranked."feedbackReference"
           FROM (
             SELECT acceptance_result.criterion_id AS "criterionId", acceptance_result.outcome,
                    acceptance_result.note,
                    COALESCE(organization.legal_name, person.display_name) AS tester,
                    recorder.display_name AS "recordedBy", acceptance_result.updated_at AS at,
                    feedback_item.reference AS "feedbackReference",
                    row_number() OVER (PARTITION BY acceptance_result.criterion_id
                                       ORDER BY acceptance_result.updated_at DESC, acceptance_result.id) AS n
               FROM acceptance_result
               JOIN acceptance_criterion ON acceptance_criterion.id = acceptance_result.criterion_id
               JOIN pilot_tester
                 ON pilot_tester.id = COALESCE(acceptance_result.organization_id, acceptance_result.account_id)
               LEFT JOIN organization ON organization.id = acceptance_result.organization_id
               LEFT JOIN account AS person ON person.id = acceptance_result.account_id
               LEFT JOIN account AS recorder ON recorder.id = acceptance_result.recorded_by
               LEFT JOIN feedback_item ON feedback_item.acceptance_result_id = acceptance_result.id
              WHERE acceptance_criterion.service_slug = $1 AND acceptance_criterion.variant = $2
                AND acceptance_result.note <> ''
           ) AS ranked
          WHERE ranked.n <= $4
          ORDER BY ranked.at DESC`,
        [slug, variant, cohortIds, LATEST_NOTES],
      ),
    ]);
    const ticked = plan.checklist.filter((c) => c.tickedAt).length;
    const gate = evaluateGates(slug, variant, figures, ticked, plan.thresholds).find(
      (g) => g.id === 'acceptance',
    )!;
    return {
      stage: plan.stage,
      paused: plan.paused,
      cohorts: plan.cohorts.map((c) => ({ id: c.id, name: c.name, members: c.members })),
      figures: figures.feedback?.acceptance ?? null,
      gate,
      criteria: rows.map((row) => ({
        id: row.id,
        position: row.position,
        title: { fr: row.titleFr, en: row.titleEn },
        description: { fr: row.descriptionFr, en: row.descriptionEn },
        retiredAt: row.retiredAt,
        retiredBy: row.retiredBy,
        passed: row.passed,
        failed: row.failed,
        blocked: row.blocked,
        others: row.others,
        verdict: verdictOf(row),
        notes: notes
          .filter((n) => n.criterionId === row.id)
          .map(({ criterionId: _, ...note }) => note),
      })),
    };
  }
}

/**
 * The same rule as the gate (`PilotEvidenceReadModel`): passed when every
 * pilot tester who answered passed it, and at least one did.
 */
export function verdictOf(counts: {
  passed: number;
  failed: number;
  blocked: number;
}): CriterionVerdict {
  if (counts.failed > 0) return 'failed';
  if (counts.blocked > 0) return 'blocked';
  return counts.passed > 0 ? 'passed' : 'untested';
}

/** The pilot's testers: the active members of the plan's cohorts ($3), SMEs or people. */
const PILOT_TESTER = `
  WITH pilot_tester AS (
    SELECT DISTINCT CASE cohort.audience WHEN 'business' THEN cohort_member.organization_id
                                         ELSE cohort_member.account_id END AS id
      FROM cohort_member JOIN cohort ON cohort.id = cohort_member.cohort_id
     WHERE cohort_member.cohort_id = ANY($3::uuid[]) AND cohort_member.status = 'active'
  )`;
