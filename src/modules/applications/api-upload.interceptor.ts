import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Observable } from 'rxjs';
import { AppConfig } from '../../platform/config/app-config.js';
import { multipartLimits, readApiMultipart } from '../../platform/http/multipart.js';

/**
 * Reads the API upload's multipart body (`POST /api/v1/applications/{id}/files`)
 * into `req.body`, `req.uploads` and `req.uploadProblem`, as `readMultipart`
 * does for the forms. Nest runs interceptors after guards, so no byte of a
 * file is read before `ApiKeyGuard` has admitted the key (ADR 0030).
 */
@Injectable()
export class ApiUploadInterceptor implements NestInterceptor {
  constructor(private readonly config: AppConfig) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    await readApiMultipart(
      http.getRequest<Request>(),
      http.getResponse<Response>(),
      multipartLimits(this.config).apiFile,
    );
    return next.handle();
  }
}
