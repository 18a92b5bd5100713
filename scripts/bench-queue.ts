// `npm run bench:queue`: how fast the staff queue's first page is at scale, once
// `npm run seed:scale` has put a million applications in the database.
//
// Against the same database as seed:scale: DATABASE_URL when set, otherwise the
// embedded PostgreSQL of `npm start` (.data/ or DATA_DIR), started alone for the run
// when `npm start` is not running. It measures, --iterations times each (default
// 200, after a warm-up of 10), the real query of ApplicationsQueueReadModel.page
// (51 rows, keyset) for its default filters and the common ones, and prints
// p50/p95/p99 per filter with the index EXPLAIN (ANALYZE, BUFFERS) shows. Then,
// unless --no-http, it starts the portal in this process (no Unleash: the queue
// needs no flag; mail to SMTP_URL or npm start's mail catcher) and times the full
// HTTP GET /staff/applications of a signed-in clerk, one request at a time.
//
// A benchmark, not a test: the goal (first page under 100 ms at p95) is printed,
// never asserted. Exit code 0 when it ran (whatever the figures), 1 when it failed.
import { performance } from 'node:perf_hooks';
import type { DataSource } from 'typeorm';
import {
  ApplicationsQueueReadModel,
  CITY_TIME_ZONE,
  QUEUE_PAGE_SIZE,
  queueQuery,
  type QueueCursor,
  type QueueFilters,
} from '../src/modules/applications/applications-queue.read-model.js';
import { ConfigError } from '../src/platform/config/app-config.js';
import { createDataSource, migrate } from '../src/platform/database/database.js';
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

const progress = progressTo('bench:queue');
export const P95_GOAL_MS = 100;
const WARMUP = 10;
const CLERK_EMAIL = 'queue-bench-clerk@bench.guichet.example';

interface Case {
  name: string;
  filters: QueueFilters;
  cursor?: QueueCursor;
  /** The same filters as query parameters of /staff/applications. */
  query?: Record<string, string>;
}

interface Timing {
  case: Case;
  rows: number;
  samples: number[];
  plan?: PlanSummary;
}

interface PlanSummary {
  /** How `application` is read: "Index Scan using application_queue_idx", "Seq Scan", … */
  access: string;
  executionMs: number;
  buffers: string;
  lines: string[];
}

/** A day in the city's time zone, `days` from today. */
function cityDay(days: number): string {
  const date = new Date(Date.now() + days * 86_400_000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: CITY_TIME_ZONE }).format(date);
}

function cases(clerkId: string): Case[] {
  const anyone = { kind: 'anyone' } as const;
  const base: QueueFilters = { assigned: anyone, sort: 'newest' };
  const recent = { from: cityDay(-30), to: cityDay(0) };
  const yearAgo = { from: cityDay(-395), to: cityDay(-365) };
  return [
    { name: 'default (every status, newest first)', filters: base, query: {} },
    {
      name: 'status: submitted',
      filters: { ...base, status: 'submitted' },
      query: { status: 'submitted' },
    },
    {
      name: 'status: information requested',
      filters: { ...base, status: 'information_requested' },
      query: { status: 'information_requested' },
    },
    {
      name: 'service: building permit',
      filters: { ...base, service: 'building-permit' },
      query: { service: 'building-permit' },
    },
    {
      name: 'service + variant: bulky waste, business',
      filters: { ...base, service: 'bulky-waste-pickup', variant: 'business' },
      query: { service: 'bulky-waste-pickup', variant: 'business' },
    },
    {
      name: 'assigned to a clerk',
      filters: { ...base, assigned: { kind: 'clerk', id: clerkId } },
      query: { assigned: clerkId },
    },
    {
      name: 'unassigned',
      filters: { ...base, assigned: { kind: 'unassigned' } },
      query: { assigned: 'none' },
    },
    { name: 'submitted in the last 30 days', filters: { ...base, ...recent }, query: recent },
    { name: 'submitted a year ago (30 days)', filters: { ...base, ...yearAgo }, query: yearAgo },
    { name: 'oldest first', filters: { ...base, sort: 'oldest' }, query: { sort: 'oldest' } },
    {
      name: 'status + service + clerk',
      filters: {
        ...base,
        status: 'in_review',
        service: 'sign-permit',
        assigned: { kind: 'clerk', id: clerkId },
      },
      query: { status: 'in_review', service: 'sign-permit', assigned: clerkId },
    },
    // Few or no rows match: the index's order no longer finds 51 rows quickly.
    {
      name: 'rare: resubmitted + occupancy cert. (business) + clerk',
      filters: {
        ...base,
        status: 'resubmitted',
        service: 'occupancy-certificate',
        variant: 'business',
        assigned: { kind: 'clerk', id: clerkId },
      },
    },
    {
      name: 'rare: unassigned + occupancy cert. (business)',
      filters: {
        ...base,
        service: 'occupancy-certificate',
        variant: 'business',
        assigned: { kind: 'unassigned' },
      },
    },
    {
      name: 'none: in review + unassigned',
      filters: { ...base, status: 'in_review', assigned: { kind: 'unassigned' } },
    },
  ];
}

async function explain(db: DataSource, c: Case, staffId: string): Promise<PlanSummary> {
  const { sql, params } = queueQuery(c.filters, staffId, c.cursor, QUEUE_PAGE_SIZE + 1);
  const rows = await db.query<{ 'QUERY PLAN': string }[]>(
    `EXPLAIN (ANALYZE, BUFFERS) ${sql}`,
    params,
  );
  const lines = rows.map((r) => r['QUERY PLAN']);
  const scan = lines
    .map((l) =>
      /(Index Only Scan|Index Scan|Bitmap Heap Scan|Seq Scan)( Backward)?( using \w+)? on application a\b/.exec(
        l,
      ),
    )
    .find((m) => m !== null);
  const bitmaps = lines.flatMap((l) => /Bitmap Index Scan on (\w+)/.exec(l)?.[1] ?? []);
  const access = !scan
    ? '?'
    : scan[1] === 'Bitmap Heap Scan'
      ? `Bitmap Heap Scan (${bitmaps.join(', ')})`
      : `${scan[1]}${scan[2] ?? ''}${scan[3] ?? ''}`;
  const executionMs = Number(/Execution Time: ([\d.]+)/.exec(lines.join('\n'))?.[1] ?? NaN);
  const buffers = /Buffers: (.*)/.exec(lines.find((l) => l.includes('Buffers:')) ?? '')?.[1] ?? '';
  return { access, executionMs, buffers, lines };
}

async function timeQueries(
  db: DataSource,
  queue: ApplicationsQueueReadModel,
  list: Case[],
  staffId: string,
  iterations: number,
): Promise<Timing[]> {
  const timings: Timing[] = [];
  for (const c of list) {
    progress(`query: ${c.name} (${WARMUP} + ${iterations})`);
    let rows = 0;
    const samples: number[] = [];
    for (let i = 0; i < WARMUP + iterations; i++) {
      const started = performance.now();
      const page = await run.step(queue.page(c.filters, staffId, c.cursor));
      const elapsed = performance.now() - started;
      rows = page.rows.length;
      if (i >= WARMUP) samples.push(elapsed);
    }
    timings.push({ case: c, rows, samples, plan: await run.step(explain(db, c, staffId)) });
  }
  return timings;
}

// ---------------------------------------------------------------------------
// Full HTTP: the portal in this process, a clerk signed in through the form.

async function timeHttp(
  base: string,
  cookie: string,
  list: Case[],
  iterations: number,
): Promise<Timing[]> {
  const timings: Timing[] = [];
  for (const c of list) {
    const query = new URLSearchParams(c.query ?? {}).toString();
    const path = `/staff/applications${query ? `?${query}` : ''}`;
    progress(`HTTP: GET ${path} (${WARMUP} + ${iterations})`);
    const samples: number[] = [];
    let rows = 0;
    for (let i = 0; i < WARMUP + iterations; i++) {
      const started = performance.now();
      const res = await run.step(
        fetch(`${base}${path}`, {
          headers: { cookie },
          redirect: 'manual',
          signal: AbortSignal.timeout(10_000),
        }),
      );
      const body = await res.text();
      const elapsed = performance.now() - started;
      if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}`);
      rows = body.match(/\b[A-Z]{2,4}-\d{4}-\d{6,}\b/g)?.length ?? 0;
      if (i >= WARMUP) samples.push(elapsed);
    }
    timings.push({ case: { ...c, name: `GET ${path}` }, rows, samples });
  }
  return timings;
}

// ---------------------------------------------------------------------------

function rowsOf(timings: Timing[], withPlan: boolean): string[][] {
  return timings.map((t) => {
    const sorted = [...t.samples].sort((a, b) => a - b);
    const p95 = quantile(sorted, 0.95);
    return [
      t.case.name,
      String(t.rows),
      ms(Number(quantile(sorted, 0.5).toFixed(1))),
      ms(Number(p95.toFixed(1))),
      ms(Number(quantile(sorted, 0.99).toFixed(1))),
      ms(Number(sorted[sorted.length - 1].toFixed(1))),
      ...(withPlan ? [t.plan?.access ?? '', t.plan?.buffers ?? ''] : []),
      mark(p95 < P95_GOAL_MS),
    ];
  });
}

async function main(): Promise<number> {
  const options = parseOptions(
    process.argv.slice(2),
    [{ name: 'iterations', fallback: 200, min: 1, max: 10_000 }],
    ['no-http'],
  );
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
    db.query<{ rows: string; queued: string; size: string }[]>(
      `SELECT count(*) AS rows, count(*) FILTER (WHERE status <> 'draft') AS queued,
              pg_size_pretty(pg_total_relation_size('application')) AS size FROM application`,
    ),
  );
  const total = Number(size.rows);
  if (total < 100_000)
    progress(
      `only ${count(total)} applications: run \`npm run seed:scale\` first for figures at scale`,
    );
  const [clerk] = await run.step(
    db.query<{ id: string | null }[]>(
      `SELECT assigned_to AS id FROM application WHERE status <> 'draft' AND assigned_to IS NOT NULL
        GROUP BY assigned_to ORDER BY count(*) DESC LIMIT 1`,
    ),
  );
  const clerkId = clerk?.id ?? '00000000-0000-4000-8000-000000000000';

  const queue = new ApplicationsQueueReadModel(db);
  const list = cases(clerkId);
  const first = await run.step(queue.page(list[0].filters, clerkId));
  if (first.next)
    list.push({
      name: 'default, second page (cursor)',
      filters: list[0].filters,
      cursor: { after: first.next },
    });
  const queries = await timeQueries(db, queue, list, clerkId, options.iterations);

  let http: Timing[] = [];
  if (!options['no-http']) {
    progress('starting the portal (no Unleash, no boot tasks)');
    const { app, base } = await startPortalAlone(run, database, 'bench-queue');
    const cookie = await run.step(
      signInAsStaff(app, db, base, {
        email: CLERK_EMAIL,
        name: 'Préposé·e du banc d’essai',
        role: 'clerk',
      }),
    );
    const httpCases = list.filter((c) =>
      ['default (every status, newest first)', 'status: submitted', 'assigned to a clerk'].includes(
        c.name,
      ),
    );
    http = await timeHttp(base, cookie, httpCases, options.iterations);
  }

  out();
  out(`Guichet staff queue benchmark, ${new Date().toISOString()}`);
  out(machineLine());
  out(
    `Database: ${database.where}; application: ${count(total)} rows ` +
      `(${count(Number(size.queued))} in the queue, i.e. not drafts), ${size.size} with its indexes`,
  );
  out(
    `Each case: ${options.iterations} runs after ${WARMUP} warm-up runs, one at a time; ` +
      `first page = ${QUEUE_PAGE_SIZE} rows (+1 to know whether there is a next page)`,
  );
  out();
  out(`ApplicationsQueueReadModel.page (the SQL alone, from this process):`);
  const header = ['case', 'rows', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'];
  const goal = `goal: p95 < ${P95_GOAL_MS} ms`;
  for (const line of table(
    [[...header, 'application read by (EXPLAIN)', 'buffers', goal], ...rowsOf(queries, true)],
    new Set([1, 2, 3, 4, 5]),
  ))
    out(line);
  if (http.length > 0) {
    out();
    out('Full HTTP, a signed-in clerk, the page rendered (from this process, loopback):');
    for (const line of table([[...header, goal], ...rowsOf(http, false)], new Set([1, 2, 3, 4, 5])))
      out(line);
  }
  out();
  out('EXPLAIN (ANALYZE, BUFFERS) of the default query, in short:');
  const summary = /^\s*(->\s+)?(Limit|.*Scan|Planning Time|Execution Time)|^\s*Buffers/;
  const lines = queries[0].plan?.lines ?? [];
  for (const line of lines.filter((l, i) => summary.test(l) && (i < 3 || !/^\s*Buffers/.test(l))))
    out(`  ${line}`);
  const missed = [...queries, ...http].filter(
    (t) =>
      quantile(
        [...t.samples].sort((a, b) => a - b),
        0.95,
      ) >= P95_GOAL_MS,
  );
  out();
  out(
    missed.length === 0
      ? `Goal met: every first page under ${P95_GOAL_MS} ms at p95.`
      : `Goal NOT met for: ${missed.map((t) => t.case.name).join('; ')}.`,
  );
  return 0;
}

const run = new BenchRun(undefined, progress);
if (isEntryPoint(import.meta.url)) run.start(main, (error) => error instanceof ConfigError);
