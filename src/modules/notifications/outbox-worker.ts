import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { I18nService, isLocale } from '../../platform/i18n/i18n.service.js';
import { JsonLogger } from '../../platform/logging/json-logger.js';
import { MailService } from '../../platform/mail/mail.service.js';

interface Row {
  id: string;
  kind: string;
  recipient: string;
  locale: string;
  payload: Record<string, string>;
  attempts: number;
}

const BATCH = 20;
const POLL_MS = 500;

/**
 * Delivers the outbox: every half second, claims due messages with
 * FOR UPDATE SKIP LOCKED (so several portal instances never send one twice),
 * sends them, and retries failures with exponential backoff (up to an hour).
 */
@Injectable()
export class OutboxWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly mail: MailService,
    private readonly i18n: I18nService,
    private readonly logger: JsonLogger,
  ) {}

  onApplicationBootstrap() {
    this.schedule();
  }

  async beforeApplicationShutdown() {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Delivers what is due now; returns how many were sent. */
  async deliverDue(): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const rows: Row[] = await manager.query(
        `SELECT id, kind, recipient, locale, payload, attempts FROM outbox_message
         WHERE sent_at IS NULL AND next_attempt_at <= now()
         ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [BATCH],
      );
      let sent = 0;
      for (const row of rows) {
        const locale = isLocale(row.locale) ? row.locale : 'fr';
        try {
          await this.mail.send({
            to: row.recipient,
            subject: this.i18n.t(locale, `emails.${row.kind}.subject`, row.payload),
            text: this.i18n.t(locale, `emails.${row.kind}.body`, row.payload),
          });
          await manager.query(
            `UPDATE outbox_message SET sent_at = now(), attempts = attempts + 1 WHERE id = $1`,
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
