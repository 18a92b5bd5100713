import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { keysetCursor, parseKeysetCursor } from '../../platform/paging/keyset-cursor.js';

/** The audit page's filters, as typed (each optional). Dates are days, YYYY-MM-DD, in UTC. */
export interface AuditFilters {
  action?: string;
  actorId?: string;
  entityType?: string;
  entityId?: string;
  from?: string;
  to?: string;
}

export interface AuditRow {
  id: string;
  occurredAt: string;
  actorType: string;
  actorId: string | null;
  actorName: string | null;
  actingAs: unknown;
  action: string;
  entityType: string;
  entityId: string | null;
  before: unknown;
  after: unknown;
  ip: string | null;
  requestId: string | null;
}

export interface AuditPage {
  rows: AuditRow[];
  /** The cursor of the next (older) page, when there is one. */
  next?: string;
}

export const AUDIT_PAGE_SIZE = 50;
/** The most rows one CSV export holds. */
export const AUDIT_EXPORT_LIMIT = 100_000;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function isDay(value: string): boolean {
  if (!DAY.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

/** `<occurred_at in UTC, microseconds>~<id>`: the last row of the page before (see keyset-cursor). */
export function isCursor(value: string): boolean {
  return parseKeysetCursor(value, 'bigint') !== undefined;
}

/**
 * Reads the audit trail for staff, newest first, with keyset paging on
 * (occurred_at, id): each filter narrows on an indexed column
 * (audit_event_action_idx, _entity_idx, _actor_idx, _occurred_at_idx).
 */
@Injectable()
export class StaffAuditReadModel {
  constructor(private readonly dataSource: DataSource) {}

  async page(filters: AuditFilters, cursor?: string): Promise<AuditPage> {
    const rows = await this.query(filters, AUDIT_PAGE_SIZE + 1, cursor);
    const more = rows.length > AUDIT_PAGE_SIZE;
    const shown = rows.slice(0, AUDIT_PAGE_SIZE);
    const last = shown[shown.length - 1];
    return {
      rows: shown,
      next: more && last ? keysetCursor({ at: last.occurredAt, id: last.id }) : undefined,
    };
  }

  all(filters: AuditFilters): Promise<AuditRow[]> {
    return this.query(filters, AUDIT_EXPORT_LIMIT);
  }

  private async query(filters: AuditFilters, limit: number, cursor?: string): Promise<AuditRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (filters.action) add((p) => `e.action = ${p}`, filters.action);
    if (filters.actorId) add((p) => `e.actor_id = ${p}`, filters.actorId);
    if (filters.entityType) add((p) => `e.entity_type = ${p}`, filters.entityType);
    if (filters.entityId) add((p) => `e.entity_id = ${p}`, filters.entityId);
    if (filters.from && isDay(filters.from))
      add((p) => `e.occurred_at >= (${p}::date)::timestamp AT TIME ZONE 'UTC'`, filters.from);
    if (filters.to && isDay(filters.to))
      add((p) => `e.occurred_at < ((${p}::date + 1)::timestamp AT TIME ZONE 'UTC')`, filters.to);
    const position = cursor ? parseKeysetCursor(cursor, 'bigint') : undefined;
    if (position) {
      params.push(position.at, position.id);
      where.push(
        `(e.occurred_at, e.id) < ($${params.length - 1}::timestamptz, $${params.length}::bigint)`,
      );
    }
    params.push(limit);
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT e.id::text AS id,
              to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS occurred_at,
              e.actor_type, e.actor_id, a.display_name AS actor_name, e.acting_as, e.action,
              e.entity_type, e.entity_id, e.before, e.after, host(e.ip) AS ip, e.request_id
       FROM audit_event e
       LEFT JOIN account a
         ON a.id = CASE
           WHEN e.actor_type IN ('person', 'staff')
            AND e.actor_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
           THEN e.actor_id::uuid END
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY e.occurred_at DESC, e.id DESC
       LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ({
      id: r.id as string,
      occurredAt: r.occurred_at as string,
      actorType: r.actor_type as string,
      actorId: (r.actor_id as string | null) ?? null,
      actorName: (r.actor_name as string | null) ?? null,
      actingAs: r.acting_as ?? null,
      action: r.action as string,
      entityType: r.entity_type as string,
      entityId: (r.entity_id as string | null) ?? null,
      before: r.before ?? null,
      after: r.after ?? null,
      ip: (r.ip as string | null) ?? null,
      requestId: (r.request_id as string | null) ?? null,
    }));
  }
}
