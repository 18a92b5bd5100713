/**
 * A small client for the parts of Unleash's Admin API the portal writes through:
 * flags, their strategies in one environment, segments and context fields.
 * Errors carry Unleash's status and message; the token never appears in them.
 */
export interface StrategyConstraint {
  contextName: string;
  operator: 'IN' | 'NOT_IN';
  values: string[];
  inverted?: boolean;
  caseInsensitive?: boolean;
}

/**
 * A strategy variant: when its strategy is the first to match, the client
 * returns it. Guichet gives each strategy of a service variant's flag one,
 * whose payload is the revision the people it matches get (ADR 0032).
 */
export interface StrategyVariant {
  name: string;
  weight: number;
  weightType: 'variable' | 'fix';
  stickiness: string;
  payload?: { type: 'string'; value: string };
}

export interface FlagStrategy {
  id?: string;
  name: string;
  title?: string | null;
  parameters: Record<string, string>;
  constraints: StrategyConstraint[];
  segments?: number[];
  disabled?: boolean;
  variants?: StrategyVariant[];
  /** Unleash evaluates strategies in this order; the first match gives the variant. */
  sortOrder?: number;
}

export interface FlagEnvironmentState {
  enabled: boolean;
  strategies: FlagStrategy[];
}

export interface Segment {
  id: number;
  name: string;
  description?: string | null;
  constraints: StrategyConstraint[];
}

export class UnleashAdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'UnleashAdminError';
  }
}

export class UnleashAdminClient {
  private readonly api: string;

  constructor(
    url: string,
    private readonly token: string,
    readonly project: string,
    readonly environment: string,
  ) {
    this.api = url.replace(/\/+$/, '');
  }

  async flagExists(name: string): Promise<boolean> {
    const res = await this.request(
      'GET',
      `/admin/projects/${this.project}/features/${enc(name)}`,
      undefined,
      [404],
    );
    return res !== undefined;
  }

  /**
   * Creates the flag (off); false when it already exists, as when another
   * portal instance or the reconciler created it a moment before (409).
   */
  async createFlag(name: string, description: string): Promise<boolean> {
    try {
      await this.request('POST', `/admin/projects/${this.project}/features`, {
        name,
        description,
        type: 'release',
        impressionData: false,
      });
      return true;
    } catch (error) {
      if (error instanceof UnleashAdminError && error.status === 409) return false;
      throw error;
    }
  }

  async getEnvironmentState(name: string): Promise<FlagEnvironmentState> {
    const flag = (await this.request(
      'GET',
      `/admin/projects/${this.project}/features/${enc(name)}`,
    )) as {
      environments: { name: string; enabled: boolean; strategies: FlagStrategy[] }[];
    };
    const env = flag.environments.find((e) => e.name === this.environment);
    if (!env)
      throw new UnleashAdminError(
        404,
        `Environment ${this.environment} is not enabled for ${name}`,
      );
    return { enabled: env.enabled, strategies: env.strategies };
  }

  async addStrategy(name: string, strategy: FlagStrategy): Promise<FlagStrategy> {
    return (await this.request(
      'POST',
      `${this.envPath(name)}/strategies`,
      strategy,
    )) as FlagStrategy;
  }

  async deleteStrategy(name: string, strategyId: string): Promise<void> {
    await this.request('DELETE', `${this.envPath(name)}/strategies/${enc(strategyId)}`);
  }

  async setEnabled(name: string, enabled: boolean): Promise<void> {
    await this.request('POST', `${this.envPath(name)}/${enabled ? 'on' : 'off'}`);
  }

  /** Replaces every strategy of the flag in this environment and switches it on or off. */
  async replaceStrategies(
    name: string,
    enabled: boolean,
    strategies: FlagStrategy[],
  ): Promise<void> {
    const current = await this.getEnvironmentState(name);
    if (enabled) await this.setEnabled(name, false);
    for (const s of current.strategies) if (s.id) await this.deleteStrategy(name, s.id);
    for (const s of strategies) await this.addStrategy(name, { ...s, id: undefined });
    if (enabled) await this.setEnabled(name, true);
    else if (current.enabled) await this.setEnabled(name, false);
  }

  /**
   * Brings the flag's environment to `desired` with the fewest changes, in an
   * order that never leaves people who keep access without it: switch off
   * first when closing, keep the strategies that are already right, add the
   * missing ones before deleting the obsolete ones, switch on last. (A flag
   * switched on with no strategy would be open to everyone.) Returns what
   * Unleash holds afterwards.
   */
  async applyEnvironmentState(
    name: string,
    desired: { enabled: boolean; strategies: FlagStrategy[] },
    current?: FlagEnvironmentState,
  ): Promise<FlagEnvironmentState> {
    const before = current ?? (await this.getEnvironmentState(name));
    if (!desired.enabled && before.enabled) await this.setEnabled(name, false);
    const remaining = [...before.strategies];
    const toAdd: FlagStrategy[] = [];
    for (const strategy of desired.strategies) {
      const same = remaining.findIndex((s) => sameStrategy(s, strategy));
      if (same >= 0) remaining.splice(same, 1);
      else toAdd.push(strategy);
    }
    const added: FlagStrategy[] = [];
    for (const strategy of toAdd)
      added.push(await this.addStrategy(name, { ...strategy, id: undefined }));
    for (const strategy of remaining) if (strategy.id) await this.deleteStrategy(name, strategy.id);
    // What Unleash now holds, from its own answers (no second read).
    const deleted = new Set(remaining.map((s) => s.id));
    const strategies = await this.putInOrder(name, desired.strategies, [
      ...before.strategies.filter((s) => !deleted.has(s.id)),
      ...added,
    ]);
    if (desired.enabled && !before.enabled) await this.setEnabled(name, true);
    return { enabled: desired.enabled, strategies };
  }

  /**
   * Gives the strategies Unleash holds the sort order the desired ones carry
   * (a kept strategy keeps its old one until told), when the order matters:
   * the first strategy that matches gives its variant.
   */
  private async putInOrder(
    name: string,
    desired: FlagStrategy[],
    held: FlagStrategy[],
  ): Promise<FlagStrategy[]> {
    if (desired.every((s) => s.sortOrder === undefined)) return held;
    const unplaced = [...held];
    const ordered = desired.flatMap((strategy) => {
      const index = unplaced.findIndex((s) => sameStrategy(s, strategy));
      return index < 0 ? [] : [{ ...unplaced.splice(index, 1)[0], sortOrder: strategy.sortOrder }];
    });
    const moved = ordered.filter((s) => held.find((h) => h.id === s.id)?.sortOrder !== s.sortOrder);
    if (moved.length > 0 && ordered.every((s) => s.id))
      await this.request(
        'POST',
        `${this.envPath(name)}/strategies/set-sort-order`,
        ordered.map((s) => ({ id: s.id, sortOrder: s.sortOrder })),
      );
    return [...ordered, ...unplaced];
  }

  async segments(): Promise<Segment[]> {
    const body = (await this.request('GET', '/admin/segments')) as { segments: Segment[] };
    return body.segments;
  }

  async createSegment(segment: Omit<Segment, 'id'>): Promise<Segment> {
    return (await this.request('POST', '/admin/segments', segment)) as Segment;
  }

  async updateSegment(segment: Segment): Promise<void> {
    const { id, ...body } = segment;
    await this.request('PUT', `/admin/segments/${id}`, body);
  }

  async contextFieldNames(): Promise<string[]> {
    const fields = (await this.request('GET', '/admin/context')) as { name: string }[];
    return fields.map((f) => f.name);
  }

  async createContextField(field: {
    name: string;
    description: string;
    legalValues?: readonly string[];
  }) {
    await this.request('POST', '/admin/context', {
      name: field.name,
      description: field.description,
      stickiness: field.name === 'organizationId' || field.name === 'accountId',
      legalValues: (field.legalValues ?? []).map((value) => ({ value })),
    });
  }

  private envPath(name: string) {
    return `/admin/projects/${this.project}/features/${enc(name)}/environments/${enc(this.environment)}`;
  }

  private async request(
    method: string,
    path: string,
    body?: unknown,
    allowed: number[] = [],
  ): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${this.api}${path}`, {
        method,
        headers: {
          Authorization: this.token,
          'Content-Type': 'application/json',
          Accept: 'application/json',
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      throw new UnleashAdminError(
        0,
        `Unleash is unreachable (${method} ${path}): ${(error as Error).message}`,
      );
    }
    if (allowed.includes(res.status)) return undefined;
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      throw new UnleashAdminError(
        res.status,
        `Unleash answered ${res.status} to ${method} ${path}: ${text.slice(0, 300)}`,
      );
    }
    const text = await res.text();
    return text ? (JSON.parse(text) as unknown) : undefined;
  }
}

const enc = encodeURIComponent;

/** Two strategies Unleash evaluates the same way (ids, titles and order aside). */
export function sameStrategy(a: FlagStrategy, b: FlagStrategy): boolean {
  return strategyKey(a) === strategyKey(b);
}

/** A strategy's meaning as a string: constraint values sorted, defaults filled in. */
export function strategyKey(s: FlagStrategy): string {
  return JSON.stringify({
    name: s.name,
    disabled: s.disabled ?? false,
    parameters: Object.fromEntries(
      Object.entries(s.parameters ?? {}).sort(([x], [y]) => x.localeCompare(y)),
    ),
    constraints: (s.constraints ?? [])
      .map((c) => ({
        contextName: c.contextName,
        operator: c.operator,
        values: [...(c.values ?? [])].sort(),
        inverted: c.inverted ?? false,
        caseInsensitive: c.caseInsensitive ?? false,
      }))
      .sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))),
    segments: [...(s.segments ?? [])].sort((x, y) => x - y),
    // Only when there are some: a strategy without variants reads as before.
    ...(s.variants?.length
      ? { variants: s.variants.map((v) => ({ name: v.name, payload: v.payload?.value ?? null })) }
      : {}),
  });
}

/** The strategies in the order Unleash evaluates them (sort order, then as listed). */
export function evaluationOrder(strategies: FlagStrategy[]): FlagStrategy[] {
  return strategies
    .map((strategy, index) => ({ strategy, index }))
    .sort(
      (a, b) =>
        (a.strategy.sortOrder ?? 9999) - (b.strategy.sortOrder ?? 9999) || a.index - b.index,
    )
    .map(({ strategy }) => strategy);
}
