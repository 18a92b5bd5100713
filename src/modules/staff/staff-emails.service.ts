import { ForbiddenException, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { text } from '../../platform/forms/form.js';
import { parseKeysetCursor } from '../../platform/paging/keyset-cursor.js';
import { AuditService } from '../audit/audit.service.js';
import type { RequestOrigin } from '../audit/request-origin.js';
import {
  FailedEmailsReadModel,
  type FailedEmailsPage,
} from '../notifications/failed-emails.read-model.js';
import { OutboxService, type RetriedEmail } from '../notifications/outbox.service.js';
import type { StaffActor } from './staff-roles.guard.js';
import { STAFF_REFUSALS } from './staff.refusals.js';

/** One page of failed emails, or a paging link someone edited (400). */
export interface FailedEmailsSearch {
  cursor: string;
  badCursor: boolean;
  page: FailedEmailsPage;
}

/**
 * The failed emails, for admins only (ADR 0026; the routes' guard says the
 * same): the list, and putting one back for delivery, audited in the same
 * transaction.
 */
@Injectable()
export class StaffEmailsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly failed: FailedEmailsReadModel,
    private readonly outbox: OutboxService,
    private readonly audit: AuditService,
  ) {}

  async search(actor: StaffActor, query: Record<string, unknown>): Promise<FailedEmailsSearch> {
    adminOnly(actor);
    const cursor = text(query.after);
    const position = cursor ? parseKeysetCursor(cursor, 'bigint') : undefined;
    if (cursor && !position) return { cursor, badCursor: true, page: { rows: [] } };
    return { cursor, badCursor: false, page: await this.failed.page(position) };
  }

  /**
   * Puts a failed email back for delivery (a new job, the full number of
   * retries). Refused (404) when the email is not failed: sent, still being
   * tried, deleted, or retried by another admin a moment ago.
   */
  async retry(actor: StaffActor, messageId: string, origin: RequestOrigin): Promise<RetriedEmail> {
    adminOnly(actor);
    return this.dataSource.transaction(async (manager) => {
      const retried = await this.outbox.retryFailed(manager, messageId);
      if (!retried) throw STAFF_REFUSALS.of('email-not-failed');
      await this.audit.record(manager, {
        actor: { type: 'staff', id: actor.accountId },
        action: 'outbox.retried',
        entity: { type: 'outbox_message', id: retried.id },
        before: { status: 'failed', attempts: retried.attempts, lastError: retried.lastError },
        after: { status: 'pending', kind: retried.kind },
        ...origin,
      });
      return retried;
    });
  }
}

/** Failed emails show addresses and mail errors: admins only, as the audit log. */
function adminOnly(actor: StaffActor): void {
  if (!actor.roles.includes('admin')) throw new ForbiddenException();
}
