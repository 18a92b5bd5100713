import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { FlagContext } from '../../platform/flags/flag-context.js';
import {
  UnleashAdminClient,
  type FlagStrategy,
} from '../../platform/flags/unleash-admin.client.js';
import { JsonLogger } from '../../platform/logging/json-logger.js';
import { AuditService } from '../audit/audit.service.js';

const SEED_NAME = 'demo-rollout-v1';

/** Released to every business: flexibleRollout 100 % for audience = business. */
export function allBusinessesStrategy(flag: string): FlagStrategy {
  return {
    name: 'flexibleRollout',
    parameters: { rollout: '100', stickiness: 'default', groupId: flag },
    constraints: [{ contextName: 'audience', operator: 'IN', values: ['business'] }],
  };
}

/** A flag the seed released, and a context for which it must now be on. */
export interface ReleasedFlag {
  flag: string;
  context: FlagContext;
}

/**
 * Demo data on first boot (SEED_DEMO): the building permit's business variant is
 * open to all businesses, its citizen variant is still closed, as SME-first asks.
 * Runs once; its run is recorded in seed_run and in the audit log. Returns what
 * it released (nothing when it had already run).
 */
@Injectable()
export class DemoRolloutSeed {
  constructor(
    private readonly admin: UnleashAdminClient,
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly logger: JsonLogger,
  ) {}

  async run(): Promise<ReleasedFlag[]> {
    const done = await this.dataSource.query('SELECT 1 FROM seed_run WHERE name = $1', [SEED_NAME]);
    if (done.length > 0) return [];
    const flag = 'building-permit.business';
    await this.admin.replaceStrategies(flag, true, [allBusinessesStrategy(flag)]);
    await this.dataSource.transaction(async (manager) => {
      await manager.query('INSERT INTO seed_run (name) VALUES ($1) ON CONFLICT DO NOTHING', [
        SEED_NAME,
      ]);
      await this.audit.record(manager, {
        actor: { type: 'system', id: 'demo-seed' },
        action: 'flag.strategies_replaced',
        entity: { type: 'unleash-flag', id: flag },
        after: { enabled: true, audience: ['business'], rollout: 100 },
      });
    });
    this.logger.event('info', 'seed.demo_rollout', { released: [flag] });
    return [{ flag, context: { properties: { audience: 'business', staff: 'false' } } }];
  }
}
