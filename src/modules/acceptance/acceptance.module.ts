import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { CatalogueModule } from '../catalogue/catalogue.module.js';
import { FeedbackModule } from '../feedback/feedback.module.js';
import { RolloutModule } from '../rollout/rollout.module.js';
import { StaffModule } from '../staff/staff.module.js';
import { AcceptanceController } from './acceptance.controller.js';
import { AcceptanceReadModel } from './acceptance.read-model.js';
import { AcceptancePresenter } from './acceptance.presenter.js';
import { AcceptanceService } from './acceptance.service.js';
import { ChecklistUnavailablePage } from './checklist-unavailable.page.js';
import { StaffAcceptanceController } from './staff-acceptance.controller.js';

/**
 * The pilot's acceptance checklist: the testers' checklist of each variant in
 * a pilot stage (a failing result becomes a feedback item, through the
 * feedback module), and the criteria staff write and follow.
 */
@Module({
  imports: [AuditModule, CatalogueModule, RolloutModule, StaffModule, FeedbackModule],
  controllers: [AcceptanceController, StaffAcceptanceController],
  providers: [
    AcceptanceService,
    AcceptanceReadModel,
    AcceptancePresenter,
    ChecklistUnavailablePage,
  ],
  // The start pages (ServicePagesModule) link the pilot's testers to their checklist.
  exports: [AcceptanceService],
})
export class AcceptanceModule {}
