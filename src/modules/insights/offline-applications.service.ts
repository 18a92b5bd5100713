import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Audience } from '../../platform/flags/flag-context.js';
import { AuditService } from '../audit/audit.service.js';
import type { RequestOrigin } from '../audit/request-origin.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import type { OfflineChannel } from './dto/offline-count.dto.js';
import { INSIGHTS_REFUSALS } from './insights.refusals.js';
import { cityDay, isDay } from './period.js';

/** A day's applications a service took by phone or at the counter. */
export interface OfflineCount {
  service: string;
  audience: Audience;
  channel: OfflineChannel;
  /** YYYY-MM-DD, in the city. */
  day: string;
  applications: number;
}

/** A count as the clerks' page lists it (who recorded it is in the audit log). */
export interface RecordedCount extends OfflineCount {
  recordedAt: Date;
}

/** How many counts the clerks' page lists, the latest recorded first. */
export const RECENT_COUNTS = 30;

/**
 * The applications received outside the portal (issue 16, digital take-up):
 * clerks record, for a service, an audience, a channel (phone or counter) and
 * a day, how many they took; a second count of the same day replaces the
 * first. Counts only: nothing on who applied. Each count recorded is audited.
 */
@Injectable()
export class OfflineApplicationsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly catalogue: CatalogueService,
    private readonly audit: AuditService,
  ) {}

  async record(
    staffId: string,
    count: OfflineCount,
    origin: RequestOrigin,
    now = new Date(),
  ): Promise<void> {
    if (!this.catalogue.find(count.service)) throw INSIGHTS_REFUSALS.of('unknown-service');
    if (!isDay(count.day)) throw INSIGHTS_REFUSALS.of('day-invalid');
    if (count.day > cityDay(now)) throw INSIGHTS_REFUSALS.of('day-to-come');
    const key = [count.service, count.audience, count.channel, count.day];
    await this.dataSource.transaction(async (manager) => {
      const [before] = await manager.query<{ applications: number }[]>(
        `SELECT applications FROM offline_application_count
          WHERE service_slug = $1 AND audience = $2 AND channel = $3 AND day = $4 FOR UPDATE`,
        key,
      );
      await manager.query(
        `INSERT INTO offline_application_count
           (service_slug, audience, channel, day, applications, recorded_by)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (service_slug, audience, channel, day) DO UPDATE
           SET applications = EXCLUDED.applications, recorded_by = EXCLUDED.recorded_by,
               recorded_at = now()`,
        [...key, count.applications, staffId],
      );
      await this.audit.record(manager, {
        actor: { type: 'staff', id: staffId },
        action: 'insights.offline_applications_recorded',
        entity: { type: 'offline_application_count', id: key.join(':') },
        before: before ? { applications: before.applications } : undefined,
        after: count,
        ...origin,
      });
    });
  }

  /** The latest counts recorded, for the clerks' page. */
  async recent(): Promise<RecordedCount[]> {
    const rows = await this.dataSource.query<
      {
        service_slug: string;
        audience: Audience;
        channel: OfflineChannel;
        day: string;
        applications: number;
        recorded_at: Date;
      }[]
    >(
      `SELECT service_slug, audience, channel, to_char(day, 'YYYY-MM-DD') AS day, applications,
              recorded_at
         FROM offline_application_count ORDER BY recorded_at DESC LIMIT $1`,
      [RECENT_COUNTS],
    );
    return rows.map((r) => ({
      service: r.service_slug,
      audience: r.audience,
      channel: r.channel,
      day: r.day,
      applications: r.applications,
      recordedAt: r.recorded_at,
    }));
  }
}
