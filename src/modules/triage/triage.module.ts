import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { CatalogueModule } from '../catalogue/catalogue.module.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { RolloutModule } from '../rollout/rollout.module.js';
import { StaffModule } from '../staff/staff.module.js';
import { FeedbackInboxReadModel } from './feedback-inbox.read-model.js';
import { FeedbackTriageService } from './feedback-triage.service.js';
import { StaffFeedbackController } from './staff-feedback.controller.js';
import { StaffFeedbackInboxPage } from './staff-feedback-inbox.page.js';
import { StaffFeedbackItemPage } from './staff-feedback-item.page.js';
import { StaffFeedbackPresenter } from './staff-feedback.presenter.js';
import { SuperUsersReadModel } from './super-users.read-model.js';

/**
 * The staff's side of feedback (docs/adr/0012-feedback-triage.md): the inbox
 * and its filters, the CSV export, triage (status, assignee, tags, notes,
 * replies, bulk changes) and the super-users of each cohort.
 *
 * Imported after FeedbackModule: its `staff/feedback/:id` must not take the
 * assisted feedback form's `staff/feedback/new`.
 */
@Module({
  imports: [AuditModule, NotificationsModule, CatalogueModule, RolloutModule, StaffModule],
  controllers: [StaffFeedbackController],
  providers: [
    StaffFeedbackInboxPage,
    FeedbackInboxReadModel,
    FeedbackTriageService,
    SuperUsersReadModel,
    StaffFeedbackPresenter,
    StaffFeedbackItemPage,
  ],
})
export class TriageModule {}
