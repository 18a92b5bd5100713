import { EventEmitter } from 'node:events';
import { Unleash } from 'unleash-client';
import { clientFeature } from './client-feature.js';
import type { FlagContext } from './flag-context.js';
import type { FlagEvaluation, LocalFlag, LocalSegment } from './flags.service.js';

type Feature = NonNullable<ReturnType<Unleash['getFeatureToggleDefinition']>>;
type Segment = { id: number; constraints: LocalSegment['constraints'] };

/**
 * A repository that holds a configuration handed to it, instead of fetching one
 * from Unleash: unleash-client's public `repository` option (RepositoryInterface).
 */
class HeldRepository extends EventEmitter {
  private features = new Map<string, Feature>();
  private segments = new Map<number, Segment>();

  hold(flags: LocalFlag[], segments: LocalSegment[]): void {
    this.segments = new Map(segments.map((s) => [s.id, { id: s.id, constraints: s.constraints }]));
    this.features = new Map(
      flags.map((flag) => [flag.name, clientFeature(flag) as unknown as Feature]),
    );
    this.emit('ready');
  }

  getToggle(name: string) {
    return this.features.get(name);
  }

  getToggles() {
    return [...this.features.values()];
  }

  getTogglesWithSegmentData() {
    return this.getToggles().map((feature) => ({
      ...feature,
      strategies: feature.strategies?.map((s) => ({
        ...s,
        segments: (s.segments ?? []).map((id) => this.segments.get(id)),
      })),
    })) as unknown as ReturnType<Unleash['getFeatureToggleDefinitions']>;
  }

  getSegment(id: number) {
    return this.segments.get(id) as never;
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): void {}
}

/**
 * Evaluates a flag configuration held in memory with unleash-client's own
 * evaluator (strategies, constraints, segments, stickiness, strategy variants),
 * so its answer is exactly the one Unleash would give holding the same
 * configuration. It never talks to Unleash: no fetch, no metrics. Until a
 * configuration is held, every flag is off.
 */
export class LocalFlagEvaluator {
  private readonly repository = new HeldRepository();
  private readonly client = new Unleash({
    appName: 'guichet-local-evaluator',
    // Required by the client, never contacted (the repository is ours, metrics are off).
    url: 'http://127.0.0.1:9/api',
    repository: this.repository as never,
    disableAutoStart: true,
    disableMetrics: true,
    skipInstanceCountWarning: true,
  });

  constructor() {
    // The client logs 'not initialized yet' warnings before the first hold; they say nothing here.
    this.client.on('warn', () => undefined);
    this.client.on('error', () => undefined);
  }

  /** Replaces the whole configuration; segments are numbered as the flags' strategies name them. */
  hold(flags: LocalFlag[], segments: LocalSegment[]): void {
    this.repository.hold(flags, segments);
  }

  evaluate(flag: string, context: FlagContext): FlagEvaluation {
    const variant = this.client.getVariant(flag, context);
    const payload = variant.enabled ? variant.payload?.value : undefined;
    return { enabled: variant.feature_enabled === true, payload };
  }

  close(): void {
    this.client.destroy();
  }
}
