import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module.js';
import { uploadMiddleware } from '../applications/upload.middleware.js';
import { AuditModule } from '../audit/audit.module.js';
import { StaffModule } from '../staff/staff.module.js';
import { CatalogueModule } from '../catalogue/catalogue.module.js';
import { OrganizationsModule } from '../organizations/organizations.module.js';
import { RolloutModule } from '../rollout/rollout.module.js';
import { AcceptanceController } from './acceptance.controller.js';
import { AcceptanceReadModel } from './acceptance.read-model.js';
import { AcceptanceService } from './acceptance.service.js';
import { FaqReadModel } from './faq.read-model.js';
import { FaqService } from './faq.service.js';
import { FeedbackController } from './feedback.controller.js';
import { FeedbackService } from './feedback.service.js';
import { PhaseBannerMiddleware } from './phase-banner.middleware.js';
import { SatisfactionController } from './satisfaction.controller.js';
import { SatisfactionService } from './satisfaction.service.js';
import { StaffAcceptanceController } from './staff-acceptance.controller.js';
import { StaffFaqController } from './staff-faq.controller.js';

/**
 * Structured feedback and the satisfaction survey (issue 6, the people's side):
 * the form every trial page and confirmation links to, "My feedback", and the
 * survey after a submission; acceptance-test campaigns (criteria for staff, the
 * checklist for the pilot's testers) and the public FAQ of each service.
 */
@Module({
  imports: [
    AuditModule,
    CatalogueModule,
    RolloutModule,
    ApplicationsModule,
    OrganizationsModule,
    StaffModule,
  ],
  controllers: [
    FeedbackController,
    SatisfactionController,
    AcceptanceController,
    StaffAcceptanceController,
    StaffFaqController,
  ],
  providers: [
    FeedbackService,
    SatisfactionService,
    PhaseBannerMiddleware,
    AcceptanceService,
    AcceptanceReadModel,
    FaqService,
    FaqReadModel,
  ],
  // The start pages (CatalogueWebModule) show the FAQ and the pilot checklist's link.
  exports: [AcceptanceService, FaqReadModel],
})
export class FeedbackModule implements NestModule {
  configure(consumer: MiddlewareConsumer) {
    // The form is multipart (its optional file): read before the CSRF guard, which needs `_csrf`.
    consumer
      .apply(uploadMiddleware)
      .forRoutes({ path: 'services/:slug/:variant/feedback', method: RequestMethod.POST });
    // The phase banner's feedback link on every page of a variant in a trial stage.
    consumer
      .apply(PhaseBannerMiddleware)
      .exclude('healthz', 'readyz', 'api/{*splat}')
      .forRoutes('{*splat}');
  }
}
