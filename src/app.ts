import 'reflect-metadata';
import { resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import type { Express } from 'express';
import { AppModule } from './app.module.js';
import { CatalogueService } from './modules/catalogue/catalogue.service.js';
import { DemoPeopleSeed } from './modules/demo/demo-people.seed.js';
import { DemoRolloutSeed } from './modules/rollout/demo-rollout.seed.js';
import { RolloutReconciler } from './modules/rollout/rollout-reconciler.service.js';
import { RolloutService } from './modules/rollout/rollout.service.js';
import { FlagProvisioner } from './modules/rollout/flag-provisioner.service.js';
import { variantFlags } from './modules/rollout/variant-flags.js';
import type { AppConfig } from './platform/config/app-config.js';
import { ChangeFeed } from './platform/database/change-feed.js';
import { createDataSource, migrate } from './platform/database/database.js';
import { FlagsService } from './platform/flags/flags.service.js';
import { UnleashAdminClient } from './platform/flags/unleash-admin.client.js';
import { UnleashFlagsService } from './platform/flags/unleash-flags.service.js';
import { parseQuery } from './platform/http/control-characters.js';
import { ErrorFilter } from './platform/http/error.filter.js';
import { Drain } from './platform/http/drain.js';
import { FINGERPRINTED_PREFIX, fingerprintedAssets } from './platform/http/fingerprinted-assets.js';
import { noStoreMiddleware } from './platform/http/no-store.middleware.js';
import { viewLocalsMiddleware } from './platform/http/view-locals.middleware.js';
import { I18nService } from './platform/i18n/i18n.service.js';
import { Jobs } from './platform/jobs/jobs.js';
import { JsonLogger } from './platform/logging/json-logger.js';
import { requestIdMiddleware } from './platform/logging/request-id.middleware.js';
import { MailService } from './platform/mail/mail.service.js';
import { projectPath } from './platform/project-path.js';
import { sessionMiddleware } from './platform/http/sessions.js';
import { Sessions } from './platform/platform.module.js';
import { securityHeaders } from './platform/security/security-headers.js';
import { configureViews } from './platform/views/configure-views.js';
import { createVirusScanner, type VirusScanner } from './platform/virus-scan/virus-scanner.js';

export interface CreateAppOptions {
  logger?: JsonLogger;
  /** A FlagsService to use instead of connecting to Unleash (unit-level tests). */
  flags?: FlagsService;
  /** Skip creating flags and seeding demo data at boot. */
  skipBootTasks?: boolean;
  /** A VirusScanner to use instead of the one CLAMAV_URL gives (unit-level tests). */
  scanner?: VirusScanner;
  /**
   * Registers extra routes on the Express app, after the global middleware and
   * static assets and before Nest's own routes. Only for tooling: the benchmark
   * (scripts/bench.ts) adds its bare `GET /__bench/bare` here. Never used in production.
   */
  extraRoutes?: (express: Express) => void;
}

/**
 * Builds the portal: connects the database (migrating it), the flags client and
 * mail, then the Nest application with its middleware and views. The caller
 * listens (main.ts, the launcher, tests, the benchmark).
 */
export async function createApp(
  config: AppConfig,
  options: CreateAppOptions = {},
): Promise<NestExpressApplication> {
  const logger = options.logger ?? new JsonLogger(config.LOG_LEVEL);
  const i18n = new I18nService();
  const dataSource = createDataSource({
    url: config.DATABASE_URL,
    poolSize: config.DATABASE_POOL_SIZE,
  });
  await dataSource.initialize();
  if (config.DATABASE_MIGRATE_ON_BOOT) await migrate(dataSource, logger);

  const flags =
    options.flags ??
    (await UnleashFlagsService.start(
      {
        url: config.UNLEASH_URL,
        clientToken: config.UNLEASH_CLIENT_TOKEN,
        appName: config.UNLEASH_APP_NAME,
        environment: config.UNLEASH_ENVIRONMENT,
        refreshIntervalMs: config.FLAGS_REFRESH_INTERVAL_MS,
        backupDir: resolve(config.DATA_DIR, 'unleash'),
      },
      logger,
    ));
  const unleashAdmin = new UnleashAdminClient(
    config.UNLEASH_URL,
    config.UNLEASH_ADMIN_TOKEN,
    config.UNLEASH_PROJECT,
    config.UNLEASH_ENVIRONMENT,
  );
  const mail = new MailService(config.SMTP_URL, config.MAIL_FROM);
  // Announcements that take back what an instance keeps in memory (ADR 0037).
  const changes = await ChangeFeed.start(config.DATABASE_URL, logger);
  const session = sessionMiddleware(config, changes, logger);
  const sessions = new Sessions(session.middleware, async () => {
    await session.close();
    await changes.close();
  });
  // Its workers start once the modules have declared their queues (JobsLifecycle).
  const jobs = await Jobs.start(
    { connectionString: config.DATABASE_URL, poolSize: config.JOBS_POOL_SIZE },
    logger,
  );
  const scanner =
    options.scanner ?? createVirusScanner(config.CLAMAV_URL, config.CLAMAV_TIMEOUT_MS);
  const drain = new Drain(config.SHUTDOWN_DRAIN_MS, logger);

  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.register({
      config,
      logger,
      i18n,
      dataSource,
      flags,
      unleashAdmin,
      mail,
      sessions,
      changes,
      jobs,
      scanner,
      drain,
    }),
    { logger, abortOnError: false },
  );
  app.disable('x-powered-by');
  // No ETag on what the portal builds: every such answer is `no-store` (below),
  // so no cache keeps it to revalidate, and hashing each page cost ~2 % of a
  // page's CPU (ADR 0037). Static assets keep their own ETags.
  app.set('etag', false);
  // req.ip, req.secure and the session cookie's Secure flag believe
  // X-Forwarded-* only from the proxies TRUST_PROXY names (none by default).
  app.set('trust proxy', config.TRUST_PROXY);
  if (config.TRUST_PROXY === false && config.PUBLIC_URL.startsWith('https:'))
    // Behind a TLS proxy the portal sees plain HTTP: its Secure session cookie is
    // then never set (nobody can sign in) until TRUST_PROXY names the proxy.
    logger.event('warn', 'config.trust_proxy_unset', {
      hint: 'PUBLIC_URL is https but TRUST_PROXY is false: set TRUST_PROXY to the reverse proxy address (docs/operations.md, "Behind a reverse proxy")',
    });
  app.use(drain.middleware);
  app.use(requestIdMiddleware(logger));
  app.use(securityHeaders(config));
  app.use(cookieParser());
  app.use(viewLocalsMiddleware(config));
  const assets = {
    maxAge: config.NODE_ENV === 'production' ? '1d' : 0,
    index: false,
    fallthrough: true,
  };
  // What pages link (through {{asset}}): fingerprinted, precompressed, cached for a year.
  app.use(FINGERPRINTED_PREFIX, fingerprintedAssets(projectPath('public/build')));
  // The same files under their plain names, for whatever links them so (revalidated).
  const govuk = projectPath('node_modules/govuk-frontend/dist/govuk');
  app.useStaticAssets(resolve(govuk, 'assets'), { ...assets, prefix: '/assets/govuk/' });
  app.useStaticAssets(govuk, { ...assets, prefix: '/assets/govuk/' });
  app.useStaticAssets(projectPath('public/css'), { ...assets, prefix: '/assets/css/' });
  app.useStaticAssets(projectPath('public/js'), { ...assets, prefix: '/assets/js/' });
  app.useStaticAssets(projectPath('public/brand'), { ...assets, prefix: '/brand/' });
  // Past the static assets: nothing the portal builds is kept by a cache.
  app.use(noStoreMiddleware);
  options.extraRoutes?.(app.getHttpAdapter().getInstance());
  configureViews(app, i18n, { cache: config.NODE_ENV === 'production' });
  // Every query, for every handler, without control characters (NUL included).
  app.set('query parser', parseQuery);
  app.useGlobalFilters(new ErrorFilter(i18n, logger, (page) => app.get(page, { strict: false })));
  await app.init();

  if (!options.skipBootTasks) await runBootTasks(app, config, logger);
  return app;
}

/**
 * Creates Guichet's context fields and a flag for every service variant (off)
 * in Unleash, and a rollout plan (closed) for every variant. When asked, seeds
 * the demo people and the demo rollout (database only, so even when Unleash is
 * down). Then reconciles Unleash with the plans, when the periodic reconciler
 * is on or the demo just changed them, and waits (bounded) until this
 * instance evaluates what was applied. Unleash being down does not stop the
 * portal: it serves, closed or from its backup, and the reconciler retries.
 */
async function runBootTasks(app: NestExpressApplication, config: AppConfig, logger: JsonLogger) {
  const catalogue = app.get(CatalogueService);
  await app.get(RolloutService).ensurePlans(catalogue.variants());
  let seeded = false;
  if (config.SEED_DEMO) {
    try {
      await DemoPeopleSeed.for(app, logger).run();
      seeded = await app.get(DemoRolloutSeed).run();
    } catch (error) {
      // Rolled back whole: the next boot with SEED_DEMO=true tries again.
      logger.event('warn', 'boot.demo_seed_failed', { error: (error as Error).message });
    }
  }
  try {
    await app.get(FlagProvisioner).ensure(variantFlags(catalogue.variants()));
  } catch (error) {
    logger.event('warn', 'boot.flag_provisioning_failed', { error: (error as Error).message });
  }
  if (config.ROLLOUT_RECONCILE_INTERVAL_MS > 0 || seeded) {
    const synced = await app.get(RolloutReconciler).syncNow();
    if (!synced) logger.event('warn', 'boot.rollout_pending_sync');
  }
}
