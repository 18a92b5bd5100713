import { ForbiddenException, Injectable } from '@nestjs/common';
import type { Audience } from '../../platform/flags/flag-context.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import type { Localized } from '../catalogue/service-definition.js';
import { RolloutReadModel, type VariantStage } from '../rollout/rollout.read-model.js';
import type { StaffActor } from '../staff/staff-roles.guard.js';
import { STUDIO_ROLES } from './studio-roles.js';

/** A service as the studio lists it: what the catalogue declares and where each variant stands. */
export interface StudioService {
  slug: string;
  title: Localized;
  referencePrefix: string;
  department: Localized;
  /** Each variant's rollout stage (a variant with no plan yet is closed). */
  stages: Record<Audience, VariantStage>;
}

const AUDIENCES: readonly Audience[] = ['citizen', 'business'];
const CLOSED: VariantStage = { stage: 'closed', paused: false, trial: false };

/**
 * The service studio's rules (issue 14). Today: the list of services. The
 * catalogue's services are still declared in the repo, so there are no
 * revisions or drafts to show yet.
 */
@Injectable()
export class StudioServicesService {
  constructor(
    private readonly catalogue: CatalogueService,
    private readonly rollout: RolloutReadModel,
  ) {}

  /** Every service of the catalogue with its variants' stages, for a designer or an admin. */
  async list(actor: StaffActor): Promise<StudioService[]> {
    if (!(STUDIO_ROLES as readonly string[]).includes(actor.role)) throw new ForbiddenException();
    const stages = await this.rollout.stages();
    return this.catalogue.all().map((definition) => ({
      slug: definition.slug,
      title: definition.title,
      referencePrefix: definition.referencePrefix,
      department: definition.department,
      stages: Object.fromEntries(
        AUDIENCES.map((variant) => [
          variant,
          stages.get(`${definition.slug}.${variant}`) ?? CLOSED,
        ]),
      ) as Record<Audience, VariantStage>,
    }));
  }
}
