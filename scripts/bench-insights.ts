// `npm run bench:insights`: how fast the insights are at a city's scale (issue 16),
// once `npm run seed:scale` has put a million applications and ten million journey
// events in the database.
//
// Against seed:scale's database: DATABASE_URL when set, otherwise the embedded
// PostgreSQL of `npm start` (.data/ or DATA_DIR), started alone for the run when
// `npm start` is not running. It starts the portal in this process (no Unleash, no
// boot tasks), signs an analyst in through the form, then:
//
// - computes /performance's figures as its job does, for every service as if each
//   were open to the public, three times (what the job costs at this scale), and
//   serves them (after the job of the current 15 minutes has run, so that it does
//   not replace them meanwhile; its next run, or `npm start`'s boot, puts back the
//   services really open);
// - times the SQL of the staff insights' read models, then full HTTP GETs of the
//   insights pages (the overview; the busiest variants over the default 90 days and
//   over a year; two SME-first comparisons), the home page, /performance and
//   /performance.json: --iterations times each (default 100, after 5 warm-up runs),
//   one at a time, over loopback;
// - prints p50/p95/p99/max of each against the goals: every staff insights page,
//   as it opens (a variant's: its last 90 days), under 300 ms at p95, and
//   /performance no slower than the home page at p95 (within 10 %: both are a
//   page of the portal; /performance reads nothing). A variant's page over a
//   year is measured too, without a goal: its cost grows with the period.
//
// A benchmark, not a test: the goals are printed, never asserted. Exit code 0 when
// it ran (whatever the figures), 1 when it failed.
import { performance } from 'node:perf_hooks';
import type { DataSource } from 'typeorm';
import { CatalogueService } from '../src/modules/catalogue/catalogue.service.js';
import { PerformanceBoard, REFRESH_SECONDS } from '../src/modules/insights/performance.js';
import { periodFrom } from '../src/modules/insights/period.js';
import { ServiceInsightsReadModel } from '../src/modules/insights/service-insights.read-model.js';
import { SmeFirstReadModel } from '../src/modules/insights/sme-first.read-model.js';
import { ConfigError } from '../src/platform/config/app-config.js';
import { createDataSource, migrate } from '../src/platform/database/database.js';
import { JOBS_SCHEMA } from '../src/platform/jobs/jobs.js';
import { CITY_TIME_ZONE } from '../src/platform/i18n/city-time.js';
import { signInAsStaff, startPortalAlone } from './bench-portal.js';
import {
  BenchRun,
  count,
  isEntryPoint,
  machineLine,
  mark,
  ms,
  openScaleDatabase,
  out,
  parseOptions,
  progressTo,
  quantile,
  table,
} from './bench-support.js';

const progress = progressTo('bench:insights');
export const STAFF_P95_GOAL_MS = 300;
/** /performance's p95 may exceed the home page's by this share and still be "like" it. */
const LIKE_HOME = 1.1;
const WARMUP = 5;
const ANALYST_EMAIL = 'insights-bench-analyst@bench.guichet.example';
/** How long the job of the current period may take to run before the figures are served. */
const JOB_WAIT_MS = 45_000;

/** Variants read most, and so the slowest pages (seed:scale's shares). */
const VARIANTS = [
  { slug: 'bulky-waste-pickup', variant: 'citizen' },
  { slug: 'building-permit', variant: 'business' },
] as const;
const SME_FIRST = ['bulky-waste-pickup', 'sign-permit'];

interface Timing {
  name: string;
  /** The figure's goal, when it has one: met or not. */
  goal?: (p95: number) => boolean;
  samples: number[];
  /** The answer's size (HTTP), in bytes. */
  bytes?: number;
}

const p95Of = (samples: number[]) =>
  quantile(
    [...samples].sort((a, b) => a - b),
    0.95,
  );

async function timeIt(
  name: string,
  iterations: number,
  once: () => Promise<number | void>,
  goal?: (p95: number) => boolean,
): Promise<Timing> {
  progress(`${name} (${WARMUP} + ${iterations})`);
  const samples: number[] = [];
  let bytes: number | undefined;
  for (let i = 0; i < WARMUP + iterations; i++) {
    const started = performance.now();
    const size = await run.step(once());
    const elapsed = performance.now() - started;
    if (typeof size === 'number') bytes = size;
    if (i >= WARMUP) samples.push(elapsed);
  }
  return { name, goal, samples, bytes };
}

/** GETs `path` (with the cookie, if any), expecting a 200; the body's size. */
function getter(base: string, path: string, cookie?: string): () => Promise<number> {
  return async () => {
    const res = await fetch(`${base}${path}`, {
      headers: cookie ? { cookie } : {},
      redirect: 'manual',
      signal: AbortSignal.timeout(30_000),
    });
    const body = await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}`);
    return body.byteLength;
  };
}

function cityDay(daysFromToday: number): string {
  const date = new Date(Date.now() + daysFromToday * 86_400_000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: CITY_TIME_ZONE }).format(date);
}

/**
 * Waits (bounded) until the `performance-figures` job of the current period
 * has run, as a boot of the portal asks: its figures, stored after ours,
 * would replace them within 30 s. pg-boss keeps a period's start
 * (`singleton_on`) as a timestamp without time zone, in UTC.
 */
async function jobOfThisPeriodDone(db: DataSource): Promise<boolean> {
  const until = Date.now() + JOB_WAIT_MS;
  while (Date.now() < until) {
    const [row] = await db.query<{ done: boolean }[]>(
      `SELECT EXISTS (SELECT 1 FROM ${JOBS_SCHEMA}.job
                       WHERE name = 'performance-figures'
                         AND singleton_on = 'epoch'::timestamp
                               + make_interval(secs => $1 * floor(extract(epoch FROM now()) / $1)))
              AND NOT EXISTS (SELECT 1 FROM ${JOBS_SCHEMA}.job
                               WHERE name = 'performance-figures'
                                 AND state IN ('created', 'retry', 'active')) AS done`,
      [REFRESH_SECONDS],
    );
    if (row.done) return true;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

function rowsOf(timings: Timing[]): string[][] {
  return timings.map((t) => {
    const sorted = [...t.samples].sort((a, b) => a - b);
    const p95 = quantile(sorted, 0.95);
    return [
      t.name,
      t.bytes === undefined ? '' : count(t.bytes),
      ms(Number(quantile(sorted, 0.5).toFixed(1))),
      ms(Number(p95.toFixed(1))),
      ms(Number(quantile(sorted, 0.99).toFixed(1))),
      ms(Number(sorted[sorted.length - 1].toFixed(1))),
      t.goal ? mark(t.goal(p95)) : '',
    ];
  });
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2), [
    { name: 'iterations', fallback: 100, min: 1, max: 10_000 },
  ]);
  run.limit(1800);
  process.env.NODE_ENV = 'production';
  const database = await openScaleDatabase(run, progress);
  progress(`database: ${database.where}`);
  const db = createDataSource({ url: database.url, poolSize: 1, applicationName: 'guichet-bench' });
  run.onStop('closing the database connections', async () => {
    if (db.isInitialized) await db.destroy();
  });
  await run.step(db.initialize());
  await run.step(migrate(db));
  const [size] = await run.step(
    db.query<{ applications: string; events: string; app_size: string; event_size: string }[]>(
      `SELECT (SELECT count(*) FROM application) AS applications,
              (SELECT count(*) FROM journey_event) AS events,
              pg_size_pretty(pg_total_relation_size('application')) AS app_size,
              pg_size_pretty(pg_total_relation_size('journey_event')) AS event_size`,
    ),
  );
  if (Number(size.applications) < 1_000_000 || Number(size.events) < 10_000_000)
    progress(
      `${count(Number(size.applications))} applications and ${count(Number(size.events))} journey ` +
        'events: run `npm run seed:scale` first for figures at scale',
    );

  progress('starting the portal (no Unleash, no boot tasks)');
  const { app, base } = await startPortalAlone(run, database, 'bench-insights');
  const catalogue = app.get(CatalogueService);
  const slugs = catalogue.all().map((s) => s.slug);

  progress('waiting for the performance-figures job of this period');
  const waited = await run.step(jobOfThisPeriodDone(db));
  const board = app.get(PerformanceBoard);
  // The figures of every service were served only for the run: the services open, again.
  run.onStop('computing /performance’s figures again', () => board.refresh(new Date()));
  const job: number[] = [];
  for (let i = 0; i < 3; i++) {
    progress(`/performance's figures, as the job computes them, for ${slugs.length} services`);
    const started = performance.now();
    await run.step(board.refresh(new Date(), slugs));
    job.push(performance.now() - started);
  }

  const staff = await run.step(
    signInAsStaff(app, db, base, {
      email: ANALYST_EMAIL,
      name: 'Analyste du banc d’essai',
      role: 'analyst',
    }),
  );
  const insights = app.get(ServiceInsightsReadModel);
  const smeFirst = app.get(SmeFirstReadModel);
  const days90 = periodFrom('', '', new Date());
  const year = { from: cityDay(-364), to: cityDay(0) };
  const yearPeriod = periodFrom(year.from, year.to, new Date());
  if (!days90.ok || !yearPeriod.ok) throw new Error('bench: the periods are not valid');
  const underGoal = (p95: number) => p95 < STAFF_P95_GOAL_MS;
  const { iterations } = options;

  const queries: Timing[] = [];
  for (const { slug, variant } of VARIANTS) {
    queries.push(
      await timeIt(
        `figures ${slug}/${variant}, 90 days`,
        iterations,
        async () => void (await insights.figures(slug, variant, days90.period)),
      ),
      await timeIt(
        `figures ${slug}/${variant}, a year`,
        iterations,
        async () => void (await insights.figures(slug, variant, yearPeriod.period)),
      ),
    );
  }
  for (const slug of SME_FIRST)
    queries.push(
      await timeIt(
        `SME-first comparison ${slug}`,
        iterations,
        async () => void (await smeFirst.comparison(slug)),
      ),
    );

  const pages: Timing[] = [
    await timeIt(
      'GET /staff/insights',
      iterations,
      getter(base, '/staff/insights', staff),
      underGoal,
    ),
  ];
  for (const { slug, variant } of VARIANTS) {
    const path = `/staff/insights/${slug}/${variant}`;
    pages.push(
      await timeIt(`GET ${path}`, iterations, getter(base, path, staff), underGoal),
      // A longer period than the page's own: measured, no goal (it grows with the period).
      await timeIt(
        `GET ${path} (a year)`,
        iterations,
        getter(base, `${path}?${new URLSearchParams(year).toString()}`, staff),
      ),
    );
  }
  for (const slug of SME_FIRST) {
    const path = `/staff/insights/${slug}/sme-first`;
    pages.push(await timeIt(`GET ${path}`, iterations, getter(base, path, staff), underGoal));
  }
  const home = await timeIt('GET / (home page)', iterations, getter(base, '/'));
  const homeP95 = p95Of(home.samples);
  const likeHome = (p95: number) => p95 <= homeP95 * LIKE_HOME;
  const publicPages = [
    home,
    await timeIt('GET /performance', iterations, getter(base, '/performance'), likeHome),
    await timeIt('GET /performance.json', iterations, getter(base, '/performance.json'), likeHome),
  ];
  // Fewer than every service when the job ran again meanwhile (a new period began).
  const shown = board.current()?.services.length ?? 0;

  const header = ['what', 'bytes', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'goal'];
  const right = new Set([1, 2, 3, 4, 5]);
  out();
  out(`Guichet insights benchmark, ${new Date().toISOString()}`);
  out(machineLine());
  out(
    `Database: ${database.where}; application: ${count(Number(size.applications))} rows ` +
      `(${size.app_size} with its indexes); journey_event: ${count(Number(size.events))} rows ` +
      `(${size.event_size})`,
  );
  out(
    `Each: ${iterations} runs after ${WARMUP} warm-up runs, one at a time; the default period ` +
      `is the last 90 days (${days90.typed.from} to ${days90.typed.to}), a year ${year.from} to ${year.to}`,
  );
  out();
  out(
    `/performance's figures, computed as the job does for ${slugs.length} services: ` +
      job.map((t) => `${(t / 1000).toFixed(2)} s`).join(', ') +
      ` (served from memory afterwards; ${shown} services on the page at the end` +
      (waited ? ')' : `; the job of this period had not run within ${JOB_WAIT_MS / 1000} s)`),
  );
  out();
  out('The read models alone (SQL, from this process):');
  for (const line of table([header, ...rowsOf(queries)], right)) out(line);
  out();
  out(
    `Staff insights, an analyst signed in, full HTTP (goal: each page as it opens, ` +
      `p95 < ${STAFF_P95_GOAL_MS} ms; a year asked for: no goal):`,
  );
  for (const line of table([header, ...rowsOf(pages)], right)) out(line);
  out();
  out(
    `Public pages, full HTTP (goal: /performance's p95 at most the home page's ` +
      `${ms(Number(homeP95.toFixed(1)))} ms + ${Math.round((LIKE_HOME - 1) * 100)} %):`,
  );
  for (const line of table([header, ...rowsOf(publicPages)], right)) out(line);
  const missed = [...pages, ...publicPages].filter((t) => t.goal && !t.goal(p95Of(t.samples)));
  out();
  out(
    missed.length === 0
      ? 'Goals met: every staff insights page and /performance.'
      : `Goals NOT met: ${missed.map((t) => t.name).join('; ')}.`,
  );
  return 0;
}

const run = new BenchRun(undefined, progress);
if (isEntryPoint(import.meta.url)) run.start(main, (error) => error instanceof ConfigError);
