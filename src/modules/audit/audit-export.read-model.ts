import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** An audit event about a person (ADR 0048). */
export interface AuditEventExport {
  at: Date;
  action: string;
  actor: { type: string; id: string | null };
  actingAs: unknown;
  entity: { type: string; id: string | null };
  before: unknown;
  after: unknown;
  clientAddress: string | null;
  requestId: string | null;
}

/**
 * The audit events where the person is the actor, or whose subject is their
 * account (what staff or the system did to it): what Law 25's right of access
 * asks for. Events about an SME the person belongs to, done by someone else,
 * are the SME's, not the person's. Index: `audit_event_person_actor_idx`
 * (migration 1765400000210) and the entity index.
 */
@Injectable()
export class AuditExportReadModel {
  async exportFor(manager: EntityManager, accountId: string): Promise<AuditEventExport[]> {
    const rows = await manager.query(
      `SELECT audit_event.occurred_at, audit_event.action, audit_event.actor_type,
              audit_event.actor_id, audit_event.acting_as, audit_event.entity_type,
              audit_event.entity_id, audit_event.before, audit_event.after,
              host(audit_event.ip) AS ip, audit_event.request_id, audit_event.id
         FROM audit_event
        WHERE (audit_event.actor_type = 'person' AND audit_event.actor_id = $1)
           OR (audit_event.entity_type = 'account' AND audit_event.entity_id = $1)
        ORDER BY audit_event.occurred_at, audit_event.id`,
      [accountId],
    );
    return rows.map((r: Record<string, never>): AuditEventExport => ({
      at: r.occurred_at,
      action: r.action,
      actor: { type: r.actor_type, id: r.actor_id },
      actingAs: r.acting_as,
      entity: { type: r.entity_type, id: r.entity_id },
      before: r.before,
      after: r.after,
      clientAddress: r.ip,
      requestId: r.request_id,
    }));
  }
}
