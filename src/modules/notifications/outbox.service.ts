import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Locale } from '../../platform/i18n/i18n.service.js';

/** The emails the portal sends; each has `emails.<kind>.subject` and `.body` in the catalogs. */
export type EmailKind =
  | 'confirm-email'
  | 'account-exists'
  | 'reset-password'
  | 'password-changed'
  | 'organization-invitation'
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
  | 'feedback-reply';

export interface OutboxEmail {
  kind: EmailKind;
  to: string;
  locale: Locale;
  /** Values for the catalog text's {placeholders}. */
  values: Record<string, string>;
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
 * change it announces, so nothing is sent if that transaction rolls back, and
 * nothing is lost if SMTP is down (the worker retries). Its secret values are
 * stored apart and erased when it is sent (OutboxWorker).
 */
@Injectable()
export class OutboxService {
  async enqueue(manager: EntityManager, email: OutboxEmail): Promise<void> {
    const payload: Record<string, string> = {};
    const secrets: Record<string, string> = {};
    for (const [key, value] of Object.entries(email.values))
      (SECRET_VALUES.includes(key) ? secrets : payload)[key] = value;
    await manager.query(
      `INSERT INTO outbox_message (kind, recipient, locale, payload, secret_values)
       VALUES ($1, $2, $3, $4, $5)`,
      [
        email.kind,
        email.to,
        email.locale,
        JSON.stringify(payload),
        Object.keys(secrets).length > 0 ? JSON.stringify(secrets) : null,
      ],
    );
  }

  /** Deletes every message to this address, sent or not (a closed account, docs/adr/0005). */
  async forgetRecipient(manager: EntityManager, address: string): Promise<void> {
    await manager.query(`DELETE FROM outbox_message WHERE lower(recipient) = lower($1)`, [address]);
  }
}
