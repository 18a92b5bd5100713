import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AppConfig } from '../../platform/config/app-config.js';
import { returningRows } from '../../platform/database/database.js';
import type { Audience } from '../../platform/flags/flag-context.js';
import { I18nService, isLocale, type Locale } from '../../platform/i18n/i18n.service.js';
import { newToken, tokenHash } from '../../platform/security/tokens.js';
import { AuditService } from '../audit/audit.service.js';
import type { RequestOrigin } from '../audit/request-origin.js';
import { OutboxService } from '../notifications/outbox.service.js';
import {
  OrganizationService,
  type Correspondent,
  type OrganizationRef,
} from '../organizations/organization.service.js';
import { readMemberCsv, type ImportFileProblem, type ImportRowProblem } from './cohort-csv.js';
import {
  activateMember,
  COHORT_INVITATION_TTL_DAYS,
  issueInvitation,
  lockCohort,
  lockMember,
  type LockedCohort,
} from './cohort-members.js';
import {
  CohortsReadModel,
  isUuid,
  type CohortDetail,
  type MemberRow,
} from './cohorts.read-model.js';
import { COHORT_REFUSALS } from './cohorts.refusals.js';
import { slugFromName } from './dto/cohort.dto.js';
import { markCohortChanged } from './rollout-changes.js';

/** Why a rollout manager's change was refused; cohorts.refusals.ts gives each its status and message. */
export type CohortProblem =
  | 'not-found'
  | 'slug-taken'
  | 'wrong-audience'
  | 'unknown-neq'
  | 'already-member'
  | 'not-current'
  | 'no-cohort';

export type CohortResult<T = object> = ({ ok: true } & T) | { ok: false; problem: CohortProblem };

export interface CohortInput {
  name: string;
  /** Made from the name when empty. */
  slug: string;
  description: string;
  audience: Audience;
}

export type ImportResult =
  | { ok: false; fileProblem: ImportFileProblem }
  | { ok: false; problems: ImportRowProblem[]; rowCount: number }
  | { ok: false; problem: 'not-found' }
  | { ok: true; joined: number; invited: number; awaiting: number; unchanged: number };

/** A file uploaded with a form. */
export interface UploadedFile {
  originalname: string;
  buffer: Buffer;
  size: number;
}

const staff = (id: string) => ({ type: 'staff' as const, id });

/**
 * Cohorts as rollout managers (and admins) run them: creating them, inviting
 * SMEs by NEQ or people by email (single-use links, only their SHA-256 stored,
 * valid 14 days), removing members with a reason, importing a member list,
 * and deciding on volunteers. Each change writes its audit event, its emails
 * (through the outbox) and — when the cohort's active members change — the
 * rollout plans' new version, all in one transaction.
 */
@Injectable()
export class CohortsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
    private readonly organizations: OrganizationService,
    private readonly cohorts: CohortsReadModel,
    private readonly config: AppConfig,
    private readonly i18n: I18nService,
  ) {}

  async create(
    actorId: string,
    given: CohortInput,
    origin: RequestOrigin,
  ): Promise<CohortResult<{ id: string }>> {
    const input = { ...given, slug: given.slug || slugFromName(given.name) };
    return this.dataSource.transaction(async (manager) => {
      const rows = await manager.query(
        `INSERT INTO cohort (slug, name, description, audience, created_by)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT ON CONSTRAINT cohort_slug_key DO NOTHING
         RETURNING id`,
        [input.slug, input.name, input.description, input.audience, actorId],
      );
      if (rows.length === 0) return { ok: false, problem: 'slug-taken' } as const;
      const id = rows[0].id as string;
      await this.audit.record(manager, {
        actor: staff(actorId),
        action: 'cohort.created',
        entity: { type: 'cohort', id },
        after: input,
        ...origin,
      });
      return { ok: true, id } as const;
    });
  }

  /** A cohort's name and description; its slug (the Unleash segment's name) and audience stay. */
  async update(
    actorId: string,
    cohortId: string,
    input: { name: string; description: string },
    origin: RequestOrigin,
  ): Promise<CohortResult> {
    if (!isUuid(cohortId)) return { ok: false, problem: 'not-found' };
    return this.dataSource.transaction(async (manager) => {
      const [before] = await manager.query(
        `SELECT cohort.name, cohort.description FROM cohort WHERE cohort.id = $1 FOR UPDATE`,
        [cohortId],
      );
      if (!before) return { ok: false, problem: 'not-found' } as const;
      await manager.query(
        `UPDATE cohort SET name = $2, description = $3, updated_at = now() WHERE cohort.id = $1`,
        [cohortId, input.name, input.description],
      );
      await this.audit.record(manager, {
        actor: staff(actorId),
        action: 'cohort.updated',
        entity: { type: 'cohort', id: cohortId },
        before: { name: before.name, description: before.description },
        after: input,
        ...origin,
      });
      return { ok: true } as const;
    });
  }

  /**
   * Invites a registered SME (business cohorts): the link goes to its contact
   * address and to each of its owners; an owner accepts. Inviting again renews
   * the invitation (and invites back an SME that withdrew or declined).
   *
   * Whoever typed an NEQ first is not yet known to own the SME: while it is
   * unverified the invitation waits (`awaitingVerification`), nothing is sent,
   * and releaseAwaitingInvitations sends it when staff verify the SME (ADR 0014).
   */
  async inviteByNeq(
    actorId: string,
    cohortId: string,
    neq: string,
    origin: RequestOrigin,
  ): Promise<CohortResult<{ legalName: string; awaitingVerification: boolean }>> {
    if (!isUuid(cohortId)) return { ok: false, problem: 'not-found' };
    const organization = (await this.organizations.findByNeqs([neq])).get(neq);
    return this.dataSource.transaction(async (manager) => {
      // The SME before the cohort: the order verifying an SME takes (no deadlock).
      const verified = organization ? await verifiedForShare(manager, organization.id) : false;
      const cohort = await lockCohort(manager, cohortId);
      if (!cohort) return { ok: false, problem: 'not-found' } as const;
      if (cohort.audience !== 'business') return { ok: false, problem: 'wrong-audience' } as const;
      if (!organization) return { ok: false, problem: 'unknown-neq' } as const;
      const existing = await lockMember(manager, cohortId, { organizationId: organization.id });
      if (existing?.status === 'active') return { ok: false, problem: 'already-member' } as const;
      const recipients = verified
        ? await this.organizations.correspondents(organization.id, manager)
        : [];
      const token = newToken();
      const invitation = await issueInvitation(manager, cohortId, existing?.id, {
        tokenHash: tokenHash(token),
        source: 'invitation',
        invitedBy: actorId,
        organizationId: organization.id,
      });
      await markAwaitingVerification(manager, invitation.id, !verified);
      if (verified)
        await this.sendBusinessInvitation(manager, cohort, organization, recipients, token);
      await this.audit.record(manager, {
        actor: staff(actorId),
        action: 'cohort.invited',
        entity: { type: 'cohort', id: cohortId },
        after: {
          memberId: invitation.id,
          organizationId: organization.id,
          neq: organization.neq,
          recipients: recipients.map((r) => r.email),
          awaitingVerification: !verified,
          expiresAt: verified ? invitation.expiresAt : null,
        },
        ...origin,
      });
      return {
        ok: true,
        legalName: organization.legalName,
        awaitingVerification: !verified,
      } as const;
    });
  }

  /**
   * Sends the pilot invitations that waited for the SME to be verified (each
   * with a new link valid 14 days from now), in the caller's transaction —
   * the one that verifies the SME, after it locked and updated the SME's row
   * (SME first, then each cohort: the order inviteByNeq and imports take too).
   */
  async releaseAwaitingInvitations(
    manager: EntityManager,
    actorId: string,
    organizationId: string,
    origin: RequestOrigin,
  ): Promise<number> {
    const waiting: { id: string; cohort_id: string }[] = await manager.query(
      `SELECT cohort_member.id, cohort_member.cohort_id FROM cohort_member
        WHERE cohort_member.organization_id = $1 AND cohort_member.status = 'invited'
          AND cohort_member.awaiting_verification_since IS NOT NULL
        ORDER BY cohort_member.created_at, cohort_member.id`,
      [organizationId],
    );
    if (waiting.length === 0) return 0;
    const [organization] = await manager.query(
      `SELECT organization.id, organization.legal_name, organization.neq FROM organization
        WHERE organization.id = $1`,
      [organizationId],
    );
    const ref: OrganizationRef = {
      id: organization.id,
      legalName: organization.legal_name,
      neq: organization.neq,
      verified: true,
    };
    const recipients = await this.organizations.correspondents(organizationId, manager);
    let released = 0;
    for (const row of waiting) {
      const cohort = await lockCohort(manager, row.cohort_id);
      const member = cohort && (await lockMember(manager, cohort.id, { id: row.id }));
      if (!cohort || member?.status !== 'invited') continue;
      const token = newToken();
      const invitation = await issueInvitation(manager, cohort.id, member.id, {
        tokenHash: tokenHash(token),
        source: member.source,
        invitedBy: member.invitedBy ?? actorId,
      });
      await markAwaitingVerification(manager, member.id, false);
      await this.sendBusinessInvitation(manager, cohort, ref, recipients, token);
      await this.audit.record(manager, {
        actor: staff(actorId),
        action: 'cohort.invitation_released',
        entity: { type: 'cohort', id: cohort.id },
        after: {
          memberId: member.id,
          organizationId,
          neq: ref.neq,
          recipients: recipients.map((r) => r.email),
          expiresAt: invitation.expiresAt,
        },
        ...origin,
      });
      released++;
    }
    return released;
  }

  /**
   * Invites someone by email: in a business cohort, they choose on acceptance
   * which SME they own joins; in a citizen cohort, they join as themselves.
   * A second invitation to the same address renews the first.
   */
  async inviteByEmail(
    actorId: string,
    cohortId: string,
    email: string,
    origin: RequestOrigin,
  ): Promise<CohortResult> {
    if (!isUuid(cohortId)) return { ok: false, problem: 'not-found' };
    const locale = (await this.cohorts.localeOfEmail(email)) ?? 'fr';
    return this.dataSource.transaction(async (manager) => {
      const cohort = await lockCohort(manager, cohortId);
      if (!cohort) return { ok: false, problem: 'not-found' } as const;
      if (cohort.audience === 'citizen' && (await this.isActiveTester(manager, cohortId, email)))
        return { ok: false, problem: 'already-member' } as const;
      const invitation = await this.inviteEmail(
        manager,
        cohort,
        email,
        'invitation',
        actorId,
        locale,
      );
      await this.audit.record(manager, {
        actor: staff(actorId),
        action: 'cohort.invited',
        entity: { type: 'cohort', id: cohortId },
        after: { memberId: invitation.id, email, expiresAt: invitation.expiresAt },
        ...origin,
      });
      return { ok: true } as const;
    });
  }

  /** Ends a membership, or cancels an invitation, with the reason kept beside it. */
  /** A member that can be removed (active, or invited): 404 (the `not-found` refusal) otherwise. */
  async removable(
    cohortId: string,
    memberId: string,
  ): Promise<{ cohort: CohortDetail; member: MemberRow }> {
    const cohort = await this.cohorts.cohort(cohortId);
    if (!cohort) throw COHORT_REFUSALS.of('not-found');
    const member = await this.cohorts.member(cohort.id, memberId);
    if (!member || (member.status !== 'active' && member.status !== 'invited'))
      throw COHORT_REFUSALS.of('not-found');
    return { cohort, member };
  }

  async removeMember(
    actorId: string,
    cohortId: string,
    memberId: string,
    reason: string,
    origin: RequestOrigin,
  ): Promise<CohortResult> {
    if (!isUuid(cohortId) || !isUuid(memberId)) return { ok: false, problem: 'not-found' };
    return this.dataSource.transaction(async (manager) => {
      const cohort = await lockCohort(manager, cohortId);
      if (!cohort) return { ok: false, problem: 'not-found' } as const;
      const member = await lockMember(manager, cohortId, { id: memberId });
      if (!member) return { ok: false, problem: 'not-found' } as const;
      if (member.status !== 'active' && member.status !== 'invited')
        return { ok: false, problem: 'not-current' } as const;
      await manager.query(
        `UPDATE cohort_member SET status = 'withdrawn', withdrawn_at = now(), withdrawn_by = $2,
            withdrawal_reason = $3, updated_at = now()
          WHERE cohort_member.id = $1`,
        [memberId, actorId, reason],
      );
      if (member.status === 'active') await markCohortChanged(manager, cohortId);
      await this.audit.record(manager, {
        actor: staff(actorId),
        action: 'cohort.member_removed',
        entity: { type: 'cohort', id: cohortId },
        before: {
          memberId,
          status: member.status,
          organizationId: member.organizationId,
          accountId: member.accountId,
          invitedEmail: member.invitedEmail,
        },
        after: { status: 'withdrawn', reason },
        ...origin,
      });
      return { ok: true } as const;
    });
  }

  /**
   * Imports a member list (see readMemberCsv): every row is checked first, and
   * one bad row means nothing is imported. Then, in one transaction, SMEs listed
   * by NEQ join at once (the rollout manager vouches that they agreed; their
   * owners are told by email), and addresses get an invitation. An unverified
   * SME does not join: its invitation waits for the verification, as with
   * inviteByNeq. Members already active stay as they are.
   */
  async importMembers(
    actorId: string,
    cohortId: string,
    file: UploadedFile | undefined,
    fileProblem: 'too-large' | undefined,
    origin: RequestOrigin,
  ): Promise<ImportResult> {
    const cohortDetail = await this.cohorts.cohort(cohortId);
    if (!cohortDetail) return { ok: false, problem: 'not-found' };
    if (fileProblem) return { ok: false, fileProblem: { reason: fileProblem } };
    const reading = readMemberCsv(
      file,
      cohortDetail.audience,
      this.config.UPLOAD_COHORT_IMPORT_MAX_BYTES,
    );
    if (!reading.ok) return reading;
    const neqs = reading.entries.flatMap((e) => ('neq' in e ? [e.neq] : []));
    const organizations = await this.organizations.findByNeqs(neqs);
    const unknown: ImportRowProblem[] = reading.entries.flatMap((e) =>
      'neq' in e && !organizations.has(e.neq)
        ? [{ row: e.row, column: 'neq' as const, key: 'unknownNeq', values: { value: e.neq } }]
        : [],
    );
    const problems = [...reading.problems, ...unknown].sort((a, b) => a.row - b.row);
    if (problems.length > 0) return { ok: false, problems, rowCount: reading.rowCount };
    const correspondents = new Map<string, Correspondent[]>();
    for (const organization of organizations.values())
      correspondents.set(organization.id, await this.organizations.correspondents(organization.id));
    const locales = new Map<string, Locale>();
    for (const entry of reading.entries)
      if ('email' in entry)
        locales.set(entry.email, (await this.cohorts.localeOfEmail(entry.email)) ?? 'fr');

    return this.dataSource.transaction(async (manager) => {
      // The SMEs before the cohort (in a fixed order): the order verifying an SME takes.
      const verified = new Set<string>();
      for (const id of [...organizations.values()].map((o) => o.id).sort())
        if (await verifiedForShare(manager, id)) verified.add(id);
      const cohort = await lockCohort(manager, cohortId);
      if (!cohort) return { ok: false, problem: 'not-found' } as const;
      const joined: string[] = [];
      const invited: string[] = [];
      const awaiting: string[] = [];
      let unchanged = 0;
      for (const entry of reading.entries) {
        if ('neq' in entry) {
          const organization = organizations.get(entry.neq)!;
          const existing = await lockMember(manager, cohortId, { organizationId: organization.id });
          if (existing?.status === 'active') {
            unchanged++;
            continue;
          }
          if (!verified.has(organization.id)) {
            const held = await issueInvitation(manager, cohortId, existing?.id, {
              tokenHash: tokenHash(newToken()),
              source: 'import',
              invitedBy: actorId,
              organizationId: organization.id,
            });
            await markAwaitingVerification(manager, held.id, true);
            awaiting.push(organization.neq);
            continue;
          }
          await activateMember(manager, cohortId, existing?.id, {
            source: 'import',
            organizationId: organization.id,
            invitedBy: actorId,
          });
          await this.sendAdded(manager, cohort, organization, correspondents.get(organization.id)!);
          joined.push(organization.neq);
        } else {
          if (
            cohort.audience === 'citizen' &&
            (await this.isActiveTester(manager, cohortId, entry.email))
          ) {
            unchanged++;
            continue;
          }
          await this.inviteEmail(
            manager,
            cohort,
            entry.email,
            'import',
            actorId,
            locales.get(entry.email) ?? 'fr',
          );
          invited.push(entry.email);
        }
      }
      if (joined.length > 0) await markCohortChanged(manager, cohortId);
      await this.audit.record(manager, {
        actor: staff(actorId),
        action: 'cohort.imported',
        entity: { type: 'cohort', id: cohortId },
        after: { file: file?.originalname, joined, invited, awaiting, unchanged },
        ...origin,
      });
      return {
        ok: true,
        joined: joined.length,
        invited: invited.length,
        awaiting: awaiting.length,
        unchanged,
      } as const;
    });
  }

  /** Approves a pending volunteer into a business cohort: the SME is active at once. */
  async approveVolunteer(
    actorId: string,
    volunteerId: string,
    cohortId: string,
    origin: RequestOrigin,
  ): Promise<CohortResult<{ legalName: string; cohortName: string }>> {
    if (!isUuid(volunteerId)) return { ok: false, problem: 'not-found' };
    if (!isUuid(cohortId)) return { ok: false, problem: 'no-cohort' };
    return this.dataSource.transaction(async (manager) => {
      const volunteer = await this.lockPendingVolunteer(manager, volunteerId);
      if (!volunteer) return { ok: false, problem: await this.whyNotPending(manager, volunteerId) };
      const cohort = await lockCohort(manager, cohortId);
      if (!cohort) return { ok: false, problem: 'no-cohort' } as const;
      if (cohort.audience !== 'business') return { ok: false, problem: 'wrong-audience' } as const;
      const existing = await lockMember(manager, cohortId, {
        organizationId: volunteer.organizationId,
      });
      if (existing?.status === 'active') return { ok: false, problem: 'already-member' } as const;
      const memberId = await activateMember(manager, cohortId, existing?.id, {
        source: 'volunteer',
        organizationId: volunteer.organizationId,
        termsAcceptedBy: volunteer.accountId,
        termsAcceptedAt: volunteer.createdAt,
        invitedBy: actorId,
      });
      await manager.query(
        `UPDATE pilot_volunteer SET status = 'approved', cohort_id = $2, decided_by = $3, decided_at = now()
          WHERE pilot_volunteer.id = $1`,
        [volunteerId, cohortId, actorId],
      );
      await markCohortChanged(manager, cohortId);
      await this.sendDecision(manager, volunteer, 'pilot-volunteer-approved', {
        cohort: cohort.name,
        link: `${this.config.PUBLIC_URL}/pilot`,
      });
      await this.audit.record(manager, {
        actor: staff(actorId),
        action: 'cohort.volunteer_approved',
        entity: { type: 'cohort', id: cohortId },
        after: { volunteerId, memberId, organizationId: volunteer.organizationId },
        ...origin,
      });
      return { ok: true, legalName: volunteer.legalName, cohortName: cohort.name } as const;
    });
  }

  /** Declines a pending volunteer; the note, if any, goes in the email. */
  async declineVolunteer(
    actorId: string,
    volunteerId: string,
    note: string,
    origin: RequestOrigin,
  ): Promise<CohortResult<{ legalName: string }>> {
    if (!isUuid(volunteerId)) return { ok: false, problem: 'not-found' };
    return this.dataSource.transaction(async (manager) => {
      const volunteer = await this.lockPendingVolunteer(manager, volunteerId);
      if (!volunteer) return { ok: false, problem: await this.whyNotPending(manager, volunteerId) };
      await manager.query(
        `UPDATE pilot_volunteer SET status = 'declined', decided_by = $2, decided_at = now(),
            decision_note = NULLIF($3, '')
          WHERE pilot_volunteer.id = $1`,
        [volunteerId, actorId, note],
      );
      await this.sendDecision(manager, volunteer, 'pilot-volunteer-declined', {
        link: `${this.config.PUBLIC_URL}/pilot`,
        note,
      });
      await this.audit.record(manager, {
        actor: staff(actorId),
        action: 'cohort.volunteer_declined',
        entity: { type: 'pilot_volunteer', id: volunteerId },
        after: { organizationId: volunteer.organizationId, note },
        ...origin,
      });
      return { ok: true, legalName: volunteer.legalName } as const;
    });
  }

  // -------------------------------------------------------------------------

  private async isActiveTester(
    manager: EntityManager,
    cohortId: string,
    email: string,
  ): Promise<boolean> {
    const rows = await manager.query(
      `SELECT 1 FROM cohort_member JOIN account ON account.id = cohort_member.account_id
        WHERE cohort_member.cohort_id = $1 AND cohort_member.organization_id IS NULL
          AND cohort_member.status = 'active' AND lower(account.email) = lower($2)`,
      [cohortId, email],
    );
    return rows.length > 0;
  }

  /** Issues (or renews) the invitation of an address and emails its link. */
  private async inviteEmail(
    manager: EntityManager,
    cohort: LockedCohort,
    email: string,
    source: 'invitation' | 'import',
    actorId: string,
    locale: Locale,
  ) {
    const [pending] = await manager.query(
      `SELECT cohort_member.id FROM cohort_member
        WHERE cohort_member.cohort_id = $1 AND lower(cohort_member.invited_email) = lower($2)
          AND cohort_member.status = 'invited'
          AND cohort_member.organization_id IS NULL AND cohort_member.account_id IS NULL
        FOR UPDATE`,
      [cohort.id, email],
    );
    const token = newToken();
    const invitation = await issueInvitation(
      manager,
      cohort.id,
      pending?.id as string | undefined,
      {
        tokenHash: tokenHash(token),
        source,
        invitedBy: actorId,
        invitedEmail: email,
      },
    );
    await this.outbox.enqueue(manager, {
      kind: cohort.audience === 'business' ? 'pilot-invitation-email' : 'pilot-invitation-tester',
      to: email,
      locale,
      values: {
        cohort: cohort.name,
        link: this.invitationLink(token),
        days: String(COHORT_INVITATION_TTL_DAYS),
      },
    });
    return invitation;
  }

  private async sendBusinessInvitation(
    manager: EntityManager,
    cohort: LockedCohort,
    organization: OrganizationRef,
    recipients: Correspondent[],
    token: string,
  ) {
    for (const recipient of recipients)
      await this.outbox.enqueue(manager, {
        kind: 'pilot-invitation-business',
        to: recipient.email,
        locale: recipient.locale ?? 'fr',
        values: {
          organization: organization.legalName,
          cohort: cohort.name,
          link: this.invitationLink(token),
          days: String(COHORT_INVITATION_TTL_DAYS),
        },
      });
  }

  private async sendAdded(
    manager: EntityManager,
    cohort: LockedCohort,
    organization: OrganizationRef,
    recipients: Correspondent[],
  ) {
    for (const recipient of recipients)
      await this.outbox.enqueue(manager, {
        kind: 'pilot-added',
        to: recipient.email,
        locale: recipient.locale ?? 'fr',
        values: {
          organization: organization.legalName,
          cohort: cohort.name,
          link: `${this.config.PUBLIC_URL}/pilot`,
        },
      });
  }

  /** The volunteer hears of the decision; with their account gone, the SME's correspondents do. */
  private async sendDecision(
    manager: EntityManager,
    volunteer: PendingVolunteer,
    kind: 'pilot-volunteer-approved' | 'pilot-volunteer-declined',
    values: { link: string; cohort?: string; note?: string },
  ) {
    const recipients: Correspondent[] = volunteer.email
      ? [{ email: volunteer.email, locale: volunteer.locale }]
      : await this.organizations.correspondents(volunteer.organizationId);
    for (const recipient of recipients) {
      const locale = recipient.locale ?? 'fr';
      await this.outbox.enqueue(manager, {
        kind,
        to: recipient.email,
        locale,
        values: {
          organization: volunteer.legalName,
          link: values.link,
          cohort: values.cohort ?? '',
          note: values.note
            ? this.i18n.t(locale, 'emails.pilot-volunteer-declined.note', { note: values.note })
            : '',
        },
      });
    }
  }

  /** A request that is not pending was decided already ('not-current'), or never existed. */
  private async whyNotPending(
    manager: EntityManager,
    volunteerId: string,
  ): Promise<'not-found' | 'not-current'> {
    const rows = await manager.query(
      `SELECT 1 FROM pilot_volunteer WHERE pilot_volunteer.id = $1`,
      [volunteerId],
    );
    return rows.length > 0 ? 'not-current' : 'not-found';
  }

  private invitationLink(token: string): string {
    return `${this.config.PUBLIC_URL}/pilot/invitations/${token}`;
  }

  private async lockPendingVolunteer(
    manager: EntityManager,
    volunteerId: string,
  ): Promise<PendingVolunteer | undefined> {
    const [row] = await returningRows<Record<string, unknown>>(
      manager,
      `SELECT pilot_volunteer.organization_id, pilot_volunteer.account_id, pilot_volunteer.created_at,
              organization.legal_name, account.email, account.preferred_locale
         FROM pilot_volunteer
         JOIN organization ON organization.id = pilot_volunteer.organization_id
         LEFT JOIN account ON account.id = pilot_volunteer.account_id AND account.closed_at IS NULL
        WHERE pilot_volunteer.id = $1 AND pilot_volunteer.status = 'pending'
        FOR UPDATE OF pilot_volunteer`,
      [volunteerId],
    );
    if (!row) return undefined;
    return {
      organizationId: row.organization_id as string,
      accountId: (row.account_id as string | null) ?? null,
      createdAt: row.created_at as Date,
      legalName: row.legal_name as string,
      email: (row.email as string | null) ?? undefined,
      locale: isLocale(row.preferred_locale) ? row.preferred_locale : undefined,
    };
  }
}

/**
 * Whether staff verified the SME, read under a share lock: a verification
 * committing meanwhile is waited for, so an invitation is never left waiting
 * for a verification that already happened.
 */
async function verifiedForShare(manager: EntityManager, organizationId: string): Promise<boolean> {
  const [row] = await manager.query(
    `SELECT organization.verified_at IS NOT NULL AS verified FROM organization
      WHERE organization.id = $1 FOR SHARE`,
    [organizationId],
  );
  return Boolean(row?.verified);
}

/** Marks an invitation as waiting for its SME's verification (its link never sent), or not. */
async function markAwaitingVerification(
  manager: EntityManager,
  memberId: string,
  awaiting: boolean,
): Promise<void> {
  await manager.query(
    `UPDATE cohort_member SET awaiting_verification_since =
        CASE WHEN $2 THEN COALESCE(cohort_member.awaiting_verification_since, now()) ELSE NULL END
      WHERE cohort_member.id = $1`,
    [memberId, awaiting],
  );
}

interface PendingVolunteer {
  organizationId: string;
  accountId: string | null;
  createdAt: Date;
  legalName: string;
  email?: string;
  locale?: Locale;
}
