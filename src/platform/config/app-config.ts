import { Transform, plainToInstance } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off', ''].includes(v)) return false;
  return value;
};

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

  @IsString()
  @IsNotEmpty()
  MUNICIPALITY_NAME = 'Val-des-Cèdres';

  @IsString()
  @IsNotEmpty()
  MUNICIPALITY_LOGO_URL = '/brand/logo.svg';

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  @Transform(toBool)
  @IsBoolean()
  SEED_DEMO = false;

  @Transform(toBool)
  @IsBoolean()
  TRUST_PROXY = false;

  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  UNLEASH_UI_URL?: string;

  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  MAIL_CATCHER_URL?: string;
}

/** Variables whose values must never be printed, even in an error. */
export const SECRET_VARIABLES = new Set([
  'DATABASE_URL',
  'UNLEASH_CLIENT_TOKEN',
  'UNLEASH_ADMIN_TOKEN',
  'SMTP_URL',
  'SESSION_SECRET',
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
  isIn: 'must be one of the allowed values',
  min: 'is too small',
  max: 'is too large',
  minLength: 'is too short',
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
  ]);
  const plain: Record<string, string> = {};
  for (const key of known) {
    const value = env[key];
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
          : (MESSAGES[first] ?? first);
      const shown = SECRET_VARIABLES.has(error.property) ? '' : ` (got "${plain[error.property]}")`;
      return `${error.property} ${what}${shown}`;
    });
    throw new ConfigError(problems);
  }
  return config;
}
