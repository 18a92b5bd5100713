import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditService } from './audit.service.js';
import type { RequestOrigin } from './request-origin.js';

/** What a staff member exported: its kind, the filters applied, how many rows went out. */
export interface StaffExport {
  /** `feedback`, `audit`, `cohort-members`… */
  export: string;
  entity: { type: string; id?: string };
  filters: Record<string, unknown>;
  rows: number;
  /** Columns left out for this person's role (analysts get no contact details). */
  omittedColumns?: readonly string[];
}

/**
 * Every staff export leaves a trace (docs/adr/0018): `staff.exported`, with who,
 * what (its filters) and how many rows. An export changes nothing, so the
 * event is its own transaction, written once the file has been produced.
 */
@Injectable()
export class ExportAuditService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async exported(staffId: string, what: StaffExport, origin: RequestOrigin): Promise<void> {
    await this.audit.record(this.dataSource.manager, {
      actor: { type: 'staff', id: staffId },
      action: 'staff.exported',
      entity: what.entity,
      after: {
        export: what.export,
        filters: what.filters,
        rows: what.rows,
        ...(what.omittedColumns?.length ? { omittedColumns: what.omittedColumns } : {}),
      },
      ...origin,
    });
  }
}
