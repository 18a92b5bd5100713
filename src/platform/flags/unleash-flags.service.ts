import { mkdirSync } from 'node:fs';
import { Unleash } from 'unleash-client';
import type { JsonLogger } from '../logging/json-logger.js';
import { clientFeature } from './client-feature.js';
import type { FlagContext } from './flag-context.js';
import {
  FlagsService,
  FlagsState,
  type FlagEvaluation,
  type LocalFlag,
  type LocalSegment,
} from './flags.service.js';

export interface UnleashFlagsOptions {
  url: string;
  clientToken: string;
  appName: string;
  instanceId?: string;
  environment: string;
  refreshIntervalMs: number;
  backupDir: string;
  /** How long start() waits for the first fetch before serving from the backup (or closed). */
  startTimeoutMs?: number;
}

/**
 * Evaluates flags locally with unleash-client. The client polls Unleash every
 * refresh interval and writes each configuration it receives to a backup file in
 * `backupDir`; with Unleash unreachable at boot it serves from that file, and with
 * neither, every flag is off (fail closed).
 */
export class UnleashFlagsService extends FlagsService {
  private lastFetchFailed = false;
  private readonly reachableAgain: (() => void)[] = [];
  /** While this instance saves configurations it wrote itself: not a fetch from Unleash. */
  private savingLocally = false;

  private constructor(
    private readonly client: Unleash,
    private readonly logger: JsonLogger,
  ) {
    super();
    client.on('error', (error: Error) => {
      if (!this.lastFetchFailed)
        logger.event('warn', 'flags.fetch_failed', { error: error.message });
      this.lastFetchFailed = true;
    });
    // unleash-client says `changed` for what applyLocally saves too (at once,
    // within the save call): only a fetch that succeeded means Unleash is back.
    const recovered = () => {
      if (!this.lastFetchFailed || this.savingLocally) return;
      this.lastFetchFailed = false;
      logger.event('info', 'flags.fetch_recovered');
      for (const listener of this.reachableAgain) listener();
    };
    client.on('changed', recovered);
    client.on('unchanged', recovered);
    client.on('warn', (message: unknown) =>
      logger.event('debug', 'flags.warn', { message: String(message) }),
    );
  }

  static async start(
    options: UnleashFlagsOptions,
    logger: JsonLogger,
  ): Promise<UnleashFlagsService> {
    mkdirSync(options.backupDir, { recursive: true });
    const client = new Unleash({
      url: options.url,
      appName: options.appName,
      instanceId: options.instanceId,
      environment: options.environment,
      refreshInterval: options.refreshIntervalMs,
      backupPath: options.backupDir,
      customHeaders: { Authorization: options.clientToken },
      disableMetrics: true,
      timeout: 5000,
      skipInstanceCountWarning: true,
    });
    const service = new UnleashFlagsService(client, logger);
    await service.waitForFirstConfiguration(options.startTimeoutMs ?? 5000);
    logger.event('info', 'flags.started', { state: service.state() });
    return service;
  }

  isEnabled(flag: string, context: FlagContext): boolean {
    return this.client.isEnabled(flag, context, false);
  }

  evaluate(flag: string, context: FlagContext): FlagEvaluation {
    const variant = this.client.getVariant(flag, context);
    const payload = variant.enabled ? variant.payload?.value : undefined;
    return { enabled: variant.feature_enabled === true, payload };
  }

  override onReachableAgain(listener: () => void): void {
    this.reachableAgain.push(listener);
  }

  override applyLocally(flags: LocalFlag[], segments: LocalSegment[]): void {
    const repository = (
      this.client as unknown as {
        repository?: { save(response: unknown, fromApi: boolean): Promise<void> };
      }
    ).repository;
    if (!repository || (flags.length === 0 && segments.length === 0)) return;
    // unleash-client applies a delta of feature and segment updates the same way
    // it applies one received from Unleash (and writes the backup file).
    const events = [
      ...segments.map((segment) => ({ type: 'segment-updated', segment })),
      ...flags.map((flag) => ({
        type: 'feature-updated',
        feature: clientFeature(flag),
      })),
    ];
    this.savingLocally = true;
    try {
      repository
        .save({ type: 'delta', events }, true)
        .catch((error: unknown) =>
          this.logger.event('warn', 'flags.local_apply_failed', { error: String(error) }),
        );
    } finally {
      this.savingLocally = false;
    }
  }

  state(): FlagsState {
    if (this.client.isSynchronized() && !this.lastFetchFailed) return 'synced';
    return this.hasConfiguration() ? 'backup' : 'degraded';
  }

  async close(): Promise<void> {
    this.client.destroy();
    // unleash-client 6 removes the repository's listeners in destroy(), so a fetch
    // still in flight then emits 'error' with no listener: an unhandled rejection
    // that would crash the process at shutdown. Absorb it.
    const repository = (
      this.client as unknown as { repository?: { on(e: string, f: () => void): void } }
    ).repository;
    repository?.on('error', () => undefined);
  }

  private hasConfiguration(): boolean {
    return this.client.getFeatureToggleDefinitions().length > 0 || this.client.isSynchronized();
  }

  private waitForFirstConfiguration(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const failed = () => {
        this.lastFetchFailed = true;
        // A backup may still load; give it a moment, then carry on.
        setTimeout(done, 200);
      };
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.client.once('synchronized', done);
      this.client.once('error', failed);
    });
  }
}
