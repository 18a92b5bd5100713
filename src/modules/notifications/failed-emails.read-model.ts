import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { keysetCursor, type KeysetPosition } from '../../platform/paging/keyset-cursor.js';

export const FAILED_EMAILS_PAGE_SIZE = 50;

/** An email whose retries are spent (never its values: no link, no name). */
export interface FailedEmail {
  id: string;
  kind: string;
  recipient: string;
  locale: string;
  attempts: number;
  lastError: string | null;
  /** `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC). */
  failedAt: string;
  createdAt: string;
}

export interface FailedEmailsPage {
  rows: FailedEmail[];
  /** The cursor of the next (older) page, if there is one. */
  next?: string;
}

const INSTANT = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

/** The failed emails, newest failure first, keyset-paged on (failed_at, id) (outbox_message_failed_idx). */
@Injectable()
export class FailedEmailsReadModel {
  constructor(private readonly dataSource: DataSource) {}

  async page(after?: KeysetPosition): Promise<FailedEmailsPage> {
    const params: unknown[] = [FAILED_EMAILS_PAGE_SIZE + 1];
    let where = 'outbox_message.failed_at IS NOT NULL';
    if (after) {
      params.push(after.at, after.id);
      where += ` AND (outbox_message.failed_at, outbox_message.id) < ($2::timestamptz, $3::bigint)`;
    }
    const rows: {
      id: string;
      kind: string;
      recipient: string;
      locale: string;
      attempts: number;
      last_error: string | null;
      failed_at: string;
      created_at: string;
    }[] = await this.dataSource.query(
      `SELECT outbox_message.id::text AS id, outbox_message.kind, outbox_message.recipient,
              outbox_message.locale, outbox_message.attempts, outbox_message.last_error,
              to_char(outbox_message.failed_at AT TIME ZONE 'UTC', ${INSTANT}) AS failed_at,
              to_char(outbox_message.created_at AT TIME ZONE 'UTC', ${INSTANT}) AS created_at
         FROM outbox_message
        WHERE ${where}
        ORDER BY outbox_message.failed_at DESC, outbox_message.id DESC
        LIMIT $1`,
      params,
    );
    const shown = rows.slice(0, FAILED_EMAILS_PAGE_SIZE).map((r) => ({
      id: r.id,
      kind: r.kind,
      recipient: r.recipient,
      locale: r.locale,
      attempts: r.attempts,
      lastError: r.last_error,
      failedAt: r.failed_at,
      createdAt: r.created_at,
    }));
    const last = shown[shown.length - 1];
    return {
      rows: shown,
      next:
        rows.length > FAILED_EMAILS_PAGE_SIZE && last
          ? keysetCursor({ at: last.failedAt, id: last.id })
          : undefined,
    };
  }
}
