import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** A person's part in the pilots (ADR 0048). */
export interface PilotExport {
  /**
   * Cohorts the person is in (citizen testers), was invited to by address, or
   * whose terms they accepted for one of their SMEs.
   */
  cohortMemberships: {
    cohort: string;
    audience: string;
    organizationId: string | null;
    invitedEmail: string | null;
    status: string;
    source: string;
    termsAcceptedAt: Date | null;
    termsAcceptedByYou: boolean;
    joinedAt: Date | null;
    withdrawnAt: Date | null;
    createdAt: Date;
  }[];
  /** Requests to volunteer (themselves or an SME) for a pilot. */
  volunteerRequests: {
    audience: string;
    organizationId: string | null;
    message: string;
    status: string;
    cohort: string | null;
    decidedAt: Date | null;
    createdAt: Date;
  }[];
  /** "Tell me when this service opens" subscriptions. */
  releaseSubscriptions: {
    service: string;
    language: string;
    createdAt: Date;
    notifiedAt: Date | null;
  }[];
}

/**
 * Cohorts, volunteer requests and release subscriptions of one person, from
 * the rollout module's tables (the person's address read from `account` to
 * find invitations by email: ADR 0021, rule 2). Never an invitation's token.
 */
@Injectable()
export class PilotExportReadModel {
  async exportFor(manager: EntityManager, accountId: string): Promise<PilotExport> {
    const members = await manager.query(
      `SELECT cohort.name, cohort.audience, cohort_member.organization_id,
              cohort_member.invited_email, cohort_member.status, cohort_member.source,
              cohort_member.terms_accepted_at, cohort_member.terms_accepted_by = $1 AS by_you,
              cohort_member.joined_at, cohort_member.withdrawn_at, cohort_member.created_at
         FROM cohort_member
         JOIN cohort ON cohort.id = cohort_member.cohort_id
         LEFT JOIN account ON account.id = $1
        WHERE cohort_member.account_id = $1 OR cohort_member.terms_accepted_by = $1
           OR lower(cohort_member.invited_email) = lower(account.email)
        ORDER BY cohort_member.created_at, cohort_member.id`,
      [accountId],
    );
    const volunteers = await manager.query(
      `SELECT pilot_volunteer.audience, pilot_volunteer.organization_id, pilot_volunteer.message,
              pilot_volunteer.status, cohort.name AS cohort, pilot_volunteer.decided_at,
              pilot_volunteer.created_at
         FROM pilot_volunteer LEFT JOIN cohort ON cohort.id = pilot_volunteer.cohort_id
        WHERE pilot_volunteer.account_id = $1
        ORDER BY pilot_volunteer.created_at, pilot_volunteer.id`,
      [accountId],
    );
    const subscriptions = await manager.query(
      `SELECT release_subscription.service_slug, release_subscription.language,
              release_subscription.created_at, release_subscription.notified_at
         FROM release_subscription WHERE release_subscription.account_id = $1
        ORDER BY release_subscription.created_at, release_subscription.id`,
      [accountId],
    );
    return {
      cohortMemberships: members.map((m: Record<string, never>) => ({
        cohort: m.name,
        audience: m.audience,
        organizationId: m.organization_id,
        invitedEmail: m.invited_email,
        status: m.status,
        source: m.source,
        termsAcceptedAt: m.terms_accepted_at,
        termsAcceptedByYou: m.by_you === true,
        joinedAt: m.joined_at,
        withdrawnAt: m.withdrawn_at,
        createdAt: m.created_at,
      })),
      volunteerRequests: volunteers.map((v: Record<string, never>) => ({
        audience: v.audience,
        organizationId: v.organization_id,
        message: v.message,
        status: v.status,
        cohort: v.cohort,
        decidedAt: v.decided_at,
        createdAt: v.created_at,
      })),
      releaseSubscriptions: subscriptions.map((s: Record<string, never>) => ({
        service: s.service_slug,
        language: s.language,
        createdAt: s.created_at,
        notifiedAt: s.notified_at,
      })),
    };
  }
}
