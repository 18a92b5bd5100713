import type { FlagContext } from './flag-context.js';
import { FlagsService, FlagsState, type FlagEvaluation } from './flags.service.js';

type Rule = (context: FlagContext) => boolean;
type Payload = (context: FlagContext) => string | undefined;

/** An in-memory FlagsService for unit tests: each flag is a rule over the context. */
export class FakeFlagsService extends FlagsService {
  private readonly rules = new Map<string, Rule>();
  private readonly payloads = new Map<string, Payload>();
  private current: FlagsState = 'synced';

  set(flag: string, rule: boolean | Rule): this {
    this.rules.set(flag, typeof rule === 'boolean' ? () => rule : rule);
    return this;
  }

  /** The payload the flag's matching strategy variant carries for a context (when on). */
  setPayload(flag: string, payload: string | Payload): this {
    this.payloads.set(flag, typeof payload === 'string' ? () => payload : payload);
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

  evaluate(flag: string, context: FlagContext): FlagEvaluation {
    const enabled = this.isEnabled(flag, context);
    return { enabled, payload: enabled ? this.payloads.get(flag)?.(context) : undefined };
  }

  state(): FlagsState {
    return this.current;
  }

  async close(): Promise<void> {}
}
