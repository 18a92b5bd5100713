/**
 * Every fixed-window rate limit of the portal, in one list: a name (the prefix
 * of its counters' keys), how many hits a window allows, and the window's
 * length. Operators override any of them with RATE_LIMITS, validated at boot;
 * the validated configuration holds the resulting table (`AppConfig.rateLimits`,
 * as Unleash keeps its `IRateLimiting` in its config) and `RateLimiter` applies it.
 */
export interface RateLimitRule {
  limit: number;
  windowSeconds: number;
}

export const RATE_LIMIT_DEFAULTS = {
  /** Sign-in attempts from one client address, right or wrong. */
  'sign-in:ip': { limit: 30, windowSeconds: 900 },
  /**
   * Sign-in attempts for one email address from browsers not known for it,
   * counted before the password is checked: caps parallel bursts, which the
   * throttling (counted after) would see too late.
   */
  'sign-in:email': { limit: 30, windowSeconds: 900 },
  'register:ip': { limit: 20, windowSeconds: 3600 },
  /** "Account exists" emails to one address (registrations with an address already taken). */
  'account-exists:email': { limit: 3, windowSeconds: 86_400 },
  'reset:ip': { limit: 10, windowSeconds: 3600 },
  'reset:email': { limit: 3, windowSeconds: 3600 },
  /** New passwords sent with a reset link, from one client address. */
  'reset-choose:ip': { limit: 20, windowSeconds: 3600 },
  /**
   * Redirects to the city's directory from one client address (its own count:
   * a page elsewhere that loads the address many times must not use up the
   * password sign-ins of a city hall sharing one address).
   */
  'directory-start:ip': { limit: 60, windowSeconds: 900 },
  /** Codes of the staff's second factor (TOTP or a recovery code) one account tries. */
  'second-factor:account': { limit: 10, windowSeconds: 900 },
  /** Password changes (current password checked) by one signed-in account. */
  'password-change:account': { limit: 10, windowSeconds: 3600 },
  /** Email address changes one signed-in account asks for (each emails the new address). */
  'email-change:account': { limit: 5, windowSeconds: 3600 },
  /** Downloads of everything Guichet holds about a person (each reads every module's tables). */
  'data-download:account': { limit: 5, windowSeconds: 3600 },
  /** SME invitations one account sends (each is an email on the City's behalf). */
  'invite:account': { limit: 30, windowSeconds: 3600 },
  'feedback:account': { limit: 10, windowSeconds: 3600 },
  'feedback:ip': { limit: 30, windowSeconds: 3600 },
  /** Pilot volunteer requests (each reaches the City's staff) by one account. */
  'pilot-volunteer:account': { limit: 10, windowSeconds: 3600 },
  /** Files one person sends as evidence of owning an SME (each up to 10 MiB, kept in PostgreSQL). */
  'ownership-evidence:account': { limit: 10, windowSeconds: 3600 },
  /** API requests with one key: generous, it only stops runaway clients. */
  'api:key': { limit: 600, windowSeconds: 60 },
  /** API requests with a missing or wrong key from one client address. */
  'api:auth-failed': { limit: 60, windowSeconds: 60 },
} as const satisfies Record<string, RateLimitRule>;

export type RateLimitName = keyof typeof RATE_LIMIT_DEFAULTS;
export type RateLimitRules = Record<RateLimitName, RateLimitRule>;

const ENTRY = /^([a-z-]+:[a-z-]+)=(\d{1,7})\/(\d{1,7})$/;

/**
 * The rules with RATE_LIMITS' overrides applied. The variable lists
 * `name=limit/seconds` entries separated by commas, e.g.
 * `sign-in:ip=60/900,reset:email=5/3600`. Problems name each bad entry.
 */
export function parseRateLimits(overrides: string): { rules: RateLimitRules; problems: string[] } {
  const rules: RateLimitRules = { ...RATE_LIMIT_DEFAULTS };
  const problems: string[] = [];
  for (const entry of overrides.split(',').map((e) => e.trim())) {
    if (entry === '') continue;
    const match = ENTRY.exec(entry);
    if (!match) {
      problems.push(`"${entry}" is not name=limit/seconds`);
      continue;
    }
    const [, name, limit, seconds] = match;
    if (!(name in RATE_LIMIT_DEFAULTS)) {
      problems.push(
        `"${name}" is not a rate limit (known: ${Object.keys(RATE_LIMIT_DEFAULTS).join(', ')})`,
      );
      continue;
    }
    if (Number(limit) < 1 || Number(seconds) < 1) {
      problems.push(`"${entry}" needs a limit and a window of at least 1`);
      continue;
    }
    rules[name as RateLimitName] = { limit: Number(limit), windowSeconds: Number(seconds) };
  }
  return { rules, problems };
}
