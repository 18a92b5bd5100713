import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { OrganizationsModule } from '../organizations/organizations.module.js';
import { AccountService } from './account.service.js';
import {
  ActingAsPage,
  ChangeEmailPage,
  ChangePasswordPage,
  ChoosePasswordPage,
  CloseAccountPage,
  PasswordResetPage,
  ProfilePage,
  RegisterPage,
  SignInPage,
} from './account-pages.js';
import { SignedInGuard } from './signed-in.guard.js';
import { AccountPresenter } from './account.presenter.js';
import { AccountsController } from './accounts.controller.js';
import { IdentityReadModel } from './identity.read-model.js';
import { ActingAsController } from './acting-as.controller.js';
import { ActingAsService } from './acting-as.service.js';
import { PasswordResetController } from './password-reset.controller.js';
import { ProfileController } from './profile.controller.js';
import { SessionContextMiddleware } from './session-context.middleware.js';
import { KnownDevices } from './known-devices.js';
import { SignInThrottle } from './sign-in-throttle.js';
import { AccountRetention } from './account-retention.js';
import { AccountExportReadModel } from './account-export.read-model.js';
import { LastAdminReadModel } from './last-admin.read-model.js';

@Module({
  imports: [AuditModule, NotificationsModule, OrganizationsModule],
  controllers: [AccountsController, PasswordResetController, ProfileController, ActingAsController],
  providers: [
    AccountRetention,
    AccountExportReadModel,
    ActingAsService,
    AccountService,
    IdentityReadModel,
    LastAdminReadModel,
    KnownDevices,
    SignInThrottle,
    RegisterPage,
    SignInPage,
    PasswordResetPage,
    ChoosePasswordPage,
    ProfilePage,
    ChangePasswordPage,
    ChangeEmailPage,
    CloseAccountPage,
    ActingAsPage,
    SignedInGuard,
    AccountPresenter,
  ],
  exports: [AccountExportReadModel, ActingAsService, AccountService, AccountRetention],
})
export class AccountsModule implements NestModule {
  /** Every page but the health probes. */
  configure(consumer: MiddlewareConsumer) {
    // The JSON API authenticates with API keys: no cookie session to load there.
    consumer
      .apply(SessionContextMiddleware)
      .exclude('healthz', 'readyz', 'api/v1/{*splat}')
      .forRoutes('{*splat}');
  }
}
