import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Audience } from '../../platform/flags/flag-context.js';
import { maskEmail } from '../../platform/privacy/mask-email.js';
import { RateLimiter } from '../../platform/security/rate-limiter.js';
import { tokenHash } from '../../platform/security/tokens.js';
import type { ActingAs } from '../accounts/acting-as.js';
import { AuditService } from '../audit/audit.service.js';
import type { RequestOrigin } from '../audit/request-origin.js';
import { OrganizationService } from '../organizations/organization.service.js';
import {
  activateMember,
  lockCohort,
  lockInvitation,
  lockMember,
  type LockedMember,
} from './cohort-members.js';
import { CohortsReadModel, isUuid, type PilotMembership } from './cohorts.read-model.js';
import { PILOT_REFUSALS } from './pilot.refusals.js';
import { markCohortChanged } from './rollout-changes.js';

/** Why an invitation link no longer works. */
export type InvitationGone = 'unknown' | 'expired' | 'closed';

/**
 * What an invitation asks: an SME invited by NEQ (an owner of it accepts), an
 * address invited to a business cohort (the person chooses one of the SMEs they
 * own), or a tester invited to a citizen cohort.
 */
export type InvitationKind = 'organization' | 'business-email' | 'tester';

export interface OpenInvitation {
  cohortId: string;
  cohortName: string;
  cohortDescription: string;
  audience: Audience;
  kind: InvitationKind;
  organizationId: string | null;
  legalName: string | null;
  invitedEmail: string | null;
  expiresAt: Date;
}

export type InvitationLookup =
  { state: 'open'; invitation: OpenInvitation } | { state: InvitationGone };

/** Why a pilot's action was refused; pilot.refusals.ts gives each its status and message. */
export type PilotProblem =
  | 'gone'
  | 'terms-required'
  | 'organization-required'
  | 'not-owner'
  | 'already-member'
  | 'pending'
  | 'not-found'
  | 'not-addressee'
  | 'too-many';

export type PilotResult<T = object> =
  | ({ ok: true } & T)
  | { ok: false; problem: PilotProblem; gone?: InvitationGone; invitedTo?: string };

const TOKEN = /^[A-Za-z0-9_-]{20,100}$/;

interface Person {
  id: string;
}

/**
 * The pilot programme as SMEs and testers see it: answering an invitation
 * (accepting the pilot terms, or declining), volunteering an SME, withdrawing
 * at any time. Only an owner acts for an SME. Each change writes its audit
 * event and, when a cohort's active members change, the rollout plans' new
 * version, in one transaction.
 */
@Injectable()
export class PilotService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly organizations: OrganizationService,
    private readonly cohorts: CohortsReadModel,
    private readonly limiter: RateLimiter,
  ) {}

  /** What an invitation link is for, or why it no longer works. */
  async invitation(token: string): Promise<InvitationLookup> {
    if (!TOKEN.test(token)) return { state: 'unknown' };
    const [row] = await this.dataSource.query(
      `SELECT cohort_member.status, cohort_member.token_expires_at,
              cohort_member.token_expires_at <= now() AS expired,
              cohort_member.organization_id, organization.legal_name, cohort_member.invited_email,
              cohort.id AS cohort_id, cohort.name, cohort.description, cohort.audience
         FROM cohort_member
         JOIN cohort ON cohort.id = cohort_member.cohort_id
         LEFT JOIN organization ON organization.id = cohort_member.organization_id
        WHERE cohort_member.token_hash = $1`,
      [tokenHash(token)],
    );
    if (!row) return { state: 'unknown' };
    if (row.status !== 'invited') return { state: 'closed' };
    if (row.expired) return { state: 'expired' };
    const audience = row.audience as Audience;
    return {
      state: 'open',
      invitation: {
        cohortId: row.cohort_id,
        cohortName: row.name,
        cohortDescription: row.description,
        audience,
        kind: row.organization_id
          ? 'organization'
          : audience === 'business'
            ? 'business-email'
            : 'tester',
        organizationId: row.organization_id ?? null,
        legalName: row.legal_name ?? null,
        invitedEmail: row.invited_email ?? null,
        expiresAt: row.token_expires_at,
      },
    };
  }

  /**
   * Accepts an invitation (once): the pilot terms must be accepted; an SME
   * joins only by the hand of one of its owners. A member who had left the
   * cohort comes back on their earlier row.
   */
  async accept(
    person: Person,
    token: string,
    answer: { termsAccepted: boolean; organizationId?: string },
    origin: RequestOrigin,
  ): Promise<PilotResult<{ cohortId: string; cohortName: string; organization?: string }>> {
    if (!TOKEN.test(token)) return { ok: false, problem: 'gone', gone: 'unknown' };
    if (!answer.termsAccepted) return { ok: false, problem: 'terms-required' };
    const hash = tokenHash(token);
    const cohortId = await this.cohortOfToken(hash);
    if (!cohortId) return { ok: false, problem: 'gone', gone: 'unknown' };
    return this.dataSource.transaction(async (manager) => {
      const cohort = await lockCohort(manager, cohortId);
      const invitation = await lockInvitation(manager, hash);
      const gone = this.goneReason(invitation);
      if (!cohort || !invitation || gone) return { ok: false, problem: 'gone', gone } as const;
      // An address invited to a business cohort answers for one of its SMEs: asked before anything else.
      if (!invitation.organizationId && cohort.audience === 'business' && !answer.organizationId)
        return { ok: false, problem: 'organization-required' } as const;
      const refusal = await this.refuseUnlessAddressee(manager, person, invitation, cohortId, {
        attempt: 'accept',
        origin,
      });
      if (refusal) return refusal;

      let organizationId: string | undefined;
      let earlier: LockedMember | undefined;
      if (invitation.organizationId) {
        organizationId = invitation.organizationId;
      } else if (cohort.audience === 'business') {
        organizationId = answer.organizationId;
        if (!organizationId) return { ok: false, problem: 'organization-required' } as const;
        if (!isUuid(organizationId)) return { ok: false, problem: 'not-owner' } as const;
        earlier = await lockMember(manager, cohortId, { organizationId });
      } else {
        earlier = await lockMember(manager, cohortId, { accountId: person.id });
      }
      if (
        organizationId &&
        (await this.organizations.roleOf(person.id, organizationId)) !== 'owner'
      )
        return { ok: false, problem: 'not-owner' } as const;
      if (earlier?.status === 'active') return { ok: false, problem: 'already-member' } as const;

      let memberId = invitation.id;
      if (earlier && earlier.id !== invitation.id) {
        // The invitation's row gives way to the earlier membership, which keeps the link's hash
        // (so the link now reads "already used") and where the invitation came from.
        await manager.query(`DELETE FROM cohort_member WHERE cohort_member.id = $1`, [
          invitation.id,
        ]);
        await manager.query(
          `UPDATE cohort_member SET token_hash = $2, token_expires_at = now(), invited_email = $3
            WHERE cohort_member.id = $1`,
          [earlier.id, hash, invitation.invitedEmail],
        );
        memberId = earlier.id;
      }
      await activateMember(manager, cohortId, memberId, {
        source: invitation.source,
        organizationId,
        accountId: cohort.audience === 'citizen' ? person.id : undefined,
        termsAcceptedBy: person.id,
        invitedBy: invitation.invitedBy,
      });
      await manager.query(
        `UPDATE cohort_member SET token_expires_at = LEAST(cohort_member.token_expires_at, now())
          WHERE cohort_member.id = $1`,
        [memberId],
      );
      await markCohortChanged(manager, cohortId);
      await this.audit.record(manager, {
        actor: { type: 'person', id: person.id },
        actingAs: organizationId
          ? { audience: 'business', organizationId }
          : { audience: 'citizen' },
        action: 'pilot.accepted',
        entity: { type: 'cohort', id: cohortId },
        after: {
          memberId,
          organizationId: organizationId ?? null,
          accountId: organizationId ? null : person.id,
          termsAccepted: true,
        },
        ...origin,
      });
      const [organization] = organizationId
        ? await manager.query(
            `SELECT organization.legal_name FROM organization WHERE organization.id = $1`,
            [organizationId],
          )
        : [];
      return {
        ok: true,
        cohortId,
        cohortName: cohort.name,
        organization: (organization?.legal_name as string | undefined) ?? undefined,
      } as const;
    });
  }

  /** Declines an invitation (once). An invitation to an SME is declined by one of its owners. */
  async decline(
    person: Person,
    token: string,
    origin: RequestOrigin,
  ): Promise<PilotResult<{ cohortName: string }>> {
    if (!TOKEN.test(token)) return { ok: false, problem: 'gone', gone: 'unknown' };
    const hash = tokenHash(token);
    const cohortId = await this.cohortOfToken(hash);
    if (!cohortId) return { ok: false, problem: 'gone', gone: 'unknown' };
    return this.dataSource.transaction(async (manager) => {
      const cohort = await lockCohort(manager, cohortId);
      const invitation = await lockInvitation(manager, hash);
      const gone = this.goneReason(invitation);
      if (!cohort || !invitation || gone) return { ok: false, problem: 'gone', gone } as const;
      const refusal = await this.refuseUnlessAddressee(manager, person, invitation, cohortId, {
        attempt: 'decline',
        origin,
      });
      if (refusal) return refusal;
      if (
        invitation.organizationId &&
        (await this.organizations.roleOf(person.id, invitation.organizationId)) !== 'owner'
      )
        return { ok: false, problem: 'not-owner' } as const;
      await manager.query(
        `UPDATE cohort_member SET status = 'declined', updated_at = now(),
            token_expires_at = LEAST(cohort_member.token_expires_at, now())
          WHERE cohort_member.id = $1`,
        [invitation.id],
      );
      await this.audit.record(manager, {
        actor: { type: 'person', id: person.id },
        actingAs: invitation.organizationId
          ? { audience: 'business', organizationId: invitation.organizationId }
          : undefined,
        action: 'pilot.declined',
        entity: { type: 'cohort', id: cohortId },
        after: {
          memberId: invitation.id,
          organizationId: invitation.organizationId,
          invitedEmail: invitation.invitedEmail,
        },
        ...origin,
      });
      return { ok: true, cohortName: cohort.name } as const;
    });
  }

  /**
   * An owner volunteers their SME: one pending request per SME, until a rollout
   * manager decides. Each request reaches the City's staff: one account makes at
   * most `pilot-volunteer:account` of them a window (throws the `too-many` refusal,
   * with Retry-After).
   */
  async volunteer(
    person: Person,
    organizationId: string,
    message: string,
    termsAccepted: boolean,
    origin: RequestOrigin,
  ): Promise<PilotResult<{ id: string }>> {
    const limit = await this.limiter.take('pilot-volunteer:account', person.id);
    if (!limit.allowed)
      throw PILOT_REFUSALS.of('too-many', {
        params: { minutes: Math.max(1, Math.ceil(limit.retryAfterSeconds / 60)) },
        headers: { 'Retry-After': String(limit.retryAfterSeconds) },
      });
    if (!termsAccepted) return { ok: false, problem: 'terms-required' };
    if ((await this.organizations.roleOf(person.id, organizationId)) !== 'owner')
      return { ok: false, problem: 'not-owner' };
    return this.dataSource.transaction(async (manager) => {
      const rows = await manager.query(
        `INSERT INTO pilot_volunteer (organization_id, account_id, audience, message, status)
         VALUES ($1, $2, 'business', $3, 'pending')
         ON CONFLICT (organization_id) WHERE status = 'pending' AND organization_id IS NOT NULL
         DO NOTHING
         RETURNING id`,
        [organizationId, person.id, message],
      );
      if (rows.length === 0) return { ok: false, problem: 'pending' } as const;
      const id = rows[0].id as string;
      await this.audit.record(manager, {
        actor: { type: 'person', id: person.id },
        actingAs: { audience: 'business', organizationId },
        action: 'pilot.volunteer_requested',
        entity: { type: 'pilot_volunteer', id },
        after: { organizationId, message, termsAccepted: true },
        ...origin,
      });
      return { ok: true, id } as const;
    });
  }

  /**
   * Leaves a pilot cohort, at any time: an SME's membership ends by the hand of
   * one of its owners (acting for it), a tester's by their own.
   */
  async withdraw(
    person: Person,
    actingAs: ActingAs,
    cohortId: string,
    reason: string,
    origin: RequestOrigin,
  ): Promise<PilotResult<{ cohortName: string }>> {
    if (!isUuid(cohortId)) return { ok: false, problem: 'not-found' };
    const organizationId = actingAs.audience === 'business' ? actingAs.organization?.id : undefined;
    if (organizationId && (await this.organizations.roleOf(person.id, organizationId)) !== 'owner')
      return { ok: false, problem: 'not-owner' };
    return this.dataSource.transaction(async (manager) => {
      const cohort = await lockCohort(manager, cohortId);
      if (!cohort || cohort.audience !== (organizationId ? 'business' : 'citizen'))
        return { ok: false, problem: 'not-found' } as const;
      const member = await lockMember(
        manager,
        cohortId,
        organizationId ? { organizationId } : { accountId: person.id },
      );
      if (member?.status !== 'active') return { ok: false, problem: 'not-found' } as const;
      await manager.query(
        `UPDATE cohort_member SET status = 'withdrawn', withdrawn_at = now(), withdrawn_by = $2,
            withdrawal_reason = NULLIF($3, ''), updated_at = now()
          WHERE cohort_member.id = $1`,
        [member.id, person.id, reason],
      );
      await markCohortChanged(manager, cohortId);
      await this.audit.record(manager, {
        actor: { type: 'person', id: person.id },
        actingAs: organizationId
          ? { audience: 'business', organizationId }
          : { audience: 'citizen' },
        action: 'pilot.withdrawn',
        entity: { type: 'cohort', id: cohortId },
        before: { memberId: member.id, status: 'active' },
        after: { status: 'withdrawn', reason: reason || null },
        ...origin,
      });
      return { ok: true, cohortName: cohort.name } as const;
    });
  }

  /**
   * One of the pilots of whoever the person acts as, which they may leave:
   * `not-found` (404) unless it is one of theirs; for an SME's, `forbidden`
   * (403) unless they own it.
   */
  async withdrawable(
    person: Person,
    actingAs: ActingAs,
    cohortId: string,
  ): Promise<PilotMembership & { organization?: string }> {
    const membership = (await this.cohorts.pilotsOf(actingAs)).find((p) => p.cohortId === cohortId);
    if (!membership) throw PILOT_REFUSALS.of('not-found');
    if (
      actingAs.organization &&
      (await this.organizations.roleOf(person.id, actingAs.organization.id)) !== 'owner'
    )
      throw PILOT_REFUSALS.of('forbidden');
    return { ...membership, organization: actingAs.organization?.name };
  }

  /**
   * Whether a signed-in person may answer the invitation behind `token`: a
   * refusal (audited) when it was sent to an address that is not theirs;
   * undefined otherwise (also when the link no longer works: the answer says so).
   */
  async refusedViewer(
    person: Person,
    token: string,
    origin: RequestOrigin,
  ): Promise<Extract<PilotResult, { ok: false }> | undefined> {
    if (!TOKEN.test(token)) return undefined;
    const hash = tokenHash(token);
    const cohortId = await this.cohortOfToken(hash);
    if (!cohortId) return undefined;
    return this.dataSource.transaction(async (manager) => {
      const invitation = await lockInvitation(manager, hash);
      if (!invitation || this.goneReason(invitation)) return undefined;
      return this.refuseUnlessAddressee(manager, person, invitation, cohortId, {
        attempt: 'viewed',
        origin,
      });
    });
  }

  /**
   * An invitation sent to an address (not to an SME by its NEQ) is answered
   * only by the open account holding that address, confirmed (docs/adr/0018).
   * Anyone else is refused, the refusal audited; the invitation stays open.
   */
  private async refuseUnlessAddressee(
    manager: EntityManager,
    person: Person,
    invitation: LockedMember,
    cohortId: string,
    { attempt, origin }: { attempt: 'viewed' | 'accept' | 'decline'; origin: RequestOrigin },
  ): Promise<Extract<PilotResult, { ok: false }> | undefined> {
    if (invitation.organizationId || !invitation.invitedEmail) return undefined;
    const [addressee] = await manager.query(
      `SELECT 1 FROM account
        WHERE account.id = $1 AND lower(account.email) = lower($2)
          AND account.email_confirmed_at IS NOT NULL AND account.closed_at IS NULL`,
      [person.id, invitation.invitedEmail],
    );
    if (addressee) return undefined;
    await this.audit.record(manager, {
      actor: { type: 'person', id: person.id },
      action: 'pilot.invitation_refused',
      entity: { type: 'cohort', id: cohortId },
      after: {
        memberId: invitation.id,
        invitedEmail: invitation.invitedEmail,
        accountId: person.id,
        attempt,
        reason: 'not-addressee',
      },
      ...origin,
    });
    return {
      ok: false,
      problem: 'not-addressee',
      invitedTo: maskEmail(invitation.invitedEmail),
    } as const;
  }

  private async cohortOfToken(hash: string): Promise<string | undefined> {
    const [row] = await this.dataSource.query(
      `SELECT cohort_member.cohort_id FROM cohort_member WHERE cohort_member.token_hash = $1`,
      [hash],
    );
    return row?.cohort_id as string | undefined;
  }

  private goneReason(invitation: LockedMember | undefined): InvitationGone | undefined {
    if (!invitation) return 'unknown';
    if (invitation.status !== 'invited') return 'closed';
    if (invitation.tokenExpired) return 'expired';
    return undefined;
  }
}
