import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { projectRoot } from '../project-path.js';

export interface EmbeddedUnleashOptions {
  databaseUrl: string;
  port: number;
  adminToken: string;
  clientToken: string;
  adminPassword: string;
  logFile: string;
  startTimeoutMs?: number;
}

export interface RunningUnleash {
  url: string;
  apiUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts Unleash 8.2 (the `unleash-server` package, the version docker-compose.yml runs) in a child process on its own
 * database, with the admin and backend tokens created at its first start. The
 * child gets an explicit environment: Unleash reads DATABASE_URL, PORT and
 * UNLEASH_URL itself, so it must not inherit the portal's.
 */
export async function startEmbeddedUnleash(
  options: EmbeddedUnleashOptions,
): Promise<RunningUnleash> {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const log = createWriteStream(options.logFile, { flags: 'a' });
  // The child imports unleash-server and starts it from the environment below.
  const script = "import('unleash-server').then((unleash) => unleash.start({}))";
  // Unleash (7.5 and 8.2 alike) runs some event listeners as unawaited promises: archiving then
  // deleting a flag at once (as the tests do) can make its lifecycle listener's
  // insert fail on a foreign key, and Node's default for an unhandled rejection
  // would end the whole server. Logged instead, so Unleash keeps serving.
  const args = ['--unhandled-rejections=warn', '--input-type=module', '-e', script];
  const child = spawn(process.execPath, args, {
    cwd: projectRoot(),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      DATABASE_URL: options.databaseUrl,
      DATABASE_SSL: 'false',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(options.port),
      INIT_ADMIN_API_TOKENS: options.adminToken,
      INIT_BACKEND_API_TOKENS: options.clientToken,
      UNLEASH_DEFAULT_ADMIN_USERNAME: 'admin',
      UNLEASH_DEFAULT_ADMIN_PASSWORD: options.adminPassword,
      CHECK_VERSION: 'false',
      SEND_TELEMETRY: 'false',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);

  const url = `http://127.0.0.1:${options.port}`;
  await waitUntilHealthy(child, url, options.startTimeoutMs ?? 90_000, options.logFile);
  await confirmOwnServer(child, url, options.adminToken, options.logFile);
  return {
    url,
    apiUrl: `${url}/api`,
    stop: () => stopChild(child),
  };
}

async function waitUntilHealthy(
  child: ChildProcess,
  url: string,
  timeoutMs: number,
  logFile: string,
) {
  const deadline = Date.now() + timeoutMs;
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? -1));
  while (Date.now() < deadline) {
    if (exited !== null)
      throw new Error(`Unleash exited with code ${exited} while starting: see ${logFile}`);
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stopChild(child);
  throw new Error(`Unleash did not become healthy within ${timeoutMs} ms: see ${logFile}`);
}

/**
 * The server that answered is this child, not another Unleash that took the
 * port between choosing it and the child binding it (the child then exits
 * with EADDRINUSE, but the other server's /health said yes): it accepts this
 * start's admin token, and the child still runs.
 */
async function confirmOwnServer(
  child: ChildProcess,
  url: string,
  adminToken: string,
  logFile: string,
) {
  const res = await fetch(`${url}/api/admin/projects`, {
    headers: { Authorization: adminToken },
    signal: AbortSignal.timeout(5000),
  }).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 250));
  if (res?.ok && child.exitCode === null && child.signalCode === null) return;
  await stopChild(child);
  throw new Error(
    `Another server answers on ${url} (this Unleash did not start there): see ${logFile}`,
  );
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}
