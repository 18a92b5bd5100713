import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { CatalogueModule } from '../catalogue/catalogue.module.js';
import { StaffModule } from '../staff/staff.module.js';
import { FaqReadModel } from './faq.read-model.js';
import { StaffFaqPresenter } from './staff-faq.presenter.js';
import { FaqService } from './faq.service.js';
import { StaffFaqController } from './staff-faq.controller.js';

/**
 * Each service's public FAQ: staff write its entries (from scratch, or from a
 * question people sent as feedback) and publish them; the start pages show
 * what is published.
 */
@Module({
  imports: [AuditModule, CatalogueModule, StaffModule],
  controllers: [StaffFaqController],
  providers: [FaqService, FaqReadModel, StaffFaqPresenter],
  // The start pages (ServicePagesModule) show the published FAQ.
  exports: [FaqReadModel],
})
export class FaqModule {}
