// What the benchmarks share (scripts/bench.ts, bench-filing.ts, bench-queue.ts and
// seed-scale.ts): starting and, above all, stopping what they start (in order, on
// error, on Ctrl-C or when a time limit passes), their own embedded-stack state,
// signing in through the real forms, where the scale database is, and printing.
import { randomBytes } from 'node:crypto';
import * as OTPAuth from 'otpauth';
import type { DataSource } from 'typeorm';
import { TOTP_SEAL_PURPOSE } from '../src/modules/staff/second-factor/second-factor.service.js';
import type { StaffRole } from '../src/modules/staff/staff-role.js';
import { hashPassword } from '../src/platform/security/passwords.js';
import { Sealer } from '../src/platform/security/sealed.js';
import { existsSync, realpathSync } from 'node:fs';
import { arch, availableParallelism, cpus, platform, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startEmbeddedPostgres } from '../src/platform/embedded/embedded-postgres.js';
import { startEmbeddedStack } from '../src/platform/embedded/embedded-stack.js';
import { readEmbeddedState, writeEmbeddedState } from '../src/platform/embedded/embedded-state.js';
import type { EmbeddedState } from '../src/platform/embedded/embedded-state.js';
import { findFreePort, isPortFree } from '../src/platform/embedded/free-port.js';
import { projectPath, projectRoot } from '../src/platform/project-path.js';

/** A setting of a benchmark that is wrong: reported without a stack trace. */
export class BenchSettingError extends Error {}

/** Writes `[tag] line` on stderr: progress, kept apart from the figures on stdout. */
export function progressTo(tag: string): (line: string) => void {
  return (line) => process.stderr.write(`[${tag}] ${line}\n`);
}

export const out = (line = '') => process.stdout.write(`${line}\n`);

/** Whether the module at `moduleUrl` is the script node was started with. */
export function isEntryPoint(moduleUrl: string): boolean {
  return (
    process.argv[1] !== undefined && moduleUrl === pathToFileURL(realpathSync(process.argv[1])).href
  );
}

/** A data folder as shown to people: relative to the repository. */
export function shownPath(path: string): string {
  return relative(projectRoot(), path) || '.';
}

// ---------------------------------------------------------------------------
// Settings: `--name value` or `--name=value` on the command line.

export interface NumberOption {
  name: string;
  fallback: number;
  min: number;
  max: number;
}

/**
 * Whole numbers and switches from the command line. Unknown options and values
 * out of range are BenchSettingErrors (the script prints the message and stops).
 */
export function parseOptions<N extends string, S extends string>(
  argv: readonly string[],
  numbers: readonly (NumberOption & { name: N })[],
  switches: readonly S[] = [],
): Record<N, number> & Record<S, boolean> {
  const values: Record<string, number | boolean> = {};
  for (const option of numbers) values[option.name] = option.fallback;
  for (const name of switches) values[name] = false;
  for (let i = 0; i < argv.length; i++) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    const name = match?.[1] ?? '';
    if ((switches as readonly string[]).includes(name) && match?.[2] === undefined) {
      values[name] = true;
      continue;
    }
    const option = numbers.find((o) => o.name === name);
    if (!match || !option) {
      const known = [...numbers.map((o) => `--${o.name} <n>`), ...switches.map((s) => `--${s}`)];
      throw new BenchSettingError(`unknown option "${argv[i]}" (known: ${known.join(', ')})`);
    }
    const raw = match[2] ?? argv[++i];
    const value = Number(raw?.replace(/_/g, ''));
    if (raw === undefined || !Number.isInteger(value) || value < option.min || value > option.max)
      throw new BenchSettingError(
        `--${name} must be a whole number between ${option.min} and ${option.max} (got "${raw ?? ''}")`,
      );
    values[name] = value;
  }
  return values as Record<N, number> & Record<S, boolean>;
}

// ---------------------------------------------------------------------------
// Starting and stopping.

/** `promise`'s value, or undefined once `ms` have passed (or if it fails). */
export async function within<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
  log: (line: string) => void,
): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => {
      log(`${what}: still not done after ${ms / 1000} s, giving up on it`);
      resolve(undefined);
    }, ms);
  });
  try {
    return await Promise.race([promise, late]);
  } catch (error) {
    log(`${what} failed: ${(error as Error).message}`);
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

export interface Stoppable {
  stop(): Promise<void>;
}

/**
 * One benchmark run: what it started, and how to stop it all once, in order
 * (the load, then the script's own cleanups, the portal, the embedded services),
 * whether it ends normally, fails, is interrupted or runs out of time.
 */
export class BenchRun {
  /** The embedded services (or the lone PostgreSQL) this run started, if any. */
  stackStarting: Promise<Stoppable> | undefined;
  /** The portal, if this run starts one. */
  appStarting: Promise<{ close(): Promise<void> }> | undefined;
  /** The load being fired, stopped first. */
  running: { stop(): void } | undefined;
  private readonly cleanups: { what: string; run: () => Promise<unknown> }[] = [];
  private stopping: Promise<never> | undefined;

  constructor(
    /** The data folder of the stack this run may start (for stackIsDown). */
    private readonly dataDir: string | undefined,
    private readonly log: (line: string) => void,
  ) {}

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  /** Something to close before the portal and the services stop (a DataSource, a client). */
  onStop(what: string, run: () => Promise<unknown>): void {
    this.cleanups.push({ what, run });
  }

  /** Stops the whole run after `seconds`, with exit code 1. */
  limit(seconds: number): void {
    setTimeout(() => {
      this.log(`the run took longer than ${seconds} s: stopping`);
      void this.finish(1);
    }, seconds * 1000).unref();
  }

  /** Stops the load, the cleanups, the portal, then the embedded services (once), and exits with `code`. */
  finish(code: number): Promise<never> {
    this.stopping ??= (async () => {
      const started = Date.now();
      const killer = setTimeout(() => {
        this.log('stopping took longer than 120 s: exiting anyway');
        process.exit(code === 0 ? 1 : code);
      }, 120_000);
      killer.unref();
      this.running?.stop();
      for (const cleanup of this.cleanups.reverse())
        await within(cleanup.run(), 15_000, cleanup.what, this.log);
      // Something may still be starting: wait for it (bounded) so it can be stopped too.
      // (A failure to start was reported already.)
      const quiet = <T>(p: Promise<T>) => p.catch(() => undefined);
      const app =
        this.appStarting &&
        (await within(quiet(this.appStarting), 30_000, 'starting the portal', this.log));
      if (app) await within(app.close(), 15_000, 'closing the portal', this.log);
      const stack =
        this.stackStarting &&
        (await within(
          quiet(this.stackStarting),
          60_000,
          'starting the embedded services',
          this.log,
        ));
      if (stack) {
        const stopped = Promise.race([stack.stop(), this.stackIsDown()]);
        await within(stopped, 30_000, 'stopping the embedded services', this.log);
      }
      this.log(`stopped (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      process.exit(code);
    })();
    return this.stopping;
  }

  /** Awaits `promise`; if the run is being stopped meanwhile, never returns. */
  async step<T>(promise: Promise<T>): Promise<T> {
    const value = await promise;
    if (this.stopping) await this.stopping;
    return value;
  }

  /**
   * embedded-postgres (through async-exit-hook) stops PostgreSQL and exits the
   * process on SIGINT, SIGTERM and SIGHUP by itself, racing the portal and
   * Unleash that still use it. The run stops everything itself, in order, so it
   * takes these signals over.
   */
  handleSignals(): void {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.removeAllListeners(signal);
      process.on(signal, () => {
        if (this.stopping) {
          this.log(`${signal} again: exiting now`);
          process.exit(130);
        }
        this.log(`${signal}: stopping (again to exit at once)`);
        void this.finish(130);
      });
    }
  }

  /** Runs `main` and finishes with its exit code; reports a failure (settings ones without a stack). */
  start(main: () => Promise<number>, quietErrors: (error: unknown) => boolean = () => false): void {
    this.handleSignals();
    main().then(
      (code) => this.finish(code),
      (error: unknown) => {
        if (error instanceof BenchSettingError || quietErrors(error)) {
          this.log((error as Error).message);
        } else {
          const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
          this.log(`failed: ${text}`);
        }
        return this.finish(1);
      },
    );
  }

  /**
   * Resolves once the stack's services are all down: PostgreSQL's postmaster.pid
   * gone and every port of the stack closed. On Ctrl-C the terminal signals
   * PostgreSQL and Unleash too; they stop by themselves, and embedded-postgres'
   * stop() would then wait for an exit that already happened.
   */
  private async stackIsDown(): Promise<void> {
    if (!this.dataDir) return new Promise(() => undefined);
    const state = readEmbeddedState(this.dataDir);
    const ports = state
      ? [state.postgresPort, state.unleashPort, state.smtpPort, state.mailWebPort]
      : [];
    const pidFile = join(this.dataDir, 'postgres', 'postmaster.pid');
    for (;;) {
      await new Promise((r) => setTimeout(r, 250));
      if (existsSync(pidFile)) continue;
      const free = await Promise.all(ports.map((port) => isPortFree(port)));
      if (free.every(Boolean)) return;
    }
  }
}

/**
 * On its first boot the embedded stack picks its ports from 54329, 4242, 1025 and
 * 1080 upwards (trying 100 each) and keeps them in <dataDir>/embedded.json. So that
 * a benchmark never takes the ports a developer's `npm start` (.data/) uses, or
 * will use, whichever boots first, each benchmark writes its own state first, with
 * ports of its own. The secrets are generated as the stack would.
 */
export async function prepareBenchState(
  dataDir: string,
  ports: { postgres: number; unleash: number; smtp: number; mailWeb: number },
): Promise<void> {
  if (readEmbeddedState(dataDir)) return;
  const secret = () => randomBytes(24).toString('hex');
  writeEmbeddedState(
    {
      postgresPassword: secret(),
      postgresPort: await findFreePort(ports.postgres),
      unleashPort: await findFreePort(ports.unleash),
      unleashAdminSecret: secret(),
      unleashClientSecret: secret(),
      unleashAdminPassword: `Guichet-${randomBytes(6).toString('hex')}`,
      smtpPort: await findFreePort(ports.smtp),
      mailWebPort: await findFreePort(ports.mailWeb),
    },
    dataDir,
  );
}

/**
 * Starts a benchmark's own embedded stack (PostgreSQL, Unleash, mail) in
 * `dataDir`, on ports of its own, stopped by `run` however the benchmark ends.
 */
export async function startBenchStack(
  run: BenchRun,
  dataDir: string,
  ports: Parameters<typeof prepareBenchState>[1],
  log: (line: string) => void,
): Promise<Awaited<ReturnType<typeof startEmbeddedStack>>> {
  await prepareBenchState(dataDir, ports);
  const starting = startEmbeddedStack({ dataDir, env: process.env, log });
  run.stackStarting = starting;
  return run.step(starting);
}

// ---------------------------------------------------------------------------
// The database of `npm start` (for seed:scale and bench:queue).

export interface ScaleDatabase {
  url: string;
  /** Where it is, for people: "DATABASE_URL", or the embedded one and its folder. */
  where: string;
  /** The embedded state, when it is `npm start`'s PostgreSQL. */
  state?: EmbeddedState;
  dataDir?: string;
}

/**
 * DATABASE_URL when set; otherwise the embedded PostgreSQL of `npm start`, found
 * as the launcher finds it: `<DATA_DIR or .data>/embedded.json`. When that
 * PostgreSQL is not running (no `npm start` now), it is started alone (no
 * Unleash, no mail) and registered with `run`, which stops it at the end.
 */
export async function openScaleDatabase(
  run: BenchRun,
  log: (line: string) => void,
): Promise<ScaleDatabase> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, where: 'DATABASE_URL' };
  const dataDir = projectPath(process.env.DATA_DIR ?? '.data');
  const state = readEmbeddedState(dataDir);
  if (!state?.databaseUrl)
    throw new BenchSettingError(
      `DATABASE_URL is not set and ${shownPath(dataDir)}/ has no embedded PostgreSQL yet: ` +
        'run `npm start` once (it creates it), or set DATABASE_URL.',
    );
  const where = `the embedded PostgreSQL of \`npm start\` (${shownPath(dataDir)}/, port ${state.postgresPort})`;
  if (!(await isPortFree(state.postgresPort))) {
    log(`PostgreSQL already runs on port ${state.postgresPort} (\`npm start\`?): using it`);
    return { url: state.databaseUrl, where, state, dataDir };
  }
  log(`starting PostgreSQL alone on port ${state.postgresPort}, data in ${shownPath(dataDir)}/`);
  const starting = startEmbeddedPostgres({
    dataDir: join(dataDir, 'postgres'),
    port: state.postgresPort,
    password: state.postgresPassword,
  });
  run.stackStarting = starting;
  const postgres = await run.step(starting);
  await run.step(postgres.ensureDatabase('guichet'));
  return { url: postgres.urlFor('guichet'), where, state, dataDir };
}

// ---------------------------------------------------------------------------
// Signing in through the real forms.

export function sessionCookie(res: globalThis.Response): string | undefined {
  const header = res.headers.get('set-cookie');
  return header ? /guichet_session=[^;]+/.exec(header)?.[0] : undefined;
}

/**
 * A member of staff for a benchmark (made once; a new password and a new
 * authenticator secret every run), signed in as production asks (ADR 0046):
 * the password through the form, then a code from their app. The session cookie.
 */
export async function signInStaffMember(
  db: DataSource,
  base: string,
  sessionSecret: string,
  who: { email: string; name: string; role: StaffRole },
): Promise<string> {
  const password = `bench ${randomBytes(12).toString('hex')}`;
  const [account] = await db.query<{ id: string }[]>(
    `INSERT INTO account (email, display_name, password_hash, preferred_locale, email_confirmed_at)
     VALUES ($1, $2, $3, 'fr', now())
     ON CONFLICT ((lower(email))) DO UPDATE SET password_hash = EXCLUDED.password_hash
     RETURNING id`,
    [who.email, who.name, await hashPassword(password)],
  );
  await db.query(
    `INSERT INTO staff_member (account_id, role) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
    [account.id, who.role],
  );
  const secret = new OTPAuth.Secret({ size: 20 });
  await db.query(
    `INSERT INTO staff_second_factor (account_id, secret_sealed) VALUES ($1, $2)
     ON CONFLICT (account_id) DO UPDATE SET secret_sealed = EXCLUDED.secret_sealed, last_step = 0`,
    [account.id, new Sealer(sessionSecret, TOTP_SEAL_PURPOSE).seal(secret.base32, account.id)],
  );
  const cookie = await postForm(
    base,
    '/sign-in',
    { email: who.email, password, return: '/staff' },
    '',
  );
  const code = new OTPAuth.TOTP({ secret, digits: 6, period: 30 }).generate();
  return postForm(base, '/staff/second-factor', { code }, cookie);
}

/**
 * GETs a form page for its CSRF token, then POSTs it with `fields`, expecting a
 * 303; returns the session cookie as it is afterwards.
 */
export async function postForm(
  base: string,
  path: string,
  fields: Record<string, string>,
  cookie: string,
): Promise<string> {
  const page = await fetch(`${base}${path}`, {
    headers: { cookie },
    signal: AbortSignal.timeout(10_000),
  });
  cookie = sessionCookie(page) ?? cookie;
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, ...fields }),
    signal: AbortSignal.timeout(10_000),
  });
  await res.arrayBuffer();
  cookie = sessionCookie(res) ?? cookie;
  if (res.status !== 303) throw new Error(`bench: POST ${path} answered ${res.status}`);
  return cookie;
}

// ---------------------------------------------------------------------------
// Figures.

export const ms = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));
export const mark = (met: boolean) => (met ? 'met' : 'NOT met');

/** The value at quantile `q` (0–1) of ascending `sorted` (nearest rank). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

/** `1,234,567`. */
export const count = (n: number) => n.toLocaleString('en-US');

export function table(rows: string[][], rightAligned: Set<number>): string[] {
  const widths = rows[0].map((_, col) => Math.max(...rows.map((row) => row[col].length)));
  const line = (row: string[]) =>
    row
      .map((cell, col) =>
        rightAligned.has(col) ? cell.padStart(widths[col]) : cell.padEnd(widths[col]),
      )
      .join('  ')
      .trimEnd();
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
}

export function machineLine(): string {
  return (
    `Machine: ${availableParallelism()} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), ` +
    `${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${platform()} ${arch()}, Node ${process.version}`
  );
}

/**
 * A progress bar on stderr: `[#####     ]  42% 420,000/1,000,000  12.3 s`,
 * redrawn in place on a terminal, one line per update otherwise.
 */
export function progressBar(label: string, total: number): (done: number) => void {
  const started = Date.now();
  const tty = process.stderr.isTTY === true;
  return (done) => {
    const share = total === 0 ? 1 : done / total;
    const filled = Math.round(share * 30);
    const line =
      `${label} [${'#'.repeat(filled)}${' '.repeat(30 - filled)}] ` +
      `${String(Math.floor(share * 100)).padStart(3)}% ${count(done)}/${count(total)} ` +
      `${((Date.now() - started) / 1000).toFixed(1)} s`;
    process.stderr.write(tty ? `\r${line}${done >= total ? '\n' : ''}` : `${line}\n`);
  };
}
