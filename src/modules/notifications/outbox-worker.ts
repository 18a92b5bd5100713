import { randomUUID } from 'node:crypto';
import { Injectable, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../platform/config/app-config.js';
import { returningRows } from '../../platform/database/database.js';
import { I18nService, isLocale } from '../../platform/i18n/i18n.service.js';
import { Jobs } from '../../platform/jobs/jobs.js';
import { JsonLogger } from '../../platform/logging/json-logger.js';
import { MailService } from '../../platform/mail/mail.service.js';
import {
  EMAIL_FAILED_QUEUE,
  EMAIL_QUEUE,
  renderedValues,
  type EmailJob,
} from './outbox.service.js';

interface Row {
  id: string;
  kind: string;
  recipient: string;
  locale: string;
  payload: Record<string, string>;
  secret_values: Record<string, string> | null;
}

/** The longest wait between two attempts at one email. */
const MAX_RETRY_DELAY_SECONDS = 3600;
/** One attempt may take this long (nodemailer's own timeouts are shorter) before it counts as failed. */
const ATTEMPT_SECONDS = 180;
/** Finished delivery jobs are kept this long in pg-boss's tables (the outbox row is the record). */
const KEEP_JOBS_SECONDS = 7 * 24 * 3600;
/** Emails one worker takes at once (sent one after the other). */
const DELIVERY_BATCH = 10;
const MAINTENANCE_EVERY_SECONDS = 3600;
/** Pending messages without a job given one per maintenance run. */
const SWEEP_BATCH = 500;

/**
 * Delivers the outbox through pg-boss (ADR 0026). Each message has a job,
 * added in the transaction that wrote it; a worker of any instance takes it
 * (woken by NOTIFY at commit), sends the email and marks it sent in one
 * transaction that holds the message's row, so it is never sent twice. A
 * failure is recorded (attempts, last error) and retried with exponential
 * backoff up to EMAIL_RETRY_LIMIT times; then the job lands in the dead-letter
 * queue, whose worker marks the message failed (admins see it at /staff/emails).
 * A sent message loses its secret values in the statement that marks it sent.
 * Every hour (one instance): pending messages without a job (written before
 * pg-boss, or by hand) are given one. Sent and failed messages older than
 * OUTBOX_RETENTION_DAYS are deleted by the retention job (privacy module,
 * docs/adr/0047), which counts them in its audit event.
 */
@Injectable()
export class OutboxWorker implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly dataSource: DataSource,
    private readonly jobs: Jobs,
    private readonly mail: MailService,
    private readonly i18n: I18nService,
    private readonly logger: JsonLogger,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.jobs.define<EmailJob>({
      name: EMAIL_FAILED_QUEUE,
      retryLimit: 5,
      retryDelaySeconds: 5,
      retryBackoff: true,
      expireInSeconds: 60,
      keepFinishedSeconds: KEEP_JOBS_SECONDS,
      prompt: false,
      handle: ({ messageId }) => this.markFailed(messageId),
    });
    await this.jobs.define<EmailJob>({
      name: EMAIL_QUEUE,
      retryLimit: this.config.EMAIL_RETRY_LIMIT,
      retryDelaySeconds: this.config.EMAIL_RETRY_DELAY_SECONDS,
      retryBackoff: true,
      retryDelayMaxSeconds: MAX_RETRY_DELAY_SECONDS,
      deadLetter: EMAIL_FAILED_QUEUE,
      expireInSeconds: ATTEMPT_SECONDS,
      keepFinishedSeconds: KEEP_JOBS_SECONDS,
      prompt: true,
      batchSize: DELIVERY_BATCH,
      handle: async ({ messageId }) => {
        await this.deliver(messageId);
      },
    });
    await this.jobs.every({
      name: 'outbox-maintenance',
      everySeconds: MAINTENANCE_EVERY_SECONDS,
      run: async () => {
        await this.queueUnqueued();
      },
    });
  }

  /** Messages left pending by the former worker get their job at once, not within the hour. */
  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.queueUnqueued();
    } catch (error) {
      this.logger.event('warn', 'outbox.sweep_failed', { error: (error as Error).message });
    }
  }

  /**
   * Sends one message, if it is still pending: 'sent', or 'skipped' (already
   * sent, failed or deleted). An SMTP failure is recorded on the message, then
   * thrown, so that pg-boss retries the job.
   */
  async deliver(messageId: string): Promise<'sent' | 'skipped'> {
    let accepted = false;
    const outcome = await this.dataSource
      .transaction(async (manager) => {
        // Waits for another attempt at the same message, then finds it sent.
        const [row]: Row[] = await manager.query(
          `SELECT outbox_message.id, outbox_message.kind, outbox_message.recipient,
                outbox_message.locale, outbox_message.payload, outbox_message.secret_values
           FROM outbox_message
          WHERE outbox_message.id = $1 AND outbox_message.sent_at IS NULL
            AND outbox_message.failed_at IS NULL
          FOR UPDATE`,
          [messageId],
        );
        if (!row) return { status: 'skipped' as const };
        const locale = isLocale(row.locale) ? row.locale : 'fr';
        const values = renderedValues(row.payload, row.secret_values);
        try {
          await this.mail.send({
            to: row.recipient,
            subject: this.i18n.t(locale, `emails.${row.kind}.subject`, values),
            text: this.i18n.t(locale, `emails.${row.kind}.body`, values),
          });
        } catch (error) {
          const message = (error as Error).message.slice(0, 500);
          await manager.query(
            `UPDATE outbox_message SET attempts = attempts + 1, last_error = $2 WHERE id = $1`,
            [row.id, message],
          );
          this.logger.event('warn', 'outbox.send_failed', { id: row.id, kind: row.kind });
          return { status: 'failed' as const, error: error as Error };
        }
        accepted = true;
        await manager.query(
          `UPDATE outbox_message SET sent_at = now(), attempts = attempts + 1, secret_values = NULL
          WHERE id = $1`,
          [row.id],
        );
        return { status: 'sent' as const };
      })
      .catch(async (error: unknown) => {
        // The SMTP server took the email but the database went away before the
        // commit (a restart): the next attempt would send it again. Mark it sent
        // once the database is back, instead.
        if (accepted && (await this.markSentLate(messageId))) return { status: 'sent' as const };
        throw error;
      });
    // Recorded above (committed); thrown now so that pg-boss counts the attempt.
    if (outcome.status === 'failed') throw outcome.error;
    return outcome.status;
  }

  /**
   * Marks a message sent outside the transaction that sent it (lost with the
   * database connection), trying for up to 30 s while the database comes back.
   */
  private async markSentLate(messageId: string): Promise<boolean> {
    for (let attempt = 0; attempt < 60; attempt++) {
      try {
        await this.dataSource.query(
          `UPDATE outbox_message SET sent_at = now(), attempts = attempts + 1, secret_values = NULL
            WHERE id = $1 AND sent_at IS NULL`,
          [messageId],
        );
        this.logger.event('info', 'outbox.marked_sent_late', { id: messageId });
        return true;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    return false;
  }

  /** The dead-letter queue's work: the message's retries are spent, it is failed. */
  async markFailed(messageId: string): Promise<void> {
    const rows = await returningRows<{ id: string; kind: string; attempts: number }>(
      this.dataSource,
      `UPDATE outbox_message SET failed_at = now()
        WHERE outbox_message.id = $1 AND outbox_message.sent_at IS NULL
          AND outbox_message.failed_at IS NULL
        RETURNING outbox_message.id, outbox_message.kind, outbox_message.attempts`,
      [messageId],
    );
    for (const row of rows)
      this.logger.event('warn', 'outbox.failed', {
        id: row.id,
        kind: row.kind,
        attempts: row.attempts,
      });
  }

  /** Gives a job to pending messages that have none (a bounded batch); returns how many. */
  async queueUnqueued(): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const rows: { id: string }[] = await manager.query(
        `SELECT outbox_message.id FROM outbox_message
          WHERE outbox_message.sent_at IS NULL AND outbox_message.failed_at IS NULL
            AND outbox_message.job_id IS NULL
          ORDER BY outbox_message.id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [SWEEP_BATCH],
      );
      for (const row of rows) {
        const jobId = randomUUID();
        await manager.query(`UPDATE outbox_message SET job_id = $2 WHERE id = $1`, [row.id, jobId]);
        await this.jobs.send(manager, EMAIL_QUEUE, { messageId: String(row.id) }, { id: jobId });
      }
      if (rows.length > 0) this.logger.event('info', 'outbox.queued', { queued: rows.length });
      return rows.length;
    });
  }
}
