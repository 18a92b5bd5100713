import type { FlagContext } from './flag-context.js';

/**
 * - `synced`: the last fetch from Unleash succeeded;
 * - `backup`: Unleash cannot be reached; the last configuration (kept in DATA_DIR) serves;
 * - `degraded`: no configuration at all: every gated variant is closed (fail closed).
 */
export type FlagsState = 'synced' | 'backup' | 'degraded';

/** The port through which the portal asks whether a flag is on for someone. */
export abstract class FlagsService {
  abstract isEnabled(flag: string, context: FlagContext): boolean;
  abstract state(): FlagsState;
  /** Stops polling and flushes; called on shutdown. */
  abstract close(): Promise<void>;
}
