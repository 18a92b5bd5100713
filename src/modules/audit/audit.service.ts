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

/** An event's row in `audit_event`, column by column. */
function auditRow(event: AuditEventInput): Record<string, unknown> {
  return {
    actor_type: event.actor.type,
    actor_id: event.actor.id ?? null,
    acting_as: event.actingAs ? JSON.stringify(event.actingAs) : null,
    action: event.action,
    entity_type: event.entity.type,
    entity_id: event.entity.id ?? null,
    before: event.before === undefined ? null : JSON.stringify(event.before),
    after: event.after === undefined ? null : JSON.stringify(event.after),
    ip: event.ip ?? null,
    request_id: event.requestId ?? null,
  };
}

const COLUMNS = Object.keys(
  auditRow({ actor: { type: 'system' }, action: '', entity: { type: '' } }),
);

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
    const values = events.map((event) => Object.values(auditRow(event)));
    const rows = values.map(
      (row, i) => `(${row.map((_, j) => `$${i * COLUMNS.length + j + 1}`).join(', ')})`,
    );
    await manager.query(
      `INSERT INTO audit_event (${COLUMNS.join(', ')}) VALUES ${rows.join(', ')}`,
      values.flat(),
    );
  }
}
