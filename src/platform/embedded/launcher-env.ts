/**
 * The settings `npm start` gives the portal: the environment's own, the
 * embedded services' addresses, and the launcher's defaults. The launcher
 * serves this computer only (127.0.0.1) unless HOST says otherwise, and seeds
 * the demo on its first boot, except in production where the demo is refused.
 */
export function launcherEnv(
  env: NodeJS.ProcessEnv,
  stack: { env: Record<string, string>; firstBoot: boolean },
  dataDir: string,
): NodeJS.ProcessEnv {
  return {
    LOG_LEVEL: 'warn',
    ...env,
    ...stack.env,
    DATA_DIR: dataDir,
    HOST: env.HOST ?? '127.0.0.1',
    PUBLIC_URL: env.PUBLIC_URL ?? `http://localhost:${env.PORT ?? 3000}`,
    SEED_DEMO: env.SEED_DEMO ?? String(stack.firstBoot && env.NODE_ENV !== 'production'),
  };
}
