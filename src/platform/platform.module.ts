import {
  BeforeApplicationShutdown,
  DynamicModule,
  Global,
  Inject,
  MiddlewareConsumer,
  Module,
  NestModule,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import type { RequestHandler } from 'express';
import { DataSource } from 'typeorm';
import { AppConfig } from './config/app-config.js';
import { ChangeFeed } from './database/change-feed.js';
import { FlagsService } from './flags/flags.service.js';
import { UnleashAdminClient } from './flags/unleash-admin.client.js';
import { HealthController } from './health/health.controller.js';
import { I18nService } from './i18n/i18n.service.js';
import { LanguageController } from './i18n/language.controller.js';
import { Jobs } from './jobs/jobs.js';
import { JsonLogger } from './logging/json-logger.js';
import { MailService } from './mail/mail.service.js';
import { FormInputInterceptor } from './http/control-characters.js';
import { FormBodyPipe, FormPageInterceptor } from './forms/form-page.js';
import { MethodNotAllowedMiddleware } from './http/method-not-allowed.middleware.js';
import { CsrfGuard } from './http/sessions.js';
import { RateLimiter } from './security/rate-limiter.js';
import { VirusScanner } from './virus-scan/virus-scanner.js';

/** The infrastructure every module may use, built before Nest starts (see app.ts). */
export interface PlatformServices {
  config: AppConfig;
  logger: JsonLogger;
  i18n: I18nService;
  dataSource: DataSource;
  flags: FlagsService;
  unleashAdmin: UnleashAdminClient;
  mail: MailService;
  sessions: Sessions;
  /** What the database announces (sessions, identities), heard by this instance. */
  changes: ChangeFeed;
  jobs: Jobs;
  scanner: VirusScanner;
}

/** The session middleware (PostgreSQL store) and how to close its pool. */
export class Sessions {
  constructor(
    readonly middleware: RequestHandler,
    readonly close: () => Promise<void>,
  ) {}
}

const PLATFORM = Symbol('PlatformServices');

/** Closes what the platform opened, once the HTTP server has stopped taking requests. */
class PlatformShutdown implements OnApplicationShutdown {
  constructor(@Inject(PLATFORM) private readonly services: PlatformServices) {}

  async onApplicationShutdown() {
    const { flags, mail, dataSource, logger, sessions, jobs } = this.services;
    await flags.close();
    mail.close();
    await sessions.close();
    // Its workers stopped before the HTTP server closed (JobsLifecycle); now its pool.
    await jobs.stop();
    if (dataSource.isInitialized) await dataSource.destroy();
    logger.event('info', 'portal.stopped');
  }
}

/**
 * Starts the job workers once every module has declared its queues
 * (onModuleInit), and stops them, letting jobs under way finish, when shutdown
 * begins (before the HTTP server closes, so requests still being answered can
 * add jobs; PlatformShutdown then stops pg-boss before closing the database).
 */
class JobsLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(@Inject(PLATFORM) private readonly services: PlatformServices) {}

  async onApplicationBootstrap() {
    await this.services.jobs.startWorking();
  }

  async beforeApplicationShutdown() {
    await this.services.jobs.stopWorking();
  }
}

@Global()
@Module({})
export class PlatformModule implements NestModule {
  /** Every address: a known one asked with the wrong method answers 405. */
  configure(consumer: MiddlewareConsumer) {
    consumer.apply(MethodNotAllowedMiddleware).forRoutes('{*splat}');
  }

  static register(services: PlatformServices): DynamicModule {
    return {
      module: PlatformModule,
      controllers: [HealthController, LanguageController],
      providers: [
        { provide: PLATFORM, useValue: services },
        { provide: AppConfig, useValue: services.config },
        { provide: JsonLogger, useValue: services.logger },
        { provide: I18nService, useValue: services.i18n },
        { provide: DataSource, useValue: services.dataSource },
        { provide: FlagsService, useValue: services.flags },
        { provide: UnleashAdminClient, useValue: services.unleashAdmin },
        { provide: MailService, useValue: services.mail },
        { provide: Sessions, useValue: services.sessions },
        { provide: ChangeFeed, useValue: services.changes },
        { provide: Jobs, useValue: services.jobs },
        { provide: VirusScanner, useValue: services.scanner },
        { provide: APP_GUARD, useClass: CsrfGuard },
        { provide: APP_INTERCEPTOR, useClass: FormInputInterceptor },
        { provide: APP_INTERCEPTOR, useClass: FormPageInterceptor },
        FormBodyPipe,
        RateLimiter,
        PlatformShutdown,
        JobsLifecycle,
      ],
      exports: [
        AppConfig,
        JsonLogger,
        I18nService,
        DataSource,
        FlagsService,
        UnleashAdminClient,
        MailService,
        Sessions,
        ChangeFeed,
        Jobs,
        RateLimiter,
        VirusScanner,
      ],
    };
  }
}
