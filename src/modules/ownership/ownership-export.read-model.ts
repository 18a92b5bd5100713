import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** Evidence a person sent of owning an SME, and what staff decided (ADR 0048). */
export interface OwnershipClaimExport {
  organizationId: string;
  kind: string;
  status: string;
  note: string;
  filename: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  decidedAt: Date | null;
  decisionReason: string | null;
  createdAt: Date;
}

/**
 * The requests a person sent to have who owns an SME verified or reviewed
 * (ADR 0014): the file's name, type, size and SHA-256, never its bytes.
 */
@Injectable()
export class OwnershipExportReadModel {
  async exportFor(manager: EntityManager, accountId: string): Promise<OwnershipClaimExport[]> {
    const rows = await manager.query(
      `SELECT organization_claim.organization_id, organization_claim.kind, organization_claim.status,
              organization_claim.note, organization_claim.filename, organization_claim.content_type,
              organization_claim.size_bytes, organization_claim.sha256, organization_claim.decided_at,
              organization_claim.decision_reason, organization_claim.created_at
         FROM organization_claim WHERE organization_claim.account_id = $1
        ORDER BY organization_claim.created_at, organization_claim.id`,
      [accountId],
    );
    return rows.map((r: Record<string, never>): OwnershipClaimExport => ({
      organizationId: r.organization_id,
      kind: r.kind,
      status: r.status,
      note: r.note,
      filename: r.filename,
      contentType: r.content_type,
      sizeBytes: r.size_bytes,
      sha256: r.sha256,
      decidedAt: r.decided_at,
      decisionReason: r.decision_reason,
      createdAt: r.created_at,
    }));
  }
}
