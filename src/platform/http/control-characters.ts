import { parse } from 'node:querystring';
import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { Request } from 'express';
import type { Observable } from 'rxjs';

/**
 * C0 control characters and DEL, except tab, line feed and carriage return:
 * nobody types them, PostgreSQL refuses NUL in text, and they break logs and CSVs.
 */
// eslint-disable-next-line no-control-regex -- matching them is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/**
 * `value` with the control characters dropped from every string in it, at any
 * depth (arrays and objects are cleaned in place; keys are cleaned too).
 */
export function withoutControlCharacters<T>(value: T): T {
  if (typeof value === 'string') return value.replace(CONTROL, '') as T;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = withoutControlCharacters(value[i]);
    return value;
  }
  if (typeof value === 'object' && value !== null && !Buffer.isBuffer(value)) {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const cleanKey = key.replace(CONTROL, '');
      const cleanValue = withoutControlCharacters(record[key]);
      if (cleanKey !== key) delete record[key];
      record[cleanKey] = cleanValue;
    }
  }
  return value;
}

/**
 * Express's query parser: the plain `querystring` one ("simple", Express 5's
 * default), then the control characters dropped. Every handler reads the query
 * through it, so a NUL in a filter or a cursor never reaches the database.
 */
export function parseQuery(query: string): Record<string, unknown> {
  return withoutControlCharacters(parse(query));
}

/**
 * Form posts (urlencoded or multipart) lose their control characters before any
 * handler reads them. It runs after every body parser, multipart ones included
 * (they are route middleware, which runs before interceptors), so this is the
 * one place where every form's input is cleaned. JSON bodies are left as they
 * came: the API refuses what it cannot store with a field error (422).
 */
@Injectable()
export class FormInputInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const req = context.switchToHttp().getRequest<Request>();
      if (req.body && !req.is('application/json')) withoutControlCharacters(req.body);
    }
    return next.handle();
  }
}
