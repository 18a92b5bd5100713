import {
  BeforeApplicationShutdown,
  Injectable,
  OnApplicationBootstrap,
  OnModuleInit,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../platform/config/app-config.js';
import { Jobs } from '../../platform/jobs/jobs.js';
import { JsonLogger } from '../../platform/logging/json-logger.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import type { Localized } from '../catalogue/service-definition.js';
import { CITY_TIME_ZONE } from '../../platform/i18n/city-time.js';
import { tenth } from './figures.js';
import { takeUpShare } from './service-insights.read-model.js';

/** Green, amber or red against the figure's threshold; none where a figure has no threshold. */
export type Status = 'good' | 'fair' | 'poor';

export interface PublicFigure {
  value: number | null;
  /** How many people, applications or responses it is drawn from; null when fewer than the threshold. */
  count: number | null;
  status: Status | null;
}

/** What `/performance` shows of one service open to the public. */
export interface ServicePerformance {
  slug: string;
  title: Localized;
  /** Overall satisfaction, 1 to 5. */
  satisfaction: PublicFigure;
  /** Share of the applications started on the pages that were submitted. */
  completion: PublicFigure;
  /** Days from submission to decision. */
  processingMedian: PublicFigure;
  processingP90: PublicFigure;
  /** Applications submitted (pages, API, CSV files); null when fewer than the threshold. */
  filedOnline: number | null;
  /**
   * The share of applications made online, against those clerks recorded as
   * taken by phone or at the counter; `recorded` false when none was recorded
   * over the period (no share, then).
   */
  digitalTakeUp: PublicFigure & { recorded: boolean };
}

export interface PerformanceFigures {
  /** The snapshot's shape: an instance holds only its own release's. */
  version: number;
  computedAt: string;
  /** The days the services' figures cover (the last PERIOD_DAYS), and availability's. */
  period: { from: string; to: string };
  availability: { from: string; to: string; share: number | null; status: Status | null };
  minGroup: number;
  services: ServicePerformance[];
}

/** Bumped when PerformanceFigures changes shape. */
export const SNAPSHOT_VERSION = 2;

/** The services' figures cover the last year; availability, the last 30 days. */
export const PERIOD_DAYS = 365;
export const AVAILABILITY_DAYS = 30;
/** The figures are computed again this often (seconds); availability is sampled every minute. */
export const REFRESH_SECONDS = 15 * 60;

/**
 * The thresholds of the colours (issue 16, after the Observatoire de la
 * qualité des services publics: satisfaction green from 8/10).
 */
export const THRESHOLDS = {
  satisfaction: { good: 4, fair: 3 },
  completion: { good: 0.8, fair: 0.6 },
  processingMedian: { good: 10, fair: 20 },
  processingP90: { good: 20, fair: 40 },
  digitalTakeUp: { good: 0.8, fair: 0.5 },
  availability: { good: 0.995, fair: 0.99 },
} as const;

function higherIsBetter(value: number | null, t: { good: number; fair: number }): Status | null {
  if (value === null) return null;
  return value >= t.good ? 'good' : value >= t.fair ? 'fair' : 'poor';
}

function lowerIsBetter(value: number | null, t: { good: number; fair: number }): Status | null {
  if (value === null) return null;
  return value <= t.good ? 'good' : value <= t.fair ? 'fair' : 'poor';
}

/**
 * The public performance figures (issue 16): for each service open to the
 * public (its citizen variant at `general`, or its business variant at
 * `sme-all`), satisfaction, the completion rate online, processing times and
 * the applications filed online over the last year, each with a colour; and
 * the portal's availability over the last 30 days, from the minutes it
 * recorded itself up. A figure drawn from fewer than INSIGHTS_MIN_GROUP is not
 * given. A reporting read model over the applications, the survey and the
 * plans; it writes only its own tables.
 */
@Injectable()
export class PerformanceFiguresReadModel {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly catalogue: CatalogueService,
  ) {}

  /**
   * The figures as of `now`, for the services open to the public (or, for a
   * benchmark, only those it names).
   */
  async compute(now: Date, only?: readonly string[]): Promise<PerformanceFigures> {
    const min = this.config.INSIGHTS_MIN_GROUP;
    const from = new Date(now.getTime() - PERIOD_DAYS * 86_400_000);
    const open = only ?? (await this.openToThePublic());
    const services: ServicePerformance[] = [];
    for (const service of this.catalogue.all()) {
      if (!open.includes(service.slug)) continue;
      const [row] = await this.dataSource.query<
        {
          responses: number;
          satisfaction: string | null;
          started: number;
          submitted_web: number;
          decided: number;
          median: number | null;
          p90: number | null;
          filed: number;
          offline_days: number;
          offline_business: number;
          offline_citizen: number;
        }[]
      >(
        `SELECT
           (SELECT count(r.overall)::int FROM satisfaction_response r
             WHERE r.service_slug = $1 AND r.created_at >= $2) AS responses,
           (SELECT avg(r.overall) FROM satisfaction_response r
             WHERE r.service_slug = $1 AND r.created_at >= $2) AS satisfaction,
           (SELECT count(*)::int FROM application a
             WHERE a.service_slug = $1 AND a.channel = 'web' AND a.created_at >= $2) AS started,
           (SELECT count(*)::int FROM application a
             WHERE a.service_slug = $1 AND a.channel = 'web' AND a.created_at >= $2
               AND a.submitted_at IS NOT NULL) AS submitted_web,
           (SELECT count(*)::int FROM application a
             WHERE a.service_slug = $1 AND a.status IN ('approved', 'rejected')
               AND a.decided_at >= $2) AS decided,
           (SELECT percentile_cont(0.5) WITHIN GROUP (
                     ORDER BY extract(epoch FROM a.decided_at - a.submitted_at) / 86400)
              FROM application a WHERE a.service_slug = $1 AND a.status IN ('approved', 'rejected')
               AND a.decided_at >= $2) AS median,
           (SELECT percentile_cont(0.9) WITHIN GROUP (
                     ORDER BY extract(epoch FROM a.decided_at - a.submitted_at) / 86400)
              FROM application a WHERE a.service_slug = $1 AND a.status IN ('approved', 'rejected')
               AND a.decided_at >= $2) AS p90,
           (SELECT count(*)::int FROM application a
             WHERE a.service_slug = $1 AND a.status <> 'draft' AND a.submitted_at >= $2) AS filed,
           (SELECT count(*)::int FROM offline_application_count c
             WHERE c.service_slug = $1 AND c.day >= ($2::timestamptz AT TIME ZONE $3)::date) AS offline_days,
           (SELECT COALESCE(sum(c.applications), 0)::int FROM offline_application_count c
             WHERE c.service_slug = $1 AND c.audience = 'business'
               AND c.day >= ($2::timestamptz AT TIME ZONE $3)::date) AS offline_business,
           (SELECT COALESCE(sum(c.applications), 0)::int FROM offline_application_count c
             WHERE c.service_slug = $1 AND c.audience = 'citizen'
               AND c.day >= ($2::timestamptz AT TIME ZONE $3)::date) AS offline_citizen`,
        [service.slug, from, CITY_TIME_ZONE],
      );
      const given = (value: number | null, count: number) =>
        count >= min && value !== null ? value : null;
      // A count is published only from the threshold on, like the figure it stands behind.
      const counted = (count: number) => (count >= min ? count : null);
      const satisfaction = given(
        row.satisfaction === null ? null : tenth(Number(row.satisfaction)),
        row.responses,
      );
      const completion = given(
        row.started === 0 ? null : row.submitted_web / row.started,
        row.started,
      );
      const median = given(row.median === null ? null : tenth(row.median), row.decided);
      const p90 = given(row.p90 === null ? null : tenth(row.p90), row.decided);
      services.push({
        slug: service.slug,
        title: service.title,
        satisfaction: {
          value: satisfaction,
          count: counted(row.responses),
          status: higherIsBetter(satisfaction, THRESHOLDS.satisfaction),
        },
        completion: {
          value: completion,
          count: counted(row.started),
          // Judged as shown (a whole percent), so the colour never contradicts the number.
          status: higherIsBetter(
            completion === null ? null : Math.round(completion * 100) / 100,
            THRESHOLDS.completion,
          ),
        },
        processingMedian: {
          value: median,
          count: counted(row.decided),
          status: lowerIsBetter(median, THRESHOLDS.processingMedian),
        },
        processingP90: {
          value: p90,
          count: counted(row.decided),
          status: lowerIsBetter(p90, THRESHOLDS.processingP90),
        },
        filedOnline: counted(row.filed),
        digitalTakeUp: this.takeUp(
          row.filed,
          row.offline_days > 0 ? [row.offline_business, row.offline_citizen] : null,
          min,
        ),
      });
    }
    const availability = await this.availability(now);
    return {
      version: SNAPSHOT_VERSION,
      computedAt: now.toISOString(),
      period: { from: from.toISOString(), to: now.toISOString() },
      availability: {
        ...availability,
        // Judged as shown (to a hundredth of a percent).
        status: higherIsBetter(
          availability.share === null ? null : Math.round(availability.share * 10_000) / 10_000,
          THRESHOLDS.availability,
        ),
      },
      minGroup: min,
      services,
    };
  }

  /**
   * Applications made online against those taken by phone or at the counter
   * (each audience's; null: none recorded). Hidden while either side counts
   * fewer than the threshold (none by phone or counter says nothing of
   * anyone), or an audience's count does: the staff insights show the other
   * audience's, which the total less would tell.
   */
  private takeUp(
    online: number,
    offline: number[] | null,
    min: number,
  ): ServicePerformance['digitalTakeUp'] {
    if (offline === null) return { value: null, count: null, status: null, recorded: false };
    const total = offline.reduce((sum, n) => sum + n, 0);
    const value = offline.some((n) => n > 0 && n < min) ? null : takeUpShare([online], total, min);
    return {
      value,
      count: value === null ? null : online + total,
      // Judged as shown (a whole percent).
      status: higherIsBetter(
        value === null ? null : Math.round(value * 100) / 100,
        THRESHOLDS.digitalTakeUp,
      ),
      recorded: true,
    };
  }

  private async openToThePublic(): Promise<string[]> {
    const rows = await this.dataSource.query<{ slug: string }[]>(
      `SELECT DISTINCT p.service_slug AS slug FROM rollout_plan p
        WHERE NOT p.paused AND ((p.variant = 'citizen' AND p.stage = 'general')
                             OR (p.variant = 'business' AND p.stage = 'sme-all'))`,
    );
    return rows.map((r) => r.slug);
  }

  /**
   * The share of the minutes of the last AVAILABILITY_DAYS (since the first one
   * recorded, if later) in which the portal recorded itself up. The current
   * minute is not counted: its sample may not be written yet.
   */
  private async availability(now: Date) {
    const [row] = await this.dataSource.query<{ from: Date | null; up: number; minutes: number }[]>(
      `WITH first AS (SELECT min(minute) AS minute FROM availability_minute),
       period AS (
         -- No minute recorded yet: no period (greatest() would ignore the null).
         SELECT CASE WHEN first.minute IS NULL THEN NULL
                     ELSE greatest(date_trunc('minute', $1::timestamptz) - make_interval(days => $2),
                                   first.minute) END AS start,
                date_trunc('minute', $1::timestamptz) AS stop
           FROM first)
       SELECT period.start AS "from",
              (SELECT count(*)::int FROM availability_minute
                WHERE minute >= period.start AND minute < period.stop) AS up,
              COALESCE((extract(epoch FROM period.stop - period.start) / 60)::int, 0) AS minutes
         FROM period`,
      [now, AVAILABILITY_DAYS],
    );
    return {
      from: row.from ? new Date(row.from).toISOString() : now.toISOString(),
      to: now.toISOString(),
      share: row.from && row.minutes > 0 ? Math.min(1, row.up / row.minutes) : null,
    };
  }
}

/**
 * Keeps `/performance`'s figures (issue 16, ADR 0042): every instance marks
 * each minute it is up (`availability_minute`, twice a minute, idempotent),
 * and the periodic job `performance-figures` (one instance, at boot and every
 * 15 minutes) computes the figures into `performance_snapshot`. Every
 * instance holds the last snapshot in memory, read again twice a minute, so
 * the page costs no query.
 */
@Injectable()
export class PerformanceBoard
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown
{
  private held: PerformanceFigures | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly figures: PerformanceFiguresReadModel,
    private readonly jobs: Jobs,
    private readonly logger: JsonLogger,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.jobs.every({
      name: 'performance-figures',
      everySeconds: REFRESH_SECONDS,
      run: async () => {
        try {
          await this.refresh(new Date());
        } catch (error) {
          this.logger.event('warn', 'performance.refresh_failed', {
            error: (error as Error).message,
          });
          throw error;
        }
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.tick();
    // No figures of this release's shape yet (its first boot: the stored ones
    // are the previous release's, and the job of this quarter of an hour may
    // have run on one of its instances): computed here, rather than no page
    // until the job's next run.
    if (!this.held)
      await this.refresh(new Date()).catch((error: unknown) =>
        this.logger.event('warn', 'performance.refresh_failed', {
          error: (error as Error).message,
        }),
      );
    // Every instance marks the minute up (a minute is up when any instance was)
    // and reads the figures again, twice a minute.
    this.timer = setInterval(() => void this.tick(), 30_000);
    this.timer.unref();
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    try {
      await this.recordUp(new Date());
      await this.reload();
    } catch (error) {
      this.logger.event('warn', 'performance.reload_failed', { error: (error as Error).message });
    }
  }

  /** The last figures computed, as every instance holds them; undefined before the first. */
  current(): PerformanceFigures | undefined {
    return this.held;
  }

  /** Records that the portal is up this minute (once, whichever instance says it). */
  async recordUp(now: Date): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO availability_minute (minute) VALUES (date_trunc('minute', $1::timestamptz))
       ON CONFLICT DO NOTHING`,
      [now],
    );
  }

  /**
   * Computes the figures now, stores them for every instance and holds them
   * here: the services open to the public (or those a benchmark names).
   */
  async refresh(now: Date, only?: readonly string[]): Promise<PerformanceFigures> {
    const computed = await this.figures.compute(now, only);
    await this.dataSource.query(
      `INSERT INTO performance_snapshot (id, computed_at, figures) VALUES (1, $1, $2)
       ON CONFLICT (id) DO UPDATE SET computed_at = EXCLUDED.computed_at, figures = EXCLUDED.figures`,
      [computed.computedAt, JSON.stringify(computed)],
    );
    this.held = computed;
    return computed;
  }

  /**
   * Reads the stored figures, if they are of this release's shape (the job
   * computes them again at boot, and every 15 minutes).
   */
  async reload(): Promise<void> {
    const [row] = await this.dataSource.query<{ figures: PerformanceFigures }[]>(
      `SELECT figures FROM performance_snapshot WHERE id = 1`,
    );
    if (row?.figures.version === SNAPSHOT_VERSION) this.held = row.figures;
  }
}
