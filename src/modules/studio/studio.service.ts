import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Audience } from '../../platform/flags/flag-context.js';
import { RolloutReadModel, type VariantStage } from '../rollout/rollout.read-model.js';
import type { RevisionStage } from '../rollout/revision-track.js';
import type { StaffActor } from '../staff/staff-roles.guard.js';
import {
  ServiceRevisionsService,
  type RevisionSummary,
  type StudioServiceSummary,
} from './service-revisions.service.js';
import { STUDIO_REFUSALS } from './studio.refusals.js';

/** A service as the studio lists it: its revisions and where each variant stands. */
export interface StudioService extends StudioServiceSummary {
  /** Each variant's rollout stage (a variant with no plan yet is closed). */
  stages: Record<Audience, VariantStage>;
  /** The revision in rollout to SMEs then citizens, if any (ADR 0032). */
  candidate?: { revision: number; stage: RevisionStage };
}

/** One service's page in the studio: the service, and its revisions newest first. */
export interface StudioServiceOverview {
  service: StudioService;
  revisions: RevisionSummary[];
}

const AUDIENCES: readonly Audience[] = ['citizen', 'business'];
const CLOSED: VariantStage = { stage: 'closed', paused: false, trial: false };

/** The studio's list of services: each with its revisions and its variants' stages. */
@Injectable()
export class StudioServicesService {
  constructor(
    private readonly revisions: ServiceRevisionsService,
    private readonly rollout: RolloutReadModel,
    private readonly dataSource: DataSource,
  ) {}

  /** Every service with its current revision, its draft and its variants' stages. */
  async list(actor: StaffActor): Promise<StudioService[]> {
    const services = await this.revisions.services(actor);
    const [stages, candidates] = await Promise.all([
      this.rollout.stages(),
      this.rollout.candidates(),
    ]);
    return services.map((service) => ({
      ...service,
      candidate: candidates.get(service.slug),
      stages: Object.fromEntries(
        AUDIENCES.map((variant) => [variant, stages.get(`${service.slug}.${variant}`) ?? CLOSED]),
      ) as Record<Audience, VariantStage>,
    }));
  }

  /** One service with its revisions (404 for a service the portal does not have). */
  async overview(actor: StaffActor, slug: string): Promise<StudioServiceOverview> {
    const revisions = await this.revisions.revisions(actor, slug);
    const service = (await this.list(actor)).find((s) => s.slug === slug);
    if (!service) throw STUDIO_REFUSALS.of('not-found');
    return { service, revisions };
  }

  /** How many applications still in draft were started on a revision (they move if it is withdrawn). */
  async draftApplications(actor: StaffActor, slug: string, revision: number): Promise<number> {
    await this.revisions.revision(actor, slug, revision);
    const [row] = await this.dataSource.query<{ count: number }[]>(
      `SELECT count(*)::int AS count FROM application
        WHERE application.service_slug = $1 AND application.service_revision = $2
          AND application.status = 'draft'`,
      [slug, revision],
    );
    return row.count;
  }
}
