// Production entry point: every service comes from the environment (docker-compose.yml).
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './platform/config/app-config.js';
import { Drain } from './platform/http/drain.js';
import { JsonLogger } from './platform/logging/json-logger.js';
import { handleShutdownSignals } from './platform/shutdown.js';

try {
  const config = loadConfig();
  const logger = new JsonLogger(config.LOG_LEVEL);
  const app = await createApp(config, { logger });
  await app.listen(config.PORT, config.HOST);
  logger.event('info', 'portal.listening', { url: config.PUBLIC_URL, port: config.PORT });
  // Drain first (the load balancer takes the instance out, the requests under
  // way are answered), then close the pools: no request meets a closed pool.
  handleShutdownSignals(
    logger,
    [() => app.get(Drain).run(app.getHttpServer()), () => app.close()],
    config.SHUTDOWN_DRAIN_MS + 20_000,
  );
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
  throw error;
}
