import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AppConfig } from '../../platform/config/app-config.js';
import { isLocale, type Locale } from '../../platform/i18n/i18n.service.js';
import { JsonLogger } from '../../platform/logging/json-logger.js';
import { RateLimiter } from '../../platform/security/rate-limiter.js';
import {
  statusOf,
  VirusScanner,
  type ScanStatus,
} from '../../platform/virus-scan/virus-scanner.js';
import {
  storeRescanVerdict,
  waitingForScan,
  type RescanOutcome,
} from '../../platform/virus-scan/rescan.js';
import { MAX_ATTACHMENT_BYTES, sanitizeFilename } from '../applications/attachments.service.js';
import { sniffContentType, type AttachmentType } from '../applications/file-type.js';
import { AuditService } from '../audit/audit.service.js';
import type { RequestOrigin } from '../audit/request-origin.js';
import { OutboxService, type EmailKind } from '../notifications/outbox.service.js';
import { CohortsService } from '../rollout/cohorts.service.js';

/** What a claim asks: the owner's evidence, or another person's request to review who owns the SME. */
export type ClaimKind = 'owner' | 'review';
export type ClaimStatus = 'pending' | 'verified' | 'transferred' | 'rejected' | 'revoked';

/** A file as the upload middleware hands it over. */
export interface EvidenceUpload {
  originalname: string;
  buffer: Buffer;
  size: number;
}

/** Why a claim or a decision was refused; each controller maps them to a page in one place. */
export type OwnershipProblem =
  | 'not-found'
  | 'forbidden'
  | 'already-verified'
  | 'already-member'
  | 'unknown-neq'
  | 'not-pending'
  | 'evidence-missing'
  | 'evidence-too-large'
  | 'evidence-wrong-type'
  | 'evidence-refused'
  | 'too-many';

export type OwnershipResult<T = object> =
  ({ ok: true } & T) | { ok: false; problem: OwnershipProblem; retryAfterSeconds?: number };

interface CheckedEvidence {
  filename: string;
  contentType: AttachmentType;
  content: Buffer;
  sha256: string;
  scanStatus: ScanStatus;
}

interface LockedClaim {
  id: string;
  organizationId: string;
  accountId: string | null;
  kind: ClaimKind;
  status: ClaimStatus;
}

interface Person {
  id: string;
  email: string;
  locale?: Locale;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const staff = (id: string) => ({ type: 'staff' as const, id });

/**
 * Who owns an SME (ADR 0014). Whoever registers an NEQ first is its owner but
 * the SME is unverified: its owners send evidence (the enterprise register's
 * statement, say), and admins verify it or reject the evidence with a reason.
 * Someone else claiming the same NEQ asks for a review with their own
 * evidence; admins transfer the SME to them or reject the request, and may
 * revoke an unverified claim outright. Evidence is checked like an
 * application's attachment (type from the bytes, the VirusScanner, ADR 0028) and
 * kept in PostgreSQL. Every decision writes its audit event and its emails in
 * one transaction; verifying releases the pilot invitations that waited.
 */
@Injectable()
export class OwnershipService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
    private readonly cohorts: CohortsService,
    private readonly scanner: VirusScanner,
    private readonly config: AppConfig,
    private readonly logger: JsonLogger,
    private readonly limiter: RateLimiter,
  ) {}

  /** An owner of an unverified SME sends evidence; a pending one of theirs is replaced. */
  async submitEvidence(
    accountId: string,
    organizationId: string,
    input: { note: string; upload?: EvidenceUpload },
    origin: RequestOrigin,
  ): Promise<OwnershipResult> {
    if (!UUID.test(organizationId)) return { ok: false, problem: 'not-found' };
    // Owners only, before a hit is counted; checked again under the lock below.
    const access = await this.ownerAccess(accountId, organizationId);
    if (!access.ok) return access;
    const limited = await this.limit(accountId);
    if (limited) return limited;
    const evidence = await this.checkEvidence(input.upload, accountId, organizationId, origin);
    if (!evidence.ok) return evidence;
    return this.dataSource.transaction(async (manager) => {
      const organization = await lockOrganization(manager, organizationId);
      if (!organization) return { ok: false, problem: 'not-found' } as const;
      const role = await roleIn(manager, organizationId, accountId);
      if (!role) return { ok: false, problem: 'not-found' } as const;
      if (role !== 'owner') return { ok: false, problem: 'forbidden' } as const;
      if (organization.verified) return { ok: false, problem: 'already-verified' } as const;
      const claimId = await this.insertClaim(
        manager,
        organizationId,
        accountId,
        'owner',
        input.note,
        evidence.file,
      );
      await this.audit.record(manager, {
        actor: { type: 'person', id: accountId },
        action: 'organization.evidence_submitted',
        entity: { type: 'organization', id: organizationId },
        after: { claimId, ...describe(evidence.file) },
        ...origin,
      });
      return { ok: true } as const;
    });
  }

  /**
   * Someone who is not a member of the SME registered under `neq` asks staff
   * to review who owns it, with their own evidence; a pending request of
   * theirs is replaced.
   */
  async requestReview(
    accountId: string,
    neq: string,
    input: { note: string; upload?: EvidenceUpload },
    origin: RequestOrigin,
  ): Promise<OwnershipResult<{ legalName: string }>> {
    const [found] = await this.dataSource.query(
      `SELECT organization.id FROM organization WHERE organization.neq = $1`,
      [neq],
    );
    if (!found) return { ok: false, problem: 'unknown-neq' };
    const limited = await this.limit(accountId);
    if (limited) return limited;
    const evidence = await this.checkEvidence(input.upload, accountId, found.id as string, origin);
    if (!evidence.ok) return evidence;
    return this.dataSource.transaction(async (manager) => {
      const organization = await lockOrganization(manager, found.id as string);
      if (!organization) return { ok: false, problem: 'unknown-neq' } as const;
      if (await roleIn(manager, organization.id, accountId))
        return { ok: false, problem: 'already-member' } as const;
      const claimId = await this.insertClaim(
        manager,
        organization.id,
        accountId,
        'review',
        input.note,
        evidence.file,
      );
      await this.audit.record(manager, {
        actor: { type: 'person', id: accountId },
        action: 'organization.review_requested',
        entity: { type: 'organization', id: organization.id },
        after: { claimId, neq, ...describe(evidence.file) },
        ...origin,
      });
      return { ok: true, legalName: organization.legalName } as const;
    });
  }

  /**
   * Staff accept an owner's evidence: the SME is verified, its owners are told,
   * and the pilot invitations that waited for it are sent.
   */
  async verify(actorId: string, claimId: string, origin: RequestOrigin): Promise<OwnershipResult> {
    return this.decide(claimId, 'owner', async (manager, claim, organization) => {
      await manager.query(
        `UPDATE organization SET verified_at = now(), verified_by = $2, updated_at = now()
          WHERE organization.id = $1`,
        [organization.id, actorId],
      );
      await closeClaim(manager, claim.id, 'verified', actorId, null);
      const owners = await ownersOf(manager, organization.id);
      await this.audit.record(manager, {
        actor: staff(actorId),
        action: 'organization.verified',
        entity: { type: 'organization', id: organization.id },
        before: { verified: false },
        after: { verified: true, claimId: claim.id, owners: owners.map((o) => o.id) },
        ...origin,
      });
      await this.notify(manager, owners, 'organization-verified', organization);
      await this.cohorts.releaseAwaitingInvitations(manager, actorId, organization.id, origin);
    });
  }

  /** Staff turn a claim down (an owner's evidence, or a review request), with a reason the claimant reads. */
  async reject(
    actorId: string,
    claimId: string,
    reason: string,
    origin: RequestOrigin,
  ): Promise<OwnershipResult> {
    return this.decide(claimId, undefined, async (manager, claim, organization) => {
      await closeClaim(manager, claim.id, 'rejected', actorId, reason);
      await this.audit.record(manager, {
        actor: staff(actorId),
        action: 'organization.claim_rejected',
        entity: { type: 'organization', id: organization.id },
        before: {
          claimId: claim.id,
          kind: claim.kind,
          status: 'pending',
          accountId: claim.accountId,
        },
        after: { status: 'rejected', reason },
        ...origin,
      });
      const claimant = claim.accountId ? await personOf(manager, claim.accountId) : undefined;
      if (claimant)
        await this.notify(manager, [claimant], 'organization-claim-rejected', organization, {
          reason,
        });
    });
  }

  /**
   * Staff grant a review request: the claimant becomes the SME's only owner,
   * everyone who belonged to it stops, and the SME is verified (staff checked
   * the claimant's evidence). The former owners and the new one are told.
   */
  async transfer(
    actorId: string,
    claimId: string,
    reason: string,
    origin: RequestOrigin,
  ): Promise<OwnershipResult> {
    return this.decide(claimId, 'review', async (manager, claim, organization) => {
      const claimant = claim.accountId ? await personOf(manager, claim.accountId) : undefined;
      if (!claimant) return { ok: false, problem: 'not-pending' } as const;
      const formerOwners = await ownersOf(manager, organization.id);
      const removed = await this.endMemberships(manager, organization.id);
      await manager.query(
        `INSERT INTO organization_membership (organization_id, account_id, role) VALUES ($1, $2, 'owner')`,
        [organization.id, claimant.id],
      );
      await manager.query(
        `UPDATE organization SET verified_at = now(), verified_by = $2, updated_at = now()
          WHERE organization.id = $1`,
        [organization.id, actorId],
      );
      await closeClaim(manager, claim.id, 'transferred', actorId, reason);
      await closePending(manager, organization.id, 'revoked', actorId, reason, 'owner');
      await this.audit.record(manager, {
        actor: staff(actorId),
        action: 'organization.transferred',
        entity: { type: 'organization', id: organization.id },
        before: { members: removed, verified: organization.verified },
        after: { owner: claimant.id, claimId: claim.id, verified: true, reason },
        ...origin,
      });
      await this.notify(manager, formerOwners, 'organization-access-removed', organization, {
        reason,
      });
      await this.notify(manager, [claimant], 'organization-transferred', organization);
      await this.cohorts.releaseAwaitingInvitations(manager, actorId, organization.id, origin);
    });
  }

  /**
   * Staff revoke an unverified SME's claim: everyone who belonged to it stops
   * (the owners are told why), its pending evidence is closed, and the SME
   * stays, unverified and without owner, for a review request to take over.
   */
  async revoke(
    actorId: string,
    organizationId: string,
    reason: string,
    origin: RequestOrigin,
  ): Promise<OwnershipResult> {
    if (!UUID.test(organizationId)) return { ok: false, problem: 'not-found' };
    return this.dataSource.transaction(async (manager) => {
      const organization = await lockOrganization(manager, organizationId);
      if (!organization) return { ok: false, problem: 'not-found' } as const;
      if (organization.verified) return { ok: false, problem: 'already-verified' } as const;
      const owners = await ownersOf(manager, organizationId);
      const removed = await this.endMemberships(manager, organizationId);
      await closePending(manager, organizationId, 'revoked', actorId, reason, 'owner');
      await this.audit.record(manager, {
        actor: staff(actorId),
        action: 'organization.claim_revoked',
        entity: { type: 'organization', id: organizationId },
        before: { members: removed },
        after: { members: [], reason },
        ...origin,
      });
      await this.notify(manager, owners, 'organization-access-removed', organization, { reason });
      return { ok: true } as const;
    });
  }

  // -------------------------------------------------------------------------

  /** Locks the claim and its SME, checks it is pending (and of `kind`), then runs `change`. */
  private async decide(
    claimId: string,
    kind: ClaimKind | undefined,
    change: (
      manager: EntityManager,
      claim: LockedClaim,
      organization: LockedOrganization,
    ) => Promise<void | { ok: false; problem: OwnershipProblem }>,
  ): Promise<OwnershipResult> {
    if (!UUID.test(claimId)) return { ok: false, problem: 'not-found' };
    return this.dataSource.transaction(async (manager) => {
      const [found] = await manager.query(
        `SELECT organization_claim.organization_id FROM organization_claim WHERE organization_claim.id = $1`,
        [claimId],
      );
      if (!found) return { ok: false, problem: 'not-found' } as const;
      // The SME first, then the claim: the order every change to an SME's ownership takes.
      const organization = await lockOrganization(manager, found.organization_id as string);
      const [row] = await manager.query(
        `SELECT organization_claim.id, organization_claim.organization_id, organization_claim.account_id,
                organization_claim.kind, organization_claim.status
           FROM organization_claim WHERE organization_claim.id = $1 FOR UPDATE`,
        [claimId],
      );
      if (!organization || !row) return { ok: false, problem: 'not-found' } as const;
      const claim: LockedClaim = {
        id: row.id,
        organizationId: row.organization_id,
        accountId: row.account_id,
        kind: row.kind,
        status: row.status,
      };
      if (claim.status !== 'pending' || (kind && claim.kind !== kind))
        return { ok: false, problem: 'not-pending' } as const;
      const refused = await change(manager, claim, organization);
      return refused ?? ({ ok: true } as const);
    });
  }

  /**
   * Whether the person may send evidence for the SME (and see its
   * verification page): not a member → not-found, a member → forbidden (ADR 0006).
   */
  async ownerAccess(
    accountId: string,
    organizationId: string,
  ): Promise<{ ok: true } | { ok: false; problem: 'not-found' | 'forbidden' }> {
    if (!UUID.test(organizationId)) return { ok: false, problem: 'not-found' };
    const role = await roleIn(this.dataSource.manager, organizationId, accountId);
    if (!role) return { ok: false, problem: 'not-found' };
    if (role !== 'owner') return { ok: false, problem: 'forbidden' };
    return { ok: true };
  }

  /**
   * Scans the oldest evidence still waiting for a scan that this run (begun
   * at `since`) has not tried, its row locked (SKIP LOCKED). Clean: marked so,
   * staff may open it. Infected: its bytes erased, `attachment.infected`
   * audited; the claim stays for staff to reject. Unreachable: left as it was.
   */
  async rescanNext(since: Date): Promise<RescanOutcome> {
    if (!this.scanner.enabled) return 'none';
    return this.dataSource.transaction(async (manager) => {
      const [row] = await manager.query<
        { id: string; organizationId: string; filename: string; sha256: string; content: Buffer }[]
      >(
        `SELECT c.id, c.organization_id AS "organizationId", c.filename, c.sha256, c.content
           FROM organization_claim c
          WHERE ${waitingForScan('c')} FOR UPDATE SKIP LOCKED`,
        [since],
      );
      if (!row) return 'none';
      const scan = await this.scanner.scan(row.content);
      const outcome = await storeRescanVerdict(manager, 'organization_claim', row.id, scan);
      if (scan.verdict === 'infected')
        await this.audit.record(manager, {
          actor: { type: 'system' },
          action: 'attachment.infected',
          entity: { type: 'organization', id: row.organizationId },
          after: {
            kind: 'ownership-evidence',
            claimId: row.id,
            filename: row.filename,
            sha256: row.sha256,
            signature: scan.signature,
          },
        });
      return outcome;
    });
  }

  /** Refuses a person's evidence beyond rule ownership-evidence:account (counted across instances). */
  private async limit(
    accountId: string,
  ): Promise<{ ok: false; problem: 'too-many'; retryAfterSeconds: number } | undefined> {
    const hit = await this.limiter.take('ownership-evidence:account', accountId);
    return hit.allowed
      ? undefined
      : { ok: false, problem: 'too-many', retryAfterSeconds: hit.retryAfterSeconds };
  }

  /**
   * Checks a file with the attachments' own rules: PDF, JPEG or PNG by its
   * bytes, the size limit, the scanner (before the type: an infected file is
   * refused as infected, with its `attachment.infected` audit event).
   */
  private async checkEvidence(
    upload: EvidenceUpload | undefined,
    accountId: string,
    organizationId: string,
    origin: RequestOrigin,
  ): Promise<{ ok: true; file: CheckedEvidence } | { ok: false; problem: OwnershipProblem }> {
    const content = upload?.buffer;
    if (!upload || !content || content.length === 0)
      return { ok: false, problem: 'evidence-missing' };
    if (content.length > MAX_ATTACHMENT_BYTES) return { ok: false, problem: 'evidence-too-large' };
    const sha256 = createHash('sha256').update(content).digest('hex');
    const scan = await this.scanner.scan(content);
    if (scan.verdict === 'infected') {
      this.logger.event('warn', 'ownership.evidence_refused', {
        signature: scan.signature,
        sha256,
      });
      await this.audit.record(this.dataSource.manager, {
        actor: { type: 'person', id: accountId },
        action: 'attachment.infected',
        entity: { type: 'organization', id: organizationId },
        after: {
          kind: 'ownership-evidence',
          size: content.length,
          sha256,
          signature: scan.signature,
        },
        ...origin,
      });
      return { ok: false, problem: 'evidence-refused' };
    }
    if (scan.verdict === 'pending')
      this.logger.event('warn', 'attachment.scan_pending', { organizationId, reason: scan.reason });
    const contentType = sniffContentType(content);
    if (!contentType) return { ok: false, problem: 'evidence-wrong-type' };
    const filename = sanitizeFilename(upload.originalname, contentType);
    return {
      ok: true,
      file: { filename, contentType, content, sha256, scanStatus: statusOf(scan) },
    };
  }

  private async insertClaim(
    manager: EntityManager,
    organizationId: string,
    accountId: string,
    kind: ClaimKind,
    note: string,
    file: CheckedEvidence,
  ): Promise<string> {
    // The person's pending request gives way, with its file; the audit log keeps its hash.
    await manager.query(
      `DELETE FROM organization_claim
        WHERE organization_claim.organization_id = $1 AND organization_claim.account_id = $2
          AND organization_claim.status = 'pending'`,
      [organizationId, accountId],
    );
    const [row] = await manager.query(
      `INSERT INTO organization_claim
         (organization_id, account_id, kind, note, filename, content_type, size_bytes, sha256, content,
          scan_status, scanned_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, CASE WHEN $10 = 'unscanned' THEN NULL ELSE now() END)
       RETURNING id`,
      [
        organizationId,
        accountId,
        kind,
        note,
        file.filename,
        file.contentType,
        file.content.length,
        file.sha256,
        file.content,
        file.scanStatus,
      ],
    );
    return row.id as string;
  }

  /** Ends every membership of the SME (and its pending invitations); returns who belonged, for the audit. */
  private async endMemberships(
    manager: EntityManager,
    organizationId: string,
  ): Promise<{ accountId: string; role: string }[]> {
    const removed: { account_id: string; role: string }[] = await manager.query(
      `SELECT organization_membership.account_id, organization_membership.role FROM organization_membership
        WHERE organization_membership.organization_id = $1
        ORDER BY organization_membership.created_at, organization_membership.account_id`,
      [organizationId],
    );
    await manager.query(
      `DELETE FROM organization_membership WHERE organization_membership.organization_id = $1`,
      [organizationId],
    );
    await manager.query(
      `UPDATE organization_invitation SET expires_at = now()
        WHERE organization_invitation.organization_id = $1
          AND organization_invitation.accepted_at IS NULL AND organization_invitation.expires_at > now()`,
      [organizationId],
    );
    return removed.map((r) => ({ accountId: r.account_id, role: r.role }));
  }

  private async notify(
    manager: EntityManager,
    people: Person[],
    kind: EmailKind,
    organization: LockedOrganization,
    values: { reason?: string } = {},
  ): Promise<void> {
    for (const person of people)
      await this.outbox.enqueue(manager, {
        kind,
        to: person.email,
        locale: person.locale ?? 'fr',
        values: {
          organization: organization.legalName,
          neq: organization.neq,
          reason: values.reason ?? '',
          link: `${this.config.PUBLIC_URL}/organizations`,
        },
      });
  }
}

interface LockedOrganization {
  id: string;
  legalName: string;
  neq: string;
  verified: boolean;
}

async function lockOrganization(
  manager: EntityManager,
  organizationId: string,
): Promise<LockedOrganization | undefined> {
  const [row] = await manager.query(
    `SELECT organization.id, organization.legal_name, organization.neq,
            organization.verified_at IS NOT NULL AS verified
       FROM organization WHERE organization.id = $1 FOR UPDATE`,
    [organizationId],
  );
  return row
    ? { id: row.id, legalName: row.legal_name, neq: row.neq, verified: row.verified }
    : undefined;
}

async function roleIn(
  manager: EntityManager,
  organizationId: string,
  accountId: string,
): Promise<string | undefined> {
  const [row] = await manager.query(
    `SELECT organization_membership.role FROM organization_membership
      WHERE organization_membership.organization_id = $1 AND organization_membership.account_id = $2`,
    [organizationId, accountId],
  );
  return row?.role as string | undefined;
}

/** The SME's owners whose accounts are open, with their language. */
async function ownersOf(manager: EntityManager, organizationId: string): Promise<Person[]> {
  const rows: { id: string; email: string; preferred_locale: string | null }[] =
    await manager.query(
      `SELECT account.id, account.email, account.preferred_locale
       FROM organization_membership JOIN account ON account.id = organization_membership.account_id
      WHERE organization_membership.organization_id = $1 AND organization_membership.role = 'owner'
        AND account.closed_at IS NULL
      ORDER BY account.id`,
      [organizationId],
    );
  return rows.map((r) => ({
    id: r.id,
    email: r.email,
    locale: isLocale(r.preferred_locale) ? r.preferred_locale : undefined,
  }));
}

async function personOf(manager: EntityManager, accountId: string): Promise<Person | undefined> {
  const [row] = await manager.query(
    `SELECT account.id, account.email, account.preferred_locale FROM account
      WHERE account.id = $1 AND account.closed_at IS NULL`,
    [accountId],
  );
  return row
    ? {
        id: row.id,
        email: row.email,
        locale: isLocale(row.preferred_locale) ? row.preferred_locale : undefined,
      }
    : undefined;
}

async function closeClaim(
  manager: EntityManager,
  claimId: string,
  status: ClaimStatus,
  actorId: string,
  reason: string | null,
): Promise<void> {
  await manager.query(
    `UPDATE organization_claim SET status = $2, decided_by = $3, decided_at = now(), decision_reason = $4
      WHERE organization_claim.id = $1`,
    [claimId, status, actorId, reason],
  );
}

/** Closes the SME's pending claims (of `kind`, if given) that a decision made moot. */
async function closePending(
  manager: EntityManager,
  organizationId: string,
  status: ClaimStatus,
  actorId: string,
  reason: string | null,
  kind?: ClaimKind,
): Promise<void> {
  await manager.query(
    `UPDATE organization_claim SET status = $2, decided_by = $3, decided_at = now(), decision_reason = $4
      WHERE organization_claim.organization_id = $1 AND organization_claim.status = 'pending'
        AND ($5::text IS NULL OR organization_claim.kind = $5)`,
    [organizationId, status, actorId, reason, kind ?? null],
  );
}

const describe = (file: CheckedEvidence) => ({
  filename: file.filename,
  contentType: file.contentType,
  size: file.content.length,
  sha256: file.sha256,
  scanStatus: file.scanStatus,
});
