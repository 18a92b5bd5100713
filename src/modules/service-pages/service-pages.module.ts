import { Module } from '@nestjs/common';
import { CatalogueModule } from '../catalogue/catalogue.module.js';
import { FeedbackModule } from '../feedback/feedback.module.js';
import { RolloutModule } from '../rollout/rollout.module.js';
import { ServicePagesController } from './service-pages.controller.js';
import { ServicePagesPresenter } from './service-pages.presenter.js';
import { ServicePagesService } from './service-pages.service.js';

/**
 * The public service pages: the catalogue and each variant's start page, behind
 * its flag (the rollout module's variant access), with the service's published
 * FAQ and, for the pilot's testers, a link to their acceptance checklist (both
 * from the feedback module).
 */
@Module({
  imports: [CatalogueModule, RolloutModule, FeedbackModule],
  controllers: [ServicePagesController],
  providers: [ServicePagesService, ServicePagesPresenter],
})
export class ServicePagesModule {}
