import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** A person's answer to the survey after an application (ADR 0048). */
export interface SatisfactionExport {
  applicationId: string;
  service: string;
  variant: string;
  overall: number | null;
  ease: number | null;
  clarity: number | null;
  timeCompared: string | null;
  help: string | null;
  comment: string;
  createdAt: Date;
}

/** The satisfaction surveys a person answered. */
@Injectable()
export class SatisfactionExportReadModel {
  async exportFor(manager: EntityManager, accountId: string): Promise<SatisfactionExport[]> {
    const rows = await manager.query(
      `SELECT satisfaction_response.application_id, satisfaction_response.service_slug,
              satisfaction_response.variant, satisfaction_response.overall,
              satisfaction_response.ease, satisfaction_response.clarity,
              satisfaction_response.time_compared, satisfaction_response.help,
              satisfaction_response.comment, satisfaction_response.created_at
         FROM satisfaction_response WHERE satisfaction_response.account_id = $1
        ORDER BY satisfaction_response.created_at, satisfaction_response.id`,
      [accountId],
    );
    return rows.map((r: Record<string, never>): SatisfactionExport => ({
      applicationId: r.application_id,
      service: r.service_slug,
      variant: r.variant,
      overall: r.overall,
      ease: r.ease,
      clarity: r.clarity,
      timeCompared: r.time_compared,
      help: r.help,
      comment: r.comment,
      createdAt: r.created_at,
    }));
  }
}
