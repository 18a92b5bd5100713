import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module.js';
import { ApplicationsModule } from '../applications/applications.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { CatalogueModule } from '../catalogue/catalogue.module.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { OrganizationsModule } from '../organizations/organizations.module.js';
import { RolloutModule } from '../rollout/rollout.module.js';
import { StaffModule } from '../staff/staff.module.js';
import { AppConfig } from '../../platform/config/app-config.js';
import { multipartLimits, readMultipart } from '../../platform/http/multipart.js';
import { Sessions } from '../../platform/platform.module.js';
import { AcceptanceController } from './acceptance.controller.js';
import { AcceptanceReadModel } from './acceptance.read-model.js';
import { AcceptanceService } from './acceptance.service.js';
import { AssistedFeedbackController } from './assisted-feedback.controller.js';
import { AssistedFeedbackService } from './assisted-feedback.service.js';
import { FaqReadModel } from './faq.read-model.js';
import { FaqService } from './faq.service.js';
import { FeedbackInboxReadModel } from './feedback-inbox.read-model.js';
import { FeedbackTriageService } from './feedback-triage.service.js';
import { FeedbackController } from './feedback.controller.js';
import { FeedbackService } from './feedback.service.js';
import { PhaseBannerMiddleware } from './phase-banner.middleware.js';
import { SatisfactionController } from './satisfaction.controller.js';
import { SatisfactionService } from './satisfaction.service.js';
import { StaffAcceptanceController } from './staff-acceptance.controller.js';
import { StaffFaqController } from './staff-faq.controller.js';
import { StaffFeedbackController } from './staff-feedback.controller.js';
import { StaffFeedbackPresenter } from './staff-feedback.presenter.js';
import { SuperUsersReadModel } from './super-users.read-model.js';

/**
 * Structured feedback (issue 6): the people's side (the form every trial page
 * and confirmation links to, "My feedback", the survey after a submission, the
 * pilot testers' acceptance checklist) and the staff's (the inbox, triage,
 * replies, feedback recorded for someone, super-users, acceptance criteria, the
 * public FAQ of each service).
 */
@Module({
  imports: [
    AuditModule,
    NotificationsModule,
    CatalogueModule,
    RolloutModule,
    ApplicationsModule,
    OrganizationsModule,
    AccountsModule,
    StaffModule,
  ],
  // AssistedFeedbackController first: StaffFeedbackController's `staff/feedback/:id` would take `new`.
  controllers: [
    FeedbackController,
    SatisfactionController,
    AcceptanceController,
    StaffAcceptanceController,
    StaffFaqController,
    AssistedFeedbackController,
    StaffFeedbackController,
  ],
  providers: [
    FeedbackService,
    SatisfactionService,
    PhaseBannerMiddleware,
    AcceptanceService,
    AcceptanceReadModel,
    FaqService,
    FaqReadModel,
    FeedbackInboxReadModel,
    FeedbackTriageService,
    AssistedFeedbackService,
    SuperUsersReadModel,
    StaffFeedbackPresenter,
  ],
  // The start pages (CatalogueWebModule) show the FAQ and the pilot checklist's link.
  exports: [AcceptanceService, FaqReadModel],
})
export class FeedbackModule implements NestModule {
  constructor(
    private readonly sessions: Sessions,
    private readonly config: AppConfig,
  ) {}

  configure(consumer: MiddlewareConsumer) {
    // The form is multipart (its optional file): read before the CSRF guard, which needs `_csrf`.
    consumer
      .apply(readMultipart(this.sessions, this.config, multipartLimits(this.config).feedback))
      .forRoutes({ path: 'services/:slug/:variant/feedback', method: RequestMethod.POST });
    // The phase banner's feedback link on every page of a variant in a trial stage.
    consumer
      .apply(PhaseBannerMiddleware)
      .exclude('healthz', 'readyz', 'api/{*splat}')
      .forRoutes('{*splat}');
  }
}
