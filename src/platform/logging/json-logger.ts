import { LoggerService } from '@nestjs/common';
import { requestContext } from './request-context.js';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevel = keyof typeof LEVELS;

/**
 * Writes one JSON object per line on stdout (stderr for errors), with the request id
 * of the current request when there is one. Used by Nest and by our own code.
 */
export class JsonLogger implements LoggerService {
  constructor(
    private readonly level: LogLevel = 'info',
    private readonly write: (line: string, isError: boolean) => void = (line, isError) =>
      (isError ? process.stderr : process.stdout).write(line + '\n'),
  ) {}

  log(message: unknown, ...rest: unknown[]) {
    this.emit('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]) {
    this.emit('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]) {
    this.emit('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]) {
    this.emit('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]) {
    this.emit('debug', message, rest);
  }

  /** Logs a structured event: `logger.event('info', 'http.request', { status: 200 })`. */
  event(level: LogLevel, msg: string, fields: Record<string, unknown> = {}) {
    if (LEVELS[level] < LEVELS[this.level]) return;
    const requestId = requestContext.getStore()?.requestId;
    const entry = {
      time: new Date().toISOString(),
      level,
      msg,
      ...(requestId ? { requestId } : {}),
      ...fields,
    };
    this.write(JSON.stringify(entry), level === 'error');
  }

  private emit(level: LogLevel, message: unknown, rest: unknown[]) {
    // Nest passes the context (a class name) as the last string argument, and a stack before it for errors.
    const context = typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const fields: Record<string, unknown> = {};
    if (context) fields.context = context;
    if (message instanceof Error) {
      fields.error = message.name;
      fields.stack = message.stack;
      message = message.message;
    } else if (typeof rest[0] === 'string' && level === 'error') {
      fields.stack = rest[0];
    }
    const text = typeof message === 'string' ? message : JSON.stringify(message);
    this.event(level, text, fields);
  }
}
