import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { I18nService, isLocale } from '../../platform/i18n/i18n.service.js';

/** An email the portal sent (or tried to send) a person (ADR 0048). */
export interface EmailExport {
  kind: string;
  subject: string;
  language: string;
  to: string;
  createdAt: Date;
  sentAt: Date | null;
  failedAt: Date | null;
  status: 'sent' | 'failed' | 'pending';
}

/**
 * The emails kept for an address (the outbox keeps them OUTBOX_RETENTION_DAYS):
 * kind, subject as it was sent, date and status. Never the body's links,
 * which are erased once sent anyway. When an account changes its address,
 * the emails kept for the former one are forgotten (AccountService), and the
 * notice of the change sent to it is left out here: it is about whoever held
 * the address before, never about whoever holds it now (ADR 0048).
 */
@Injectable()
export class OutboxExportReadModel {
  constructor(private readonly i18n: I18nService) {}

  async exportFor(manager: EntityManager, email: string): Promise<EmailExport[]> {
    const rows = await manager.query(
      `SELECT outbox_message.kind, outbox_message.locale, outbox_message.recipient,
              outbox_message.payload, outbox_message.created_at, outbox_message.sent_at,
              outbox_message.failed_at
         FROM outbox_message
        WHERE lower(outbox_message.recipient) = lower($1) AND outbox_message.kind <> 'email-changed'
        ORDER BY outbox_message.created_at, outbox_message.id`,
      [email],
    );
    return rows.map(
      (r: {
        kind: string;
        locale: string;
        recipient: string;
        payload: Record<string, unknown> | null;
        created_at: Date;
        sent_at: Date | null;
        failed_at: Date | null;
      }): EmailExport => ({
        kind: r.kind,
        subject: this.i18n.t(isLocale(r.locale) ? r.locale : 'fr', `emails.${r.kind}.subject`, {
          ...(r.payload ?? {}),
        }),
        language: r.locale,
        to: r.recipient,
        createdAt: r.created_at,
        sentAt: r.sent_at,
        failedAt: r.failed_at,
        status: r.sent_at ? 'sent' : r.failed_at ? 'failed' : 'pending',
      }),
    );
  }
}
