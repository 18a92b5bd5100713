import { Module } from '@nestjs/common';
import { FeedbackModule } from '../feedback/feedback.module.js';
import { RolloutModule } from '../rollout/rollout.module.js';
import { CatalogueController } from './catalogue.controller.js';
import { CatalogueModule } from './catalogue.module.js';

/**
 * The public service pages: the catalogue and each variant's start page, behind
 * its flag, with the service's published FAQ and, for the pilot's testers, a
 * link to their acceptance checklist (both from the feedback module).
 */
@Module({
  imports: [CatalogueModule, RolloutModule, FeedbackModule],
  controllers: [CatalogueController],
})
export class CatalogueWebModule {}
