import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { returningRows } from '../../platform/database/database.js';
import type { Locale } from '../../platform/i18n/i18n.service.js';
import { Jobs } from '../../platform/jobs/jobs.js';

/** The emails the portal sends; each has `emails.<kind>.subject` and `.body` in the catalogs. */
export type EmailKind =
  | 'confirm-email'
  | 'account-exists'
  | 'reset-password'
  | 'password-changed'
  | 'email-change-confirm'
  | 'email-change-requested'
  | 'email-change-taken'
  | 'email-changed'
  | 'organization-invitation'
  | 'organization-verified'
  | 'organization-claim-rejected'
  | 'organization-transferred'
  | 'organization-access-removed'
  | 'application-submitted'
  | 'application-in-review'
  | 'application-information-requested'
  | 'application-resubmitted'
  | 'application-approved'
  | 'application-rejected'
  | 'application-withdrawn'
  | 'application-message'
  | 'service-released'
  | 'rollout-schedule-skipped'
  | 'pilot-invitation-business'
  | 'pilot-invitation-email'
  | 'pilot-invitation-tester'
  | 'pilot-added'
  | 'pilot-volunteer-approved'
  | 'pilot-volunteer-declined'
  | 'feedback-reply'
  | 'second-factor-enrolled'
  | 'second-factor-recovery-used'
  | 'second-factor-locked'
  | 'second-factor-reset';

export interface OutboxEmail {
  kind: EmailKind;
  to: string;
  locale: Locale;
  /** Values for the catalog text's {placeholders}. */
  values: Record<string, string>;
}

/** The queue that delivers emails, and the one where those whose retries are spent land. */
export const EMAIL_QUEUE = 'email-delivery';
export const EMAIL_FAILED_QUEUE = 'email-failed';

/** What a delivery job carries: the message's id, never its content. */
export interface EmailJob {
  messageId: string;
}

/** A failed email put back for delivery (the audit event's facts). */
export interface RetriedEmail {
  id: string;
  kind: string;
  recipient: string;
  attempts: number;
  lastError: string | null;
}

/**
 * Values kept only until the email is sent: a link may carry a token that
 * confirms an address, resets a password or joins an SME or a pilot, so every
 * `link` is stored apart (`secret_values`) and erased once delivered.
 */
export const SECRET_VALUES: readonly string[] = ['link'];

/**
 * Values that people type about themselves or their business (a display name,
 * an SME's legal name). Emails show them as plain text: on one line, and with
 * anything a mail program would turn into a link defused (see plainText).
 */
export const PEOPLE_TEXT_VALUES: readonly string[] = ['name', 'inviter', 'organization'];

/** Line breaks, other control characters and bidirectional overrides. */
const CONTROLS = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]+/gu;

/**
 * A person's text as an email shows it: controls become spaces (one line),
 * `scheme://` becomes `scheme[:]//` and a dot between letters or digits
 * becomes `[.]`, so `Visit http://evil.example` reads as such but is no link.
 */
export function plainText(value: string): string {
  return value
    .replace(CONTROLS, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/([a-z][a-z0-9+.-]*):\/\//gi, '$1[:]//')
    .replace(/(?<=[\p{L}\p{N}])\.(?=[\p{L}\p{N}])/gu, '[.]');
}

/** The values an email's texts receive: secrets back in, people's texts made plain. */
export function renderedValues(
  payload: Record<string, string>,
  secrets: Record<string, string> | null,
): Record<string, string> {
  const values = { ...payload, ...(secrets ?? {}) };
  for (const key of PEOPLE_TEXT_VALUES)
    if (typeof values[key] === 'string') values[key] = plainText(values[key]);
  return values;
}

/**
 * The transactional outbox: an email is written in the same transaction as the
 * change it announces, with the pg-boss job that delivers it (ADR 0026), so
 * nothing is sent if that transaction rolls back, and nothing is lost if SMTP
 * is down (the job is retried, then the email is listed as failed for admins).
 * Its secret values are stored apart and erased when it is sent (OutboxWorker).
 */
@Injectable()
export class OutboxService {
  constructor(private readonly jobs: Jobs) {}

  async enqueue(manager: EntityManager, email: OutboxEmail): Promise<void> {
    const payload: Record<string, string> = {};
    const secrets: Record<string, string> = {};
    for (const [key, value] of Object.entries(email.values))
      (SECRET_VALUES.includes(key) ? secrets : payload)[key] = value;
    const jobId = randomUUID();
    const [message] = await returningRows<{ id: string }>(
      manager,
      `INSERT INTO outbox_message (kind, recipient, locale, payload, secret_values, job_id)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [
        email.kind,
        email.to,
        email.locale,
        JSON.stringify(payload),
        Object.keys(secrets).length > 0 ? JSON.stringify(secrets) : null,
        jobId,
      ],
    );
    await this.jobs.send(manager, EMAIL_QUEUE, { messageId: String(message.id) }, { id: jobId });
  }

  /**
   * Puts a failed email back for delivery, with a new job, in the caller's
   * transaction. Null when the message is not failed (sent, pending, or gone).
   */
  async retryFailed(manager: EntityManager, messageId: string): Promise<RetriedEmail | null> {
    if (!/^\d{1,18}$/.test(messageId)) return null;
    const jobId = randomUUID();
    const [message] = await returningRows<{
      id: string;
      kind: string;
      recipient: string;
      attempts: number;
      last_error: string | null;
    }>(
      manager,
      `UPDATE outbox_message SET failed_at = NULL, job_id = $2
        WHERE outbox_message.id = $1 AND outbox_message.failed_at IS NOT NULL
        RETURNING outbox_message.id, outbox_message.kind, outbox_message.recipient,
                  outbox_message.attempts, outbox_message.last_error`,
      [messageId, jobId],
    );
    if (!message) return null;
    await this.jobs.send(manager, EMAIL_QUEUE, { messageId: String(message.id) }, { id: jobId });
    return {
      id: String(message.id),
      kind: message.kind,
      recipient: message.recipient,
      attempts: message.attempts,
      lastError: message.last_error,
    };
  }

  /**
   * Deletes, in the caller's transaction, at most `limit` sent messages and
   * at most `limit` failed ones older than `days` days (OUTBOX_RETENTION_DAYS:
   * the retention schedule, docs/adr/0047), oldest first, each walk on its own
   * partial index. Pending messages are kept. Returns how many went.
   */
  async purgeDelivered(manager: EntityManager, days: number, limit: number): Promise<number> {
    let purged = 0;
    for (const column of ['sent_at', 'failed_at'] as const) {
      const rows = await returningRows<{ id: string }>(
        manager,
        `DELETE FROM outbox_message WHERE outbox_message.id IN (
           SELECT done.id FROM outbox_message AS done
            WHERE done.${column} < now() - make_interval(days => $1)
            ORDER BY done.${column} LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING outbox_message.id`,
        [days, limit],
      );
      purged += rows.length;
    }
    return purged;
  }

  /** Deletes every message to this address, sent or not (a closed account, docs/adr/0005). */
  async forgetRecipient(manager: EntityManager, address: string): Promise<void> {
    await manager.query(`DELETE FROM outbox_message WHERE lower(recipient) = lower($1)`, [address]);
  }
}
