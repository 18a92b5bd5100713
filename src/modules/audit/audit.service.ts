import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

export type ActorType = 'person' | 'staff' | 'system' | 'api-key';

export interface AuditEventInput {
  actor: { type: ActorType; id?: string };
  actingAs?: { audience: string; organizationId?: string };
  action: string;
  entity: { type: string; id?: string };
  before?: unknown;
  after?: unknown;
  ip?: string;
  requestId?: string;
}

/**
 * Writes audit events. Always called with the EntityManager of the transaction
 * that makes the change, so the event and the change commit or roll back together.
 */
@Injectable()
export class AuditService {
  async record(manager: EntityManager, event: AuditEventInput): Promise<void> {
    await manager.query(
      `INSERT INTO audit_event (actor_type, actor_id, acting_as, action, entity_type, entity_id, before, after, ip, request_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        event.actor.type,
        event.actor.id ?? null,
        event.actingAs ? JSON.stringify(event.actingAs) : null,
        event.action,
        event.entity.type,
        event.entity.id ?? null,
        event.before === undefined ? null : JSON.stringify(event.before),
        event.after === undefined ? null : JSON.stringify(event.after),
        event.ip ?? null,
        event.requestId ?? null,
      ],
    );
  }
}
