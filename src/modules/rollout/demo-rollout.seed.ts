import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Audience, FlagContext } from '../../platform/flags/flag-context.js';
import {
  UnleashAdminClient,
  type FlagStrategy,
} from '../../platform/flags/unleash-admin.client.js';
import { JsonLogger } from '../../platform/logging/json-logger.js';
import { AuditService } from '../audit/audit.service.js';

const SEED_NAME = 'demo-rollout-v1';

/** Released to every business: flexibleRollout 100 % for audience = business. */
export function allBusinessesStrategy(flag: string): FlagStrategy {
  return audienceStrategy(flag, 'business', 100);
}

/** A flag the seed released, and a context for which it must now be on. */
export interface ReleasedFlag {
  flag: string;
  context: FlagContext;
}

/** Open to one audience: flexibleRollout `rollout` % for audience = `audience`. */
export function audienceStrategy(flag: string, audience: Audience, rollout: number): FlagStrategy {
  return {
    name: 'flexibleRollout',
    parameters: { rollout: String(rollout), stickiness: 'default', groupId: flag },
    constraints: [{ contextName: 'audience', operator: 'IN', values: [audience] }],
  };
}

/**
 * What the demo releases, SME-first, at various stages: the building permit
 * and bulky-waste pickup are open to everyone, the sign permit to every
 * business, the public-domain occupation to half the businesses (sticky per
 * SME); the occupancy certificate stays closed. Each release is a seed run of
 * its own, so releases added later reach existing demo databases once.
 */
const DEMO_RELEASES: { seed: string; flag: string; audience: Audience; rollout: number }[] = [
  { seed: SEED_NAME, flag: 'building-permit.business', audience: 'business', rollout: 100 },
  ...(
    [
      ['building-permit.citizen', 'citizen', 100],
      ['bulky-waste-pickup.business', 'business', 100],
      ['bulky-waste-pickup.citizen', 'citizen', 100],
      ['sign-permit.business', 'business', 100],
      ['public-domain-occupation.business', 'business', 50],
    ] as const
  ).map(([flag, audience, rollout]) => ({
    seed: `demo-rollout:${flag}`,
    flag,
    audience,
    rollout,
  })),
];

/**
 * Demo data on first boot (SEED_DEMO): the releases above, each once; each run
 * is recorded in seed_run and in the audit log. Returns what it released now
 * (flags fully open to their audience, for the boot to wait on).
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
    const done = new Set(
      (await this.dataSource.query<{ name: string }[]>('SELECT name FROM seed_run')).map(
        (r) => r.name,
      ),
    );
    const released: ReleasedFlag[] = [];
    for (const release of DEMO_RELEASES.filter((r) => !done.has(r.seed))) {
      const { flag, audience, rollout } = release;
      await this.admin.replaceStrategies(flag, true, [audienceStrategy(flag, audience, rollout)]);
      await this.dataSource.transaction(async (manager) => {
        await manager.query('INSERT INTO seed_run (name) VALUES ($1) ON CONFLICT DO NOTHING', [
          release.seed,
        ]);
        await this.audit.record(manager, {
          actor: { type: 'system', id: 'demo-seed' },
          action: 'flag.strategies_replaced',
          entity: { type: 'unleash-flag', id: flag },
          after: { enabled: true, audience: [audience], rollout },
        });
      });
      if (rollout === 100)
        released.push({ flag, context: { properties: { audience, staff: 'false' } } });
    }
    if (released.length > 0)
      this.logger.event('info', 'seed.demo_rollout', { released: released.map((r) => r.flag) });
    return released;
  }
}
