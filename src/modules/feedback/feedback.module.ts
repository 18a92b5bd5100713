import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module.js';
import { ApplicationsModule } from '../applications/applications.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { CatalogueModule } from '../catalogue/catalogue.module.js';
import { OrganizationsModule } from '../organizations/organizations.module.js';
import { RolloutModule } from '../rollout/rollout.module.js';
import { StaffModule } from '../staff/staff.module.js';
import { AppConfig } from '../../platform/config/app-config.js';
import { multipartLimits, readMultipart } from '../../platform/http/multipart.js';
import { Sessions } from '../../platform/platform.module.js';
import { AssistedFeedbackController } from './assisted-feedback.controller.js';
import { AssistedFeedbackPresenter } from './assisted-feedback.presenter.js';
import { AssistedFeedbackService } from './assisted-feedback.service.js';
import { FeedbackController } from './feedback.controller.js';
import { FeedbackFormPage } from './feedback-form.page.js';
import { FeedbackPresenter } from './feedback.presenter.js';
import { FeedbackService } from './feedback.service.js';
import { PhaseBannerMiddleware } from './phase-banner.middleware.js';
import { FeedbackRetention } from './feedback-retention.js';
import { FeedbackExportReadModel } from './feedback-export.read-model.js';

/**
 * Structured feedback (issue 6), the people's side: the form every trial page
 * and confirmation links to, "My feedback", the phase banner's link, and the
 * feedback staff record for someone who called, came to the counter or wrote.
 *
 * FeedbackService is the one writer of `feedback_item`: the acceptance
 * checklist files its failures through it. The staff's inbox is the triage
 * module, the survey the satisfaction module, the FAQ the faq module.
 *
 * Imported before TriageModule (AppModule, and AcceptanceModule through the
 * catalogue's pages): AssistedFeedbackController's `staff/feedback/new` must be
 * registered before StaffFeedbackController's `staff/feedback/:id`.
 */
@Module({
  imports: [
    AuditModule,
    CatalogueModule,
    RolloutModule,
    ApplicationsModule,
    OrganizationsModule,
    AccountsModule,
    StaffModule,
  ],
  controllers: [FeedbackController, AssistedFeedbackController],
  providers: [
    FeedbackExportReadModel,
    FeedbackService,
    AssistedFeedbackService,
    AssistedFeedbackPresenter,
    FeedbackPresenter,
    FeedbackFormPage,
    PhaseBannerMiddleware,
    FeedbackRetention,
  ],
  // The acceptance checklist files a failing result as a feedback item through FeedbackService.
  exports: [FeedbackExportReadModel, FeedbackService, FeedbackRetention],
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
