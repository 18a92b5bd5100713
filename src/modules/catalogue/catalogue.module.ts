import { Module } from '@nestjs/common';
import { RolloutModule } from '../rollout/rollout.module.js';
import { CatalogueController } from './catalogue.controller.js';
import { CatalogueService } from './catalogue.service.js';
import { FormService } from './form.service.js';

@Module({
  imports: [RolloutModule],
  controllers: [CatalogueController],
  providers: [CatalogueService, FormService],
  exports: [CatalogueService, FormService],
})
export class CatalogueModule {}
