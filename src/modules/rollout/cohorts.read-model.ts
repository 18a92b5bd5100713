import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Audience } from '../../platform/flags/flag-context.js';
import { keysetCursor, parseKeysetCursor } from '../../platform/paging/keyset-cursor.js';
import { isLocale, type Locale } from '../../platform/i18n/i18n.service.js';
import type { ActingAs } from '../accounts/acting-as.js';

export type MemberStatus = 'invited' | 'active' | 'withdrawn' | 'declined';
export type MemberSource = 'invitation' | 'volunteer' | 'import' | 'staff';

export interface CohortSummary {
  id: string;
  slug: string;
  name: string;
  audience: Audience;
  activeCount: number;
  pendingInvitations: number;
}

export interface CohortDetail extends CohortSummary {
  description: string;
  createdAt: Date;
  createdByName: string | null;
  /** The rollout plans the cohort is attached to, as `<service slug>.<variant>`. */
  plans: string[];
}

export interface MemberRow {
  id: string;
  status: MemberStatus;
  source: MemberSource;
  organizationId: string | null;
  legalName: string | null;
  neq: string | null;
  accountId: string | null;
  personName: string | null;
  personEmail: string | null;
  invitedEmail: string | null;
  invitedByName: string | null;
  /** When an invitation not yet answered stops working. */
  tokenExpiresAt: Date | null;
  /** An invitation by NEQ waiting for its SME to be verified (its link not sent yet). */
  awaitingVerification: boolean;
  termsAcceptedByName: string | null;
  joinedAt: Date | null;
  withdrawnAt: Date | null;
  withdrawnByName: string | null;
  withdrawalReason: string | null;
  createdAt: Date;
  /** The row's place in the keyset order (created_at to the microsecond, id). */
  position: string;
}

export interface MemberPage {
  rows: MemberRow[];
  /** The cursor of the next page, when there is one. */
  next?: string;
}

export interface VolunteerRow {
  id: string;
  organizationId: string;
  legalName: string;
  neq: string;
  employeeCount: number;
  accountId: string | null;
  personName: string | null;
  personEmail: string | null;
  message: string;
  createdAt: Date;
}

/** A pilot cohort as its member sees it on /pilot. */
export interface PilotMembership {
  cohortId: string;
  name: string;
  description: string;
  joinedAt: Date | null;
}

export const MEMBER_PAGE_SIZE = 50;
/** The most members one CSV export holds. */
export const MEMBER_EXPORT_LIMIT = 100_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** `<created_at in UTC, microseconds>~<id>`: the last member of the page before (see keyset-cursor). */
export function isMemberCursor(value: string): boolean {
  return parseKeysetCursor(value, 'uuid') !== undefined;
}

const COUNTS = `
  (SELECT count(*)::int FROM cohort_member
    WHERE cohort_member.cohort_id = cohort.id AND cohort_member.status = 'active') AS active_count,
  (SELECT count(*)::int FROM cohort_member
    WHERE cohort_member.cohort_id = cohort.id AND cohort_member.status = 'invited'
      AND cohort_member.token_expires_at > now()) AS pending_invitations`;

type Row = Record<string, unknown>;

const toSummary = (r: Row): CohortSummary => ({
  id: r.id as string,
  slug: r.slug as string,
  name: r.name as string,
  audience: r.audience as Audience,
  activeCount: r.active_count as number,
  pendingInvitations: r.pending_invitations as number,
});

const toMember = (r: Row): MemberRow => ({
  id: r.id as string,
  status: r.status as MemberStatus,
  source: r.source as MemberSource,
  organizationId: (r.organization_id as string | null) ?? null,
  legalName: (r.legal_name as string | null) ?? null,
  neq: (r.neq as string | null) ?? null,
  accountId: (r.account_id as string | null) ?? null,
  personName: (r.person_name as string | null) ?? null,
  personEmail: (r.person_email as string | null) ?? null,
  invitedEmail: (r.invited_email as string | null) ?? null,
  invitedByName: (r.invited_by_name as string | null) ?? null,
  tokenExpiresAt: (r.token_expires_at as Date | null) ?? null,
  awaitingVerification: Boolean(r.awaiting_verification),
  termsAcceptedByName: (r.terms_accepted_by_name as string | null) ?? null,
  joinedAt: (r.joined_at as Date | null) ?? null,
  withdrawnAt: (r.withdrawn_at as Date | null) ?? null,
  withdrawnByName: (r.withdrawn_by_name as string | null) ?? null,
  withdrawalReason: (r.withdrawal_reason as string | null) ?? null,
  createdAt: r.created_at as Date,
  position: keysetCursor({ at: r.created_key as string, id: r.id as string }),
});

/**
 * The cohort pages' reads: lists, counts, members with who they are. These
 * join the organization and account tables for names, NEQs and addresses on
 * purpose (reporting queries, one round trip a page); every rule about SMEs
 * goes through OrganizationService. Indexes: cohort_member_cohort_idx (members
 * by cohort, in the order they were added), cohort_member_of_organization_idx
 * and _of_account_idx (a member's cohorts), rollout_plan_cohort_cohort_idx
 * (a cohort's plans), pilot_volunteer_pending_idx (pending volunteers).
 */
@Injectable()
export class CohortsReadModel {
  constructor(private readonly dataSource: DataSource) {}

  async list(): Promise<CohortSummary[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT cohort.id, cohort.slug, cohort.name, cohort.audience, ${COUNTS}
         FROM cohort ORDER BY lower(cohort.name), cohort.id`,
    );
    return rows.map(toSummary);
  }

  /** The business or citizen cohorts, by name (to approve a volunteer into one). */
  async ofAudience(audience: Audience): Promise<CohortSummary[]> {
    return (await this.list()).filter((c) => c.audience === audience);
  }

  async cohort(id: string): Promise<CohortDetail | undefined> {
    if (!isUuid(id)) return undefined;
    const rows: Row[] = await this.dataSource.query(
      `SELECT cohort.id, cohort.slug, cohort.name, cohort.audience, cohort.description,
              cohort.created_at, creator.display_name AS created_by_name, ${COUNTS},
              ARRAY(SELECT rollout_plan_cohort.service_slug || '.' || rollout_plan_cohort.variant
                      FROM rollout_plan_cohort WHERE rollout_plan_cohort.cohort_id = cohort.id
                     ORDER BY 1) AS plans
         FROM cohort LEFT JOIN account creator ON creator.id = cohort.created_by
        WHERE cohort.id = $1`,
      [id],
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      ...toSummary(r),
      description: r.description as string,
      createdAt: r.created_at as Date,
      createdByName: (r.created_by_name as string | null) ?? null,
      plans: r.plans as string[],
    };
  }

  /** The cohort's members, invitations included, in the order they were added, 50 a page. */
  async members(cohortId: string, cursor?: string): Promise<MemberPage> {
    const rows = await this.memberRows(cohortId, MEMBER_PAGE_SIZE + 1, cursor);
    const shown = rows.slice(0, MEMBER_PAGE_SIZE);
    const last = shown[shown.length - 1];
    return {
      rows: shown,
      next: rows.length > MEMBER_PAGE_SIZE && last ? last.position : undefined,
    };
  }

  /** Every member of the cohort, for the CSV export. */
  allMembers(cohortId: string): Promise<MemberRow[]> {
    return this.memberRows(cohortId, MEMBER_EXPORT_LIMIT);
  }

  /** One membership of the cohort. */
  async member(cohortId: string, memberId: string): Promise<MemberRow | undefined> {
    if (!isUuid(memberId)) return undefined;
    const rows = await this.memberRows(cohortId, 1, undefined, memberId);
    return rows[0];
  }

  private async memberRows(
    cohortId: string,
    limit: number,
    cursor?: string,
    memberId?: string,
  ): Promise<MemberRow[]> {
    if (!isUuid(cohortId)) return [];
    const params: unknown[] = [cohortId];
    const where = ['cohort_member.cohort_id = $1'];
    const position = cursor ? parseKeysetCursor(cursor, 'uuid') : undefined;
    if (position) {
      params.push(position.at, position.id);
      where.push(
        `(cohort_member.created_at, cohort_member.id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`,
      );
    }
    if (memberId) {
      params.push(memberId);
      where.push(`cohort_member.id = $${params.length}`);
    }
    params.push(limit);
    const rows: Row[] = await this.dataSource.query(
      `SELECT cohort_member.id, cohort_member.status, cohort_member.source,
              cohort_member.organization_id, organization.legal_name, organization.neq,
              cohort_member.account_id, person.display_name AS person_name, person.email AS person_email,
              cohort_member.invited_email, inviter.display_name AS invited_by_name,
              cohort_member.token_expires_at, accepter.display_name AS terms_accepted_by_name,
              cohort_member.awaiting_verification_since IS NOT NULL AS awaiting_verification,
              cohort_member.joined_at, cohort_member.withdrawn_at,
              withdrawer.display_name AS withdrawn_by_name, cohort_member.withdrawal_reason,
              cohort_member.created_at,
              to_char(cohort_member.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_key
         FROM cohort_member
         LEFT JOIN organization ON organization.id = cohort_member.organization_id
         LEFT JOIN account person ON person.id = cohort_member.account_id
         LEFT JOIN account inviter ON inviter.id = cohort_member.invited_by
         LEFT JOIN account accepter ON accepter.id = cohort_member.terms_accepted_by
         LEFT JOIN account withdrawer ON withdrawer.id = cohort_member.withdrawn_by
        WHERE ${where.join(' AND ')}
        ORDER BY cohort_member.created_at, cohort_member.id
        LIMIT $${params.length}`,
      params,
    );
    return rows.map(toMember);
  }

  /** The SMEs waiting for a decision on their request to join the pilot, oldest first. */
  async pendingVolunteers(): Promise<VolunteerRow[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT pilot_volunteer.id, pilot_volunteer.organization_id, organization.legal_name,
              organization.neq, organization.employee_count, pilot_volunteer.account_id,
              person.display_name AS person_name, person.email AS person_email,
              pilot_volunteer.message, pilot_volunteer.created_at
         FROM pilot_volunteer
         JOIN organization ON organization.id = pilot_volunteer.organization_id
         LEFT JOIN account person ON person.id = pilot_volunteer.account_id
        WHERE pilot_volunteer.status = 'pending'
        ORDER BY pilot_volunteer.created_at, pilot_volunteer.id`,
    );
    return rows.map((r) => ({
      id: r.id as string,
      organizationId: r.organization_id as string,
      legalName: r.legal_name as string,
      neq: r.neq as string,
      employeeCount: r.employee_count as number,
      accountId: (r.account_id as string | null) ?? null,
      personName: (r.person_name as string | null) ?? null,
      personEmail: (r.person_email as string | null) ?? null,
      message: r.message as string,
      createdAt: r.created_at as Date,
    }));
  }

  /** The SME's pending request to join the pilot, if any. */
  async pendingVolunteerOf(organizationId: string): Promise<{ createdAt: Date } | undefined> {
    if (!isUuid(organizationId)) return undefined;
    const [row]: Row[] = await this.dataSource.query(
      `SELECT pilot_volunteer.created_at FROM pilot_volunteer
        WHERE pilot_volunteer.organization_id = $1 AND pilot_volunteer.status = 'pending'`,
      [organizationId],
    );
    return row ? { createdAt: row.created_at as Date } : undefined;
  }

  /**
   * The pilot cohorts of whoever the person acts as: the SME's business cohorts,
   * or their own citizen tester cohorts.
   */
  async pilotsOf(actingAs: ActingAs): Promise<PilotMembership[]> {
    let rows: Row[] = [];
    if (actingAs.audience === 'business' && actingAs.organization) {
      rows = await this.dataSource.query(
        `SELECT cohort.id, cohort.name, cohort.description, cohort_member.joined_at
           FROM cohort_member JOIN cohort ON cohort.id = cohort_member.cohort_id
          WHERE cohort_member.organization_id = $1 AND cohort_member.status = 'active'
            AND cohort.audience = 'business'
          ORDER BY lower(cohort.name), cohort.id`,
        [actingAs.organization.id],
      );
    } else if (actingAs.audience === 'citizen' && actingAs.accountId) {
      rows = await this.dataSource.query(
        `SELECT cohort.id, cohort.name, cohort.description, cohort_member.joined_at
           FROM cohort_member JOIN cohort ON cohort.id = cohort_member.cohort_id
          WHERE cohort_member.account_id = $1 AND cohort_member.organization_id IS NULL
            AND cohort_member.status = 'active' AND cohort.audience = 'citizen'
          ORDER BY lower(cohort.name), cohort.id`,
        [actingAs.accountId],
      );
    }
    return rows.map((r) => ({
      cohortId: r.id as string,
      name: r.name as string,
      description: r.description as string,
      joinedAt: (r.joined_at as Date | null) ?? null,
    }));
  }

  /** The language of the open account holding this address, if there is one. */
  async localeOfEmail(email: string): Promise<Locale | undefined> {
    const [row]: Row[] = await this.dataSource.query(
      `SELECT account.preferred_locale FROM account
        WHERE lower(account.email) = lower($1) AND account.closed_at IS NULL`,
      [email],
    );
    return isLocale(row?.preferred_locale) ? row.preferred_locale : undefined;
  }
}
