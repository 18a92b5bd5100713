import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isDatabaseUnavailable } from '../../platform/database/database-unavailable.js';
import { preparedRows } from '../../platform/database/prepared.js';
import type { Audience } from '../../platform/flags/flag-context.js';
import { JsonLogger } from '../../platform/logging/json-logger.js';
import { VariantAccessService } from '../rollout/variant-access.service.js';
import type { Applicant } from './applications.service.js';

export type JourneyEventKind =
  | 'draft_started'
  | 'step_shown'
  | 'step_completed'
  | 'validation_failed'
  | 'check_answers_shown'
  | 'submitted'
  | 'withdrawn';

/** One step of a journey, as the insights count it: never a value, never a person. */
export interface JourneyEvent {
  kind: JourneyEventKind;
  serviceSlug: string;
  variant: Audience;
  revision: number;
  /** The form's step, for the step events (and a step refused for errors). */
  step?: string;
  /** Seconds between the step being shown and this save of it, when known. */
  seconds?: number;
  /** How many problems each field had (validation_failed), by field name. */
  fieldErrors?: Record<string, number>;
}

/** What a row holds beyond the event: when, the variant's stage and the filer's pilot cohort. */
interface Row {
  occurred_at: string;
  kind: JourneyEventKind;
  service_slug: string;
  variant: Audience;
  service_revision: number;
  channel: string;
  stage: string | null;
  cohort: string | null;
  step: string | null;
  seconds: number | null;
  errors: number;
  field_errors: Record<string, number> | null;
}

/** Events are written this often, in one statement per batch. */
export const JOURNEY_FLUSH_MS = 1000;
const BATCH = 500;
/** Held while the database is away; past this, the oldest are dropped (and counted in the log). */
const MAX_HELD = 20_000;
/** A step shown longer ago than this is not timed (a tab left open overnight). */
const MAX_STEP_SECONDS = 3 * 3600;

const INSERT = `
  INSERT INTO journey_event (occurred_at, kind, service_slug, variant, service_revision, channel,
                             stage, cohort, step, seconds, errors, field_errors)
  SELECT e.occurred_at, e.kind, e.service_slug, e.variant, e.service_revision, e.channel,
         e.stage, e.cohort, e.step, e.seconds, e.errors, e.field_errors
    FROM json_to_recordset($1::json) AS e (
      occurred_at timestamptz, kind text, service_slug text, variant text, service_revision integer,
      channel text, stage text, cohort text, step text, seconds integer, errors integer,
      field_errors jsonb)`;

/**
 * Records the steps of every journey through an application form, for the
 * insights (ADR 0041): which service, variant, revision and step, through
 * which channel, at which stage of the variant's rollout, by a member of which
 * pilot cohort, how long the step took and how many errors each field had.
 * Nothing that names or links a person: no application, account or SME id,
 * no address, no answer.
 *
 * Events are recorded after what they tell has happened (its transaction
 * committed), held in memory and written every JOURNEY_FLUSH_MS in one
 * statement, so the filing they describe does not wait for them. A crash
 * loses at most that much; a stop writes what is held. While the database is
 * away they are held (at most MAX_HELD); an event PostgreSQL refuses for what
 * it holds is dropped and logged (its batch tried again in halves), never the
 * person's problem.
 */
@Injectable()
export class JourneyEvents implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private held: Row[] = [];
  /** Events dropped because too many were held (the database away), since the last flush. */
  private overflow = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly access: VariantAccessService,
    private readonly logger: JsonLogger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.flush(), JOURNEY_FLUSH_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
    if (this.held.length > 0)
      this.logger.event('warn', 'journey.events_dropped', {
        dropped: this.held.length,
        why: 'stopping while the database is away',
      });
  }

  /**
   * Records an event of `applicant`'s journey (written within JOURNEY_FLUSH_MS):
   * who they are serves only to find their pilot cohort, and is not kept.
   */
  record(applicant: Applicant, event: Omit<JourneyEvent, 'channel'>): void {
    const { stage, cohort } = this.access.standing(event.serviceSlug, event.variant, applicant);
    const errors = Object.values(event.fieldErrors ?? {}).reduce((sum, n) => sum + n, 0);
    this.held.push({
      occurred_at: new Date().toISOString(),
      kind: event.kind,
      service_slug: event.serviceSlug,
      variant: event.variant,
      service_revision: event.revision,
      channel: applicant.channel,
      stage,
      cohort,
      step: event.step ?? null,
      seconds:
        event.seconds !== undefined && event.seconds >= 0 && event.seconds <= MAX_STEP_SECONDS
          ? Math.round(event.seconds)
          : null,
      errors,
      field_errors: errors > 0 ? (event.fieldErrors ?? null) : null,
    });
    if (this.held.length > MAX_HELD)
      this.overflow += this.held.splice(0, this.held.length - MAX_HELD).length;
  }

  /** Writes what is held now (one write at a time); tests call it instead of waiting. */
  flush(): Promise<void> {
    this.writing ??= this.write().finally(() => {
      this.writing = undefined;
    });
    return this.writing;
  }

  private async write(): Promise<void> {
    if (this.overflow > 0) {
      this.logger.event('warn', 'journey.events_dropped', {
        dropped: this.overflow,
        why: 'too many held while the database was away',
      });
      this.overflow = 0;
    }
    while (this.held.length > 0) {
      const left = await this.insert(this.held.splice(0, BATCH));
      if (left.length > 0) {
        this.held.unshift(...left); // the database is away: for the next flush
        return;
      }
    }
  }

  /**
   * Inserts a batch; returns the rows not written because the database is
   * away. A batch PostgreSQL refuses for a row it holds (a constraint) is
   * tried again in halves, so only the rows refused are dropped, and logged.
   */
  private async insert(batch: Row[]): Promise<Row[]> {
    try {
      await preparedRows(this.dataSource, INSERT, [JSON.stringify(batch)]);
      return [];
    } catch (error) {
      if (isDatabaseUnavailable(error)) return batch;
      const integrity = String((error as { code?: unknown }).code ?? '').startsWith('23');
      if (integrity && batch.length > 1) {
        const half = Math.ceil(batch.length / 2);
        const left = await this.insert(batch.slice(0, half));
        return left.length > 0 ? [...left, ...batch.slice(half)] : this.insert(batch.slice(half));
      }
      this.logger.event('warn', 'journey.events_dropped', {
        dropped: batch.length,
        error: (error as Error).message,
      });
      return [];
    }
  }
}
