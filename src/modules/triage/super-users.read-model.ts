import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Audience } from '../../platform/flags/flag-context.js';
import { SUPER_USERS_PER_COHORT } from './triage-options.js';

/** One tester of a cohort (an SME for a business cohort, a person for a citizen one) and what they did. */
export interface Tester {
  /** The SME's or the person's id. */
  id: string;
  name: string;
  /** The SME's NEQ (business cohorts). */
  neq: string | null;
  feedback: number;
  applications: number;
  surveys: number;
  /** feedback + applications + surveys. */
  activity: number;
  /** Their feedback that led to a change: planned or fixed. */
  useful: number;
}

export interface CohortSuperUsers {
  cohortId: string;
  slug: string;
  name: string;
  audience: Audience;
  activeMembers: number;
  mostActive: Tester[];
  mostUseful: Tester[];
}

/**
 * Super-users (docs/adr/0012-feedback-triage.md): for each cohort, its most
 * active testers and its most useful ones, among its active members.
 *
 * - Active: feedback items sent as a member of the cohort (the item's cohorts
 *   name it, whoever typed it in), applications submitted since joining it,
 *   and satisfaction surveys answered as a member; ranked by their sum.
 * - Useful: their items of the cohort that staff moved to "planned" or "fixed".
 *
 * An SME counts for a business cohort (all its members' items and
 * applications), a person as themselves for a citizen cohort. Ties go by
 * name. A reporting read model: it reads cohorts, their members' names and
 * applications read-only, like the rollout gates' evidence.
 */
@Injectable()
export class SuperUsersReadModel {
  constructor(private readonly dataSource: DataSource) {}

  async byCohort(limit = SUPER_USERS_PER_COHORT): Promise<CohortSuperUsers[]> {
    const rows = await this.dataSource.query<Record<string, unknown>[]>(
      `WITH member AS (
         SELECT cohort.id AS cohort_id, cohort.slug, cohort.name AS cohort_name, cohort.audience,
                cohort_member.organization_id, cohort_member.account_id,
                COALESCE(cohort_member.joined_at, cohort_member.created_at) AS since
           FROM cohort_member JOIN cohort ON cohort.id = cohort_member.cohort_id
          WHERE cohort_member.status = 'active'
            AND (cohort.audience = 'business') = (cohort_member.organization_id IS NOT NULL)
       ), scored AS (
         SELECT member.cohort_id, member.slug, member.cohort_name, member.audience,
                COALESCE(member.organization_id, member.account_id) AS tester_id,
                COALESCE(organization.legal_name, person.display_name) AS tester_name,
                organization.neq,
                sent.items, sent.useful, filed.applications, answered.surveys
           FROM member
           LEFT JOIN organization ON organization.id = member.organization_id
           LEFT JOIN account AS person ON person.id = member.account_id
           CROSS JOIN LATERAL (
             SELECT count(*)::int AS items,
                    count(*) FILTER (WHERE feedback_item.status IN ('planned', 'fixed'))::int AS useful
               FROM feedback_item
              WHERE feedback_item.cohorts @> ARRAY[member.slug]
                AND CASE WHEN member.organization_id IS NOT NULL
                         THEN feedback_item.organization_id = member.organization_id
                         ELSE feedback_item.account_id = member.account_id
                              AND feedback_item.organization_id IS NULL END
           ) AS sent
           CROSS JOIN LATERAL (
             SELECT count(*)::int AS applications
               FROM application
              WHERE application.status <> 'draft' AND application.submitted_at >= member.since
                AND CASE WHEN member.organization_id IS NOT NULL
                         THEN application.organization_id = member.organization_id
                         ELSE application.account_id = member.account_id
                              AND application.organization_id IS NULL END
           ) AS filed
           CROSS JOIN LATERAL (
             SELECT count(*)::int AS surveys
               FROM satisfaction_response
              WHERE satisfaction_response.cohorts @> ARRAY[member.slug]
                AND CASE WHEN member.organization_id IS NOT NULL
                         THEN satisfaction_response.organization_id = member.organization_id
                         ELSE satisfaction_response.account_id = member.account_id
                              AND satisfaction_response.organization_id IS NULL END
           ) AS answered
       ), ranked AS (
         SELECT scored.*, scored.items + scored.applications + scored.surveys AS activity,
                row_number() OVER (PARTITION BY scored.cohort_id
                  ORDER BY scored.items + scored.applications + scored.surveys DESC,
                           scored.tester_name, scored.tester_id) AS active_rank,
                row_number() OVER (PARTITION BY scored.cohort_id
                  ORDER BY scored.useful DESC, scored.items DESC, scored.tester_name,
                           scored.tester_id) AS useful_rank
           FROM scored
       )
       SELECT cohort.id AS cohort_id, cohort.slug, cohort.name AS cohort_name, cohort.audience,
              (SELECT count(*)::int FROM member WHERE member.cohort_id = cohort.id) AS active_members,
              ranked.tester_id,
              ranked.tester_name, ranked.neq, ranked.items, ranked.useful, ranked.applications,
              ranked.surveys, ranked.activity, ranked.active_rank, ranked.useful_rank
         FROM cohort
         LEFT JOIN ranked ON ranked.cohort_id = cohort.id
                         AND ((ranked.active_rank <= $1 AND ranked.activity > 0)
                              OR (ranked.useful_rank <= $1 AND ranked.useful > 0))
        ORDER BY cohort.name, cohort.slug, ranked.active_rank`,
      [limit],
    );
    const cohorts = new Map<string, CohortSuperUsers>();
    const ranks = new Map<Tester, { active: number; useful: number }>();
    for (const row of rows) {
      const id = row.cohort_id as string;
      let cohort = cohorts.get(id);
      if (!cohort) {
        cohort = {
          cohortId: id,
          slug: row.slug as string,
          name: row.cohort_name as string,
          audience: row.audience as Audience,
          activeMembers: row.active_members as number,
          mostActive: [],
          mostUseful: [],
        };
        cohorts.set(id, cohort);
      }
      if (row.tester_id === null) continue;
      const tester: Tester = {
        id: row.tester_id as string,
        name: row.tester_name as string,
        neq: (row.neq as string | null) ?? null,
        feedback: row.items as number,
        applications: row.applications as number,
        surveys: row.surveys as number,
        activity: row.activity as number,
        useful: row.useful as number,
      };
      const rank = { active: Number(row.active_rank), useful: Number(row.useful_rank) };
      ranks.set(tester, rank);
      if (rank.active <= limit && tester.activity > 0) cohort.mostActive.push(tester);
      if (rank.useful <= limit && tester.useful > 0) cohort.mostUseful.push(tester);
    }
    for (const cohort of cohorts.values())
      cohort.mostUseful.sort((a, b) => ranks.get(a)!.useful - ranks.get(b)!.useful);
    return [...cohorts.values()];
  }
}
