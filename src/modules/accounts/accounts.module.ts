import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ActingAsController } from './acting-as.controller.js';
import { ACTING_AS_COOKIE, ActingAsService } from './acting-as.service.js';

@Module({
  controllers: [ActingAsController],
  providers: [ActingAsService],
  exports: [ActingAsService],
})
export class AccountsModule implements NestModule {
  constructor(private readonly actingAs: ActingAsService) {}

  configure(consumer: MiddlewareConsumer) {
    consumer
      .apply((req: Request, res: Response, next: NextFunction) => {
        const cookies = (req.cookies ?? {}) as Record<string, unknown>;
        res.locals.actingAs = this.actingAs.fromCookie(cookies[ACTING_AS_COOKIE]);
        next();
      })
      .forRoutes('{*splat}');
  }
}
