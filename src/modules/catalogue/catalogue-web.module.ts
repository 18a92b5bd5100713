import { Module } from '@nestjs/common';
import { AcceptanceModule } from '../acceptance/acceptance.module.js';
import { FaqModule } from '../faq/faq.module.js';
import { RolloutModule } from '../rollout/rollout.module.js';
import { CatalogueController } from './catalogue.controller.js';
import { CatalogueModule } from './catalogue.module.js';

/**
 * The public service pages: the catalogue and each variant's start page, behind
 * its flag, with the service's published FAQ and, for the pilot's testers, a
 * link to their acceptance checklist (from the faq and acceptance modules).
 */
@Module({
  imports: [CatalogueModule, RolloutModule, AcceptanceModule, FaqModule],
  controllers: [CatalogueController],
})
export class CatalogueWebModule {}
