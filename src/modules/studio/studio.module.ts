import { Module } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { CatalogueModule } from '../catalogue/catalogue.module.js';
import { RolloutModule } from '../rollout/rollout.module.js';
import { StaffModule } from '../staff/staff.module.js';
import { StudioChecksController } from './studio-checks.controller.js';
import { StudioChecksPage } from './studio-checks.page.js';
import { StudioChecksPresenter } from './studio-checks.presenter.js';
import { RevisionComparisonService } from './revision-comparison.service.js';
import { StudioComparisonController } from './studio-comparison.controller.js';
import { StudioComparisonPage } from './studio-comparison.page.js';
import { StudioController } from './studio.controller.js';
import { StudioPreviewController } from './studio-preview.controller.js';
import { StudioPreviewPresenter } from './studio-preview.presenter.js';
import { StudioPreviewService } from './studio-preview.service.js';
import { StudioEditorController } from './studio-editor.controller.js';
import {
  StudioDetailsPage,
  StudioEditorPresenter,
  StudioStepPage,
  StudioStepsPage,
} from './studio-editor.presenter.js';
import { StudioEditorService } from './studio-editor.service.js';
import { StudioPresenter } from './studio.presenter.js';
import { ServiceRevisionsService } from './service-revisions.service.js';
import { StudioServicesService } from './studio.service.js';

/**
 * The service studio (issue 14): where service designers write and revise the
 * city's services. Today its front door: the list of services and their stages.
 */
@Module({
  imports: [CatalogueModule, RolloutModule, StaffModule, AuditModule, ApplicationsModule],
  controllers: [
    StudioController,
    StudioChecksController,
    StudioComparisonController,
    StudioPreviewController,
    StudioEditorController,
  ],
  providers: [
    StudioServicesService,
    ServiceRevisionsService,
    StudioPresenter,
    StudioChecksPresenter,
    StudioChecksPage,
    RevisionComparisonService,
    StudioComparisonPage,
    StudioPreviewService,
    StudioPreviewPresenter,
    StudioEditorService,
    StudioEditorPresenter,
    StudioDetailsPage,
    StudioStepsPage,
    StudioStepPage,
  ],
  exports: [ServiceRevisionsService],
})
export class StudioModule {}
