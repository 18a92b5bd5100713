import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Audience } from '../../platform/flags/flag-context.js';
import type { GateResult } from './gates.js';
import type { RevisionStage } from './revision-track.js';

/** A revision of a service, as the revision page lists it. */
export interface RevisionRow {
  number: number;
  state: string;
  readyAt: Date | null;
}

/** What each variant serves now, and the service's revisions (newest first). */
export interface ServiceRevisionsRow {
  current: Record<Audience, number | null>;
  revisions: RevisionRow[];
}

/** A decision on a candidate revision (`rollout_decision.revision` set). */
export interface RevisionDecisionRow {
  id: string;
  kind: string;
  revision: number;
  variant: Audience;
  fromStage: string | null;
  toStage: string | null;
  override: boolean;
  reason: string | null;
  details: Record<string, unknown>;
  gates: GateResult[];
  actorName: string | null;
  createdAt: Date;
}

/** A service's candidate in rollout, for the console's home. */
export interface CandidateRow {
  slug: string;
  revision: number;
  stage: RevisionStage;
}

/** What the rollout console's revision pages read (ADR 0032). */
@Injectable()
export class RevisionConsoleReadModel {
  constructor(private readonly dataSource: DataSource) {}

  /** Every service's candidate in rollout. */
  async candidates(): Promise<CandidateRow[]> {
    const rows = await this.dataSource.query<
      { service_slug: string; revision: number; stage: RevisionStage }[]
    >(
      `SELECT revision_rollout.service_slug, revision_rollout.revision, revision_rollout.stage
         FROM revision_rollout ORDER BY revision_rollout.service_slug`,
    );
    return rows.map((r) => ({ slug: r.service_slug, revision: r.revision, stage: r.stage }));
  }

  /** The service's current revision per variant and its revisions; undefined for no service. */
  async service(slug: string): Promise<ServiceRevisionsRow | undefined> {
    const [service] = await this.dataSource.query<
      { business_revision: number | null; citizen_revision: number | null }[]
    >(
      `SELECT service.business_revision, service.citizen_revision FROM service WHERE service.slug = $1`,
      [slug],
    );
    if (!service) return undefined;
    const revisions = await this.dataSource.query<
      { number: number; state: string; ready_at: Date | null }[]
    >(
      `SELECT service_revision.number, service_revision.state, service_revision.ready_at
         FROM service_revision WHERE service_revision.service_slug = $1
        ORDER BY service_revision.number DESC`,
      [slug],
    );
    return {
      current: { business: service.business_revision, citizen: service.citizen_revision },
      revisions: revisions.map((r) => ({ number: r.number, state: r.state, readyAt: r.ready_at })),
    };
  }

  /** The decisions on the service's candidate revisions, newest first. */
  async decisions(slug: string, limit = 50): Promise<RevisionDecisionRow[]> {
    const rows = await this.dataSource.query<
      {
        id: string;
        kind: string;
        revision: number;
        variant: Audience;
        from_stage: string | null;
        to_stage: string | null;
        override: boolean;
        reason: string | null;
        details: Record<string, unknown> | null;
        gates: GateResult[] | null;
        actor_name: string | null;
        created_at: Date;
      }[]
    >(
      `SELECT rollout_decision.id, rollout_decision.kind, rollout_decision.revision,
              rollout_decision.variant, rollout_decision.from_stage, rollout_decision.to_stage,
              rollout_decision.override, rollout_decision.reason, rollout_decision.details,
              rollout_decision.gates, account.display_name AS actor_name, rollout_decision.created_at
         FROM rollout_decision LEFT JOIN account ON account.id = rollout_decision.actor_id
        WHERE rollout_decision.service_slug = $1 AND rollout_decision.revision IS NOT NULL
        ORDER BY rollout_decision.created_at DESC, rollout_decision.id DESC
        LIMIT $2`,
      [slug, limit],
    );
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      revision: r.revision,
      variant: r.variant,
      fromStage: r.from_stage,
      toStage: r.to_stage,
      override: r.override,
      reason: r.reason,
      details: r.details ?? {},
      gates: r.gates ?? [],
      actorName: r.actor_name,
      createdAt: r.created_at,
    }));
  }
}
