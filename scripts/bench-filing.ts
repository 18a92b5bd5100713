// `npm run bench:filing`: how many applications a second SMEs can file through the
// JSON API (POST /api/v1/applications, created and submitted in one call), and how
// fast, with nothing lost.
//
// It starts the embedded stack in .data/bench-filing/ (its own ports) and the portal
// in this process as in production (NODE_ENV=production, LOG_LEVEL=error, the
// outbox delivering to the mail catcher), releases the business variant of the
// bulky-waste pickup (a form without files, which the API cannot upload) to every
// business in Unleash and waits until the portal's flags see it. It makes (once)
// 1,000 SMEs, each with an owner, and gives each a new API key every run. Then a
// worker thread fires, over loopback, --connections (default 50) keep-alive
// connections of POSTs for a --warmup (default 3 s), then --duration (default 20 s),
// each request with the next SME's key in turn, a complete set of answers and its
// own Idempotency-Key. It prints submissions a second, latency percentiles,
// non-2xx answers, what PostgreSQL's sessions were waiting on meanwhile, and
// checks that nothing was lost: every 2xx has its submitted row, with the
// reference the answer gave, and there are as many rows as 2xx answers.
//
// A benchmark, not a test: the goal (at least 200 submissions a second on this
// 2-core machine) is printed, never asserted. Exit code 0 when nothing was lost and
// every answer was 2xx, 1 otherwise (or when the run failed), 130 when interrupted.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app.js';
import { CITY_TIME_ZONE } from '../src/modules/applications/applications-queue.read-model.js';
import { markPlanChanged } from '../src/modules/rollout/rollout-changes.js';
import { RolloutReconciler } from '../src/modules/rollout/rollout-reconciler.service.js';
import { flagContext, variantFlag } from '../src/modules/rollout/variant-access.service.js';
import { ConfigError, loadConfig } from '../src/platform/config/app-config.js';
import { FlagsService } from '../src/platform/flags/flags.service.js';
import { JsonLogger } from '../src/platform/logging/json-logger.js';
import { projectPath } from '../src/platform/project-path.js';
import { newToken, tokenHash } from '../src/platform/security/tokens.js';
import {
  BenchRun,
  count,
  isEntryPoint,
  machineLine,
  mark,
  ms,
  out,
  parseOptions,
  startBenchStack,
  progressTo,
  quantile,
  shownPath,
  table,
} from './bench-support.js';

export const FILING_DATA_DIR = projectPath('.data/bench-filing');
export const GOAL_PER_SECOND = 200;
const SERVICE = 'bulky-waste-pickup';
const FLAG = variantFlag(SERVICE, 'business');
const KEY_NAME = 'bench:filing';
const EMAIL_DOMAIN = 'bench.guichet.example';
/** Benchmark SMEs' NEQs: 77 and eight digits. */
const NEQ_PREFIX = '77';
const REQUEST_TIMEOUT_MS = 10_000;
/** However fast the portal, the load stops after this many requests. */
const MAX_REQUESTS = 1_000_000;

const progress = progressTo('bench:filing');

// ---------------------------------------------------------------------------
// The load, in a worker thread (so it does not share the portal's event loop).
// runLoad and post run there: they use nothing else of this module but the two
// constants workerSource() defines.

interface LoadPlan {
  port: number;
  tokens: string[];
  bodies: string[];
  connections: number;
  phases: { name: string; seconds: number }[];
  /** Idempotency-Key `<runTag>-<n>`: unique per request, and how the rows are found. */
  runTag: string;
}

export interface PhaseResult {
  name: string;
  elapsedMs: number;
  statuses: Record<number, number>;
  /** Failed requests: no answer (connection error) or no answer in time. */
  errors: number;
  timeouts: number;
  /** Of every answered request, in ms. */
  latencies: number[];
  /** The reference of every 2xx answer. */
  references: string[];
  /** 2xx answers whose application is not `submitted` with a reference. */
  unsubmitted: number;
  /** A few non-2xx answers, to show what went wrong. */
  samples: string[];
}

type WorkerMessage =
  | { type: 'phase'; result: PhaseResult }
  | { type: 'tick'; phase: string; done: number; ok: number }
  | { type: 'done' };

function post(
  agent: http.Agent,
  port: number,
  token: string,
  body: string,
  key: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/v1/applications',
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          accept: 'application/json',
          'idempotency-key': key,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

async function runLoad(plan: LoadPlan, send: (message: WorkerMessage) => void): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: plan.connections });
  let sequence = 0;
  for (const phase of plan.phases) {
    const result: PhaseResult = {
      name: phase.name,
      elapsedMs: 0,
      statuses: {},
      errors: 0,
      timeouts: 0,
      latencies: [],
      references: [],
      unsubmitted: 0,
      samples: [],
    };
    const started = performance.now();
    const deadline = started + phase.seconds * 1000;
    const ticker = setInterval(
      () =>
        send({
          type: 'tick',
          phase: phase.name,
          done: result.latencies.length + result.errors,
          ok: result.references.length,
        }),
      5000,
    );
    const connection = async () => {
      while (performance.now() < deadline && sequence < MAX_REQUESTS) {
        const n = sequence++;
        const sme = n % plan.tokens.length;
        const sentAt = performance.now();
        try {
          const answer = await post(
            agent,
            plan.port,
            plan.tokens[sme],
            plan.bodies[sme],
            `${plan.runTag}-${n}`,
          );
          result.latencies.push(performance.now() - sentAt);
          result.statuses[answer.status] = (result.statuses[answer.status] ?? 0) + 1;
          if (answer.status >= 200 && answer.status < 300) {
            const application = JSON.parse(answer.body) as { reference?: string; status?: string };
            if (application.reference) result.references.push(application.reference);
            if (application.status !== 'submitted' || !application.reference) result.unsubmitted++;
          } else if (result.samples.length < 3) {
            result.samples.push(`${answer.status} ${answer.body.slice(0, 300)}`);
          }
        } catch (error) {
          if ((error as Error).message === 'timeout') result.timeouts++;
          result.errors++;
          if (result.samples.length < 3) result.samples.push(`error: ${(error as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: plan.connections }, connection));
    clearInterval(ticker);
    result.elapsedMs = performance.now() - started;
    send({ type: 'phase', result });
  }
  agent.destroy();
  send({ type: 'done' });
}

/**
 * The worker's code: runLoad and post as compiled, with what they use. Evaluated
 * rather than loaded from dist/, so that a rebuild meanwhile (rm -rf dist) cannot
 * break the run.
 */
function workerSource(): string {
  return `
const http = require('node:http');
const { performance } = require('node:perf_hooks');
const { parentPort, workerData } = require('node:worker_threads');
const REQUEST_TIMEOUT_MS = ${REQUEST_TIMEOUT_MS};
const MAX_REQUESTS = ${MAX_REQUESTS};
${post.toString()}
${runLoad.toString()}
void runLoad(workerData, (message) => parentPort.postMessage(message));
`;
}

// ---------------------------------------------------------------------------
// What PostgreSQL's sessions of the portal wait on, sampled during the measurement.

interface WaitProfile {
  samples: number;
  /** Per sample: sessions of the portal running a query, or idle inside a transaction. */
  active: number;
  idleInTransaction: number;
  /** `IO:WalSync`, `Lock:transactionid`, `CPU` (running, no wait), … → session-samples. */
  waits: Map<string, number>;
}

function sampleWaits(url: string): { stop(): Promise<WaitProfile> } {
  const profile: WaitProfile = { samples: 0, active: 0, idleInTransaction: 0, waits: new Map() };
  const client = new pg.Client({ connectionString: url, application_name: 'guichet-bench-probe' });
  let stopped = false;
  const loop = (async () => {
    await client.connect();
    for (let i = 0; i < 4 * 600 && !stopped; i++) {
      const { rows } = await client.query<{ state: string; wait: string | null }>(
        `SELECT state, wait_event_type || ':' || wait_event AS wait FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = 'guichet' AND pid <> pg_backend_pid()`,
      );
      profile.samples++;
      for (const row of rows) {
        if (row.state === 'idle in transaction') profile.idleInTransaction++;
        if (row.state !== 'active') continue;
        profile.active++;
        const key = row.wait ?? 'CPU (no wait)';
        profile.waits.set(key, (profile.waits.get(key) ?? 0) + 1);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop.catch((error: Error) => progress(`sampling pg_stat_activity: ${error.message}`));
      await client.end().catch(() => undefined);
      return profile;
    },
  };
}

interface CpuSnapshot {
  at: number;
  /** The whole machine's busy and total clock ticks (/proc/stat). */
  machineBusy: number;
  machineTotal: number;
  /** This process: the portal's thread, the load worker, libuv's pool (µs). */
  process: NodeJS.CpuUsage;
  /** The bench's PostgreSQL: the postmaster and its children (clock ticks). */
  postgres: number;
  /** The portal's event loop. */
  elu: ReturnType<typeof performance.eventLoopUtilization>;
}

export interface CpuShares {
  /** Share of the whole machine (every core) that was busy, 0–1. */
  machine: number;
  /** Cores used: this process, and the benchmark's PostgreSQL. */
  processCores: number;
  postgresCores: number;
  /** How busy the portal's event loop was, 0–1. */
  eventLoop: number;
}

const TICKS_PER_SECOND = 100;

function procStat(pid: string): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command (field 2) may hold spaces: the fields after its closing parenthesis.
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Clock ticks used by the PostgreSQL whose postmaster.pid is in `dataDir` (Linux; 0 elsewhere). */
function postgresTicks(dataDir: string): number {
  try {
    const postmaster = readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split(
      '\n',
    )[0];
    let ticks = 0;
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      const fields = procStat(pid);
      // After the command: state (0), ppid (1), … utime (11), stime (12).
      if (fields && (pid === postmaster || fields[1] === postmaster))
        ticks += Number(fields[11]) + Number(fields[12]);
    }
    return ticks;
  } catch {
    return 0;
  }
}

function cpuSnapshot(): CpuSnapshot {
  let machineBusy = 0;
  let machineTotal = 0;
  try {
    const values = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    machineTotal = values.reduce((a, b) => a + b, 0);
    machineBusy = machineTotal - values[3] - (values[4] ?? 0);
  } catch {
    // Not Linux: the machine's share stays unknown (0).
  }
  return {
    at: performance.now(),
    machineBusy,
    machineTotal,
    process: process.cpuUsage(),
    postgres: postgresTicks(FILING_DATA_DIR),
    elu: performance.eventLoopUtilization(),
  };
}

function cpuShares(before: CpuSnapshot, after: CpuSnapshot): CpuShares {
  const seconds = Math.max(0.001, (after.at - before.at) / 1000);
  const used = process.cpuUsage(before.process);
  return {
    machine:
      (after.machineBusy - before.machineBusy) /
      Math.max(1, after.machineTotal - before.machineTotal),
    processCores: (used.user + used.system) / 1e6 / seconds,
    postgresCores: (after.postgres - before.postgres) / TICKS_PER_SECOND / seconds,
    eventLoop: performance.eventLoopUtilization(after.elu, before.elu).utilization,
  };
}

// ---------------------------------------------------------------------------
// The SMEs, their keys, their answers.

interface Sme {
  id: string;
  legalName: string;
  neq: string;
  ownerId: string;
  employeeCount: number;
}

async function ensureSmes(db: DataSource, wanted: number): Promise<Sme[]> {
  for (let first = 1; first <= wanted; first += 250) {
    const last = Math.min(wanted, first + 249);
    await db.query(
      `INSERT INTO account (email, display_name, password_hash, preferred_locale, email_confirmed_at)
       SELECT format('filing-sme-%s@${EMAIL_DOMAIN}', lpad(i::text, 4, '0')), 'Propriétaire ' || i,
              '!bench: no password', 'fr', now()
         FROM generate_series($1::int, $2::int) AS i
       ON CONFLICT ((lower(email))) DO NOTHING`,
      [first, last],
    );
    await db.query(
      `INSERT INTO organization (legal_name, neq, street_address, city, postal_code, employee_count,
                                 naics_code, contact_name, contact_email, contact_phone)
       SELECT 'Immeubles Banc d’essai ' || i || ' inc.', '${NEQ_PREFIX}' || lpad(i::text, 8, '0'),
              format('%s, boulevard Principal', i), 'Val-des-Cèdres', 'J8X 2B2', 5 + i % 95, '53',
              'Propriétaire ' || i, format('filing-sme-%s@${EMAIL_DOMAIN}', lpad(i::text, 4, '0')),
              '819 555-0100'
         FROM generate_series($1::int, $2::int) AS i
       ON CONFLICT (neq) DO NOTHING`,
      [first, last],
    );
    await db.query(
      `INSERT INTO organization_membership (organization_id, account_id, role)
       SELECT o.id, a.id, 'owner'
         FROM generate_series($1::int, $2::int) AS i
         JOIN organization o ON o.neq = '${NEQ_PREFIX}' || lpad(i::text, 8, '0')
         JOIN account a ON lower(a.email) = format('filing-sme-%s@${EMAIL_DOMAIN}', lpad(i::text, 4, '0'))
       ON CONFLICT DO NOTHING`,
      [first, last],
    );
  }
  return db.query<Sme[]>(
    `SELECT o.id, o.legal_name AS "legalName", o.neq, m.account_id AS "ownerId",
            o.employee_count AS "employeeCount"
       FROM organization o
       JOIN organization_membership m ON m.organization_id = o.id AND m.role = 'owner'
      WHERE o.neq LIKE '${NEQ_PREFIX}%' AND o.contact_email LIKE 'filing-sme-%@${EMAIL_DOMAIN}'
      ORDER BY o.neq LIMIT $1`,
    [wanted],
  );
}

/**
 * A new key for each SME (their earlier benchmark keys are deleted), stored as
 * ApiKeysService stores one: its prefix and its SHA-256 (tokenHash), never the token;
 * they expire the next day (a benchmark needs them for minutes).
 */
async function issueKeys(db: DataSource, smes: Sme[]): Promise<string[]> {
  await db.query(`DELETE FROM api_key WHERE name = $1`, [KEY_NAME]);
  const tokens = smes.map(() => {
    const prefix = `gk_${randomBytes(4).toString('hex')}`;
    return { prefix, token: `${prefix}_${newToken()}` };
  });
  for (let first = 0; first < smes.length; first += 250) {
    const batch = smes.slice(first, first + 250);
    const keys = tokens.slice(first, first + 250);
    await db.query(
      `INSERT INTO api_key (organization_id, name, token_prefix, token_hash, scopes, created_by, expires_at)
       SELECT k.organization_id, $5, k.prefix, k.hash, ARRAY['applications:read', 'applications:write'], k.owner,
              now() + interval '1 day'
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[]) AS k(organization_id, prefix, hash, owner)`,
      [
        batch.map((s) => s.id),
        keys.map((k) => k.prefix),
        keys.map((k) => tokenHash(k.token)),
        batch.map((s) => s.ownerId),
        KEY_NAME,
      ],
    );
  }
  return tokens.map((t) => t.token);
}

/** A day in the city's time zone, `days` from today (YYYY-MM-DD). */
function cityDay(days: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: CITY_TIME_ZONE }).format(
    new Date(Date.now() + days * 86_400_000),
  );
}

/** A complete business filing of the bulky-waste pickup (see its definition), for one SME. */
export function filingBody(sme: Sme, n: number): string {
  const address = (line1: string) => ({
    line1,
    line2: '',
    city: 'Val-des-Cèdres',
    postalCode: 'J8X 2B2',
  });
  return JSON.stringify({
    service: SERVICE,
    submit: true,
    answers: {
      businessName: sme.legalName,
      businessNeq: sme.neq,
      businessAddress: address(`${n + 1}, boulevard Principal`),
      pickupAddress: address(`${(n % 400) + 1}, rue des Érables`),
      siteReference: `IMM-${n + 1}`,
      preferredDate: cityDay(14),
      placement: 'curb',
      wasteKinds: ['furniture', 'debris'],
      approximateVolume: 3.5,
      debrisVolume: 1.5,
      containerNeeded: 'no',
      notes: 'Accès par la ruelle, derrière l’immeuble.',
      contactName: `Propriétaire ${n + 1}`,
      contactEmail: `filing-sme-${String(n + 1).padStart(4, '0')}@${EMAIL_DOMAIN}`,
      contactPhone: '819 555-0100',
    },
  });
}

// ---------------------------------------------------------------------------

/** Fires the plan's phases; `measuring` is called when the last one starts. */
function fireLoad(plan: LoadPlan, measuring: () => void): Promise<PhaseResult[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerSource(), { eval: true, workerData: plan });
    const results: PhaseResult[] = [];
    run.running = { stop: () => void worker.terminate() };
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'tick')
        progress(
          `${message.phase}: ${count(message.done)} answered, ${count(message.ok)} submitted`,
        );
      else if (message.type === 'phase') {
        results.push(message.result);
        if (results.length === plan.phases.length - 1) {
          measuring();
          progress(`measuring for ${plan.phases[results.length].seconds} s`);
        }
      } else {
        run.running = undefined;
        void worker.terminate();
        resolve(results);
      }
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (results.length < plan.phases.length)
        reject(new Error(`the load worker exited (${code}) before the end`));
    });
  });
}

interface Verification {
  twoXx: number;
  rows: number;
  drafts: number;
  references: number;
  distinctReferences: number;
  found: number;
}

async function verify(
  db: DataSource,
  runTag: string,
  phases: PhaseResult[],
): Promise<Verification> {
  const references = phases.flatMap((p) => p.references);
  const twoXx = phases.reduce(
    (sum, p) =>
      sum +
      Object.entries(p.statuses)
        .filter(([code]) => code.startsWith('2'))
        .reduce((s, [, n]) => s + n, 0),
    0,
  );
  const [rows] = await db.query<{ submitted: string; drafts: string }[]>(
    `SELECT count(*) FILTER (WHERE status = 'submitted' AND reference IS NOT NULL) AS submitted,
            count(*) FILTER (WHERE status = 'draft') AS drafts
       FROM application WHERE idempotency_key LIKE $1 AND channel = 'api'`,
    [`${runTag}-%`],
  );
  const distinct = [...new Set(references)];
  const [found] = await db.query<{ n: string }[]>(
    `SELECT count(*) AS n FROM application
      WHERE reference = ANY($1::text[]) AND idempotency_key LIKE $2 AND status = 'submitted'`,
    [distinct, `${runTag}-%`],
  );
  return {
    twoXx,
    rows: Number(rows.submitted),
    drafts: Number(rows.drafts),
    references: references.length,
    distinctReferences: distinct.length,
    found: Number(found.n),
  };
}

function report(
  phases: PhaseResult[],
  check: Verification,
  waits: WaitProfile,
  settings: {
    connections: number;
    smes: number;
    poolSize: number;
    loadBefore: number;
    cpu?: CpuShares;
  },
): boolean {
  const rows: string[][] = [
    [
      'phase',
      'seconds',
      'requests',
      '2xx',
      'submissions/s',
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'max ms',
      'non-2xx',
      'errors',
      `goal: ≥ ${GOAL_PER_SECOND}/s`,
    ],
  ];
  let clean = true;
  for (const p of phases) {
    const sorted = [...p.latencies].sort((a, b) => a - b);
    const ok = p.references.length;
    const non2xx = Object.entries(p.statuses)
      .filter(([code]) => !code.startsWith('2'))
      .reduce((sum, [, n]) => sum + n, 0);
    if (non2xx + p.errors + p.unsubmitted > 0) clean = false;
    const perSecond = ok / (p.elapsedMs / 1000);
    rows.push([
      p.name,
      (p.elapsedMs / 1000).toFixed(1),
      count(p.latencies.length + p.errors),
      count(ok),
      perSecond.toFixed(0),
      ms(Math.round(quantile(sorted, 0.5))),
      ms(Math.round(quantile(sorted, 0.9))),
      ms(Math.round(quantile(sorted, 0.99))),
      ms(Math.round(sorted[sorted.length - 1] ?? 0)),
      String(non2xx),
      String(p.errors),
      p.name === 'measured' ? mark(perSecond >= GOAL_PER_SECOND) : '-',
    ]);
  }
  out();
  out(
    `Guichet filing benchmark (POST /api/v1/applications, submit: true), ${new Date().toISOString()}`,
  );
  out(machineLine());
  out(
    `Settings: ${settings.connections} keep-alive connections from a worker thread, loopback, ` +
      `${settings.smes} SMEs' keys in turn, database pool ${settings.poolSize}, service ${SERVICE} (business)`,
  );
  out(`1-minute load average just before measuring: ${settings.loadBefore.toFixed(2)}`);
  const cpu = settings.cpu;
  if (cpu) {
    const measured = phases[phases.length - 1];
    const perSubmission = (cores: number) =>
      ms(
        Number(((cores * measured.elapsedMs) / Math.max(1, measured.references.length)).toFixed(1)),
      );
    const pct = (share: number) => `${Math.round(share * 100)} %`;
    out(
      `CPU while measuring: the machine ${pct(cpu.machine)} busy (${availableParallelism()} cores, other work included); ` +
        `this process (portal + load worker) ${cpu.processCores.toFixed(2)} cores, ` +
        `${perSubmission(cpu.processCores)} ms a submission; its PostgreSQL ${cpu.postgresCores.toFixed(2)} cores, ` +
        `${perSubmission(cpu.postgresCores)} ms a submission; the portal's event loop ${pct(cpu.eventLoop)} busy`,
    );
  }
  out();
  for (const line of table(rows, new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))) out(line);
  for (const p of phases) {
    const codes = Object.entries(p.statuses).filter(([code]) => !code.startsWith('2'));
    if (codes.length > 0 || p.errors > 0)
      out(
        `${p.name}: ${codes.map(([c, n]) => `${n}×${c}`).join(', ') || 'no non-2xx'}, ` +
          `${p.errors} errors (${p.timeouts} timeouts); e.g. ${p.samples.join(' | ')}`,
      );
    if (p.unsubmitted > 0)
      out(`${p.name}: ${p.unsubmitted} 2xx answers were not submitted applications`);
  }

  out();
  const perSample = (n: number) => (waits.samples === 0 ? 0 : n / waits.samples);
  out(
    `PostgreSQL sessions of the portal while measuring (${waits.samples} samples, every 250 ms): ` +
      `${perSample(waits.active).toFixed(1)} running a query, ` +
      `${perSample(waits.idleInTransaction).toFixed(1)} idle in a transaction (the portal's turn), on average`,
  );
  const waitRows = [['running queries were', 'share']];
  const active = Math.max(1, waits.active);
  for (const [what, n] of [...waits.waits.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6))
    waitRows.push([what, `${Math.round((n / active) * 100)} %`]);
  for (const line of table(waitRows, new Set([1]))) out(`  ${line}`);

  out();
  const lost = check.distinctReferences - check.found;
  const nothingLost =
    lost === 0 &&
    check.rows === check.twoXx &&
    check.distinctReferences === check.references &&
    check.references === check.twoXx;
  out('Nothing lost? (warm-up and measurement together)');
  out(`  2xx answers:                                    ${count(check.twoXx)}`);
  out(`  submitted rows with this run's Idempotency-Keys: ${count(check.rows)}`);
  out(
    `  references answered (distinct):                 ${count(check.references)} (${count(check.distinctReferences)})`,
  );
  out(`  of them found in the database, submitted:       ${count(check.found)}`);
  if (check.drafts > 0)
    out(`  drafts left (created, then the submission failed): ${count(check.drafts)}`);
  out(
    nothingLost
      ? '  Zero lost: every 2xx has its submitted row, and there is no other.'
      : `  LOST OR UNEXPECTED: ${lost} answered references missing; rows ${check.rows} vs 2xx ${check.twoXx}.`,
  );
  return nothingLost && clean;
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2), [
    { name: 'duration', fallback: 20, min: 1, max: 600 },
    { name: 'warmup', fallback: 3, min: 0, max: 60 },
    { name: 'connections', fallback: 50, min: 1, max: 1000 },
    { name: 'smes', fallback: 1000, min: 1, max: 10_000 },
  ]);
  run.limit(300 + options.warmup + options.duration + 120);

  process.env.NODE_ENV = 'production';
  progress(`starting the embedded services, data in ${shownPath(FILING_DATA_DIR)}/`);
  const stack = await startBenchStack(
    run,
    FILING_DATA_DIR,
    {
      postgres: 54629,
      unleash: 4542,
      smtp: 1425,
      mailWeb: 1480,
    },
    progress,
  );
  const config = loadConfig({
    ...process.env,
    ...stack.env,
    NODE_ENV: 'production',
    LOG_LEVEL: 'error',
    SEED_DEMO: 'false',
    DATA_DIR: FILING_DATA_DIR,
    HOST: '127.0.0.1',
    PORT: '0',
  });
  progress('starting the portal');
  const appStarting = createApp(config, { logger: new JsonLogger(config.LOG_LEVEL) });
  run.appStarting = appStarting;
  const app = await run.step(appStarting);
  await run.step(app.listen(0, '127.0.0.1'));
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const db = app.get(DataSource);

  progress(`making ${options.smes} SMEs (once) and a new API key for each`);
  const smes = await run.step(ensureSmes(db, options.smes));
  const tokens = await run.step(issueKeys(db, smes));

  // As a rollout manager would: through its plan, which the reconciler makes
  // Unleash follow (a flag edited in Unleash directly is drift, and put back).
  progress(`releasing ${FLAG} to every business through its rollout plan`);
  await run.step(
    db.transaction(async (manager) => {
      await manager.query(
        `UPDATE rollout_plan SET stage = 'sme-all', paused = false
          WHERE service_slug = $1 AND variant = 'business'`,
        [SERVICE],
      );
      await markPlanChanged(manager, SERVICE, 'business');
    }),
  );
  if (!(await run.step(app.get(RolloutReconciler).syncNow())))
    throw new Error(`Unleash did not take ${FLAG}'s release`);
  const flags = app.get(FlagsService);
  const context = flagContext({
    audience: 'business',
    accountId: smes[0].ownerId,
    organization: { id: smes[0].id, name: smes[0].legalName, employeeCount: smes[0].employeeCount },
    staff: false,
  });
  const waitUntil = Date.now() + config.FLAGS_REFRESH_INTERVAL_MS + 15_000;
  while (!flags.isEnabled(FLAG, context)) {
    if (Date.now() > waitUntil) throw new Error(`the portal's flags never showed ${FLAG} released`);
    await run.step(new Promise((r) => setTimeout(r, 100)));
  }

  const bodies = smes.map((sme, n) => filingBody(sme, n));
  const runTag = `bench-${Date.now().toString(36)}`;
  // One filing first, to show what is wrong (if anything) before firing thousands.
  const agent = new http.Agent({ keepAlive: false });
  const probe = await run.step(post(agent, port, tokens[0], bodies[0], `${runTag}.probe`));
  if (probe.status !== 201)
    throw new Error(`the first filing answered ${probe.status}: ${probe.body.slice(0, 1000)}`);
  progress(
    `the first filing answered 201 (${(JSON.parse(probe.body) as { reference: string }).reference})`,
  );

  const loadBefore = loadavg()[0];
  let waits: { stop(): Promise<WaitProfile> } | undefined;
  let cpuBefore: CpuSnapshot | undefined;
  progress(
    `${options.connections} connections: ${options.warmup} s warm-up, then ${options.duration} s`,
  );
  const phases = await run.step(
    fireLoad(
      {
        port,
        tokens,
        bodies,
        connections: options.connections,
        phases: [
          { name: 'warm-up', seconds: options.warmup },
          { name: 'measured', seconds: options.duration },
        ],
        runTag,
      },
      () => {
        waits = sampleWaits(config.DATABASE_URL);
        cpuBefore = cpuSnapshot();
      },
    ),
  );
  const cpuAfter = cpuSnapshot();
  const profile = (await waits?.stop()) ?? {
    samples: 0,
    active: 0,
    idleInTransaction: 0,
    waits: new Map<string, number>(),
  };
  progress('checking that nothing was lost');
  const check = await run.step(verify(db, runTag, phases));
  const ok = report(phases, check, profile, {
    connections: options.connections,
    smes: smes.length,
    poolSize: config.DATABASE_POOL_SIZE,
    loadBefore,
    cpu: cpuBefore ? cpuShares(cpuBefore, cpuAfter) : undefined,
  });
  return ok ? 0 : 1;
}

const run = new BenchRun(FILING_DATA_DIR, progress);
if (isEntryPoint(import.meta.url)) run.start(main, (error) => error instanceof ConfigError);
