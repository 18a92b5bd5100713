import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { I18nService } from '../../platform/i18n/i18n.service.js';
import { RateLimiter } from '../../platform/security/rate-limiter.js';
import { AccountExportReadModel } from '../accounts/account-export.read-model.js';
import { ApplicationExportReadModel } from '../applications/application-export.read-model.js';
import { AuditExportReadModel } from '../audit/audit-export.read-model.js';
import { AuditService } from '../audit/audit.service.js';
import type { RequestOrigin } from '../audit/request-origin.js';
import { FeedbackExportReadModel } from '../feedback/feedback-export.read-model.js';
import { OutboxExportReadModel } from '../notifications/outbox-export.read-model.js';
import { OrganizationExportReadModel } from '../organizations/organization-export.read-model.js';
import { OwnershipExportReadModel } from '../ownership/ownership-export.read-model.js';
import { PilotExportReadModel } from '../rollout/pilot-export.read-model.js';
import { SatisfactionExportReadModel } from '../satisfaction/satisfaction-export.read-model.js';
import { StaffExportReadModel } from '../staff/staff-export.read-model.js';
import { tooManyDownloads } from './personal-data.refusals.js';
import { zipOf, type ZipEntry } from './zip.js';

/** The archive a person downloads, and the name it is saved under. */
export interface PersonalDataArchive {
  filename: string;
  zip: Buffer;
}

/** The archive's files, in the order README.txt describes them. */
export const PERSONAL_DATA_FILES = [
  'README.txt',
  'account.json',
  'sessions.json',
  'organizations.json',
  'ownership-claims.json',
  'applications.json',
  'feedback.json',
  'satisfaction.json',
  'pilots.json',
  'staff.json',
  'emails.json',
  'audit-events.json',
] as const;

/**
 * Everything Guichet holds about a person, as JSON files in a ZIP (Law 25's
 * right of access; ADR 0048). Each module says what it holds through its own
 * export read model (ADR 0021); this service only assembles them: in one
 * REPEATABLE READ transaction, so every file shows the same moment, with the
 * download's audit event (`account.data_downloaded`, in the archive too).
 * Rate limited per account (rule data-download:account): each download
 * reads every module's tables.
 */
@Injectable()
export class PersonalDataService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly limiter: RateLimiter,
    private readonly audit: AuditService,
    private readonly i18n: I18nService,
    private readonly accounts: AccountExportReadModel,
    private readonly organizations: OrganizationExportReadModel,
    private readonly ownership: OwnershipExportReadModel,
    private readonly applications: ApplicationExportReadModel,
    private readonly feedback: FeedbackExportReadModel,
    private readonly satisfaction: SatisfactionExportReadModel,
    private readonly pilots: PilotExportReadModel,
    private readonly emails: OutboxExportReadModel,
    private readonly auditEvents: AuditExportReadModel,
    private readonly staff: StaffExportReadModel,
  ) {}

  async download(accountId: string, origin: RequestOrigin): Promise<PersonalDataArchive> {
    const limit = await this.limiter.take('data-download:account', accountId);
    if (!limit.allowed) throw tooManyDownloads(limit.retryAfterSeconds);
    const at = new Date();
    const entries = await this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      await this.audit.record(manager, {
        actor: { type: 'person', id: accountId },
        action: 'account.data_downloaded',
        entity: { type: 'account', id: accountId },
        ...origin,
      });
      const held = await this.accounts.exportFor(manager, accountId);
      // A closed account signs nobody in: its session ended when it closed.
      if (!held) return [];
      const { sessions, ...account } = held;
      const files: Record<(typeof PERSONAL_DATA_FILES)[number], unknown> = {
        'README.txt': undefined,
        'account.json': account,
        'sessions.json': sessions,
        'organizations.json': await this.organizations.exportFor(manager, accountId),
        'ownership-claims.json': await this.ownership.exportFor(manager, accountId),
        'applications.json': await this.applications.exportFor(manager, accountId),
        'feedback.json': await this.feedback.exportFor(manager, accountId),
        'satisfaction.json': await this.satisfaction.exportFor(manager, accountId),
        'pilots.json': await this.pilots.exportFor(manager, accountId),
        'staff.json': await this.staff.exportFor(manager, accountId),
        'emails.json': await this.emails.exportFor(manager, account.account.email),
        'audit-events.json': await this.auditEvents.exportFor(manager, accountId),
      };
      return PERSONAL_DATA_FILES.map((name): ZipEntry => ({
        name,
        content:
          name === 'README.txt' ? this.readme(at) : `${JSON.stringify(files[name], null, 2)}\n`,
      }));
    });
    return {
      filename: `guichet-${at.toISOString().slice(0, 10)}.zip`,
      zip: await zipOf(entries, at),
    };
  }

  /** What each file holds, in French then in English. */
  private readme(at: Date): string {
    const date = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
    return `${['fr', 'en' as const]
      .map((locale) => this.i18n.t(locale as 'fr' | 'en', 'personalData.readme', { date }))
      .join('\n\n----------------------------------------\n\n')
      .replace(/\r?\n/g, '\r\n')}\r\n`;
  }
}
