import { Module } from '@nestjs/common';
import { CatalogueModule } from '../catalogue/catalogue.module.js';
import { StaffModule } from '../staff/staff.module.js';
import { StaffInsightsController } from './staff-insights.controller.js';
import { StaffInsightsPresenter } from './staff-insights.presenter.js';

/**
 * The insights' pages for staff (`/staff/insights`, issue 16): analysts,
 * rollout managers and admins read each service variant's figures. The
 * figures come from InsightsModule's ServiceInsightsReadModel (global).
 */
@Module({
  imports: [CatalogueModule, StaffModule],
  controllers: [StaffInsightsController],
  providers: [StaffInsightsPresenter],
})
export class InsightsPagesModule {}
