import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AppConfig } from '../../platform/config/app-config.js';
import { returningRows } from '../../platform/database/database.js';
import { isLocale, type Locale } from '../../platform/i18n/i18n.service.js';
import type { RequestOrigin } from '../audit/request-origin.js';
import { AuditService } from '../audit/audit.service.js';
import { OutboxService } from '../notifications/outbox.service.js';
import type { Role } from './dto/invitation.dto.js';
import { newToken, tokenHash } from '../../platform/security/tokens.js';
import { maskEmail } from '../../platform/privacy/mask-email.js';
import { RateLimiter } from '../../platform/security/rate-limiter.js';
import { assertUnreachable } from '../../platform/errors/assert-unreachable.js';
import { INVITATION_REFUSALS, ORGANIZATION_REFUSALS } from './organizations.refusals.js';

export interface OrganizationInput {
  legalName: string;
  /** 10 digits. */
  neq: string;
  streetAddress: string;
  city: string;
  /** "A1A 1A1". */
  postalCode: string;
  employeeCount: number;
  naicsCode: string;
  contactName: string;
  contactEmail: string;
  contactPhone: string;
}

/** What the SME's owners may change after registering it: all but its legal name and NEQ. */
export type OrganizationDetails = Omit<OrganizationInput, 'legalName' | 'neq'>;

const DETAIL_COLUMNS: Record<keyof OrganizationDetails, string> = {
  streetAddress: 'street_address',
  city: 'city',
  postalCode: 'postal_code',
  employeeCount: 'employee_count',
  naicsCode: 'naics_code',
  contactName: 'contact_name',
  contactEmail: 'contact_email',
  contactPhone: 'contact_phone',
};

export interface Organization extends OrganizationInput {
  id: string;
  createdAt: Date;
  /** When staff verified who owns it (ADR 0014); null while unverified. */
  verifiedAt: Date | null;
}

export interface Membership {
  id: string;
  legalName: string;
  employeeCount: number;
  role: Role;
  verified: boolean;
}

/** An SME as other modules refer to it. */
export interface OrganizationRef {
  id: string;
  legalName: string;
  neq: string;
  /** Whether staff verified who owns it: only then does the City write to it by NEQ. */
  verified: boolean;
}

/** An address to write to about an SME, with its language when known. */
export interface Correspondent {
  email: string;
  locale?: Locale;
}

/**
 * Whether a person left all their SMEs (`leaveAll`): refused, with the legal
 * names of the SMEs they are the last owner of, or done.
 */
export type LeftAll = { ok: true } | { ok: false; organizations: string[] };

export interface Member {
  accountId: string;
  displayName: string;
  email: string;
  role: Role;
}

export interface PendingInvitation {
  email: string;
  role: Role;
  expiresAt: Date;
  createdAt: Date;
}

/** An SME as one of its members sees it. */
export interface OrganizationView {
  organization: Organization;
  /** The viewer's role. */
  role: Role;
  members: Member[];
  invitations: PendingInvitation[];
}

/**
 * What opening or accepting an invitation link gives: the SME and role it is
 * for; or a refusal because the signed-in account is not the address it was
 * sent to (`invitedTo` masked); or nothing, when the link is unknown, used or
 * expired.
 */
export type InvitationAnswer =
  | { state: 'open'; organizationId: string; legalName: string; role: Role }
  | { state: 'not-addressee'; legalName: string; invitedTo: string }
  | { state: 'gone' };

/** An invitation that can be used. */
export type OpenInvitation = Extract<InvitationAnswer, { state: 'open' }>;

/** The open invitation, or the refusal to throw (its params name the SME and the masked address). */
export function openOrRefuse(answer: InvitationAnswer): OpenInvitation {
  switch (answer.state) {
    case 'open':
      return answer;
    case 'not-addressee':
      throw INVITATION_REFUSALS.of('not-addressee', {
        params: { organization: answer.legalName, email: answer.invitedTo },
      });
    case 'gone':
      throw INVITATION_REFUSALS.of('gone');
    default:
      return assertUnreachable(answer);
  }
}

export const INVITATION_TTL_DAYS = 7;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TOKEN = /^[A-Za-z0-9_-]{20,100}$/;

interface OrganizationRow {
  id: string;
  legal_name: string;
  neq: string;
  street_address: string;
  city: string;
  postal_code: string;
  employee_count: number;
  naics_code: string;
  contact_name: string;
  contact_email: string;
  contact_phone: string;
  created_at: Date;
  verified_at: Date | null;
}

interface OpenInvitationRow {
  token_hash: string;
  organization_id: string;
  email: string;
  role: Role;
  legal_name: string;
}

const toOrganization = (row: OrganizationRow): Organization => ({
  id: row.id,
  legalName: row.legal_name,
  neq: row.neq,
  streetAddress: row.street_address,
  city: row.city,
  postalCode: row.postal_code,
  employeeCount: row.employee_count,
  naicsCode: row.naics_code,
  contactName: row.contact_name,
  contactEmail: row.contact_email,
  contactPhone: row.contact_phone,
  createdAt: row.created_at,
  verifiedAt: row.verified_at,
});

/**
 * SMEs and who belongs to them. The person who registers an SME is its owner;
 * owners invite people by email (a single-use link valid 7 days), change roles
 * and remove members, and an SME always keeps at least one owner. Nothing about
 * an SME is shown to someone who is not one of its members. Every change writes
 * its audit event (and its email, through the outbox) in the same transaction.
 * Changes to the members are refused with ORGANIZATION_REFUSALS (thrown): the
 * service checks, itself, that the actor is one of the SME's owners.
 */
@Injectable()
export class OrganizationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
    private readonly config: AppConfig,
    private readonly limiter: RateLimiter,
  ) {}

  /**
   * Registers an SME with `accountId` as its owner, unverified until staff
   * accept the owner's evidence (ADR 0014); refused when its NEQ is already
   * registered (the person may then ask staff to review who owns it).
   */
  async register(
    accountId: string,
    input: OrganizationInput,
    origin: RequestOrigin,
  ): Promise<{ ok: true; id: string } | { ok: false; problem: 'duplicate-neq' }> {
    return this.dataSource.transaction(async (manager) => {
      const rows = await manager.query(
        `INSERT INTO organization (legal_name, neq, street_address, city, postal_code, employee_count,
           naics_code, contact_name, contact_email, contact_phone)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT ON CONSTRAINT organization_neq_key DO NOTHING
         RETURNING id`,
        [
          input.legalName,
          input.neq,
          input.streetAddress,
          input.city,
          input.postalCode,
          input.employeeCount,
          input.naicsCode,
          input.contactName,
          input.contactEmail,
          input.contactPhone,
        ],
      );
      if (rows.length === 0) return { ok: false, problem: 'duplicate-neq' } as const;
      const id = rows[0].id as string;
      await manager.query(
        `INSERT INTO organization_membership (organization_id, account_id, role) VALUES ($1, $2, 'owner')`,
        [id, accountId],
      );
      await this.audit.record(manager, {
        actor: { type: 'person', id: accountId },
        action: 'organization.registered',
        entity: { type: 'organization', id },
        after: { ...input, owner: accountId, verified: false },
        ...origin,
      });
      return { ok: true, id } as const;
    });
  }

  /**
   * An owner changes the SME's address, contact, size or sector. Its legal
   * name and NEQ are not among them: staff checked them with its owners (ADR
   * 0014), so a correction goes through staff. Owners only (refused with
   * 'not-found' or 'forbidden'), under the SME's row lock; one audit event
   * `organization.details_updated` holds the fields that changed, before and
   * after (none when nothing changed). The database announces the change
   * (`identity_changed`, ADR 0037), so the size the flags are evaluated
   * against follows at once; forms prefill from the row itself.
   */
  async updateDetails(
    actorId: string,
    organizationId: string,
    input: OrganizationDetails,
    origin: RequestOrigin,
  ): Promise<{ changed: (keyof OrganizationDetails)[] }> {
    return this.dataSource.transaction(async (manager) => {
      await this.lockAsOwner(manager, actorId, organizationId);
      const [row] = await manager.query<OrganizationRow[]>(
        `SELECT * FROM organization WHERE id = $1`,
        [organizationId],
      );
      const current = toOrganization(row);
      const changed = (Object.keys(DETAIL_COLUMNS) as (keyof OrganizationDetails)[]).filter(
        (key) => current[key] !== input[key],
      );
      if (changed.length === 0) return { changed };
      await manager.query(
        `UPDATE organization SET ${changed.map((key, i) => `${DETAIL_COLUMNS[key]} = $${i + 2}`).join(', ')},
           updated_at = now()
         WHERE id = $1`,
        [organizationId, ...changed.map((key) => input[key])],
      );
      await this.audit.record(manager, {
        actor: { type: 'person', id: actorId },
        action: 'organization.details_updated',
        entity: { type: 'organization', id: organizationId },
        before: Object.fromEntries(changed.map((key) => [key, current[key]])),
        after: Object.fromEntries(changed.map((key) => [key, input[key]])),
        ...origin,
      });
      return { changed };
    });
  }

  /** Whether an SME with this NEQ (10 digits) is registered. */
  async neqTaken(neq: string): Promise<boolean> {
    const rows = await this.dataSource.query(`SELECT 1 FROM organization WHERE neq = $1`, [neq]);
    return rows.length > 0;
  }

  /**
   * The registered SMEs among these NEQs (10 digits each), keyed by NEQ, with
   * their size (what Unleash is told of an SME, to decide what it gets).
   */
  async findByNeqs(
    neqs: readonly string[],
  ): Promise<Map<string, OrganizationRef & { employeeCount: number }>> {
    if (neqs.length === 0) return new Map();
    const rows: {
      id: string;
      legal_name: string;
      neq: string;
      verified: boolean;
      employee_count: number;
    }[] = await this.dataSource.query(
      `SELECT organization.id, organization.legal_name, organization.neq,
              organization.verified_at IS NOT NULL AS verified, organization.employee_count
       FROM organization WHERE organization.neq = ANY($1::text[])`,
      [[...new Set(neqs)]],
    );
    return new Map(
      rows.map((r) => [
        r.neq,
        {
          id: r.id,
          legalName: r.legal_name,
          neq: r.neq,
          verified: r.verified,
          employeeCount: r.employee_count,
        },
      ]),
    );
  }

  /**
   * Who hears about the SME's dealings with the City: its contact address and
   * its owners, each address once, in the language of the account that holds
   * it when there is one. Pass the transaction's `manager` to see its changes.
   */
  async correspondents(
    organizationId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Correspondent[]> {
    if (!UUID.test(organizationId)) return [];
    const rows: { email: string; locale: string | null }[] = await manager.query(
      `SELECT DISTINCT ON (lower(c.email)) c.email, c.locale
       FROM (
         SELECT organization.contact_email AS email, contact.preferred_locale AS locale, 1 AS rank
           FROM organization
           LEFT JOIN account contact
             ON lower(contact.email) = lower(organization.contact_email) AND contact.closed_at IS NULL
          WHERE organization.id = $1
         UNION ALL
         SELECT owner.email, owner.preferred_locale, 0
           FROM organization_membership
           JOIN account owner ON owner.id = organization_membership.account_id
          WHERE organization_membership.organization_id = $1
            AND organization_membership.role = 'owner' AND owner.closed_at IS NULL
       ) c
       ORDER BY lower(c.email), c.rank`,
      [organizationId],
    );
    return rows.map((r) => ({ email: r.email, locale: isLocale(r.locale) ? r.locale : undefined }));
  }

  /** The SMEs a person belongs to, by name (for "My businesses" and for acting as an SME). */
  async membershipsOf(accountId: string): Promise<Membership[]> {
    const rows = await this.dataSource.query(
      `SELECT o.id, o.legal_name, o.employee_count, m.role, o.verified_at IS NOT NULL AS verified
       FROM organization_membership m JOIN organization o ON o.id = m.organization_id
       WHERE m.account_id = $1
       ORDER BY lower(o.legal_name), o.id`,
      [accountId],
    );
    return rows.map(
      (r: {
        id: string;
        legal_name: string;
        employee_count: number;
        role: Role;
        verified: boolean;
      }) => ({
        id: r.id,
        legalName: r.legal_name,
        employeeCount: r.employee_count,
        role: r.role,
        verified: r.verified,
      }),
    );
  }

  /**
   * The person's role in the SME, or undefined when they are not a member (or it
   * does not exist). Another module's change passes its `manager`, so the read is
   * part of its transaction (ADR 0021, rule 3).
   */
  async roleOf(
    accountId: string,
    organizationId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Role | undefined> {
    if (!UUID.test(organizationId)) return undefined;
    const rows = await manager.query(
      `SELECT role FROM organization_membership WHERE organization_id = $1 AND account_id = $2`,
      [organizationId, accountId],
    );
    return rows[0]?.role as Role | undefined;
  }

  /** The SME with its members and pending invitations, only for one of its members. */
  async view(accountId: string, organizationId: string): Promise<OrganizationView | undefined> {
    const role = await this.roleOf(accountId, organizationId);
    if (!role) return undefined;
    const [row] = await this.dataSource.query(`SELECT * FROM organization WHERE id = $1`, [
      organizationId,
    ]);
    const members = await this.dataSource.query(
      `SELECT a.id, a.display_name, a.email, m.role
       FROM organization_membership m JOIN account a ON a.id = m.account_id
       WHERE m.organization_id = $1
       ORDER BY m.role = 'owner' DESC, lower(a.display_name), a.id`,
      [organizationId],
    );
    const invitations = await this.dataSource.query(
      `SELECT email, role, expires_at, created_at FROM organization_invitation
       WHERE organization_id = $1 AND accepted_at IS NULL AND expires_at > now()
       ORDER BY created_at DESC`,
      [organizationId],
    );
    return {
      organization: toOrganization(row as OrganizationRow),
      role,
      members: members.map(
        (m: { id: string; display_name: string; email: string; role: Role }) => ({
          accountId: m.id,
          displayName: m.display_name,
          email: m.email,
          role: m.role,
        }),
      ),
      invitations: invitations.map(
        (i: { email: string; role: Role; expires_at: Date; created_at: Date }) => ({
          email: i.email,
          role: i.role,
          expiresAt: i.expires_at,
          createdAt: i.created_at,
        }),
      ),
    };
  }

  /**
   * An owner invites someone by email: a random single-use token (only its
   * SHA-256 stored) valid 7 days, emailed through the outbox in the invitee's
   * language when they have an account (else in `locale`). A new invitation to
   * the same address replaces a pending one. Owners only; each invitation sent
   * on the City's behalf counts against rule invite:account (its counter kept
   * even when the invitation is then refused).
   */
  async invite(
    actorId: string,
    organizationId: string,
    input: { email: string; role: Role },
    locale: Locale,
    origin: RequestOrigin,
  ): Promise<void> {
    // Owners only, before a hit is counted; checked again under the lock below.
    await this.assertOwner(actorId, organizationId);
    const limit = await this.limiter.take('invite:account', actorId);
    if (!limit.allowed)
      throw ORGANIZATION_REFUSALS.of('too-many', {
        params: { minutes: Math.max(1, Math.ceil(limit.retryAfterSeconds / 60)) },
        headers: { 'Retry-After': String(limit.retryAfterSeconds) },
      });
    await this.dataSource.transaction(async (manager) => {
      await this.lockAsOwner(manager, actorId, organizationId);
      const email = input.email.trim();
      const existing = await manager.query(
        `SELECT a.preferred_locale, m.role
         FROM account a
         LEFT JOIN organization_membership m ON m.account_id = a.id AND m.organization_id = $2
         WHERE lower(a.email) = lower($1) AND a.closed_at IS NULL`,
        [email, organizationId],
      );
      if (existing[0]?.role) throw ORGANIZATION_REFUSALS.of('already-member');
      await manager.query(
        `UPDATE organization_invitation SET expires_at = now()
         WHERE organization_id = $1 AND lower(email) = lower($2)
           AND accepted_at IS NULL AND expires_at > now()`,
        [organizationId, email],
      );
      const token = newToken();
      const [invitation] = await manager.query(
        `INSERT INTO organization_invitation (token_hash, organization_id, email, role, expires_at, created_by)
         VALUES ($1, $2, $3, $4, now() + make_interval(days => $5), $6)
         RETURNING expires_at`,
        [tokenHash(token), organizationId, email, input.role, INVITATION_TTL_DAYS, actorId],
      );
      const [names] = await manager.query(
        `SELECT o.legal_name, a.display_name
         FROM organization o, account a WHERE o.id = $1 AND a.id = $2`,
        [organizationId, actorId],
      );
      const recipientLocale = existing[0]?.preferred_locale;
      await this.outbox.enqueue(manager, {
        kind: 'organization-invitation',
        to: email,
        locale: isLocale(recipientLocale) ? recipientLocale : locale,
        values: {
          organization: names.legal_name,
          inviter: names.display_name,
          link: `${this.config.PUBLIC_URL}/invitations/accept?token=${token}`,
        },
      });
      await this.audit.record(manager, {
        actor: { type: 'person', id: actorId },
        action: 'organization.invitation_sent',
        entity: { type: 'organization', id: organizationId },
        after: { email, role: input.role, expiresAt: invitation.expires_at },
        ...origin,
      });
    });
  }

  /**
   * What an invitation link is for, while it can still be accepted. With a
   * signed-in viewer, it is open only to the account holding the invited
   * address (confirmed, open); anyone else is refused, and the refusal audited.
   */
  async invitation(
    token: string,
    viewer?: { accountId: string; origin: RequestOrigin },
  ): Promise<InvitationAnswer> {
    if (!TOKEN.test(token)) return { state: 'gone' };
    return this.dataSource.transaction(async (manager) => {
      const invitation = await this.openInvitation(manager, token, false);
      if (!invitation) return { state: 'gone' } as const;
      if (viewer) {
        const refusal = await this.refuseUnlessAddressee(manager, invitation, viewer, 'viewed');
        if (refusal) return refusal;
      }
      return {
        state: 'open',
        organizationId: invitation.organization_id,
        legalName: invitation.legal_name,
        role: invitation.role,
      } as const;
    });
  }

  /**
   * Uses the invitation (once) and makes the signed-in person a member with its
   * role; someone already a member keeps their role. Only the account holding
   * the invited address (confirmed, open) may accept: anyone else is refused
   * (the refusal audited) and the invitation stays open for its addressee.
   */
  async acceptInvitation(
    accountId: string,
    token: string,
    origin: RequestOrigin,
  ): Promise<InvitationAnswer> {
    if (!TOKEN.test(token)) return { state: 'gone' };
    return this.dataSource.transaction(async (manager) => {
      const invitation = await this.openInvitation(manager, token, true);
      if (!invitation) return { state: 'gone' } as const;
      const refusal = await this.refuseUnlessAddressee(
        manager,
        invitation,
        { accountId, origin },
        'accept',
      );
      if (refusal) return refusal;
      await manager.query(
        `UPDATE organization_invitation SET accepted_at = now(), accepted_by = $2 WHERE token_hash = $1`,
        [invitation.token_hash, accountId],
      );
      const added = await manager.query(
        `INSERT INTO organization_membership (organization_id, account_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (organization_id, account_id) DO NOTHING RETURNING role`,
        [invitation.organization_id, accountId, invitation.role],
      );
      await this.audit.record(manager, {
        actor: { type: 'person', id: accountId },
        action: added.length > 0 ? 'organization.member_joined' : 'organization.invitation_used',
        entity: { type: 'organization', id: invitation.organization_id },
        after: { accountId, role: invitation.role, invitedEmail: invitation.email },
        ...origin,
      });
      return {
        state: 'open',
        organizationId: invitation.organization_id,
        legalName: invitation.legal_name,
        role: invitation.role,
      } as const;
    });
  }

  /** The invitation behind a token while it can be accepted (its row locked when `lock`). */
  private async openInvitation(
    manager: EntityManager,
    token: string,
    lock: boolean,
  ): Promise<OpenInvitationRow | undefined> {
    const rows = await manager.query(
      `SELECT i.token_hash, i.organization_id, i.email, i.role, o.legal_name
       FROM organization_invitation i JOIN organization o ON o.id = i.organization_id
       WHERE i.token_hash = $1 AND i.accepted_at IS NULL AND i.expires_at > now()
       ${lock ? 'FOR UPDATE OF i' : ''}`,
      [tokenHash(token)],
    );
    return rows[0] as OpenInvitationRow | undefined;
  }

  /**
   * Undefined when the account is open, its address confirmed and the one the
   * invitation was sent to (whatever its case); otherwise the refusal, with
   * its audit event (who tried, which invitation, never the token).
   */
  private async refuseUnlessAddressee(
    manager: EntityManager,
    invitation: OpenInvitationRow,
    viewer: { accountId: string; origin: RequestOrigin },
    attempt: 'viewed' | 'accept',
  ): Promise<InvitationAnswer | undefined> {
    const [addressee] = await manager.query(
      `SELECT 1 FROM account
       WHERE id = $1 AND lower(email) = lower($2)
         AND email_confirmed_at IS NOT NULL AND closed_at IS NULL`,
      [viewer.accountId, invitation.email],
    );
    if (addressee) return undefined;
    await this.audit.record(manager, {
      actor: { type: 'person', id: viewer.accountId },
      action: 'organization.invitation_refused',
      entity: { type: 'organization', id: invitation.organization_id },
      after: {
        invitedEmail: invitation.email,
        accountId: viewer.accountId,
        attempt,
        reason: 'not-addressee',
      },
      ...viewer.origin,
    });
    return {
      state: 'not-addressee',
      legalName: invitation.legal_name,
      invitedTo: maskEmail(invitation.email),
    };
  }

  /** An owner changes a member's role; the last owner cannot be demoted. */
  async changeRole(
    actorId: string,
    organizationId: string,
    memberId: string,
    role: Role,
    origin: RequestOrigin,
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await this.lockAsOwner(manager, actorId, organizationId);
      const current = await this.memberRole(manager, organizationId, memberId);
      if (!current) throw ORGANIZATION_REFUSALS.of('not-found');
      if (current === role) return;
      if (current === 'owner' && (await this.ownerCount(manager, organizationId)) <= 1)
        throw ORGANIZATION_REFUSALS.of('last-owner');
      await manager.query(
        `UPDATE organization_membership SET role = $3 WHERE organization_id = $1 AND account_id = $2`,
        [organizationId, memberId, role],
      );
      await this.audit.record(manager, {
        actor: { type: 'person', id: actorId },
        action: 'organization.member_role_changed',
        entity: { type: 'organization', id: organizationId },
        before: { accountId: memberId, role: current },
        after: { accountId: memberId, role },
        ...origin,
      });
    });
  }

  /** An owner removes a member; the last owner cannot be removed. */
  async removeMember(
    actorId: string,
    organizationId: string,
    memberId: string,
    origin: RequestOrigin,
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await this.lockAsOwner(manager, actorId, organizationId);
      const current = await this.memberRole(manager, organizationId, memberId);
      if (!current) throw ORGANIZATION_REFUSALS.of('not-found');
      if (current === 'owner' && (await this.ownerCount(manager, organizationId)) <= 1)
        throw ORGANIZATION_REFUSALS.of('last-owner');
      await manager.query(
        `DELETE FROM organization_membership WHERE organization_id = $1 AND account_id = $2`,
        [organizationId, memberId],
      );
      await this.audit.record(manager, {
        actor: { type: 'person', id: actorId },
        action: 'organization.member_removed',
        entity: { type: 'organization', id: organizationId },
        before: { accountId: memberId, role: current },
        ...origin,
      });
    });
  }

  /**
   * A person leaves every SME they belong to, in the caller's transaction (when
   * their account closes: ADR 0021, the organizations module writes its own
   * tables). The SMEs where they are the last owner are locked (as for every
   * change of owners, so no other owner can leave at the same moment) and, if
   * there are any, named by legal name and nothing changes. Otherwise their
   * memberships end, each audited on its SME as `organization.member_left`.
   */
  async leaveAll(
    manager: EntityManager,
    accountId: string,
    origin: RequestOrigin,
  ): Promise<LeftAll> {
    const orphans = await manager.query<{ legal_name: string }[]>(
      `SELECT organization.legal_name FROM organization
         JOIN organization_membership mine ON mine.organization_id = organization.id
        WHERE mine.account_id = $1 AND mine.role = 'owner'
          AND NOT EXISTS (SELECT 1 FROM organization_membership other
                           WHERE other.organization_id = organization.id
                             AND other.role = 'owner' AND other.account_id <> $1)
        ORDER BY organization.legal_name, organization.id
        FOR UPDATE OF organization`,
      [accountId],
    );
    if (orphans.length > 0) return { ok: false, organizations: orphans.map((o) => o.legal_name) };
    const ended = await returningRows<{ organization_id: string; role: string }>(
      manager,
      `DELETE FROM organization_membership WHERE account_id = $1 RETURNING organization_id, role`,
      [accountId],
    );
    for (const membership of ended)
      await this.audit.record(manager, {
        actor: { type: 'person', id: accountId },
        action: 'organization.member_left',
        entity: { type: 'organization', id: membership.organization_id },
        before: { accountId, role: membership.role },
        ...origin,
      });
    return { ok: true };
  }

  /**
   * Locks the SME's row for the rest of the transaction (so two owners changing
   * memberships at once cannot leave it without an owner), then checks that the
   * actor is one of its owners.
   */
  private async lockAsOwner(
    manager: EntityManager,
    actorId: string,
    organizationId: string,
  ): Promise<void> {
    if (!UUID.test(organizationId)) throw ORGANIZATION_REFUSALS.of('not-found');
    const locked = await manager.query(`SELECT id FROM organization WHERE id = $1 FOR UPDATE`, [
      organizationId,
    ]);
    const role =
      locked.length > 0 ? await this.memberRole(manager, organizationId, actorId) : undefined;
    assertOwnerRole(role);
  }

  /** Refuses anyone but one of the SME's owners: not a member → not-found, a member → forbidden. */
  async assertOwner(actorId: string, organizationId: string): Promise<void> {
    assertOwnerRole(await this.roleOf(actorId, organizationId));
  }

  private async memberRole(
    manager: EntityManager,
    organizationId: string,
    accountId: string,
  ): Promise<Role | undefined> {
    if (!UUID.test(accountId)) return undefined;
    const rows = await manager.query(
      `SELECT role FROM organization_membership WHERE organization_id = $1 AND account_id = $2`,
      [organizationId, accountId],
    );
    return rows[0]?.role as Role | undefined;
  }

  private async ownerCount(manager: EntityManager, organizationId: string): Promise<number> {
    const [row] = await manager.query(
      `SELECT count(*)::int AS n FROM organization_membership WHERE organization_id = $1 AND role = 'owner'`,
      [organizationId],
    );
    return row.n as number;
  }
}

function assertOwnerRole(role: Role | undefined): void {
  if (!role) throw ORGANIZATION_REFUSALS.of('not-found');
  if (role !== 'owner') throw ORGANIZATION_REFUSALS.of('forbidden');
}
