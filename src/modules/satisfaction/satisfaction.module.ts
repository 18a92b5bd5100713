import { Module } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { CatalogueModule } from '../catalogue/catalogue.module.js';
import { RolloutModule } from '../rollout/rollout.module.js';
import { SatisfactionController } from './satisfaction.controller.js';
import { SatisfactionPresenter } from './satisfaction.presenter.js';
import { SatisfactionExportReadModel } from './satisfaction-export.read-model.js';
import { SatisfactionService } from './satisfaction.service.js';

/** The short survey offered after a submission: how it went, once per application. */
@Module({
  imports: [AuditModule, CatalogueModule, RolloutModule, ApplicationsModule],
  controllers: [SatisfactionController],
  providers: [SatisfactionService, SatisfactionPresenter, SatisfactionExportReadModel],
  exports: [SatisfactionExportReadModel],
})
export class SatisfactionModule {}
