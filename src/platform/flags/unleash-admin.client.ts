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

export interface FlagStrategy {
  id?: string;
  name: string;
  parameters: Record<string, string>;
  constraints: StrategyConstraint[];
  segments?: number[];
  disabled?: boolean;
}

export interface FlagEnvironmentState {
  enabled: boolean;
  strategies: FlagStrategy[];
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

  async createFlag(name: string, description: string): Promise<void> {
    await this.request('POST', `/admin/projects/${this.project}/features`, {
      name,
      description,
      type: 'release',
      impressionData: false,
    });
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
