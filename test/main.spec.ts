import { spawn } from 'node:child_process';
import { projectPath } from '../src/platform/project-path.js';
import { findFreePort } from '../src/platform/embedded/free-port.js';
import {
  createTestDatabase,
  databaseUrl,
  adminQuery,
  eventually,
  testDataDir,
} from './support/test-app.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts the production entry point (dist/src/main.js, built by `npm test`) with exactly `env`. */
function startMain(env: Record<string, string>) {
  const child = spawn(process.execPath, [projectPath('dist/src/main.js')], {
    cwd: projectPath(),
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: Run = { code: null, stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (run.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (run.stderr += d.toString()));
  const exited = new Promise<Run>((resolve) =>
    child.on('exit', (code) => resolve({ ...run, code })),
  );
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  exited.finally(() => clearTimeout(killer));
  return { child, run, exited };
}

describe('the production entry point', () => {
  it('refuses to start without its configuration, naming each missing variable', async () => {
    const { exited } = startMain({ NODE_ENV: 'production', PORT: 'not-a-port' });
    const result = await exited;
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('DATABASE_URL is required but not set');
    expect(result.stderr).toContain('UNLEASH_ADMIN_TOKEN is required but not set');
    expect(result.stderr).toContain('SMTP_URL is required but not set');
    expect(result.stderr).toContain('PORT must be a whole number (got "not-a-port")');
  });

  it('never prints a secret when a secret variable is malformed', async () => {
    const { exited } = startMain({
      DATABASE_URL: 'mysql://guichet:db-password-123@db/guichet',
      UNLEASH_URL: 'http://127.0.0.1:1/api',
      UNLEASH_CLIENT_TOKEN: 'default:production.client-secret-456',
      UNLEASH_ADMIN_TOKEN: '*:*.admin-secret-789',
      SMTP_URL: 'smtp://127.0.0.1:1',
      SESSION_SECRET: 'session-secret-value-0123456789abcdef',
    });
    const result = await exited;
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('DATABASE_URL must be a URL');
    for (const secret of [
      'db-password-123',
      'client-secret-456',
      'admin-secret-789',
      'session-secret-value',
    ]) {
      expect(result.stderr + result.stdout).not.toContain(secret);
    }
  });

  it('serves with the production variables, logs JSON lines, and stops cleanly on SIGTERM', async () => {
    const database = await createTestDatabase();
    const port = await findFreePort();
    const { child, run, exited } = startMain({
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl(database),
      UNLEASH_URL: process.env.UNLEASH_URL!,
      UNLEASH_CLIENT_TOKEN: process.env.UNLEASH_CLIENT_TOKEN!,
      UNLEASH_ADMIN_TOKEN: process.env.UNLEASH_ADMIN_TOKEN!,
      SMTP_URL: process.env.SMTP_URL!,
      SESSION_SECRET: 'production-session-secret-0123456789',
      DATA_DIR: testDataDir(),
      LOG_LEVEL: 'info',
      SHUTDOWN_DRAIN_MS: '3000',
    });
    try {
      await eventually(async () => {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
        return res?.status === 200;
      }, 20_000);
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(page.status).toBe(200);

      child.kill('SIGTERM');
      // Draining: the load balancer is told (503) while requests are still answered.
      let readiness: Response | undefined;
      for (let i = 0; i < 100 && readiness?.status !== 503; i++) {
        readiness = await fetch(`http://127.0.0.1:${port}/readyz`);
        if (readiness.status !== 503) await new Promise((r) => setTimeout(r, 20));
      }
      expect(readiness?.status).toBe(503);
      expect(await readiness?.json()).toEqual({ status: 'draining' });
      expect(readiness?.headers.get('connection')).toBe('close');
      expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
      const result = await exited;
      expect(result.code).toBe(0);
      const lines = run.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { msg: string; level: string });
      expect(lines.map((l) => l.msg)).toEqual(
        expect.arrayContaining([
          'portal.listening',
          'portal.stopping',
          'portal.draining',
          'portal.drained',
          'portal.stopped',
        ]),
      );
      for (const secret of [process.env.UNLEASH_ADMIN_TOKEN!, process.env.UNLEASH_CLIENT_TOKEN!]) {
        expect(run.stdout + run.stderr).not.toContain(secret);
      }
    } finally {
      child.kill('SIGKILL');
      await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    }
  });
});
