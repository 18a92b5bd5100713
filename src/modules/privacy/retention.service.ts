import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../platform/config/app-config.js';
import { JsonLogger } from '../../platform/logging/json-logger.js';
import { RateLimiter } from '../../platform/security/rate-limiter.js';
import { AccountRetention } from '../accounts/account-retention.js';
import { DraftRetention } from '../applications/draft-retention.js';
import { AttachmentsService } from '../applications/attachments.service.js';
import { AuditRetention } from '../audit/audit-retention.js';
import { AuditService } from '../audit/audit.service.js';
import { FeedbackRetention } from '../feedback/feedback-retention.js';
import { OutboxService } from '../notifications/outbox.service.js';

/** Rows of each kind one run purges at most; the next run goes on (docs/adr/0047). */
export const RETENTION_BATCH = 5000;

/** The audit event of a run that purged something: the counts of each kind, never the data. */
export const RETENTION_ACTION = 'privacy.retention_purged';

/** One instance at a time, whatever pg-boss does (a transaction-scoped advisory lock). */
const RETENTION_LOCK = 'guichet-privacy-retention';

/** What one run purged, kind by kind (each count exact: rows deleted or erased). */
export interface RetentionCounts {
  /** Closed accounts whose remaining personal data was erased. */
  closedAccounts: number;
  /** Their own drafts, deleted with them. */
  closedAccountDrafts: number;
  /** Their feedback items whose browser and screen size were forgotten. */
  closedAccountFeedback: number;
  /** Drafts nobody touched for DRAFT_RETENTION_DAYS. */
  staleDrafts: number;
  /** Sent and failed emails older than OUTBOX_RETENTION_DAYS. */
  deliveredEmails: number;
  /** Rate-limit counters whose window ended RATE_LIMIT_RETENTION_HOURS ago. */
  rateLimitCounters: number;
  /** Sign-in throttling entries past the same period and holding nobody back. */
  signInThrottles: number;
  /** Feedback items whose typed-in name and contact were erased. */
  feedbackContacts: number;
  /** Audit events whose personal data was scrubbed. */
  auditEventsScrubbed: number;
}

/**
 * Applies the retention schedule of personal data (issue 18, Québec's Law 25;
 * docs/adr/0047). Each table is purged by the module that owns it (ADR 0021):
 * this service only orchestrates, in one transaction holding an advisory lock,
 * at most RETENTION_BATCH rows of each kind, and records one audit event
 * `privacy.retention_purged` with the counts per kind and the periods applied,
 * when something was purged (a run that finds nothing records nothing).
 * Files of deleted drafts stored on disk are removed after the commit.
 */
@Injectable()
export class RetentionService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly logger: JsonLogger,
    private readonly limiter: RateLimiter,
    private readonly accounts: AccountRetention,
    private readonly drafts: DraftRetention,
    private readonly attachments: AttachmentsService,
    private readonly feedback: FeedbackRetention,
    private readonly outbox: OutboxService,
    private readonly auditTrail: AuditRetention,
    private readonly audit: AuditService,
  ) {}

  /** The periods in force, as configured (also shown on /privacy). */
  periods() {
    const c = this.config;
    return {
      closedAccountDays: c.CLOSED_ACCOUNT_RETENTION_DAYS,
      draftDays: c.DRAFT_RETENTION_DAYS,
      deliveredEmailDays: c.OUTBOX_RETENTION_DAYS,
      rateLimitHours: c.RATE_LIMIT_RETENTION_HOURS,
      feedbackContactDays: c.FEEDBACK_CONTACT_RETENTION_DAYS,
      auditPersonalDataDays: c.AUDIT_PERSONAL_DATA_RETENTION_DAYS,
    };
  }

  /** One run; undefined when another instance is running it. */
  async run(): Promise<RetentionCounts | undefined> {
    const periods = this.periods();
    const result = await this.dataSource.transaction(async (manager) => {
      const [{ locked }] = await manager.query(
        `SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked`,
        [RETENTION_LOCK],
      );
      if (!locked) return undefined;
      const closed = await this.accounts.closedAccountsDue(
        manager,
        periods.closedAccountDays,
        RETENTION_BATCH,
      );
      const closedDrafts = await this.drafts.deleteOwnDraftsOf(manager, closed);
      const closedAccountFeedback = await this.feedback.forgetBrowsersOf(manager, closed);
      const closedAccounts = await this.accounts.markErased(manager, closed);
      const stale = await this.drafts.deleteStale(manager, periods.draftDays, RETENTION_BATCH);
      const counts: RetentionCounts = {
        closedAccounts,
        closedAccountDrafts: closedDrafts.count,
        closedAccountFeedback,
        staleDrafts: stale.count,
        deliveredEmails: await this.outbox.purgeDelivered(
          manager,
          periods.deliveredEmailDays,
          RETENTION_BATCH,
        ),
        rateLimitCounters: await this.limiter.purgeExpired(
          manager,
          periods.rateLimitHours,
          RETENTION_BATCH,
        ),
        signInThrottles: await this.accounts.purgeSignInThrottle(
          manager,
          periods.rateLimitHours,
          RETENTION_BATCH,
        ),
        feedbackContacts: await this.feedback.eraseContacts(
          manager,
          periods.feedbackContactDays,
          RETENTION_BATCH,
        ),
        auditEventsScrubbed: await this.auditTrail.scrubPersonalData(
          manager,
          periods.auditPersonalDataDays,
          RETENTION_BATCH,
        ),
      };
      if (Object.values(counts).some((count) => count > 0))
        await this.audit.record(manager, {
          actor: { type: 'system' },
          action: RETENTION_ACTION,
          entity: { type: 'retention-schedule' },
          after: { counts, periods, batch: RETENTION_BATCH },
        });
      return { counts, files: [...closedDrafts.storageKeys, ...stale.storageKeys] };
    });
    if (!result) return undefined;
    try {
      await this.attachments.removeStored(result.files);
    } catch (error) {
      // The rows are gone; a file left behind holds no reference and is logged.
      this.logger.event('warn', 'privacy.file_removal_failed', {
        error: (error as Error).message,
      });
    }
    this.logger.event('info', 'privacy.retention_run', { ...result.counts });
    return result.counts;
  }
}
