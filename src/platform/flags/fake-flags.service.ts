import type { FlagContext } from './flag-context.js';
import { FlagsService, FlagsState } from './flags.service.js';

type Rule = (context: FlagContext) => boolean;

/** An in-memory FlagsService for unit tests: each flag is a rule over the context. */
export class FakeFlagsService extends FlagsService {
  private readonly rules = new Map<string, Rule>();
  private current: FlagsState = 'synced';

  set(flag: string, rule: boolean | Rule): this {
    this.rules.set(flag, typeof rule === 'boolean' ? () => rule : rule);
    return this;
  }

  setState(state: FlagsState): this {
    this.current = state;
    return this;
  }

  isEnabled(flag: string, context: FlagContext): boolean {
    if (this.current === 'degraded') return false;
    return this.rules.get(flag)?.(context) ?? false;
  }

  state(): FlagsState {
    return this.current;
  }

  async close(): Promise<void> {}
}
