import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, type QueryRunner } from 'typeorm';
import { AppConfig } from '../../platform/config/app-config.js';
import { JsonLogger } from '../../platform/logging/json-logger.js';
import { RateLimiter } from '../../platform/security/rate-limiter.js';
import { AccountRetention } from '../accounts/account-retention.js';
import { DraftRetention } from '../applications/draft-retention.js';
import { AttachmentsService } from '../applications/attachments.service.js';
import { AuditRetention } from '../audit/audit-retention.js';
import { AuditService } from '../audit/audit.service.js';
import { FeedbackRetention } from '../feedback/feedback-retention.js';
import { StaffRetention } from '../staff/staff-retention.js';
import { OutboxService } from '../notifications/outbox.service.js';

/**
 * How long one run goes on starting batches (docs/adr/0047): a batch started
 * within it finishes, and what is left waits for the next run.
 */
export const RETENTION_TIME_BUDGET_MS = 60_000;

/** The audit event of a run that purged something: the counts of each kind, never the data. */
export const RETENTION_ACTION = 'privacy.retention_purged';

/** One instance at a time, whatever pg-boss does (a session advisory lock held for the run). */
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

/** What one batch purged, and the storage keys of the deleted drafts' files. */
interface Batch {
  counts: RetentionCounts;
  /** Whether a kind filled its batch (so more of it may be due). */
  more: boolean;
  files: string[];
}

const NOTHING: RetentionCounts = {
  closedAccounts: 0,
  closedAccountDrafts: 0,
  closedAccountFeedback: 0,
  staleDrafts: 0,
  deliveredEmails: 0,
  rateLimitCounters: 0,
  signInThrottles: 0,
  feedbackContacts: 0,
  auditEventsScrubbed: 0,
};

/**
 * Applies the retention schedule of personal data (issue 18, Québec's Law 25;
 * docs/adr/0047). Each table is purged by the module that owns it (ADR 0021):
 * this service only orchestrates. A run holds an advisory lock and repeats
 * batches, each one transaction purging at most RETENTION_BATCH_SIZE rows of
 * each kind, until no kind fills its batch or RETENTION_TIME_BUDGET_MS is
 * spent. The last batch's transaction records one audit event
 * `privacy.retention_purged` with the run's total counts per kind and the
 * periods applied, when something was purged (a run that finds nothing
 * records nothing). Files of deleted drafts stored on disk are removed after
 * each batch's commit.
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
    private readonly staff: StaffRetention,
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
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = await runner.query(
        `SELECT pg_try_advisory_lock(hashtext($1)) AS locked`,
        [RETENTION_LOCK],
      );
      if (!locked) return undefined;
      const totals: RetentionCounts = { ...NOTHING };
      try {
        await this.batches(runner, totals);
        this.logger.event('info', 'privacy.retention_run', { ...totals });
        return totals;
      } catch (error) {
        // The batches committed before stay purged, without their audit event: the log says what went.
        this.logger.event('error', 'privacy.retention_failed', {
          ...totals,
          error: (error as Error).message,
        });
        throw error;
      } finally {
        await runner.query(`SELECT pg_advisory_unlock(hashtext($1))`, [RETENTION_LOCK]);
      }
    } finally {
      await runner.release();
    }
  }

  /** Batches on the lock's connection until nothing is due or the time is spent, adding to `totals`. */
  private async batches(runner: QueryRunner, totals: RetentionCounts): Promise<void> {
    const periods = this.periods();
    const size = this.config.RETENTION_BATCH_SIZE;
    const started = Date.now();
    let batches = 0;
    let last = false;
    while (!last) {
      await runner.startTransaction();
      try {
        const batch = await this.batch(runner.manager, periods, size);
        const sum = { ...totals };
        for (const kind of Object.keys(sum) as (keyof RetentionCounts)[])
          sum[kind] += batch.counts[kind];
        last = !batch.more || Date.now() - started >= RETENTION_TIME_BUDGET_MS;
        if (last && Object.values(sum).some((count) => count > 0))
          await this.audit.record(runner.manager, {
            actor: { type: 'system' },
            action: RETENTION_ACTION,
            entity: { type: 'retention-schedule' },
            after: {
              counts: sum,
              periods,
              batch: size,
              batches: batches + 1,
              backlogLeft: batch.more,
            },
          });
        await runner.commitTransaction();
        batches += 1;
        Object.assign(totals, sum);
        await this.removeFiles(batch.files);
      } catch (error) {
        if (runner.isTransactionActive) await runner.rollbackTransaction();
        throw error;
      }
    }
  }

  /** One transaction's work: at most `size` rows of each kind, oldest first. */
  private async batch(
    manager: EntityManager,
    periods: ReturnType<RetentionService['periods']>,
    size: number,
  ): Promise<Batch> {
    const closed = await this.accounts.closedAccountsDue(manager, periods.closedAccountDays, size);
    const closedDrafts = await this.drafts.deleteOwnDraftsOf(manager, closed);
    const closedAccountFeedback = await this.feedback.forgetBrowsersOf(manager, closed);
    // Their roles, directory identity and second factor: erased with the account, counted with it.
    await this.staff.forgetClosed(manager, closed);
    const closedAccounts = await this.accounts.markErased(manager, closed);
    const stale = await this.drafts.deleteStale(manager, periods.draftDays, size);
    const counts: RetentionCounts = {
      closedAccounts,
      closedAccountDrafts: closedDrafts.count,
      closedAccountFeedback,
      staleDrafts: stale.count,
      deliveredEmails: await this.outbox.purgeDelivered(manager, periods.deliveredEmailDays, size),
      rateLimitCounters: await this.limiter.purgeExpired(manager, periods.rateLimitHours, size),
      signInThrottles: await this.accounts.purgeSignInThrottle(
        manager,
        periods.rateLimitHours,
        size,
      ),
      feedbackContacts: await this.feedback.eraseContacts(
        manager,
        periods.feedbackContactDays,
        size,
      ),
      auditEventsScrubbed: await this.auditTrail.scrubPersonalData(
        manager,
        periods.auditPersonalDataDays,
        size,
      ),
    };
    // The kinds bounded by `size` (a closed account's drafts and feedback go with it).
    const bounded = [
      closed.length,
      counts.staleDrafts,
      counts.deliveredEmails,
      counts.rateLimitCounters,
      counts.signInThrottles,
      counts.feedbackContacts,
      counts.auditEventsScrubbed,
    ];
    return {
      counts,
      more: bounded.some((count) => count >= size),
      files: [...closedDrafts.storageKeys, ...stale.storageKeys],
    };
  }

  private async removeFiles(files: string[]): Promise<void> {
    if (files.length === 0) return;
    try {
      await this.attachments.removeStored(files);
    } catch (error) {
      // The rows are gone; a file left behind holds no reference and is logged.
      this.logger.event('warn', 'privacy.file_removal_failed', {
        error: (error as Error).message,
      });
    }
  }
}
