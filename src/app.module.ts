import { DynamicModule, Module } from '@nestjs/common';
import { AboutModule } from './modules/about/about.module.js';
import { ApplicationsModule } from './modules/applications/applications.module.js';
import { DraftMovesModule } from './modules/applications/draft-moves.module.js';
import { AccountsModule } from './modules/accounts/accounts.module.js';
import { AuditModule } from './modules/audit/audit.module.js';
import { AcceptanceModule } from './modules/acceptance/acceptance.module.js';
import { FaqModule } from './modules/faq/faq.module.js';
import { FeedbackModule } from './modules/feedback/feedback.module.js';
import { InsightsModule } from './modules/insights/insights.module.js';
import { InsightsPagesModule } from './modules/insights/insights-pages.module.js';
import { NotificationsModule } from './modules/notifications/notifications.module.js';
import { OrganizationsModule } from './modules/organizations/organizations.module.js';
import { OwnershipModule } from './modules/ownership/ownership.module.js';
import { PrivacyModule } from './modules/privacy/privacy.module.js';
import { PersonalDataModule } from './modules/personal-data/personal-data.module.js';
import { RolloutModule } from './modules/rollout/rollout.module.js';
import { ServicePagesModule } from './modules/service-pages/service-pages.module.js';
import { SatisfactionModule } from './modules/satisfaction/satisfaction.module.js';
import { StaffModule } from './modules/staff/staff.module.js';
import { StudioModule } from './modules/studio/studio.module.js';
import { TriageModule } from './modules/triage/triage.module.js';
import { VirusScanModule } from './modules/virus-scan/virus-scan.module.js';
import { PlatformModule, type PlatformServices } from './platform/platform.module.js';

@Module({})
export class AppModule {
  static register(services: PlatformServices): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.register(services),
        AuditModule,
        InsightsModule,
        DraftMovesModule,
        NotificationsModule,
        AccountsModule,
        OrganizationsModule,
        RolloutModule,
        ServicePagesModule,
        StaffModule,
        ApplicationsModule,
        // FeedbackModule before TriageModule: `staff/feedback/new` before `staff/feedback/:id`.
        FeedbackModule,
        TriageModule,
        AcceptanceModule,
        FaqModule,
        SatisfactionModule,
        OwnershipModule,
        VirusScanModule,
        StudioModule,
        InsightsPagesModule,
        AboutModule,
        PrivacyModule,
        PersonalDataModule,
      ],
    };
  }
}
