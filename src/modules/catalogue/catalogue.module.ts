import { Module } from '@nestjs/common';
import { CatalogueService } from './catalogue.service.js';
import { FormService } from './form.service.js';

/**
 * The service definitions and their forms. It depends on nothing, so every
 * module may use it (the rollout console names services by their titles); the
 * public service pages are ServicePagesModule's (src/modules/service-pages).
 */
@Module({
  providers: [CatalogueService, FormService],
  exports: [CatalogueService, FormService],
})
export class CatalogueModule {}
