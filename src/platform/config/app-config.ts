import { isIP } from 'node:net';
import { Transform, plainToInstance } from 'class-transformer';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  Validate,
  ValidateBy,
  ValidatorConstraint,
  validateSync,
  type ValidationArguments,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { parseRateLimits, type RateLimitRules } from '../security/rate-limit-rules.js';
import { parseClamdUrl } from '../virus-scan/clamd-client.js';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off', ''].includes(v)) return false;
  return value;
};

/**
 * Whom the portal believes about the client's address (X-Forwarded-For) and
 * scheme (X-Forwarded-Proto): nobody (false), the last `n` hops, or only
 * connections coming from these addresses, CIDRs or express's names.
 */
export type TrustProxy = false | number | string[];

/** The names express gives to address ranges (`trust proxy` setting). */
const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];
const MAX_PROXY_HOPS = 10;

const toTrustProxy = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const v = value.trim();
  if (['', 'false', 'no', 'off', '0'].includes(v.toLowerCase())) return false;
  if (/^\d+$/.test(v)) return Number(v);
  return v.split(',').map((entry) => entry.trim());
};

/** An IP address, a CIDR (address/prefix length) or one of express's range names. */
export function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGE_NAMES.includes(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

const isTrustProxy = (value: unknown) =>
  value === false ||
  (Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_PROXY_HOPS) ||
  (Array.isArray(value) && value.length > 0 && value.every(isProxyAddress));

/** RATE_LIMITS must parse: known rule names, whole numbers (src/platform/security/rate-limit-rules.ts). */
@ValidatorConstraint({ name: 'rateLimits' })
class RateLimitsOverrides implements ValidatorConstraintInterface {
  validate(value: unknown) {
    return typeof value === 'string' && parseRateLimits(value).problems.length === 0;
  }
  defaultMessage(args?: ValidationArguments) {
    const value = typeof args?.value === 'string' ? args.value : '';
    return parseRateLimits(value).problems.join('; ') || 'must be text';
  }
}

export const NODE_ENVS = ['development', 'production', 'test'] as const;
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/**
 * Every setting the portal reads, validated once at boot. The embedded launcher
 * fills in DATABASE_URL, UNLEASH_* and SMTP_URL when it starts those services;
 * in production they come from the environment (docker-compose.yml).
 */
export class AppConfig {
  @IsIn(NODE_ENVS)
  NODE_ENV: (typeof NODE_ENVS)[number] = 'development';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  @IsNotEmpty()
  HOST = '0.0.0.0';

  /**
   * On SIGTERM, how long the instance keeps serving while `/readyz` answers 503
   * ("draining") before it stops accepting: long enough for the load balancer's
   * health checks to take it out (docs/operations.md, "Stopping an instance").
   * 0 for a portal with no load balancer in front (`npm start` uses 0).
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(60_000)
  SHUTDOWN_DRAIN_MS = 5000;

  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  PUBLIC_URL = 'http://localhost:3000';

  @IsUrl({ require_tld: false, protocols: ['postgres', 'postgresql'], require_protocol: true })
  DATABASE_URL!: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE = 10;

  /** Runs pending migrations at boot, under a PostgreSQL advisory lock (safe with many instances). */
  @Transform(toBool)
  @IsBoolean()
  DATABASE_MIGRATE_ON_BOOT = true;

  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  UNLEASH_URL!: string;

  @IsString()
  @IsNotEmpty()
  UNLEASH_CLIENT_TOKEN!: string;

  @IsString()
  @IsNotEmpty()
  UNLEASH_ADMIN_TOKEN!: string;

  @IsString()
  @IsNotEmpty()
  UNLEASH_PROJECT = 'default';

  @IsString()
  @IsNotEmpty()
  UNLEASH_ENVIRONMENT = 'production';

  @IsString()
  @IsNotEmpty()
  UNLEASH_APP_NAME = 'guichet';

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  FLAGS_REFRESH_INTERVAL_MS = 5000;

  /**
   * How often the rollout reconciler compares Unleash with the plans and puts
   * back any drift (it also runs right after each change). 0 turns the periodic
   * run off: only changes made through the console are applied (the tests' default).
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  ROLLOUT_RECONCILE_INTERVAL_MS = 30_000;

  /**
   * How often each instance rereads the rollout plans into its plan fence, as a
   * safety net (ADR 0033): a committed change reaches it at once through
   * PostgreSQL's NOTIFY. 0 turns the periodic reread off.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(600_000)
  PLAN_FENCE_REFRESH_MS = 5000;

  @IsUrl({ require_tld: false, protocols: ['smtp', 'smtps'], require_protocol: true })
  SMTP_URL!: string;

  /** Signs the session cookie. At least 32 characters; changing it signs everyone out. */
  @IsString()
  @MinLength(32)
  SESSION_SECRET!: string;

  /** A signed-in session ends after this many minutes without a request. */
  @Transform(toInt)
  @IsInt()
  @Min(5)
  @Max(24 * 60)
  SESSION_IDLE_MINUTES = 120;

  /**
   * The insights show no figure drawn from fewer people (or applications,
   * events, responses) than this (issue 16): a small group's figure could
   * point at someone, and says little.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  INSIGHTS_MIN_GROUP = 10;

  /** A signed-in session ends this many hours after signing in, however busy. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(7 * 24)
  SESSION_ABSOLUTE_HOURS = 12;

  /**
   * How long a session that timed out is kept, signed out, with its CSRF token and
   * the account it belonged to: a step posted late with that token keeps what was
   * typed, shown again once the same account signs in (ADR 0016).
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(7 * 24 * 60)
  SESSION_EXPIRED_GRACE_MINUTES = 24 * 60;

  /**
   * How long an instance keeps a session and who it belongs to in memory
   * (milliseconds, at most 1000; 0 reads them from PostgreSQL on every
   * request). Sign-out, a role removed or an account closed are announced by
   * the database and take effect at once; this bounds it when an announcement
   * is lost (ADR 0037).
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1000)
  SESSION_CACHE_MS = 1000;

  /** What a late step post keeps of the typed text, at most (bytes, files never). */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(1024 * 1024)
  SESSION_KEPT_INPUT_MAX_BYTES = 64 * 1024;

  // Upload limits (ADR 0016): one list, checked at boot, applied by the
  // multipart reader (per route) and by the services (quotas).

  /** The largest file on a filing step (the attachment table's CHECK allows 10 MiB at most). */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(10 * 1024 * 1024)
  UPLOAD_STEP_MAX_BYTES = 10 * 1024 * 1024;

  /** The largest CSV of a bulk filing. */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(10 * 1024 * 1024)
  UPLOAD_BULK_MAX_BYTES = 1024 * 1024;

  /** The largest file attached to feedback. */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(10 * 1024 * 1024)
  UPLOAD_FEEDBACK_MAX_BYTES = 10 * 1024 * 1024;

  /** The largest file of evidence of who owns an SME (ADR 0014). */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(10 * 1024 * 1024)
  UPLOAD_EVIDENCE_MAX_BYTES = 10 * 1024 * 1024;

  /** The largest CSV imported into a cohort. */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(10 * 1024 * 1024)
  UPLOAD_COHORT_IMPORT_MAX_BYTES = 1024 * 1024;

  /** All of one application's attachments together. */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(1024 * 1024 * 1024)
  APPLICATION_ATTACHMENTS_MAX_BYTES = 50 * 1024 * 1024;

  /** All the attachments one account has uploaded to applications still in draft. */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(10 * 1024 * 1024 * 1024)
  ACCOUNT_DRAFT_ATTACHMENTS_MAX_BYTES = 200 * 1024 * 1024;
  /**
   * An SME's API key stops working this many days after it is created (its
   * owners see the date and create a new key before it).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  API_KEY_TTL_DAYS = 365;

  @IsString()
  @IsNotEmpty()
  MAIL_FROM = 'Guichet <no-reply@guichet.example>';

  @IsString()
  @IsNotEmpty()
  DATA_DIR = '.data';

  /**
   * Where attachments' bytes go: empty (the default) keeps them in PostgreSQL;
   * a directory stores them there as files (the database keeps their metadata).
   */
  @IsString()
  ATTACHMENTS_DIR = '';

  /**
   * ClamAV's clamd, which scans every upload (ADR 0028): `tcp://host:3310` or
   * `unix:///path/to/clamd.ctl`. Empty turns scanning off: files are stored
   * "unscanned" and staff are told so beside each one.
   */
  @ValidateBy({
    name: 'isClamdUrl',
    validator: {
      validate: (value: unknown) =>
        value === '' || (typeof value === 'string' && parseClamdUrl(value) !== undefined),
    },
  })
  CLAMAV_URL = '';

  /** How long one clamd command (a scan, a PING) may take before the file is kept as pending. */
  @Transform(toInt)
  @IsInt()
  @Min(500)
  @Max(300_000)
  CLAMAV_TIMEOUT_MS = 15_000;

  /**
   * How often files kept "pending scan" (clamd was unreachable) are scanned
   * again; 0 turns the periodic run off (the tests call it themselves).
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  CLAMAV_RESCAN_INTERVAL_MS = 60_000;

  @IsString()
  @IsNotEmpty()
  MUNICIPALITY_NAME = 'Val-des-Cèdres';

  @IsString()
  @IsNotEmpty()
  MUNICIPALITY_LOGO_URL = '/brand/logo.svg';

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  /** Creates the demo people and rollout at boot. Refused in production: their passwords are published. */
  @Transform(toBool)
  @IsBoolean()
  @ValidateBy({
    name: 'notInProduction',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) =>
        !(value === true && (args?.object as AppConfig).NODE_ENV === 'production'),
    },
  })
  SEED_DEMO = false;

  /**
   * Staff who sign in with a Guichet password must then give a code from an
   * authenticator app (TOTP, RFC 6238; ADR 0046). `off` is for tests and
   * development only: refused in production.
   */
  @IsIn(['required', 'off'])
  @ValidateBy({
    name: 'secondFactorInProduction',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) =>
        !(value === 'off' && (args?.object as AppConfig).NODE_ENV === 'production'),
    },
  })
  STAFF_SECOND_FACTOR: 'required' | 'off' = 'required';

  /**
   * Sensitive staff actions (roles, removal from staff, the rollout's
   * overrides) need a second factor or a directory sign-in this recent;
   * older, the person confirms it again first.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(720)
  REAUTH_MINUTES = 15;

  /**
   * The reverse proxies in front of the portal (see TrustProxy). False by
   * default: X-Forwarded-For is then ignored, so a client that reaches the
   * portal directly cannot choose the address rate limits and audit events see.
   */
  @Transform(toTrustProxy)
  @ValidateBy({ name: 'isTrustProxy', validator: { validate: isTrustProxy } })
  TRUST_PROXY: TrustProxy = false;

  /** Connections of the job queue's own pool (pg-boss, docs/adr/0026), beside DATABASE_POOL_SIZE. */
  @Transform(toInt)
  @IsInt()
  @Min(2)
  @Max(50)
  JOBS_POOL_SIZE = 4;

  /**
   * Attempts to deliver an email after the first one fails (SMTP refusing or
   * down); past them the email is "failed": listed for admins, who may retry it.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(20)
  EMAIL_RETRY_LIMIT = 8;

  /**
   * Seconds before the first retry of an email; each further retry waits about
   * twice as long (pg-boss adds jitter), never more than an hour. With the
   * defaults an email is given up on roughly half an hour after its first attempt.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  EMAIL_RETRY_DELAY_SECONDS = 5;

  /** Delivered emails are deleted from the outbox this many days after they were sent. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  OUTBOX_RETENTION_DAYS = 30;

  /*
   * The retention schedule of personal data (docs/adr/0047, docs/operations.md,
   * "Personal data and retention"), applied by the job `privacy-retention` and
   * shown on /privacy. OUTBOX_RETENTION_DAYS above is the delivered emails' period.
   */

  /** What remains of a closed account (its personal drafts, its feedback's browser details) is erased this many days after closing. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  CLOSED_ACCOUNT_RETENTION_DAYS = 90;

  /** A draft application nobody touched for this many days is deleted, with its files. */
  @Transform(toInt)
  @IsInt()
  @Min(30)
  @Max(3650)
  DRAFT_RETENTION_DAYS = 365;

  /** Rate-limit counters and sign-in throttling entries are deleted this many hours after they last mattered. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(8760)
  RATE_LIMIT_RETENTION_HOURS = 24;

  /** The name and contact a person left with feedback that staff recorded for them are erased after this many days. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  FEEDBACK_CONTACT_RETENTION_DAYS = 365;

  /** Personal data inside audit events (addresses, names, phones, the client address) is erased after this many days; the events stay. */
  @Transform(toInt)
  @IsInt()
  @Min(365)
  @Max(36500)
  AUDIT_PERSONAL_DATA_RETENTION_DAYS = 2557;

  /** Hours between two runs of the retention job; 0 turns it off (the tests run it themselves). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(168)
  RETENTION_INTERVAL_HOURS = 24;

  /** Rows of each kind one transaction of the retention job purges; a run repeats batches until nothing is due or its 60 seconds are spent. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100000)
  RETENTION_BATCH_SIZE = 5000;

  /** The person responsible for the protection of personal information, named on /privacy. */
  @IsString()
  @IsNotEmpty()
  PRIVACY_OFFICER_NAME = 'Dominique Bérubé';

  @IsString()
  @IsNotEmpty()
  PRIVACY_OFFICER_TITLE = 'Greffière et responsable de la protection des renseignements personnels';

  @IsEmail({ require_tld: false })
  PRIVACY_OFFICER_EMAIL = 'vie-privee@val-des-cedres.example';

  /**
   * Overrides of the rate limits' defaults (src/platform/security/rate-limit-rules.ts):
   * `name=limit/seconds` entries separated by commas, e.g. `sign-in:ip=60/900`.
   */
  @Validate(RateLimitsOverrides)
  RATE_LIMITS = '';

  /**
   * The rate limits in force: every rule of src/platform/security/rate-limit-rules.ts
   * with its limit and window, RATE_LIMITS' overrides applied (validated above).
   * The one table `RateLimiter` reads. A getter, so not a variable of its own.
   */
  get rateLimits(): RateLimitRules {
    return parseRateLimits(this.RATE_LIMITS).rules;
  }

  /**
   * Sign-in throttling (docs/adr/0015): wrong passwords an email address may
   * take (from browsers not known for that account) before each further attempt
   * must wait; the first wait, doubled at each further failure up to the longest;
   * and how long failures are remembered after the last one.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  SIGN_IN_FREE_FAILURES_PER_ACCOUNT = 5;

  /** The same, for one client address (all the email addresses it tries). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  SIGN_IN_FREE_FAILURES_PER_ADDRESS = 20;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400)
  SIGN_IN_FIRST_DELAY_SECONDS = 30;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400)
  SIGN_IN_MAX_DELAY_SECONDS = 900;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(43_200)
  SIGN_IN_FAILURES_MEMORY_MINUTES = 60;

  /**
   * A browser where someone signed in is "known" for that account this many
   * days (a signed cookie): it is not held back by the account's or the
   * address's throttling (docs/adr/0015).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(730)
  KNOWN_DEVICE_DAYS = 180;

  /**
   * Staff sign-in with the city's directory (OpenID Connect, issue 18, ADR 0045):
   * the provider's issuer URL. Unset, staff sign in with a password and a
   * second factor only. `npm start` points it at its embedded provider.
   */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  OIDC_ISSUER?: string;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  OIDC_CLIENT_ID?: string;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  OIDC_CLIENT_SECRET?: string;

  /** The ID token's (or userinfo's) claim that lists the person's groups. */
  @IsString()
  @Matches(/^[\w.:/-]{1,200}$/)
  OIDC_GROUPS_CLAIM = 'groups';

  /**
   * Which directory groups give which Guichet roles: `group=role` pairs,
   * comma-separated (`guichet-clerks=clerk,guichet-admins=admin`). A group may
   * give several roles, a role come from several groups.
   */
  @IsString()
  @Matches(
    /^$|^\s*[^=,\s][^=,]*=\s*(admin|rollout-manager|clerk|analyst|service-designer)\s*(,\s*[^=,\s][^=,]*=\s*(admin|rollout-manager|clerk|analyst|service-designer)\s*)*$/,
  )
  OIDC_ROLE_GROUPS = '';

  /** The scopes asked for (`openid` first); some providers need one more for groups. */
  @IsString()
  @Matches(/^openid( [\w.:/-]+)*$/)
  OIDC_SCOPES = 'openid email profile';

  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  UNLEASH_UI_URL?: string;

  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  MAIL_CATCHER_URL?: string;
}

/** Optional variables that an empty value leaves unset (the city's directory: off). */
const UNSET_WHEN_EMPTY = new Set(['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET']);

/** Variables whose values must never be printed, even in an error. */
export const SECRET_VARIABLES = new Set([
  'DATABASE_URL',
  'UNLEASH_CLIENT_TOKEN',
  'UNLEASH_ADMIN_TOKEN',
  'SMTP_URL',
  'SESSION_SECRET',
  'OIDC_CLIENT_SECRET',
]);

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** What each rule means, the most basic first. */
const MESSAGES: Record<string, string> = {
  isString: 'must be text',
  isNotEmpty: 'must not be empty',
  isInt: 'must be a whole number',
  isBoolean: 'must be true or false',
  isUrl: 'must be a URL',
  isEmail: 'must be an email address',
  isIn: 'must be one of the allowed values',
  min: 'is too small',
  max: 'is too large',
  minLength: 'is too short',
  notInProduction:
    'must be false when NODE_ENV is production (the demo accounts have published passwords)',
  secondFactorInProduction:
    'must be required when NODE_ENV is production (staff passwords alone are not enough)',
  isClamdUrl:
    'must be empty (scanning off), tcp://host:port (e.g. tcp://clamav:3310) or unix:///path/to/clamd.ctl',
  isTrustProxy:
    `must be false, a number of proxy hops (1 to ${MAX_PROXY_HOPS}), or the proxies' addresses or CIDRs ` +
    `separated by commas (e.g. 10.0.0.0/8,127.0.0.1; or ${PROXY_RANGE_NAMES.join(', ')}); ` +
    '"true" is not accepted: it would believe any client\'s X-Forwarded-For',
};

/**
 * Reads the settings from an environment (process.env by default). Unknown
 * variables are ignored; a missing or malformed one throws a ConfigError whose
 * message names each variable and what is wrong, never a secret value.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const known = Object.keys(new AppConfig()).concat([
    'DATABASE_URL',
    'UNLEASH_URL',
    'UNLEASH_CLIENT_TOKEN',
    'UNLEASH_ADMIN_TOKEN',
    'SMTP_URL',
    'SESSION_SECRET',
    'UNLEASH_UI_URL',
    'MAIL_CATCHER_URL',
    'OIDC_ISSUER',
    'OIDC_CLIENT_ID',
    'OIDC_CLIENT_SECRET',
  ]);
  const plain: Record<string, string> = {};
  for (const key of known) {
    const value = env[key];
    // docker-compose passes an optional variable left out of .env as empty.
    if (value === '' && UNSET_WHEN_EMPTY.has(key)) continue;
    if (value !== undefined) plain[key] = value;
  }
  const config = plainToInstance(AppConfig, plain);
  const errors = validateSync(config, { skipMissingProperties: false });
  if (errors.length > 0) {
    const problems = errors.map((error) => {
      const missing = plain[error.property] === undefined;
      if (missing) return `${error.property} is required but not set`;
      // The most basic rule broken says it best: "must be a whole number" before "is too small".
      const broken = Object.keys(error.constraints ?? {});
      const first = Object.keys(MESSAGES).find((rule) => broken.includes(rule)) ?? broken[0];
      // class-validator's own isIn message lists the allowed values.
      const what =
        first === 'isIn'
          ? error.constraints!.isIn.replace(`${error.property} `, '')
          : (MESSAGES[first] ?? error.constraints?.[first] ?? first);
      const shown = SECRET_VARIABLES.has(error.property) ? '' : ` (got "${plain[error.property]}")`;
      return `${error.property} ${what}${shown}`;
    });
    throw new ConfigError(problems);
  }
  const directory = [config.OIDC_ISSUER, config.OIDC_CLIENT_ID, config.OIDC_CLIENT_SECRET];
  if (directory.some(Boolean) && !directory.every(Boolean))
    throw new ConfigError([
      'OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET go together: set all three (staff sign in with the directory) or none',
    ]);
  if (config.OIDC_ISSUER && !config.OIDC_ROLE_GROUPS.trim())
    throw new ConfigError([
      'OIDC_ROLE_GROUPS is required with OIDC_ISSUER: which directory groups give which roles (group=role, comma-separated)',
    ]);
  return config;
}

/** `OIDC_ROLE_GROUPS` read: each group's roles. */
export function roleGroups(setting: string): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const pair of setting.split(',')) {
    const at = pair.lastIndexOf('=');
    if (at < 0) continue;
    const group = pair.slice(0, at).trim();
    const role = pair.slice(at + 1).trim();
    groups.set(group, [...(groups.get(group) ?? []), role]);
  }
  return groups;
}
