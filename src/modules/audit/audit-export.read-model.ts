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
 * account or their place on staff (`staff_member`, keyed by the account: what
 * staff or the system did to it): what Law 25's right of access asks for.
 * Events about an SME the person belongs to, done by someone else, are the
 * SME's, not the person's. The client address and request id are the
 * actor's: shown only on the person's own events, never those of the staff
 * member or system that acted. Index: `audit_event_person_actor_idx`
 * (migration 1765400000210) and the entity index.
 */
@Injectable()
export class AuditExportReadModel {
  async exportFor(manager: EntityManager, accountId: string): Promise<AuditEventExport[]> {
    const rows = await manager.query(
      `SELECT audit_event.occurred_at, audit_event.action, audit_event.actor_type,
              audit_event.actor_id, audit_event.acting_as, audit_event.entity_type,
              audit_event.entity_id, audit_event.before, audit_event.after,
              CASE WHEN audit_event.actor_type = 'person' AND audit_event.actor_id = $1
                   THEN host(audit_event.ip) END AS ip,
              CASE WHEN audit_event.actor_type = 'person' AND audit_event.actor_id = $1
                   THEN audit_event.request_id END AS request_id,
              audit_event.id
         FROM audit_event
        WHERE (audit_event.actor_type = 'person' AND audit_event.actor_id = $1)
           OR (audit_event.entity_type IN ('account', 'staff_member') AND audit_event.entity_id = $1)
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
