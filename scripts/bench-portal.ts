// The portal in a benchmark's own process, over seed:scale's database
// (bench:queue, bench:insights): no Unleash (its flags a FakeFlagsService), no
// boot tasks, and a member of staff signed in through the real form.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { DataSource } from 'typeorm';
import { createApp } from '../src/app.js';
import { AppConfig, loadConfig } from '../src/platform/config/app-config.js';
import { FakeFlagsService } from '../src/platform/flags/fake-flags.service.js';
import { JsonLogger } from '../src/platform/logging/json-logger.js';
import { projectPath } from '../src/platform/project-path.js';
import type { StaffRole } from '../src/modules/staff/staff-role.js';
import { signInStaffMember, type BenchRun, type ScaleDatabase } from './bench-support.js';

/**
 * Starts the portal on `database`, listening on a free loopback port, stopped
 * by `run`; mail goes to SMTP_URL or `npm start`'s mail catcher. Its own
 * files (sessions' secret aside, nothing kept) in `.data/<dataDirName>`.
 */
export async function startPortalAlone(
  run: BenchRun,
  database: ScaleDatabase,
  dataDirName: string,
): Promise<{ app: NestExpressApplication; base: string }> {
  const smtp =
    process.env.SMTP_URL ??
    (database.state ? `smtp://127.0.0.1:${database.state.smtpPort}` : 'smtp://127.0.0.1:1');
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'production',
    LOG_LEVEL: 'error',
    SEED_DEMO: 'false',
    DATABASE_URL: database.url,
    // Not contacted: the flags are a FakeFlagsService and the boot tasks are skipped.
    UNLEASH_URL: 'http://127.0.0.1:9/api',
    UNLEASH_CLIENT_TOKEN: 'unused',
    UNLEASH_ADMIN_TOKEN: 'unused',
    SMTP_URL: smtp,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    DATA_DIR: projectPath(`.data/${dataDirName}`),
    HOST: '127.0.0.1',
    PORT: '0',
  });
  const starting = createApp(config, {
    logger: new JsonLogger(config.LOG_LEVEL),
    flags: new FakeFlagsService(),
    skipBootTasks: true,
  });
  run.appStarting = starting;
  const app = await run.step(starting);
  await run.step(app.listen(0, '127.0.0.1'));
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, base: `http://127.0.0.1:${port}` };
}

/** A member of staff signed in as production asks (password, then a code): the session cookie. */
export function signInAsStaff(
  app: NestExpressApplication,
  db: DataSource,
  base: string,
  who: { email: string; name: string; role: StaffRole },
): Promise<string> {
  return signInStaffMember(db, base, app.get(AppConfig).SESSION_SECRET, who);
}
