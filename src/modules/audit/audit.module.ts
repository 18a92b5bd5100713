import { Module } from '@nestjs/common';
import { AuditRetention } from './audit-retention.js';
import { AuditService } from './audit.service.js';
import { ExportAuditService } from './export-audit.service.js';

@Module({
  providers: [AuditService, ExportAuditService, AuditRetention],
  exports: [AuditService, ExportAuditService, AuditRetention],
})
export class AuditModule {}
