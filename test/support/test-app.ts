import { mkdtempSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { createApp, type CreateAppOptions } from '../../src/app.js';
import { PlanFence } from '../../src/modules/rollout/plan-fence.js';
import { markPlanChanged } from '../../src/modules/rollout/rollout-changes.js';
import { RolloutReconciler } from '../../src/modules/rollout/rollout-reconciler.service.js';
import { smeFirstViolation, type VariantReach } from '../../src/modules/rollout/sme-first.js';
import type { Stage } from '../../src/modules/rollout/stages.js';
import { loadConfig, type AppConfig } from '../../src/platform/config/app-config.js';
import type { Audience } from '../../src/platform/flags/flag-context.js';
import { UnleashAdminClient } from '../../src/platform/flags/unleash-admin.client.js';
import { JsonLogger } from '../../src/platform/logging/json-logger.js';

const env = (name: string) => {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set: run the tests with npm test (the global setup sets it)`);
  return value;
};

/** A fresh database for one test file: a clone of the migrated template. */
export async function createTestDatabase(): Promise<string> {
  const name = `guichet_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${env('GUICHET_TEST_TEMPLATE')}`);
  return name;
}

export async function adminQuery(sql: string, params: unknown[] = []) {
  const client = new pg.Client({ connectionString: env('GUICHET_TEST_PG_ADMIN_URL') });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}

export function databaseUrl(name: string): string {
  return `${env('GUICHET_TEST_PG_URL_PREFIX')}${name}`;
}

/** A data directory of its own for one app (the Unleash client's backup lives there). */
export function testDataDir(): string {
  const base = resolve(env('GUICHET_TEST_DATA_DIR'), 'apps');
  mkdirSync(base, { recursive: true });
  return mkdtempSync(resolve(base, 'app-'));
}

export function testConfig(overrides: Record<string, string> = {}): AppConfig {
  return loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    UNLEASH_URL: env('UNLEASH_URL'),
    UNLEASH_CLIENT_TOKEN: env('UNLEASH_CLIENT_TOKEN'),
    UNLEASH_ADMIN_TOKEN: env('UNLEASH_ADMIN_TOKEN'),
    UNLEASH_ENVIRONMENT: env('UNLEASH_ENVIRONMENT'),
    SMTP_URL: env('SMTP_URL'),
    CLAMAV_URL: env('CLAMAV_URL'),
    // The tests run the rescan themselves (ScanService.scanPending).
    CLAMAV_RESCAN_INTERVAL_MS: '0',
    FLAGS_REFRESH_INTERVAL_MS: '250',
    // Test files share one Unleash: a periodic reconcile would undo the flags
    // other specs set directly. The rollout specs turn it on.
    ROLLOUT_RECONCILE_INTERVAL_MS: '0',
    // Specs that write old rows would race a purge at boot; test/retention.spec.ts runs it itself.
    RETENTION_INTERVAL_HOURS: '0',
    SESSION_SECRET: 'test-session-secret-0123456789abcdef',
    // Staff sign in with a password alone in most specs (what they test is
    // their roles); test/second-factor*.spec.ts turn it on, as production has it.
    STAFF_SECOND_FACTOR: 'off',
    // Off by default: specs that change rows directly and ask again at once
    // would otherwise race the database's announcement. test/session-cache.spec.ts
    // turns it on (and GUICHET_TEST_SESSION_CACHE_MS for any spec run).
    SESSION_CACHE_MS: process.env.GUICHET_TEST_SESSION_CACHE_MS ?? '0',
    LOG_LEVEL: 'error',
    DATA_DIR: testDataDir(),
    ...overrides,
  });
}

export interface TestApp {
  app: NestExpressApplication;
  config: AppConfig;
  url: string;
  database: string;
  close(): Promise<void>;
}

/** The whole portal on its own database, listening on a free loopback port. */
export async function startTestApp(
  overrides: Record<string, string> = {},
  options: CreateAppOptions = {},
): Promise<TestApp> {
  const database = await createTestDatabase();
  const config = testConfig({ DATABASE_URL: databaseUrl(database), ...overrides });
  const logs: string[] = [];
  const logger = new JsonLogger('warn', (line) => {
    logs.push(line);
    if (process.env.GUICHET_TEST_LOGS) process.stderr.write(`${line}\n`);
  });
  const app = await createApp(config, { logger, ...options });
  // A test that must know its address before the portal starts (an OpenID
  // Provider's redirect URI) gives PORT and PUBLIC_URL; the others take any port.
  await app.listen(overrides.PORT ? Number(overrides.PORT) : 0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  return {
    app,
    config,
    url: `http://127.0.0.1:${port}`,
    database,
    close: async () => {
      await app.close();
      await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    },
  };
}

/**
 * For a test that drives a service's flags straight through Unleash's Admin
 * API: the service's plans allow both variants to everyone (sme-all, general),
 * so the plan fence (ADR 0033) lets through whatever Unleash opens, and
 * Unleash alone narrows it. The plans are not marked changed (no NOTIFY, no
 * sync): the reconciler does not put the test's flags back.
 */
export async function planAllows(portal: { app: NestExpressApplication }, slugs: string[]) {
  await portal.app.get(DataSource).query(
    `INSERT INTO rollout_plan (service_slug, variant, stage)
     SELECT slug, variant, CASE variant WHEN 'business' THEN 'sme-all' ELSE 'general' END
       FROM unnest($1::text[]) AS slug, unnest(ARRAY['business', 'citizen']) AS variant
     ON CONFLICT (service_slug, variant)
     DO UPDATE SET stage = EXCLUDED.stage, paused = false`,
    [slugs],
  );
  if (!(await portal.app.get(PlanFence).reload())) throw new Error('the plan fence did not reload');
}

/** What a test changes of one plan; what it leaves out stays as it is. */
export interface PlanChange {
  stage?: Stage;
  paused?: boolean;
  gradualPercentage?: number;
}

/**
 * Puts one plan of a service where a test needs it, as a decision would leave
 * it but without the console's gates: the change and a new version in one
 * transaction (`markPlanChanged`: the NOTIFY reloads every instance's plan
 * fence, ADR 0033), then the reconciler writes it to Unleash (throws if it did
 * not). Refuses a pair of plans that breaks SME-first (ADR 0034): take the
 * business variant to sme-all before citizens go past internal, and bring
 * citizens back to internal before the SMEs leave sme-all or pause.
 */
export async function changePlan(
  portal: { app: INestApplication },
  slug: string,
  variant: Audience,
  change: PlanChange,
): Promise<void> {
  await portal.app.get(DataSource).transaction(async (manager) => {
    await manager.query(
      `UPDATE rollout_plan
          SET stage = COALESCE($3, stage), paused = COALESCE($4, paused),
              gradual_percentage = COALESCE($5, gradual_percentage)
        WHERE service_slug = $1 AND variant = $2`,
      [
        slug,
        variant,
        change.stage ?? null,
        change.paused ?? null,
        change.gradualPercentage ?? null,
      ],
    );
    const plans = await manager.query<(VariantReach & { variant: Audience })[]>(
      `SELECT variant, stage, paused FROM rollout_plan WHERE service_slug = $1`,
      [slug],
    );
    const [business, citizen] = (['business', 'citizen'] as const).map((v) =>
      plans.find((p) => p.variant === v),
    );
    if (!business || !citizen) throw new Error(`${slug} has no rollout plans`);
    const violation = smeFirstViolation(business, citizen);
    if (violation) throw new Error(`${slug}.${variant}: this breaks SME-first (${violation})`);
    await markPlanChanged(manager, slug, variant);
  });
  if (!(await portal.app.get(RolloutReconciler).syncNow()))
    throw new Error(`${slug}.${variant}: the plan did not reach Unleash`);
}

export function unleashAdmin(): UnleashAdminClient {
  return new UnleashAdminClient(
    env('UNLEASH_URL'),
    env('UNLEASH_ADMIN_TOKEN'),
    'default',
    env('UNLEASH_ENVIRONMENT'),
  );
}

/**
 * Waits until Unleash's client API (what every portal instance polls) serves a
 * flag naming `text` (e.g. a strategy variant `revision-2`): the instance that
 * decided applies a change locally at once, but its next poll would take
 * Unleash's answer back until Unleash's own client cache has it.
 */
export async function untilUnleashServes(flag: string, text: string): Promise<void> {
  await eventually(async () => {
    // UNLEASH_URL is the API's root (…/api), as unleash-client takes it.
    const res = await fetch(`${env('UNLEASH_URL')}/client/features/${flag}`, {
      headers: { Authorization: env('UNLEASH_CLIENT_TOKEN') },
    });
    return res.ok && (await res.text()).includes(text);
  }, 10_000);
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns how long it took. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<number> {
  const start = Date.now();
  for (let attempt = 0; attempt < 200; attempt++) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

/**
 * Removes a flag from Unleash altogether (archive, then delete), if it exists.
 * Unleash (8.2, as 7.5 did) records an archived flag's lifecycle after answering; deleting the
 * flag before that record is written fails its foreign key, and on a loaded
 * machine that failure has ended the test Unleash: the delete waits a moment.
 */
export async function deleteFlag(name: string): Promise<void> {
  const base = env('UNLEASH_URL');
  const headers = { Authorization: env('UNLEASH_ADMIN_TOKEN') };
  const archived = await fetch(`${base}/admin/projects/default/features/${name}`, {
    method: 'DELETE',
    headers,
  });
  if (archived.ok) await new Promise((r) => setTimeout(r, 1500));
  const res = await fetch(`${base}/admin/archive/${name}`, { method: 'DELETE', headers });
  if (!res.ok && res.status !== 404) throw new Error(`could not delete ${name}: ${res.status}`);
}

export interface CaughtEmail {
  subject: string;
  text: string;
  to: { address: string }[];
}

/** The emails the test mail catcher holds for an address, oldest first. */
export async function mailFor(address: string): Promise<CaughtEmail[]> {
  const res = await fetch(`${env('MAIL_CATCHER_URL')}/api/email`);
  const all = (await res.json()) as CaughtEmail[];
  return all.filter((m) => m.to.some((t) => t.address.toLowerCase() === address.toLowerCase()));
}

/** The CSRF token of a form page's HTML. */
export function csrfFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no CSRF token on the page');
  return match[1];
}

/**
 * Makes an account's sessions look older than they are: last seen `idleMinutes`
 * ago and/or signed in `signedInHoursAgo` hours ago (as if time had passed).
 */
export async function ageSessions(
  db: { query: (sql: string, params: unknown[]) => Promise<unknown> },
  accountId: string,
  { idleMinutes = 0, signedInHoursAgo }: { idleMinutes?: number; signedInHoursAgo?: number },
): Promise<void> {
  const now = Date.now();
  const changes: Record<string, unknown> = { refreshedAt: now - idleMinutes * 60_000 };
  if (signedInHoursAgo !== undefined)
    changes.signedInAt = new Date(now - signedInHoursAgo * 3_600_000).toISOString();
  await db.query(
    `UPDATE http_session SET sess = (sess::jsonb || $2::jsonb)::json WHERE sess->>'accountId' = $1`,
    [accountId, JSON.stringify(changes)],
  );
}
