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
  | 'feedback-reply';

export interface OutboxEmail {
  kind: EmailKind;
  to: string;
  locale: Locale;
  /** Values for the catalog text's {placeholders}. */
  values: Record<string, string>;
}

/**
 * The transactional outbox: an email is written in the same transaction as the
 * change it announces, so nothing is sent if that transaction rolls back, and
 * nothing is lost if SMTP is down (the worker retries).
 */
@Injectable()
export class OutboxService {
  async enqueue(manager: EntityManager, email: OutboxEmail): Promise<void> {
    await manager.query(
      `INSERT INTO outbox_message (kind, recipient, locale, payload) VALUES ($1, $2, $3, $4)`,
      [email.kind, email.to, email.locale, JSON.stringify(email.values)],
    );
  }
}
