import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { returningRows } from '../../platform/database/database.js';

/** What replaces a personal value in a scrubbed audit snapshot (migration 1765400000300). */
export const ERASED_MARKER = '[erased]';

/**
 * The audit module's part of the retention schedule (docs/adr/0047). The
 * audit trail is append-only (a trigger refuses updates and deletes); its one
 * exception, declared by migration 1765400000300, is this scrub: past the
 * period, an event keeps its action, actor id, entity, time and the
 * non-personal facts of its snapshots, while the values of personal keys
 * (`audit_scrub_personal`, PERSONAL_AUDIT_KEYS: emails, names, phones,
 * addresses, recipients, directory subjects, file names) become "[erased]", so
 * does the id of an entity that names a person (`audit_scrub_entity_id`: a
 * directory identity), and the client address goes. The trigger accepts the
 * UPDATE only when it is exactly that, once per event, of an event older than
 * the smallest period the configuration allows (365 days), with
 * `scrubbed_at = now()`.
 */
@Injectable()
export class AuditRetention {
  /** Scrubs at most `limit` events older than `days` days, oldest first; returns how many. */
  async scrubPersonalData(manager: EntityManager, days: number, limit: number): Promise<number> {
    const rows = await returningRows<{ id: string }>(
      manager,
      `UPDATE audit_event
          SET before = audit_scrub_personal(audit_event.before),
              after = audit_scrub_personal(audit_event.after),
              entity_id = audit_scrub_entity_id(audit_event.entity_type, audit_event.entity_id),
              ip = NULL, scrubbed_at = now()
        WHERE audit_event.id IN (
          SELECT old.id FROM audit_event AS old
           WHERE old.scrubbed_at IS NULL AND old.occurred_at < now() - make_interval(days => $1)
           ORDER BY old.occurred_at LIMIT $2 FOR UPDATE SKIP LOCKED)
        RETURNING audit_event.id`,
      [days, limit],
    );
    return rows.length;
  }
}
