import { Module } from '@nestjs/common';
import { RolloutModule } from '../rollout/rollout.module.js';
import { CatalogueController } from './catalogue.controller.js';
import { CatalogueModule } from './catalogue.module.js';

/** The public service pages: the catalogue and each variant's start page, behind its flag. */
@Module({
  imports: [CatalogueModule, RolloutModule],
  controllers: [CatalogueController],
})
export class CatalogueWebModule {}
