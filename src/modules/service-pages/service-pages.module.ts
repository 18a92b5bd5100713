import { Module } from '@nestjs/common';
import { AcceptanceModule } from '../acceptance/acceptance.module.js';
import { CatalogueModule } from '../catalogue/catalogue.module.js';
import { FaqModule } from '../faq/faq.module.js';
import { RolloutModule } from '../rollout/rollout.module.js';
import { ServicePagesController } from './service-pages.controller.js';
import { ServicePagesPresenter } from './service-pages.presenter.js';
import { ServicePagesService } from './service-pages.service.js';

/**
 * The public service pages: the catalogue and each variant's start page, behind
 * its flag (the rollout module's variant access), with the service's published
 * FAQ and, for the pilot's testers, a link to their acceptance checklist (from
 * the faq and acceptance modules).
 */
@Module({
  imports: [CatalogueModule, RolloutModule, AcceptanceModule, FaqModule],
  controllers: [ServicePagesController],
  providers: [ServicePagesService, ServicePagesPresenter],
})
export class ServicePagesModule {}
