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
// Before the load, each endpoint is asked QUERY_SAMPLE times one after the
// other while every SQL statement sent through the pg driver is counted (the
// portal's pools, the session store, the job queue): the table's "SQL/req".
// The bare endpoint sends none, so its figure is the background (pg-boss polling).
//
// BENCH_SHOW_SQL=1 also prints each statement counted, and how often.
//
// BENCH_DURATION_S (default 10) sets the seconds measured per endpoint,
// BENCH_WARMUP_S (default 2) the warm-up before each. See docs/benchmarks.md.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import autocannon from 'autocannon';
import pg from 'pg';
import { DataSource } from 'typeorm';
import type { Express, Request, Response } from 'express';
import { createApp } from '../src/app.js';
import { ConfigError, loadConfig } from '../src/platform/config/app-config.js';
import { JsonLogger } from '../src/platform/logging/json-logger.js';
import { hashPassword } from '../src/platform/security/passwords.js';
import { projectPath } from '../src/platform/project-path.js';
import {
  BenchRun,
  BenchSettingError,
  isEntryPoint,
  machineLine,
  mark,
  ms,
  out,
  postForm,
  startBenchStack,
  progressTo,
  shownPath,
  table,
} from './bench-support.js';

export { BenchSettingError };

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
  /** SQL statements per request, asked one at a time (see countQueries). */
  queries?: number;
}

export const QUERY_SAMPLE = 50;

const progress = progressTo('bench');

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
// Starting the portal (stopping it, and everything else, is BenchRun's job).

const run = new BenchRun(BENCH_DATA_DIR, progress);

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
  const cookie = await postForm(base, '/sign-in', { email, password, return: '/' }, '');
  return postForm(base, '/acting-as', { actingAs: org.id as string, return: '/' }, cookie);
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
    run.running = autocannon(
      {
        url,
        connections: CONNECTIONS,
        duration: seconds,
        headers: HEADERS,
        workers: 1,
        timeout: 10,
      },
      (error: Error | null, result: autocannon.Result) => {
        run.running = undefined;
        if (error) reject(error);
        else resolve(result);
      },
    );
  });
}

// ---------------------------------------------------------------------------
// Counting SQL statements: the benchmark's own hook on the pg driver that every
// pool of the portal (TypeORM, the session store, pg-boss) sends through.

let statements = 0;
/** With BENCH_SHOW_SQL=1: each statement's text (collapsed), and how often it was sent. */
const texts = new Map<string, number>();
const SHOW_SQL = process.env.BENCH_SHOW_SQL === '1';

function countStatements(): void {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const query = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    statements++;
    if (SHOW_SQL) {
      const first = args[0] as string | { text?: string } | undefined;
      const text = (typeof first === 'string' ? first : (first?.text ?? '?'))
        .replace(/\s+/g, ' ')
        .slice(0, 160);
      texts.set(text, (texts.get(text) ?? 0) + 1);
    }
    return query.apply(this, args);
  };
}

/** SQL statements per request: `QUERY_SAMPLE` requests one after another. */
async function countQueries(url: string): Promise<number> {
  // What the load left queued is answered first: it is not counted.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const before = statements;
  texts.clear();
  for (let i = 0; i < QUERY_SAMPLE; i++) {
    const res = await fetch(url, { headers: HEADERS, signal: AbortSignal.timeout(5000) });
    await res.arrayBuffer();
  }
  if (SHOW_SQL)
    for (const [text, count] of [...texts].sort((a, b) => b[1] - a[1]))
      out(`  ${new URL(url).pathname}: ${count}× ${text}`);
  return (statements - before) / QUERY_SAMPLE;
}

/** autocannon counts timeouts among errors. */
const failures = (r: autocannon.Result) => r.errors + r.non2xx;

function statusCounts(r: autocannon.Result): string {
  const entries = Object.entries(r.statusCodeStats ?? {}).filter(([code]) => !code.startsWith('2'));
  return entries.map(([code, stats]) => `${stats.count ?? 0}×${code}`).join(', ');
}

// ---------------------------------------------------------------------------
// Reporting.

export function report(
  measurements: Measurement[],
  settings: { duration: number; warmup: number; loadBefore: number; sessionCacheMs: number },
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
      'SQL/req',
      'non-2xx',
      'errors',
      'goal: req/s vs bare',
      `goal: p99 < ${P99_GOAL_MS} ms`,
    ],
  ];
  for (const { endpoint, result, queries } of measurements) {
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
      queries === undefined ? 'n/a' : queries.toFixed(1),
      String(result.non2xx),
      String(result.errors),
      ratioGoal,
      mark(result.latency.p99 < P99_GOAL_MS),
    ]);
  }

  out();
  out(`Guichet benchmark, ${new Date().toISOString()}`);
  out(machineLine());
  out(
    `Settings: ${CONNECTIONS} connections, ${settings.duration} s per endpoint after a ${settings.warmup} s warm-up, ` +
      'autocannon in 1 worker thread, same machine, loopback',
  );
  out(`1-minute load average just before measuring: ${settings.loadBefore.toFixed(2)}`);
  out(
    `SQL/req: statements sent to PostgreSQL per request, over ${QUERY_SAMPLE} requests asked one at a time ` +
      `(session cache ${settings.sessionCacheMs > 0 ? `on, ${settings.sessionCacheMs} ms` : 'off'})`,
  );
  out();
  for (const line of table(rows, new Set([2, 3, 4, 5, 6, 7, 8]))) out(line);
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
  run.limit(budgetS);

  // Express reads process.env.NODE_ENV itself (its 'env' setting), as in production.
  process.env.NODE_ENV = 'production';
  const dataDir = shownPath(BENCH_DATA_DIR);
  progress(`starting the embedded services for what the environment lacks, data in ${dataDir}/`);
  const stack = await startBenchStack(
    run,
    BENCH_DATA_DIR,
    {
      postgres: 54529,
      unleash: 4442,
      smtp: 1225,
      mailWeb: 1280,
    },
    progress,
  );

  const config = loadConfig({
    ...process.env,
    ...stack.env,
    NODE_ENV: 'production',
    LOG_LEVEL: 'error',
    DATA_DIR: BENCH_DATA_DIR,
    HOST: '127.0.0.1',
    PORT: '0',
  });
  // Production refuses SEED_DEMO (its people's passwords are published); the
  // benchmark's throwaway database on loopback needs them, so it asks here.
  config.SEED_DEMO = true;
  countStatements();
  progress('starting the portal');
  const appStarting = createApp(config, {
    logger: new JsonLogger(config.LOG_LEVEL),
    extraRoutes: bareRoute,
  });
  run.appStarting = appStarting;
  const app = await run.step(appStarting);
  await run.step(app.listen(0, '127.0.0.1'));
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;

  const waitMs = config.FLAGS_REFRESH_INTERVAL_MS + 15_000;
  HEADERS.cookie = await run.step(signInAsSmeMember(app.get(DataSource), base));
  const waited = await run.step(waitForGatedPage(base, waitMs));
  progress(`portal on ${base}; the gated page answered 200 after ${(waited / 1000).toFixed(1)} s`);
  const loadBefore = loadavg()[0];

  const measurements: Measurement[] = [];
  for (const endpoint of ENDPOINTS) {
    const url = `${base}${endpoint.path}`;
    progress(`${endpoint.path}: ${warmup} s warm-up, then ${duration} s`);
    const warm = await run.step(fire(url, warmup));
    const result = await run.step(fire(url, duration));
    const queries = await run.step(countQueries(url));
    measurements.push({ endpoint, result, warmup: warm, queries });
  }
  const sessionCacheMs = config.SESSION_CACHE_MS;
  return report(measurements, { duration, warmup, loadBefore, sessionCacheMs }) ? 0 : 1;
}

if (isEntryPoint(import.meta.url)) run.start(main, (error) => error instanceof ConfigError);
