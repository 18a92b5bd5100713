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

/** The columns of one event's row in `audit_event`'s insert. */
const COLUMNS_PER_EVENT = 10;

/**
 * Writes audit events. Always called with the EntityManager of the transaction
 * that makes the change, so the event and the change commit or roll back together.
 */
@Injectable()
export class AuditService {
  async record(manager: EntityManager, event: AuditEventInput): Promise<void> {
    await this.recordMany(manager, [event]);
  }

  /**
   * Writes several events of one change in one statement, a row each, in
   * their order (a filing created and submitted at once: started, then submitted).
   */
  async recordMany(manager: EntityManager, events: AuditEventInput[]): Promise<void> {
    if (events.length === 0) return;
    const rows = events.map((_, i) => {
      const first = i * COLUMNS_PER_EVENT;
      return `(${Array.from({ length: COLUMNS_PER_EVENT }, (_, j) => `$${first + j + 1}`).join(', ')})`;
    });
    await manager.query(
      `INSERT INTO audit_event (actor_type, actor_id, acting_as, action, entity_type, entity_id, before, after, ip, request_id)
       VALUES ${rows.join(', ')}`,
      events.flatMap((event) => [
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
      ]),
    );
  }
}
