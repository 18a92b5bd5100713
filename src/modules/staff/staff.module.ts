import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { StaffAuditController } from './staff-audit.controller.js';
import { StaffAuditReadModel } from './staff-audit.read-model.js';
import { StaffContextMiddleware } from './staff-context.middleware.js';
import { StaffRolesGuard } from './staff-roles.guard.js';
import { StaffController } from './staff.controller.js';
import { StaffService } from './staff.service.js';

/** The city's staff: roles, the staff area, the audit log. */
@Module({
  imports: [AuditModule, AccountsModule],
  controllers: [StaffController, StaffAuditController],
  providers: [StaffService, StaffAuditReadModel, StaffRolesGuard],
  exports: [StaffService, StaffRolesGuard],
})
export class StaffModule implements NestModule {
  /** Every page but the health probes. */
  configure(consumer: MiddlewareConsumer) {
    consumer.apply(StaffContextMiddleware).exclude('healthz', 'readyz').forRoutes('{*splat}');
  }
}
