import { Module } from '@nestjs/common';
import { AuditService } from './audit.service.js';
import { ExportAuditService } from './export-audit.service.js';

@Module({
  providers: [AuditService, ExportAuditService],
  exports: [AuditService, ExportAuditService],
})
export class AuditModule {}
