import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../platform/config/app-config.js';
import { returningRows } from '../../platform/database/database.js';
import { I18nService, isLocale } from '../../platform/i18n/i18n.service.js';
import { JsonLogger } from '../../platform/logging/json-logger.js';
import { MailService } from '../../platform/mail/mail.service.js';
import { renderedValues } from './outbox.service.js';

interface Row {
  id: string;
  kind: string;
  recipient: string;
  locale: string;
  payload: Record<string, string>;
  secret_values: Record<string, string> | null;
  attempts: number;
}

const BATCH = 20;
const POLL_MS = 500;
/** Sent messages deleted per statement, and statements per purge run. */
const PURGE_BATCH = 1000;
const PURGE_MAX_BATCHES = 50;
const PURGE_EVERY_MS = 60 * 60 * 1000;

/**
 * Delivers the outbox: every half second, claims due messages with
 * FOR UPDATE SKIP LOCKED (so several portal instances never send one twice),
 * sends them, and retries failures with exponential backoff (up to an hour).
 * A sent message loses its secret values (its links) in the same statement
 * that marks it sent; every hour, sent messages older than
 * OUTBOX_RETENTION_DAYS are deleted.
 */
@Injectable()
export class OutboxWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private purgeTimer: NodeJS.Timeout | undefined;
  private purging: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly mail: MailService,
    private readonly i18n: I18nService,
    private readonly logger: JsonLogger,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap() {
    this.schedule();
    this.schedulePurge(0);
  }

  async beforeApplicationShutdown() {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.purgeTimer);
    await Promise.all([this.running, this.purging]);
  }

  /** Delivers what is due now; returns how many were sent. */
  async deliverDue(): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const rows: Row[] = await manager.query(
        `SELECT id, kind, recipient, locale, payload, secret_values, attempts FROM outbox_message
         WHERE sent_at IS NULL AND next_attempt_at <= now()
         ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [BATCH],
      );
      let sent = 0;
      for (const row of rows) {
        const locale = isLocale(row.locale) ? row.locale : 'fr';
        const values = renderedValues(row.payload, row.secret_values);
        try {
          await this.mail.send({
            to: row.recipient,
            subject: this.i18n.t(locale, `emails.${row.kind}.subject`, values),
            text: this.i18n.t(locale, `emails.${row.kind}.body`, values),
          });
          await manager.query(
            `UPDATE outbox_message SET sent_at = now(), attempts = attempts + 1, secret_values = NULL
              WHERE id = $1`,
            [row.id],
          );
          sent++;
        } catch (error) {
          const delay = Math.min(2 ** row.attempts * 5, 3600);
          await manager.query(
            `UPDATE outbox_message SET attempts = attempts + 1, last_error = $2,
               next_attempt_at = now() + make_interval(secs => $3) WHERE id = $1`,
            [row.id, (error as Error).message.slice(0, 500), delay],
          );
          this.logger.event('warn', 'outbox.send_failed', {
            id: row.id,
            kind: row.kind,
            retryInSeconds: delay,
          });
        }
      }
      return sent;
    });
  }

  /**
   * Deletes sent messages older than OUTBOX_RETENTION_DAYS, a bounded batch per
   * statement and a bounded number of batches per run (the next run, an hour
   * later, goes on). Messages never sent are kept. Returns how many went.
   */
  async purgeDelivered(): Promise<number> {
    let purged = 0;
    for (let batch = 0; batch < PURGE_MAX_BATCHES; batch++) {
      const rows = await returningRows<{ id: string }>(
        this.dataSource,
        `DELETE FROM outbox_message WHERE outbox_message.id IN (
           SELECT sent.id FROM outbox_message AS sent
            WHERE sent.sent_at < now() - make_interval(days => $1)
            ORDER BY sent.sent_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING outbox_message.id`,
        [this.config.OUTBOX_RETENTION_DAYS, PURGE_BATCH],
      );
      purged += rows.length;
      if (rows.length < PURGE_BATCH) break;
    }
    if (purged > 0) this.logger.event('info', 'outbox.purged', { purged });
    return purged;
  }

  private schedulePurge(delayMs: number) {
    if (this.stopped) return;
    this.purgeTimer = setTimeout(() => {
      this.purging = this.purgeDelivered()
        .then(() => undefined)
        .catch((error: Error) =>
          this.logger.event('warn', 'outbox.purge_failed', { error: error.message }),
        )
        .finally(() => this.schedulePurge(PURGE_EVERY_MS));
    }, delayMs);
  }

  private schedule() {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.deliverDue()
        .then(() => undefined)
        .catch((error: Error) =>
          this.logger.event('warn', 'outbox.poll_failed', { error: error.message }),
        )
        .finally(() => this.schedule());
    }, POLL_MS);
  }
}
