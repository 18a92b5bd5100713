import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AttachmentType } from '../applications/file-type.js';
import { shownToStaff, type ScanStatus } from '../../platform/virus-scan/virus-scanner.js';
import type { ClaimKind, ClaimStatus } from './ownership.service.js';

export interface QueueRow {
  claimId: string;
  kind: ClaimKind;
  createdAt: Date;
  organizationId: string;
  legalName: string;
  neq: string;
  verified: boolean;
  claimantName: string | null;
  claimantEmail: string | null;
}

export interface ClaimRow {
  id: string;
  kind: ClaimKind;
  status: ClaimStatus;
  note: string;
  filename: string;
  sizeBytes: number;
  /** The evidence's virus scan (ADR 0028): staff open it only when clean or unscanned. */
  scanStatus: ScanStatus;
  scanSignature: string | null;
  createdAt: Date;
  claimantName: string | null;
  claimantEmail: string | null;
  decidedAt: Date | null;
  decidedByName: string | null;
  decisionReason: string | null;
}

/** An SME as the verification pages show it to staff. */
export interface OrganizationFile {
  id: string;
  legalName: string;
  neq: string;
  streetAddress: string;
  city: string;
  postalCode: string;
  contactName: string;
  contactEmail: string;
  createdAt: Date;
  verifiedAt: Date | null;
  verifiedByName: string | null;
  members: { name: string; email: string; role: string }[];
  claims: ClaimRow[];
  /** Pilot invitations by NEQ waiting for the verification. */
  awaitingInvitations: number;
}

/** How an owner sees their SME's verification. */
export interface OwnerStatus {
  verified: boolean;
  latest?: { status: ClaimStatus; createdAt: Date; decisionReason: string | null };
}

/** How many pending requests the queue shows at once, oldest first. */
export const QUEUE_LIMIT = 200;

const toClaim = (r: Record<string, unknown>): ClaimRow => ({
  id: r.id as string,
  kind: r.kind as ClaimKind,
  status: r.status as ClaimStatus,
  note: r.note as string,
  filename: r.filename as string,
  sizeBytes: r.size_bytes as number,
  scanStatus: r.scan_status as ScanStatus,
  scanSignature: (r.scan_signature as string | null) ?? null,
  createdAt: r.created_at as Date,
  claimantName: (r.claimant_name as string | null) ?? null,
  claimantEmail: (r.claimant_email as string | null) ?? null,
  decidedAt: (r.decided_at as Date | null) ?? null,
  decidedByName: (r.decided_by_name as string | null) ?? null,
  decisionReason: (r.decision_reason as string | null) ?? null,
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What the verification pages read: the queue, an SME's file, an evidence file, an owner's status. */
@Injectable()
export class OwnershipReadModel {
  constructor(private readonly dataSource: DataSource) {}

  /** Pending requests, oldest first (served from organization_claim_pending_idx). */
  async queue(): Promise<{ rows: QueueRow[]; total: number }> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT organization_claim.id, organization_claim.kind, organization_claim.created_at,
              organization.id AS organization_id, organization.legal_name, organization.neq,
              organization.verified_at IS NOT NULL AS verified,
              claimant.display_name AS claimant_name, claimant.email AS claimant_email
         FROM organization_claim
         JOIN organization ON organization.id = organization_claim.organization_id
         LEFT JOIN account claimant ON claimant.id = organization_claim.account_id
        WHERE organization_claim.status = 'pending'
        ORDER BY organization_claim.created_at, organization_claim.id
        LIMIT $1`,
      [QUEUE_LIMIT],
    );
    const [{ n }] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM organization_claim WHERE organization_claim.status = 'pending'`,
    );
    return {
      total: n as number,
      rows: rows.map((r) => ({
        claimId: r.id as string,
        kind: r.kind as ClaimKind,
        createdAt: r.created_at as Date,
        organizationId: r.organization_id as string,
        legalName: r.legal_name as string,
        neq: r.neq as string,
        verified: r.verified as boolean,
        claimantName: (r.claimant_name as string | null) ?? null,
        claimantEmail: (r.claimant_email as string | null) ?? null,
      })),
    };
  }

  async organization(organizationId: string): Promise<OrganizationFile | undefined> {
    if (!UUID.test(organizationId)) return undefined;
    const [row] = await this.dataSource.query(
      `SELECT organization.id, organization.legal_name, organization.neq, organization.street_address,
              organization.city, organization.postal_code, organization.contact_name,
              organization.contact_email, organization.created_at, organization.verified_at,
              verifier.display_name AS verified_by_name,
              (SELECT count(*)::int FROM cohort_member
                WHERE cohort_member.organization_id = organization.id AND cohort_member.status = 'invited'
                  AND cohort_member.awaiting_verification_since IS NOT NULL) AS awaiting
         FROM organization LEFT JOIN account verifier ON verifier.id = organization.verified_by
        WHERE organization.id = $1`,
      [organizationId],
    );
    if (!row) return undefined;
    const members: { display_name: string; email: string; role: string }[] =
      await this.dataSource.query(
        `SELECT account.display_name, account.email, organization_membership.role
           FROM organization_membership JOIN account ON account.id = organization_membership.account_id
          WHERE organization_membership.organization_id = $1
          ORDER BY organization_membership.role = 'owner' DESC, lower(account.display_name), account.id`,
        [organizationId],
      );
    const claims: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT organization_claim.id, organization_claim.kind, organization_claim.status,
              organization_claim.note, organization_claim.filename, organization_claim.size_bytes,
              organization_claim.scan_status, organization_claim.scan_signature,
              organization_claim.created_at, organization_claim.decided_at,
              organization_claim.decision_reason,
              claimant.display_name AS claimant_name, claimant.email AS claimant_email,
              decider.display_name AS decided_by_name
         FROM organization_claim
         LEFT JOIN account claimant ON claimant.id = organization_claim.account_id
         LEFT JOIN account decider ON decider.id = organization_claim.decided_by
        WHERE organization_claim.organization_id = $1
        ORDER BY organization_claim.status = 'pending' DESC, organization_claim.created_at DESC,
                 organization_claim.id`,
      [organizationId],
    );
    return {
      id: row.id,
      legalName: row.legal_name,
      neq: row.neq,
      streetAddress: row.street_address,
      city: row.city,
      postalCode: row.postal_code,
      contactName: row.contact_name,
      contactEmail: row.contact_email,
      createdAt: row.created_at,
      verifiedAt: row.verified_at,
      verifiedByName: row.verified_by_name,
      members: members.map((m) => ({ name: m.display_name, email: m.email, role: m.role })),
      claims: claims.map(toClaim),
      awaitingInvitations: row.awaiting,
    };
  }

  /** The SME a claim is about. */
  async organizationIdOfClaim(claimId: string): Promise<string | undefined> {
    if (!UUID.test(claimId)) return undefined;
    const [row] = await this.dataSource.query(
      `SELECT organization_claim.organization_id FROM organization_claim WHERE organization_claim.id = $1`,
      [claimId],
    );
    return row?.organization_id as string | undefined;
  }

  /** An evidence file, for staff: only once scanned clean, or unscanned (scanning off). */
  async evidence(
    claimId: string,
  ): Promise<{ filename: string; contentType: AttachmentType; content: Buffer } | undefined> {
    if (!UUID.test(claimId)) return undefined;
    const [row] = await this.dataSource.query(
      `SELECT organization_claim.filename, organization_claim.content_type, organization_claim.content,
              organization_claim.scan_status
         FROM organization_claim WHERE organization_claim.id = $1`,
      [claimId],
    );
    return row && shownToStaff(row.scan_status as ScanStatus)
      ? { filename: row.filename, contentType: row.content_type, content: row.content }
      : undefined;
  }

  /** The SME's verification and the owner's latest evidence (the caller checked they are an owner). */
  async ownerStatus(accountId: string, organizationId: string): Promise<OwnerStatus> {
    const [row] = await this.dataSource.query(
      `SELECT organization.verified_at IS NOT NULL AS verified,
              latest.status, latest.created_at, latest.decision_reason
         FROM organization
         LEFT JOIN LATERAL (
           SELECT organization_claim.status, organization_claim.created_at, organization_claim.decision_reason
             FROM organization_claim
            WHERE organization_claim.organization_id = organization.id
              AND organization_claim.account_id = $1 AND organization_claim.kind = 'owner'
            ORDER BY organization_claim.created_at DESC LIMIT 1
         ) latest ON true
        WHERE organization.id = $2`,
      [accountId, organizationId],
    );
    return {
      verified: Boolean(row?.verified),
      latest: row?.status
        ? { status: row.status, createdAt: row.created_at, decisionReason: row.decision_reason }
        : undefined,
    };
  }
}
