import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { CatalogueModule } from '../catalogue/catalogue.module.js';
import { StaffModule } from '../staff/staff.module.js';
import { OfflineApplicationsController } from './offline-applications.controller.js';
import { OfflineApplicationsPage } from './offline-applications.page.js';
import { OfflineApplicationsService } from './offline-applications.service.js';
import { PerformanceController } from './performance.controller.js';
import { PerformanceBoard, PerformanceFiguresReadModel } from './performance.js';
import { PerformancePresenter } from './performance.presenter.js';
import { StaffInsightsController } from './staff-insights.controller.js';
import { StaffInsightsPresenter } from './staff-insights.presenter.js';

/**
 * The insights' pages (issue 16): for staff (`/staff/insights`), analysts,
 * rollout managers and admins read each service variant's figures and each
 * service's SME-first comparison (InsightsModule's global read models);
 * clerks record the applications received by phone or at the counter; in
 * public, `/performance` and its open data, from figures a job computes.
 */
@Module({
  imports: [AuditModule, CatalogueModule, StaffModule],
  controllers: [StaffInsightsController, PerformanceController, OfflineApplicationsController],
  providers: [
    StaffInsightsPresenter,
    PerformanceFiguresReadModel,
    PerformanceBoard,
    PerformancePresenter,
    OfflineApplicationsService,
    OfflineApplicationsPage,
  ],
})
export class InsightsPagesModule {}
