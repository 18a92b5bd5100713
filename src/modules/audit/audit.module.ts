import { Module } from '@nestjs/common';
import { AuditRetention } from './audit-retention.js';
import { AuditService } from './audit.service.js';
import { ExportAuditService } from './export-audit.service.js';
import { AuditExportReadModel } from './audit-export.read-model.js';

@Module({
  providers: [AuditExportReadModel, AuditService, ExportAuditService, AuditRetention],
  exports: [AuditExportReadModel, AuditService, ExportAuditService, AuditRetention],
})
export class AuditModule {}
