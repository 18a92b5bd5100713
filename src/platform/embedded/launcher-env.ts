/**
 * The settings `npm start` gives the portal: the environment's own, the
 * embedded services' addresses, and the launcher's defaults. The launcher
 * serves this computer only (127.0.0.1) unless HOST says otherwise, and seeds
 * the demo on its first boot, except in production where the demo is refused.
 * With no load balancer in front, Ctrl-C need not wait for one (SHUTDOWN_DRAIN_MS 0).
 */
export function launcherEnv(
  env: NodeJS.ProcessEnv,
  stack: { env: Record<string, string>; firstBoot: boolean },
  dataDir: string,
): NodeJS.ProcessEnv {
  return {
    LOG_LEVEL: 'warn',
    SHUTDOWN_DRAIN_MS: '0',
    ...env,
    ...stack.env,
    DATA_DIR: dataDir,
    HOST: env.HOST ?? '127.0.0.1',
    PUBLIC_URL: env.PUBLIC_URL ?? `http://localhost:${env.PORT ?? 3000}`,
    SEED_DEMO: env.SEED_DEMO ?? String(stack.firstBoot && env.NODE_ENV !== 'production'),
  };
}
