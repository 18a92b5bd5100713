import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { FLAG_CONTEXT_FIELDS } from '../../platform/flags/flag-context.js';
import { UnleashAdminClient } from '../../platform/flags/unleash-admin.client.js';
import { JsonLogger } from '../../platform/logging/json-logger.js';
import { AuditService } from '../audit/audit.service.js';

/**
 * Makes sure Unleash knows Guichet's context fields and has a flag for every
 * service variant. A flag it creates is off: nothing is released by accident.
 */
@Injectable()
export class FlagProvisioner {
  constructor(
    private readonly admin: UnleashAdminClient,
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly logger: JsonLogger,
  ) {}

  async ensure(flags: { name: string; description: string }[]): Promise<string[]> {
    const fields = new Set(await this.admin.contextFieldNames());
    for (const field of FLAG_CONTEXT_FIELDS) {
      if (!fields.has(field.name)) await this.admin.createContextField(field);
    }
    const created: string[] = [];
    for (const flag of flags) {
      if (await this.admin.flagExists(flag.name)) continue;
      // The reconciler (or another instance) may create it between the two calls.
      if (!(await this.admin.createFlag(flag.name, flag.description))) continue;
      created.push(flag.name);
      await this.dataSource.transaction((manager) =>
        this.audit.record(manager, {
          actor: { type: 'system', id: 'flag-provisioner' },
          action: 'flag.created',
          entity: { type: 'unleash-flag', id: flag.name },
          after: { enabled: false, environment: this.admin.environment },
        }),
      );
    }
    if (created.length > 0) this.logger.event('info', 'flags.provisioned', { created });
    return created;
  }
}
