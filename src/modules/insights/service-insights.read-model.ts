import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../platform/config/app-config.js';
import type { Audience } from '../../platform/flags/flag-context.js';
import type { Localized } from '../catalogue/service-definition.js';
import { CITY_TIME_ZONE } from '../../platform/i18n/city-time.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { FormService } from '../catalogue/form.service.js';
import { tenth } from './figures.js';

/** A period of days in the city's time zone: `from` included, `to` excluded (YYYY-MM-DD). */
export interface Period {
  from: string;
  to: string;
}

/** One week of adoption: applications submitted, and by how many SMEs (or residents). */
export interface AdoptionWeek {
  /** The Monday the week starts on (YYYY-MM-DD). */
  week: string;
  /** Null when fewer filers than the threshold: neither figure is shown. */
  applications: number | null;
  filers: number | null;
}

/** A step of the form: how often it was shown and completed, and the share lost between. */
export interface FunnelStep {
  step: string;
  title: Localized | null;
  shown: number | null;
  completed: number | null;
  /** 0–1, the shown that were not completed; null when hidden. */
  dropOff: number | null;
}

/**
 * What the insights show for a service's variant over a period (issue 16).
 * A figure drawn from fewer than `minGroup` people, applications, events or
 * responses is null: hidden, with the count it would have stood on where that
 * says nothing of anyone.
 */
export interface ServiceFigures {
  slug: string;
  variant: Audience;
  period: Period;
  minGroup: number;
  adoption: AdoptionWeek[];
  completion: { started: number; submitted: number; rate: number | null };
  /** From starting an application to submitting it (minutes). */
  timeToComplete: { count: number; medianMinutes: number | null };
  /** From submission to the decision (days, one decimal). */
  processing: { count: number; medianDays: number | null; p90Days: number | null };
  /** Overall satisfaction (1–5, one decimal) and how many answered. */
  satisfaction: { responses: number; average: number | null };
  /** Submitted applications by channel (web, api, csv). */
  channels: { channel: string; applications: number | null }[];
  /**
   * Digital take-up: the applications submitted online (every channel of the
   * portal) and those clerks recorded as taken by phone or at the counter
   * (null: none recorded in the period, so no share); the share online,
   * shown when online, each of its channels and the others are at least
   * `minGroup` (the others may be none).
   */
  takeUp: { online: number; offline: number | null; share: number | null };
  funnel: FunnelStep[];
  /** The fields that caused the most errors (at most 10); empty when too few refusals. */
  fieldErrors: { field: string; step: string | null; errors: number }[];
  /** How many step saves were refused for errors in the period. */
  refusals: number;
}

const TOP_FIELDS = 10;

/**
 * The insights' figures for one service variant (issue 16), read from the
 * applications, the journey events (ADR 0041) and the satisfaction survey.
 * A reporting read model: it never writes, and shows nothing about a person.
 * Days and weeks are the city's (CITY_TIME_ZONE).
 */
@Injectable()
export class ServiceInsightsReadModel {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly catalogue: CatalogueService,
    private readonly forms: FormService,
  ) {}

  async figures(slug: string, variant: Audience, period: Period): Promise<ServiceFigures> {
    const min = this.config.INSIGHTS_MIN_GROUP;
    const shown = (value: number, count: number) => (count >= min ? value : null);
    const args = [slug, variant, period.from, period.to, CITY_TIME_ZONE];
    // The period's bounds as instants: midnight in the city.
    const within = (column: string) =>
      `${column} >= ($3::date::timestamp AT TIME ZONE $5) AND ${column} < ($4::date::timestamp AT TIME ZONE $5)`;
    // One statement after the other: a page takes one of the pool's connections, not nine.
    const [
      weeks,
      [completion],
      [complete],
      [processing],
      [survey],
      channels,
      steps,
      fields,
      [refused],
      [offline],
    ] = await inTurn([
      () =>
        this.dataSource.query<{ week: string; applications: number; filers: number }[]>(
          // Each filer's applications of a week first (hashed, not sorted), then the weeks.
          `SELECT to_char(w.week, 'YYYY-MM-DD') AS week, sum(w.applications)::int AS applications,
                  count(*)::int AS filers
             FROM (SELECT date_trunc('week', a.submitted_at AT TIME ZONE $5) AS week,
                          COALESCE(a.organization_id, a.account_id) AS filer,
                          count(*) AS applications
                     FROM application a
                    WHERE a.service_slug = $1 AND a.variant = $2 AND a.status <> 'draft'
                      AND ${within('a.submitted_at')}
                    GROUP BY 1, 2) w
            GROUP BY w.week ORDER BY w.week`,
          args,
        ),
      () =>
        this.dataSource.query<{ started: number; submitted: number }[]>(
          `SELECT count(*)::int AS started,
                  count(*) FILTER (WHERE a.submitted_at IS NOT NULL)::int AS submitted
             FROM application a
            WHERE a.service_slug = $1 AND a.variant = $2 AND a.channel = 'web'
              AND ${within('a.created_at')}`,
          args,
        ),
      () =>
        this.dataSource.query<{ count: number; median: number | null }[]>(
          `SELECT count(*)::int AS count,
                  percentile_cont(0.5) WITHIN GROUP (
                    ORDER BY extract(epoch FROM a.submitted_at - a.created_at) / 60) AS median
             FROM application a
            WHERE a.service_slug = $1 AND a.variant = $2 AND a.status <> 'draft'
              AND a.channel = 'web' AND ${within('a.submitted_at')}`,
          args,
        ),
      () =>
        this.dataSource.query<{ count: number; median: number | null; p90: number | null }[]>(
          `SELECT count(*)::int AS count,
                  percentile_cont(0.5) WITHIN GROUP (
                    ORDER BY extract(epoch FROM a.decided_at - a.submitted_at) / 86400) AS median,
                  percentile_cont(0.9) WITHIN GROUP (
                    ORDER BY extract(epoch FROM a.decided_at - a.submitted_at) / 86400) AS p90
             FROM application a
            WHERE a.service_slug = $1 AND a.variant = $2
              AND a.status IN ('approved', 'rejected') AND ${within('a.decided_at')}`,
          args,
        ),
      () =>
        this.dataSource.query<{ responses: number; average: string | null }[]>(
          `SELECT count(r.overall)::int AS responses, avg(r.overall) AS average
             FROM satisfaction_response r
            WHERE r.service_slug = $1 AND r.variant = $2 AND ${within('r.created_at')}`,
          args,
        ),
      () =>
        this.dataSource.query<{ channel: string; applications: number }[]>(
          `SELECT a.channel, count(*)::int AS applications
             FROM application a
            WHERE a.service_slug = $1 AND a.variant = $2 AND a.status <> 'draft'
              AND ${within('a.submitted_at')}
            GROUP BY a.channel ORDER BY a.channel`,
          args,
        ),
      () =>
        this.dataSource.query<{ step: string; shown: number; completed: number }[]>(
          `SELECT e.step,
                  count(*) FILTER (WHERE e.kind = 'step_shown')::int AS shown,
                  count(*) FILTER (WHERE e.kind = 'step_completed')::int AS completed
             FROM journey_event e
            WHERE e.service_slug = $1 AND e.variant = $2
              AND e.kind IN ('step_shown', 'step_completed') AND ${within('e.occurred_at')}
            GROUP BY e.step`,
          args,
        ),
      () =>
        this.dataSource.query<{ field: string; step: string | null; errors: number }[]>(
          `SELECT f.key AS field, e.step, sum(f.value::int)::int AS errors
             FROM journey_event e, jsonb_each_text(COALESCE(e.field_errors, '{}')) AS f
            WHERE e.service_slug = $1 AND e.variant = $2 AND e.kind = 'validation_failed'
              AND ${within('e.occurred_at')}
            GROUP BY f.key, e.step
           HAVING sum(f.value::int) >= $6
            ORDER BY errors DESC, f.key, e.step
            LIMIT ${TOP_FIELDS}`,
          [...args, min],
        ),
      () =>
        this.dataSource.query<{ refusals: number }[]>(
          `SELECT count(*)::int AS refusals FROM journey_event e
            WHERE e.service_slug = $1 AND e.variant = $2 AND e.kind = 'validation_failed'
              AND ${within('e.occurred_at')}`,
          args,
        ),
      () =>
        this.dataSource.query<{ days: number; applications: number }[]>(
          `SELECT count(*)::int AS days, COALESCE(sum(c.applications), 0)::int AS applications
             FROM offline_application_count c
            WHERE c.service_slug = $1 AND c.audience = $2 AND c.day >= $3::date AND c.day < $4::date`,
          [slug, variant, period.from, period.to],
        ),
    ] as const);
    const refusals = refused.refusals;
    const online = channels.reduce((sum, c) => sum + c.applications, 0);
    const recorded = offline.days > 0 ? offline.applications : null;
    return {
      slug,
      variant,
      period,
      minGroup: min,
      adoption: weeks.map((w) => ({
        week: w.week,
        applications: shown(w.applications, w.filers),
        filers: shown(w.filers, w.filers),
      })),
      completion: {
        ...completion,
        rate: shown(ratio(completion.submitted, completion.started), completion.started),
      },
      timeToComplete: {
        count: complete.count,
        medianMinutes:
          complete.median === null ? null : shown(Math.round(complete.median), complete.count),
      },
      processing: {
        count: processing.count,
        medianDays:
          processing.median === null ? null : shown(tenth(processing.median), processing.count),
        p90Days: processing.p90 === null ? null : shown(tenth(processing.p90), processing.count),
      },
      satisfaction: {
        responses: survey.responses,
        average:
          survey.average === null ? null : shown(tenth(Number(survey.average)), survey.responses),
      },
      channels: channels.map((c) => ({
        channel: c.channel,
        applications: shown(c.applications, c.applications),
      })),
      takeUp: {
        online,
        offline: recorded,
        share: takeUpShare(
          channels.map((c) => c.applications),
          recorded,
          min,
        ),
      },
      funnel: this.funnel(slug, variant, steps, shown),
      fieldErrors: fields,
      refusals,
    };
  }

  /** The steps in the order the variant's current revision asks them, then any other counted. */
  private funnel(
    slug: string,
    variant: Audience,
    counted: { step: string; shown: number; completed: number }[],
    shown: (value: number, count: number) => number | null,
  ): FunnelStep[] {
    const served = this.catalogue.served(slug, variant);
    const steps = served ? this.forms.steps(served.definition, variant) : [];
    const bySlug = new Map(counted.map((c) => [c.step, c]));
    const ordered = [
      ...steps.map((s) => ({ step: s.slug, title: s.title as Localized | null })),
      ...counted
        .filter((c) => !steps.some((s) => s.slug === c.step))
        .map((c) => ({ step: c.step, title: null }))
        .sort((a, b) => a.step.localeCompare(b.step)),
    ];
    return ordered.map(({ step, title }) => {
      const { shown: seen = 0, completed = 0 } = bySlug.get(step) ?? {};
      return {
        step,
        title,
        shown: shown(seen, seen),
        completed: shown(completed, completed),
        // Hidden with the smaller of its two counts: neither can be worked out.
        dropOff: shown(
          seen === 0 ? 0 : Math.max(0, 1 - completed / seen),
          Math.min(seen, completed),
        ),
      };
    });
  }
}

/**
 * The share of applications made online (`online`: each channel's count)
 * against `offline` (null: none recorded, so no share). Hidden while online,
 * one of its channels (hidden in its table) or the others (unless none)
 * count fewer than `min`: the share would tell them.
 */
export function takeUpShare(online: number[], offline: number | null, min: number): number | null {
  const total = online.reduce((sum, n) => sum + n, 0);
  if (offline === null || total < min || online.some((n) => n < min)) return null;
  if (offline > 0 && offline < min) return null;
  return total / (total + offline);
}

function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}

/** Runs queries one after the other; their results in order. */
async function inTurn<T extends readonly (() => Promise<unknown>)[]>(
  queries: T,
): Promise<{ -readonly [K in keyof T]: Awaited<ReturnType<T[K]>> }> {
  const results: unknown[] = [];
  for (const query of queries) results.push(await query());
  return results as { -readonly [K in keyof T]: Awaited<ReturnType<T[K]>> };
}
