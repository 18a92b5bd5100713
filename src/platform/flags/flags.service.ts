import type { FlagContext } from './flag-context.js';
import type { FlagStrategy, Segment } from './unleash-admin.client.js';

/** A flag's configuration in one environment, as the evaluating client holds it. */
export interface LocalFlag {
  name: string;
  enabled: boolean;
  strategies: FlagStrategy[];
}

export type LocalSegment = Pick<Segment, 'id' | 'name' | 'constraints'>;

/**
 * - `synced`: the last fetch from Unleash succeeded;
 * - `backup`: Unleash cannot be reached; the last configuration (kept in DATA_DIR) serves;
 * - `degraded`: no configuration at all: every gated variant is closed (fail closed).
 */
export type FlagsState = 'synced' | 'backup' | 'degraded';

/**
 * A flag's answer for someone: on or off, and the payload of the strategy
 * variant that matched (a service variant's flag names the revision a person
 * gets: ADR 0032), if it carries one.
 */
export interface FlagEvaluation {
  enabled: boolean;
  payload?: string;
}

/** The port through which the portal asks whether a flag is on for someone. */
export abstract class FlagsService {
  abstract isEnabled(flag: string, context: FlagContext): boolean;
  /** One evaluation: whether the flag is on, and the matching strategy variant's payload. */
  abstract evaluate(flag: string, context: FlagContext): FlagEvaluation;
  abstract state(): FlagsState;
  /**
   * Takes flag configurations this instance has just written to Unleash, so they
   * apply from its next request instead of its next fetch (Unleash publishes a
   * change to clients on its own tick). The next fetch confirms or replaces them.
   * A service that evaluates elsewhere ignores them.
   */
  applyLocally(_flags: LocalFlag[], _segments: LocalSegment[]): void {}

  /**
   * Calls `listener` each time Unleash answers again after fetches failed (the
   * reconciler then retries at once rather than at the end of its backoff).
   * A service that never loses Unleash never calls it.
   */
  onReachableAgain(_listener: () => void): void {}

  /** Stops polling and flushes; called on shutdown. */
  abstract close(): Promise<void>;
}
