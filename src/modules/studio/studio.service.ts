import { Injectable } from '@nestjs/common';
import type { Audience } from '../../platform/flags/flag-context.js';
import { RolloutReadModel, type VariantStage } from '../rollout/rollout.read-model.js';
import type { StaffActor } from '../staff/staff-roles.guard.js';
import { ServiceRevisionsService, type StudioServiceSummary } from './service-revisions.service.js';

/** A service as the studio lists it: its revisions and where each variant stands. */
export interface StudioService extends StudioServiceSummary {
  /** Each variant's rollout stage (a variant with no plan yet is closed). */
  stages: Record<Audience, VariantStage>;
}

const AUDIENCES: readonly Audience[] = ['citizen', 'business'];
const CLOSED: VariantStage = { stage: 'closed', paused: false, trial: false };

/** The studio's list of services: each with its revisions and its variants' stages. */
@Injectable()
export class StudioServicesService {
  constructor(
    private readonly revisions: ServiceRevisionsService,
    private readonly rollout: RolloutReadModel,
  ) {}

  /** Every service with its current revision, its draft and its variants' stages. */
  async list(actor: StaffActor): Promise<StudioService[]> {
    const services = await this.revisions.services(actor);
    const stages = await this.rollout.stages();
    return services.map((service) => ({
      ...service,
      stages: Object.fromEntries(
        AUDIENCES.map((variant) => [variant, stages.get(`${service.slug}.${variant}`) ?? CLOSED]),
      ) as Record<Audience, VariantStage>,
    }));
  }
}
