// `npm run bench:rollout`: how fast the staged rollout is (issue 5, "Speed").
//
// It starts the embedded stack in .data/bench-rollout/ (its own ports) and two
// portal instances in this process, on the same database and the same Unleash, as
// in production (NODE_ENV=production, LOG_LEVEL=error): A (SEED_DEMO=true, data in
// .data/bench-rollout/) and B (data in .data/bench-rollout/instance-b/, so it has
// its own flags backup). Both evaluate with unleash-client every
// FLAGS_REFRESH_INTERVAL_MS (default 5000); their periodic reconcile is off
// (ROLLOUT_RECONCILE_INTERVAL_MS=0), so every reconcile measured is one the bench
// or a decision started; the run each instance makes when a change is NOTIFYed
// stays on. Then it measures, all over loopback:
//
// 1. The flag gate's cost per request: VariantAccessService.check (flagContext +
//    FlagsService.isEnabled on the real unleash-client holding the demo plans),
//    --iterations times per case (bounded in time), each timed with
//    process.hrtime.bigint(); p50/p99 in µs.
// 2. and 3. Promotion to effective: a rollout manager signed in through the form
//    promotes and rolls back occupancy-certificate.business (closed ↔ internal)
//    through the console (POST /staff/rollout/…, as the plan page does),
//    --promotions times; from just before each POST, instance A's and B's
//    FlagsService.isEnabled for a member of staff acting for a business is
//    polled every 1 ms until it flips. It also notes what flipped B (its
//    reconciler woken by the NOTIFY, or its client's poll), when B's poll alone
//    brought the change (waited for, bounded), and each instance's reconcile runs.
//    Decisions are 1 s apart plus a random share of the refresh interval. Done
//    with the catalogue's plans only, then again (half as many decisions) once
//    step 4 has added its plans.
//    Then the same for a candidate revision: the bench gives an open business
//    variant a revision of its own (a ready copy of its current one) and starts
//    it in SME pilot and ends it, --promotions times, as the revision rollout
//    does (revision_rollout row + markPlanChanged in one transaction, then A's
//    reconciler.syncNow()), timing until A's and B's FlagsService.evaluate name
//    it (or stop naming it) for staff acting for a business. The revision and
//    anything left of its rollout are removed afterwards.
// 1b. What naming the revision adds to the gate (issue 15): two business flags
//    built with desiredFlag + resolveSegments from one plan, with and without
//    its revisions (a candidate in pilot or at 30 %), applied to A's client with
//    applyLocally; isEnabled on the one without (the gate before revisions)
//    against VariantAccessService.check on the one with, medians and the difference.
// 4. A full reconcile of --services synthetic services × 2 variants
//    (bench-svc-01 … ) over every stage, with --cohorts cohorts of 20–100 SMEs
//    each attached to the pilot and gradual business plans: the first run that
//    creates everything (cold), a run with nothing to change (warm), and a run
//    after every plan's stage changed. Each with the Admin API calls it made, the
//    reconciler's SQL statements and the CPU Unleash, PostgreSQL and the portals
//    used. For comparison, one export call that reads every flag at once is timed.
//
// Everything synthetic (the plans, cohorts, their flags and segments in Unleash) is
// removed at the end and before starting, in case an earlier run was interrupted.
// The benchmark's SMEs (NEQs 78…) are made once and kept.
//
// A benchmark, not a test: goals are printed (PASS / MISS), never asserted. Exit
// code 0 when it ran, 1 when something failed (a decision refused, a reconcile
// with errors), 130 when interrupted.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app.js';
import type { ActingAs } from '../src/modules/accounts/acting-as.js';
import { CatalogueService } from '../src/modules/catalogue/catalogue.service.js';
import {
  RolloutReconciler,
  type ReconcileReport,
} from '../src/modules/rollout/rollout-reconciler.service.js';
import { PlanFence } from '../src/modules/rollout/plan-fence.js';
import { smeFirstViolation } from '../src/modules/rollout/sme-first.js';
import {
  TRACKS,
  nextStage,
  previousStage,
  stageKind,
  type Stage,
} from '../src/modules/rollout/stages.js';
import type { LocalFlagEvaluator } from '../src/platform/flags/local-flag-evaluator.js';
import {
  VariantAccessService,
  flagContext,
  variantFlag,
} from '../src/modules/rollout/variant-access.service.js';
import {
  desiredFlag,
  desiredSegment,
  resolveSegments,
  segmentName,
  type PlanSnapshot,
  type VariantRevisions,
} from '../src/modules/rollout/desired-state.js';
import { markPlanChanged } from '../src/modules/rollout/rollout-changes.js';
import { ConfigError, loadConfig, type AppConfig } from '../src/platform/config/app-config.js';
import type { Audience } from '../src/platform/flags/flag-context.js';
import {
  FlagsService,
  type LocalFlag,
  type LocalSegment,
} from '../src/platform/flags/flags.service.js';
import { UnleashAdminClient, evaluationOrder } from '../src/platform/flags/unleash-admin.client.js';
import { JsonLogger } from '../src/platform/logging/json-logger.js';
import { projectPath } from '../src/platform/project-path.js';
import {
  BenchRun,
  count,
  isEntryPoint,
  machineLine,
  mark,
  ms,
  out,
  parseOptions,
  progressTo,
  quantile,
  sessionCookie,
  shownPath,
  signInStaffMember,
  startBenchStack,
  table,
  within,
} from './bench-support.js';

export const ROLLOUT_DATA_DIR = projectPath('.data/bench-rollout');
const INSTANCE_B_DIR = join(ROLLOUT_DATA_DIR, 'instance-b');
export const CHECK_GOAL_US = 20;
export const PROMOTING_GOAL_MS = 1000;
export const RECONCILE_GOAL_S = 5;
/** The variant the decisions move, closed ↔ internal: closed in the demo data. */
const DECIDED_SLUG = 'occupancy-certificate';
const DECIDED_VARIANT: Audience = 'business';
const DECIDED_FLAG = variantFlag(DECIDED_SLUG, DECIDED_VARIANT);
const MANAGER_EMAIL = 'rollout-bench-manager@bench.guichet.example';
const EMAIL_DOMAIN = 'bench.guichet.example';
/** Benchmark SMEs' NEQs: 78 and eight digits (bench:filing uses 77). */
const NEQ_PREFIX = '78';
const SERVICE_PREFIX = 'bench-svc-';
const COHORT_PREFIX = 'bench-cohort-';
/** A demo SME in the pme-pilotes-commerces cohort (sign-permit.business is in sme-pilot for it). */
const DEMO_PILOT_NEQ = '1164829371';
/**
 * Pause between two decisions, so each starts with both instances idle, plus a
 * random share of the refresh interval, so decisions do not fall at the same
 * point of B's poll cycle each time.
 */
const DECISION_GAP_MS = 1000;

const progress = progressTo('bench:rollout');
const run = new BenchRun(ROLLOUT_DATA_DIR, progress);
const sleep = (msToWait: number) => new Promise((r) => setTimeout(r, msToWait));

// ---------------------------------------------------------------------------
// 1. The flag gate per request.

interface CheckCase {
  name: string;
  flags: string;
  checks: number;
  /** One request's gate; returns how many of its checks said "available". */
  request: (i: number) => number;
}

interface CheckTiming {
  case: CheckCase;
  /** Nanoseconds per request, ascending. */
  sorted: Float64Array;
  /** Share of the checks that said "available" (a sanity check of the case). */
  onShare: number;
}

function smeActor(): ActingAs {
  return {
    audience: 'business',
    accountId: randomUUID(),
    organization: {
      id: randomUUID(),
      name: 'PME du banc d’essai',
      employeeCount: 1 + Math.floor(Math.random() * 200),
    },
    staff: false,
  };
}

/**
 * Times `c.request` up to `iterations` times (stopping after `maxMs`), each call
 * on its own, after a warm-up. The loop is synchronous: nothing else runs meanwhile.
 */
function timeChecks(c: CheckCase, iterations: number, maxMs: number): CheckTiming {
  const warmupUntil = performance.now() + Math.min(1000, maxMs / 5);
  for (let i = 0; i < 20_000 && performance.now() < warmupUntil; i++) c.request(i);
  const samples = new Float64Array(iterations);
  const deadline = process.hrtime.bigint() + BigInt(maxMs) * 1_000_000n;
  let on = 0;
  let n = 0;
  while (n < iterations) {
    const started = process.hrtime.bigint();
    on += c.request(n);
    const ended = process.hrtime.bigint();
    samples[n++] = Number(ended - started);
    if ((n & 1023) === 0 && ended > deadline) break;
  }
  const sorted = samples.slice(0, n).sort();
  return { case: c, sorted, onShare: on / (n * c.checks) };
}

/** What two hrtime.bigint() calls around nothing measure: the floor of every sample. */
function timerFloor(iterations: number): number {
  const samples = new Float64Array(Math.min(iterations, 100_000));
  for (let i = 0; i < samples.length; i++) {
    const started = process.hrtime.bigint();
    samples[i] = Number(process.hrtime.bigint() - started);
  }
  return quantile(samples.sort(), 0.5);
}

// ---------------------------------------------------------------------------
// 2, 3. Promotion to effective, on the instance that decided (A) and another (B).

/** When B's flags changed, and how: its reconciler applying locally, or its client's poll. */
class ChangeTrace {
  readonly events: { kind: 'reconciler' | 'poll'; at: number }[] = [];
  private applying = false;

  constructor(flags: FlagsService) {
    const apply = flags.applyLocally.bind(flags);
    flags.applyLocally = (localFlags, segments) => {
      this.events.push({ kind: 'reconciler', at: performance.now() });
      this.applying = true;
      try {
        apply(localFlags, segments);
      } finally {
        this.applying = false;
      }
    };
    // unleash-client emits `changed` for each configuration it takes: from a poll,
    // or (synchronously, inside applyLocally) from the reconciler.
    const client = (flags as unknown as { client?: { on(event: string, f: () => void): void } })
      .client;
    client?.on('changed', () => {
      if (!this.applying) this.events.push({ kind: 'poll', at: performance.now() });
    });
  }

  first(kind: 'reconciler' | 'poll', from: number): number | undefined {
    return this.events.find((e) => e.kind === kind && e.at >= from)?.at;
  }
}

/** Every reconcile run of an instance: when it started, how long it took, how it ended. */
class ReconcileTrace {
  readonly runs: { start: number; ms: number; status: ReconcileReport['status'] }[] = [];

  constructor(reconciler: RolloutReconciler) {
    // Callers who join a run under way get the same report: one run, counted once.
    const seen = new WeakSet<ReconcileReport>();
    const reconcile = reconciler.reconcile.bind(reconciler);
    reconciler.reconcile = () => {
      const running = reconcile();
      running.then(
        (report) => {
          if (seen.has(report)) return;
          seen.add(report);
          const ms = report.durationMs;
          this.runs.push({ start: performance.now() - ms, ms, status: report.status });
        },
        () => undefined,
      );
      return running;
    };
  }

  since(from: number) {
    return this.runs.filter((r) => r.start >= from - 1);
  }
}

interface Decision {
  action: string;
  /** From just before the POST, in ms. */
  answered: number;
  a?: number;
  b?: number;
  /** What flipped B first. */
  bBy?: 'reconciler' | 'poll';
  /** When B's client poll brought the change (whatever flipped B). */
  bPoll?: number;
  /** The reconcile runs each instance made for this decision (until the next one). */
  aRuns: { ms: number; status: string }[];
  bRuns: { ms: number; status: string }[];
}

/** Polls `check` every 1 ms until it returns `want`; ms since `from`, or undefined after `limitMs`. */
function watchFlip(
  check: () => boolean,
  want: boolean,
  from: number,
  limitMs: number,
): Promise<number | undefined> {
  return new Promise((resolve) => {
    const poll = () => {
      const now = performance.now();
      if (check() === want) return resolve(now - from);
      if (now - from > limitMs || run.isStopping) return resolve(undefined);
      setTimeout(poll, 1);
    };
    poll();
  });
}

interface Portal {
  app: NestExpressApplication;
  flags: FlagsService;
}

interface DecisionSetup {
  base: string;
  cookie: string;
  csrf: string;
  a: Portal;
  b: Portal;
  trace: ChangeTrace;
  aRuns: ReconcileTrace;
  bRuns: ReconcileTrace;
  refreshMs: number;
  /** Someone the decision changes: staff acting for a business. */
  staffContext: ReturnType<typeof flagContext>;
}

async function currentStage(db: DataSource): Promise<Stage> {
  const [row] = await db.query<{ stage: Stage }[]>(
    `SELECT stage FROM rollout_plan WHERE service_slug = $1 AND variant = $2`,
    [DECIDED_SLUG, DECIDED_VARIANT],
  );
  return row.stage;
}

/**
 * One console decision, timed until A and B evaluate it (and B's poll brings it);
 * then the pause before the next one.
 */
async function decide(setup: DecisionSetup, from: Stage): Promise<Decision> {
  const action = from === 'closed' ? 'promote' : 'rollback';
  const isOn = (p: Portal) => p.flags.isEnabled(DECIDED_FLAG, setup.staffContext);
  return timeDecision(setup, action, isOn, action === 'promote', async () => {
    const res = await fetch(
      `${setup.base}/staff/rollout/${DECIDED_SLUG}/${DECIDED_VARIANT}/${action}`,
      {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: setup.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          _csrf: setup.csrf,
          expectedStage: from,
          reason: `bench:rollout – ${action === 'promote' ? 'essai interne' : 'retour'} (mesure)`,
        }),
        signal: AbortSignal.timeout(30_000),
      },
    );
    const body = await res.text();
    setup.cookie = sessionCookie(res) ?? setup.cookie;
    if (res.status !== 303)
      throw new Error(
        `${action} answered ${res.status}: ${body.replace(/\s+/g, ' ').slice(0, 300)}`,
      );
  });
}

/**
 * A decision made by `perform` on A, timed from just before it until `isOn`
 * says `want` on A and on B (and until B's poll brings it); then the pause
 * before the next one. `answered`: when `perform` returned.
 */
async function timeDecision(
  setup: DecisionSetup,
  action: string,
  isOn: (p: Portal) => boolean,
  want: boolean,
  perform: () => Promise<void>,
): Promise<Decision> {
  const started = performance.now();
  const aFlip = watchFlip(() => isOn(setup.a), want, started, 15_000);
  const bFlip = watchFlip(() => isOn(setup.b), want, started, setup.refreshMs + 15_000);
  await perform();
  const answered = performance.now() - started;
  const [a, b] = await Promise.all([aFlip, bFlip]);
  // B's poll brings the change on its own within the refresh interval and Unleash's
  // 1 s revision tick: wait for it (bounded), to show that path too.
  const pollBy = started + setup.refreshMs + 3000;
  while (setup.trace.first('poll', started) === undefined && performance.now() < pollBy)
    await run.step(sleep(20));
  const reconciled = setup.trace.first('reconciler', started);
  const polled = setup.trace.first('poll', started);
  const flippedAt = b === undefined ? undefined : started + b;
  const causes = [
    { kind: 'reconciler' as const, at: reconciled },
    { kind: 'poll' as const, at: polled },
  ].filter((c) => c.at !== undefined && flippedAt !== undefined && c.at <= flippedAt + 1);
  causes.sort((x, y) => x.at! - y.at!);
  await run.step(sleep(DECISION_GAP_MS + Math.random() * setup.refreshMs));
  const runs = (trace: ReconcileTrace) =>
    trace.since(started).map((r) => ({ ms: r.ms, status: r.status }));
  return {
    action,
    answered,
    a,
    b,
    bBy: causes[0]?.kind,
    bPoll: polled === undefined ? undefined : polled - started,
    aRuns: runs(setup.aRuns),
    bRuns: runs(setup.bRuns),
  };
}

async function decisions(
  setup: DecisionSetup,
  db: DataSource,
  wanted: number,
  label: string,
): Promise<Decision[]> {
  const results: Decision[] = [];
  for (let i = 0; i < wanted && !run.isStopping; i++) {
    const from = await run.step(currentStage(db));
    const d = await run.step(decide(setup, from));
    results.push(d);
    progress(
      `${label} ${i + 1}/${wanted} ${d.action}: answered ${d.answered.toFixed(0)} ms, ` +
        `A ${d.a?.toFixed(0) ?? 'never'} ms, B ${d.b?.toFixed(0) ?? 'never'} ms (${d.bBy ?? '?'}), ` +
        `B's poll ${d.bPoll?.toFixed(0) ?? '-'} ms; reconcile runs: ` +
        `A ${d.aRuns.map((r) => `${r.status} ${r.ms} ms`).join(', ')}; ` +
        `B ${d.bRuns.map((r) => `${r.status} ${r.ms} ms`).join(', ')}`,
    );
  }
  return results;
}

/** Back to closed, the demo's stage, untimed (so the next run starts the same). */
async function closeDecidedVariant(setup: DecisionSetup, db: DataSource): Promise<void> {
  const stage = await currentStage(db);
  if (stage === 'internal') await decide(setup, stage);
}

// ---------------------------------------------------------------------------
// 1b. Which revision a person gets: what the revisions add to the gate.

/** Flags the bench evaluates locally only (applied to A's client, never written to Unleash). */
const REVISION_BENCH_SLUG = 'bench-revisions';
const PLAIN_BENCH_SLUG = 'bench-revisions-before';
const REVISION_COHORTS = ['bench-revision-pilots', 'bench-revision-early'];

interface RevisionScenario {
  name: string;
  plan: Omit<PlanSnapshot, 'slug' | 'revisions'>;
  candidate: NonNullable<VariantRevisions['candidate']>;
}

/**
 * Two business plans as the reconciler would build them from the plan and the
 * revision rollout: the demo's (open to every SME, the candidate with one
 * pilot cohort) and a gradual one (50 % of SMEs and two cohorts, the candidate
 * to 30 % of them). Each twice: with its revisions (candidate strategies
 * first, a strategy variant naming the revision on every strategy) and as the
 * flag was before revisions (access strategies only).
 */
const REVISION_SCENARIOS: RevisionScenario[] = [
  {
    name: 'sme-all, candidate in SME pilot (1 cohort)',
    plan: {
      variant: 'business',
      stage: 'sme-all',
      paused: false,
      gradualPercentage: 10,
      cohorts: [REVISION_COHORTS[0]],
    },
    candidate: { revision: 2, kind: 'pilot', percentage: 10 },
  },
  {
    name: 'sme-gradual 50 % + 2 cohorts, candidate to 30 %',
    plan: {
      variant: 'business',
      stage: 'sme-gradual',
      paused: false,
      gradualPercentage: 50,
      cohorts: REVISION_COHORTS,
    },
    candidate: { revision: 2, kind: 'gradual', percentage: 30 },
  },
];

/** The scenario's two flags and the cohorts' segments (ids no Unleash segment has), for applyLocally. */
function revisionBenchFlags(scenario: RevisionScenario, members: string[][]) {
  const segmentIds = new Map(REVISION_COHORTS.map((slug, i) => [segmentName(slug), 990_001 + i]));
  const segments: LocalSegment[] = REVISION_COHORTS.map((slug, i) => ({
    id: 990_001 + i,
    name: segmentName(slug),
    constraints: desiredSegment({ slug, audience: 'business', members: members[i] }).constraints,
  }));
  const local = (slug: string, revisions?: VariantRevisions): LocalFlag => {
    const state = resolveSegments(desiredFlag({ ...scenario.plan, slug, revisions }), segmentIds);
    return {
      name: variantFlag(slug, 'business'),
      enabled: state.enabled,
      strategies: evaluationOrder(state.strategies),
    };
  };
  return {
    segments,
    flags: [
      local(REVISION_BENCH_SLUG, { current: 1, candidate: scenario.candidate }),
      local(PLAIN_BENCH_SLUG),
    ],
  };
}

interface RevisionCost {
  scenario: string;
  who: string;
  /** Before revisions: flagContext + FlagsService.isEnabled on the flag without revisions. */
  before: CheckTiming;
  /** VariantAccessService.check (Unleash's evaluation and the plan fence's, the revision named) on the flag with revisions. */
  after: CheckTiming;
  /** Share of the checks that named the candidate (a sanity check of the case). */
  candidateShare: number;
}

/**
 * Times, for each scenario and for an SME outside the pilots and a pilot SME,
 * the gate as it was (isEnabled on the flag without revisions) and as it is
 * (VariantAccessService.check on the flag with them), on A's real
 * unleash-client. The two flags are applied to A locally just before, and the
 * timing loops are synchronous, so no fetch replaces them meanwhile.
 */
async function timeRevisionCosts(
  a: Portal,
  access: VariantAccessService,
  smes: ActingAs[],
  iterations: number,
  maxMs: number,
): Promise<RevisionCost[]> {
  const pilots = smes.slice(0, 64);
  const members = [pilots.map((s) => s.organization!.id), Array.from({ length: 100 }, randomUUID)];
  const outsiders = smes.slice(64);
  const costs: RevisionCost[] = [];
  // The plan fence (ADR 0033) allows only what the plans in PostgreSQL allow:
  // it holds the scenario's flags too, as it holds the plans' (again before
  // each timing, a reload meanwhile putting the plans back); reloaded at the end.
  const fence = a.app.get(PlanFence);
  const fenceEvaluator = (fence as unknown as { evaluator: LocalFlagEvaluator }).evaluator;
  for (const scenario of REVISION_SCENARIOS) {
    const { flags, segments } = revisionBenchFlags(scenario, members);
    a.flags.applyLocally(flags, segments);
    const named = (actor: ActingAs) => {
      const answer = access.check(REVISION_BENCH_SLUG, 'business', actor);
      return answer.available ? answer.revision : undefined;
    };
    // applyLocally takes effect when unleash-client has stored the delta: wait, bounded.
    const deadline = performance.now() + 5000;
    fenceEvaluator.hold(flags, segments);
    while (named({ ...pilots[0], staff: true }) !== 2 && performance.now() < deadline) {
      await run.step(sleep(10));
      fenceEvaluator.hold(flags, segments);
    }
    if (named({ ...pilots[0], staff: true }) !== 2)
      throw new Error(`${scenario.name}: the flag applied locally does not name revision 2`);
    for (const [who, actors] of [
      ['SME outside the pilots', outsiders],
      ['pilot SME (first cohort)', pilots],
    ] as const) {
      const n = actors.length;
      const plain = variantFlag(PLAIN_BENCH_SLUG, 'business');
      const before = timeChecks(
        {
          name: `${scenario.name}, ${who}, before revisions`,
          flags: plain,
          checks: 1,
          request: (i) => (a.flags.isEnabled(plain, flagContext(actors[i % n])) ? 1 : 0),
        },
        iterations,
        maxMs,
      );
      fenceEvaluator.hold(flags, segments);
      const after = timeChecks(
        {
          name: `${scenario.name}, ${who}`,
          flags: variantFlag(REVISION_BENCH_SLUG, 'business'),
          checks: 1,
          request: (i) =>
            access.check(REVISION_BENCH_SLUG, 'business', actors[i % n]).available ? 1 : 0,
        },
        iterations,
        maxMs,
      );
      const candidateShare = actors.filter((actor) => named(actor) === 2).length / n;
      costs.push({ scenario: scenario.name, who, before, after, candidateShare });
      progress(
        `revision gate: ${scenario.name}, ${who}: p50 ${us(quantile(before.sorted, 0.5))} µs before, ` +
          `${us(quantile(after.sorted, 0.5))} µs with revisions`,
      );
      await run.step(sleep(10));
    }
  }
  await run.step(fence.reload());
  return costs;
}

// ---------------------------------------------------------------------------
// 2, 3 for a candidate revision: started and ended as the revision rollout does.

interface CandidateSetup {
  slug: string;
  revision: number;
  /** The bench's rollout manager: the revision the bench adds is theirs (removed afterwards). */
  managerId: string;
}

/**
 * A service whose business variant is open (at least to staff) and has no
 * candidate in rollout; the bench gives it a revision of its own (a copy of
 * the business variant's current one, ready), made by the bench's manager.
 */
async function prepareCandidate(db: DataSource): Promise<CandidateSetup | undefined> {
  const [manager] = await db.query<{ id: string }[]>(
    `SELECT id FROM account WHERE lower(email) = lower($1)`,
    [MANAGER_EMAIL],
  );
  await removeBenchCandidate(db, manager.id);
  const [service] = await db.query<{ slug: string; current: number }[]>(
    `SELECT service.slug, service.business_revision AS current
       FROM service
       JOIN rollout_plan ON rollout_plan.service_slug = service.slug AND rollout_plan.variant = 'business'
      WHERE service.business_revision IS NOT NULL AND rollout_plan.stage <> 'closed'
        AND NOT rollout_plan.paused
        AND NOT EXISTS (SELECT 1 FROM revision_rollout WHERE revision_rollout.service_slug = service.slug)
        AND NOT EXISTS (SELECT 1 FROM service_revision d
                         WHERE d.service_slug = service.slug AND d.state = 'draft')
      ORDER BY service.slug LIMIT 1`,
  );
  if (!service) return undefined;
  const [made] = await db.query<{ number: number }[]>(
    `INSERT INTO service_revision (service_slug, number, state, document, based_on, created_by,
                                   ready_at, ready_by)
     SELECT $1, (SELECT max(number) + 1 FROM service_revision WHERE service_slug = $1), 'ready',
            document, number, $3, now(), $3
       FROM service_revision WHERE service_slug = $1 AND number = $2
     RETURNING number`,
    [service.slug, service.current, manager.id],
  );
  return { slug: service.slug, revision: made.number, managerId: manager.id };
}

/** Ends the bench's candidate (if any) and removes the revision it added. */
async function removeBenchCandidate(db: DataSource, managerId: string): Promise<void> {
  const bench = await db.query<{ service_slug: string; number: number }[]>(
    `SELECT service_slug, number FROM service_revision WHERE created_by = $1`,
    [managerId],
  );
  for (const r of bench)
    await db.transaction(async (manager) => {
      const ended = await manager.query<unknown[]>(
        `DELETE FROM revision_rollout WHERE service_slug = $1 AND revision = $2 RETURNING 1`,
        [r.service_slug, r.number],
      );
      if (ended.length > 0)
        for (const variant of ['business', 'citizen'] as const)
          await markPlanChanged(manager, r.service_slug, variant);
      await manager.query(
        `DELETE FROM service_revision WHERE service_slug = $1 AND number = $2
            AND NOT EXISTS (SELECT 1 FROM application
                             WHERE application.service_slug = $1 AND application.service_revision = $2)`,
        [r.service_slug, r.number],
      );
    });
}

/**
 * Starts the candidate in SME pilot, or ends it, as the revision rollout does
 * (its row, markPlanChanged for both variants, in one transaction; then this
 * instance reconciles at once), timed until A and B name it, or stop naming
 * it, for staff acting for a business (who get a candidate from its first stage).
 */
async function decideCandidate(
  setup: DecisionSetup,
  candidate: CandidateSetup,
  db: DataSource,
  reconciler: RolloutReconciler,
): Promise<Decision> {
  const [row] = await db.query<unknown[]>(
    `SELECT 1 FROM revision_rollout WHERE service_slug = $1`,
    [candidate.slug],
  );
  const start = row === undefined;
  const flag = variantFlag(candidate.slug, 'business');
  const isOn = (p: Portal) =>
    p.flags.evaluate(flag, setup.staffContext).payload === String(candidate.revision);
  return timeDecision(setup, start ? 'start' : 'end', isOn, start, async () => {
    await db.transaction(async (manager) => {
      if (start)
        await manager.query(
          `INSERT INTO revision_rollout (service_slug, revision, stage, business_stage, started_by)
           VALUES ($1, $2, 'sme-pilot', 'sme-pilot', $3)`,
          [candidate.slug, candidate.revision, candidate.managerId],
        );
      else
        await manager.query(
          `DELETE FROM revision_rollout WHERE service_slug = $1 AND revision = $2`,
          [candidate.slug, candidate.revision],
        );
      for (const variant of ['business', 'citizen'] as const)
        await markPlanChanged(manager, candidate.slug, variant);
    });
    if (!(await reconciler.syncNow(15_000)))
      throw new Error(`the reconcile after the candidate's ${start ? 'start' : 'end'} failed`);
  });
}

async function candidateDecisions(
  setup: DecisionSetup,
  candidate: CandidateSetup,
  db: DataSource,
  reconciler: RolloutReconciler,
  wanted: number,
): Promise<Decision[]> {
  const results: Decision[] = [];
  for (let i = 0; i < wanted && !run.isStopping; i++) {
    const d = await run.step(decideCandidate(setup, candidate, db, reconciler));
    results.push(d);
    progress(
      `candidate ${i + 1}/${wanted} ${d.action}: reconciled ${d.answered.toFixed(0)} ms, ` +
        `A ${d.a?.toFixed(0) ?? 'never'} ms, B ${d.b?.toFixed(0) ?? 'never'} ms (${d.bBy ?? '?'}), ` +
        `B's poll ${d.bPoll?.toFixed(0) ?? '-'} ms`,
    );
  }
  return results;
}

// ---------------------------------------------------------------------------
// 4. The full reconcile, with what it asked of Unleash and PostgreSQL.

const ADMIN_CALLS = [
  'segments',
  'createSegment',
  'updateSegment',
  'getEnvironmentState',
  'createFlag',
  'addStrategy',
  'deleteStrategy',
  'setEnabled',
] as const;
type AdminCall = (typeof ADMIN_CALLS)[number];

/** Call counts and latencies of the Admin API client, and the reconciler's SQL statements. */
class Recorder {
  recording = false;
  calls = new Map<AdminCall, number[]>();
  statements = 0;

  constructor(admin: UnleashAdminClient, db: DataSource) {
    const target = admin as unknown as Record<AdminCall, (...args: unknown[]) => Promise<unknown>>;
    for (const name of ADMIN_CALLS) {
      const original = target[name].bind(admin);
      target[name] = async (...args: unknown[]) => {
        const started = performance.now();
        try {
          return await original(...args);
        } finally {
          if (this.recording) {
            const list = this.calls.get(name) ?? [];
            list.push(performance.now() - started);
            this.calls.set(name, list);
          }
        }
      };
    }
    const query = db.query.bind(db);
    db.query = ((sql: string, ...rest: unknown[]) => {
      if (this.recording && /rollout_plan|cohort/.test(sql)) this.statements++;
      return (query as (sql: string, ...args: unknown[]) => Promise<unknown>)(sql, ...rest);
    }) as DataSource['query'];
  }

  reset(): void {
    this.calls = new Map();
    this.statements = 0;
  }
}

/** utime + stime of a process, in clock ticks (Linux), and its parent's pid. */
function procStat(pid: string): { ppid: string; ticks: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command (field 2) may hold spaces: the fields after its closing parenthesis.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: fields[1], ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

interface CpuSample {
  at: number;
  own: NodeJS.CpuUsage;
  /** Clock ticks (1/100 s) of Unleash (this process's child) and of PostgreSQL (postmaster and children). */
  unleash: number;
  postgres: number;
}

/** CPU used so far by this process, its Unleash child and the bench's PostgreSQL (Linux; 0 elsewhere). */
function cpuSample(): CpuSample {
  let unleash = 0;
  let postgres = 0;
  try {
    const pidFile = join(ROLLOUT_DATA_DIR, 'postgres', 'postmaster.pid');
    const postmaster = readFileSync(pidFile, 'utf8').split('\n')[0];
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      const stat = procStat(pid);
      if (!stat) continue;
      if (pid === postmaster || stat.ppid === postmaster) postgres += stat.ticks;
      else if (
        stat.ppid === String(process.pid) &&
        readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('unleash-server')
      )
        unleash += stat.ticks;
    }
  } catch {
    // Not Linux: unknown (0).
  }
  return { at: performance.now(), own: process.cpuUsage(), unleash, postgres };
}

/** Cores used between two samples: this process (both portals), Unleash, PostgreSQL. */
function coresBetween(before: CpuSample, after: CpuSample) {
  const seconds = Math.max(0.001, (after.at - before.at) / 1000);
  const own = process.cpuUsage(before.own);
  return {
    portals: (own.user + own.system) / 1e6 / seconds,
    unleash: (after.unleash - before.unleash) / 100 / seconds,
    postgres: (after.postgres - before.postgres) / 100 / seconds,
  };
}

interface ReconcileRun {
  name: string;
  seconds: number;
  cores: ReturnType<typeof coresBetween>;
  report: ReconcileReport;
  busyRetries: number;
  calls: Map<AdminCall, number[]>;
  statements: number;
}

async function timedReconcile(
  name: string,
  reconciler: RolloutReconciler,
  recorder: Recorder,
): Promise<ReconcileRun> {
  progress(`reconcile: ${name}`);
  recorder.reset();
  recorder.recording = true;
  const cpuBefore = cpuSample();
  const started = performance.now();
  let report = await run.step(reconciler.reconcile());
  let busyRetries = 0;
  // Instance B holds the lock (it should not: nothing NOTIFYed it): wait, bounded.
  while (report.status === 'busy' && busyRetries < 100) {
    busyRetries++;
    await run.step(sleep(100));
    report = await run.step(reconciler.reconcile());
  }
  const seconds = (performance.now() - started) / 1000;
  const cores = coresBetween(cpuBefore, cpuSample());
  recorder.recording = false;
  progress(
    `reconcile: ${name}: ${seconds.toFixed(2)} s, ${report.applied.length} flags changed, ` +
      `${report.errors.length} errors`,
  );
  return {
    name,
    seconds,
    cores,
    report,
    busyRetries,
    calls: recorder.calls,
    statements: recorder.statements,
  };
}

interface SyntheticPlan {
  slug: string;
  variant: Audience;
  stage: Stage;
  paused: boolean;
  percentage: number;
  /** Indexes into the cohorts. */
  cohorts: number[];
}

const cohortSlug = (k: number) => `${COHORT_PREFIX}${String(k + 1).padStart(2, '0')}`;

/** Cohort k's size: 20 to 100 SMEs, evenly. */
function cohortSizes(cohorts: number): number[] {
  return Array.from({ length: cohorts }, (_, k) =>
    cohorts === 1 ? 100 : 20 + Math.round((k * 80) / (cohorts - 1)),
  );
}

/**
 * `services` × 2 plans, one in ten paused: business plans over every stage (a
 * fifth in each), with 1–4 cohorts each at pilot and gradual; citizen plans
 * closed or internal, and past internal where their business twin is `sme-all`.
 */
function syntheticPlans(services: number, cohorts: number): SyntheticPlan[] {
  const plans: SyntheticPlan[] = [];
  for (let i = 1; i <= services; i++) {
    const slug = `${SERVICE_PREFIX}${String(i).padStart(2, '0')}`;
    for (const variant of ['business', 'citizen'] as const) {
      // SME-first, as staff could make them: citizens past `internal` only where
      // every SME has the service (`sme-all`), in each of the citizen stages in turn.
      const stage =
        variant === 'business'
          ? TRACKS.business[i % 5]
          : i % 5 === 4
            ? TRACKS.citizen[2 + (Math.floor(i / 5) % 3)]
            : TRACKS.citizen[i % 2];
      const kind = stageKind(variant, stage);
      const withCohorts = variant === 'business' && (kind === 'pilot' || kind === 'gradual');
      plans.push({
        slug,
        variant,
        stage,
        paused: kind !== 'closed' && i % 10 === 0,
        percentage: 10 + ((i * 7) % 80),
        cohorts: withCohorts
          ? [...new Set(Array.from({ length: 1 + (i % 4) }, (_, k) => (i + k) % cohorts))]
          : [],
      });
    }
  }
  return plans;
}

/** The SMEs of the cohorts (made once, kept), the cohorts and the plans. */
async function insertSynthetic(db: DataSource, plans: SyntheticPlan[], cohorts: number) {
  const sizes = cohortSizes(cohorts);
  const smes = sizes.reduce((a, b) => a + b, 0);
  await db.query(
    `INSERT INTO organization (legal_name, neq, street_address, city, postal_code, employee_count,
                               naics_code, contact_name, contact_email, contact_phone)
     SELECT 'Pilote Banc d’essai ' || i || ' inc.', '${NEQ_PREFIX}' || lpad(i::text, 8, '0'),
            format('%s, rue des Pilotes', i), 'Val-des-Cèdres', 'J8X 2B2', 5 + i % 95, '23',
            'Responsable ' || i, format('rollout-sme-%s@${EMAIL_DOMAIN}', lpad(i::text, 4, '0')),
            '819 555-0100'
       FROM generate_series(1, $1::int) AS i
     ON CONFLICT (neq) DO NOTHING`,
    [smes],
  );
  const organizations = (
    await db.query<{ id: string }[]>(
      `SELECT id FROM organization WHERE neq LIKE '${NEQ_PREFIX}%' AND contact_email LIKE 'rollout-sme-%'
        ORDER BY neq LIMIT $1`,
      [smes],
    )
  ).map((o) => o.id);
  const cohortIds: string[] = [];
  let first = 0;
  for (let k = 0; k < cohorts; k++) {
    const [cohort] = await db.query<{ id: string }[]>(
      `INSERT INTO cohort (slug, name, description, audience)
       VALUES ($1, $2, 'Benchmark cohort (npm run bench:rollout); removed after the run', 'business')
       RETURNING id`,
      [cohortSlug(k), `Banc d’essai ${k + 1}`],
    );
    cohortIds.push(cohort.id);
    await db.query(
      `INSERT INTO cohort_member (cohort_id, organization_id, status, source, joined_at)
       SELECT $1, unnest($2::uuid[]), 'active', 'staff', now()`,
      [cohort.id, organizations.slice(first, first + sizes[k])],
    );
    first += sizes[k];
  }
  await db.query(
    `INSERT INTO rollout_plan (service_slug, variant, stage, paused, gradual_percentage)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[], $5::int[])`,
    [
      plans.map((p) => p.slug),
      plans.map((p) => p.variant),
      plans.map((p) => p.stage),
      plans.map((p) => p.paused),
      plans.map((p) => p.percentage),
    ],
  );
  const links = plans.flatMap((p) => p.cohorts.map((k) => ({ p, cohort: cohortIds[k] })));
  await db.query(
    `INSERT INTO rollout_plan_cohort (service_slug, variant, cohort_id)
     SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[])`,
    [links.map((l) => l.p.slug), links.map((l) => l.p.variant), links.map((l) => l.cohort)],
  );
  return { smes, links: links.length, sizes };
}

/**
 * Every synthetic plan one stage on (or back, at the end of its track), as a
 * decision would; a citizen plan that would then break SME-first (its business
 * twin no longer `sme-all`) goes to `internal` instead (or `closed` from `internal`).
 */
async function changeEveryStage(db: DataSource, plans: SyntheticPlan[]): Promise<void> {
  const moved = plans.map(
    (p) => nextStage(p.variant, p.stage) ?? previousStage(p.variant, p.stage)!,
  );
  const next = plans.map((p, k) => {
    const twin = plans.findIndex((q) => q.slug === p.slug && q.variant === 'business');
    const breaks =
      p.variant === 'citizen' &&
      smeFirstViolation(
        { stage: moved[twin], paused: plans[twin].paused },
        { stage: moved[k], paused: p.paused },
      );
    if (!breaks) return moved[k];
    return p.stage === 'internal' ? 'closed' : 'internal';
  });
  await db.query(
    `UPDATE rollout_plan SET stage = c.stage, version = rollout_plan.version + 1, updated_at = now()
       FROM unnest($1::text[], $2::text[], $3::text[]) AS c(slug, variant, stage)
      WHERE rollout_plan.service_slug = c.slug AND rollout_plan.variant = c.variant`,
    [plans.map((p) => p.slug), plans.map((p) => p.variant), next],
  );
}

interface ExportProbe {
  ms: number[];
  flags: number;
  strategies: number;
  error?: string;
}

/**
 * Not what the reconciler does: one Admin API call (the export, in Unleash's open
 * source edition) that returns every plan's flag with its strategies and whether
 * it is on, i.e. what a warm reconcile reads one GET per flag. Timed 5 times.
 */
async function exportProbe(config: AppConfig, db: DataSource): Promise<ExportProbe> {
  const plans = await db.query<{ service_slug: string; variant: Audience }[]>(
    `SELECT service_slug, variant FROM rollout_plan`,
  );
  const features = plans.map((p) => variantFlag(p.service_slug, p.variant));
  const probe: ExportProbe = { ms: [], flags: 0, strategies: 0 };
  try {
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const body = (await unleashAdmin(config, 'POST', '/admin/features-batch/export', {
        environment: config.UNLEASH_ENVIRONMENT,
        features,
      })) as { features: unknown[]; featureStrategies: unknown[] };
      probe.ms.push(performance.now() - started);
      probe.flags = body.features.length;
      probe.strategies = body.featureStrategies.length;
    }
  } catch (error) {
    probe.error = (error as Error).message;
  }
  return probe;
}

// ---------------------------------------------------------------------------
// Removing what the benchmark made: its plans and cohorts, their flags and segments.

async function unleashAdmin(
  config: AppConfig,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const res = await fetch(`${config.UNLEASH_URL.replace(/\/+$/, '')}${path}`, {
    method,
    headers: {
      Authorization: config.UNLEASH_ADMIN_TOKEN,
      'Content-Type': 'application/json',
      Accept: 'application/json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  if (!res.ok)
    throw new Error(`Unleash answered ${res.status} to ${method} ${path}: ${text.slice(0, 200)}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

/**
 * The names of the benchmark's flags in Unleash, archived or not. The search
 * answers pages of at most 100 (a larger `limit` gets its default, 50).
 */
async function syntheticFlags(config: AppConfig, archived: boolean): Promise<string[]> {
  const names: string[] = [];
  for (let page = 0; page < 50; page++) {
    const body = (await unleashAdmin(
      config,
      'GET',
      `/admin/search/features?query=${SERVICE_PREFIX}&project=IS:${config.UNLEASH_PROJECT}` +
        `${archived ? '&archived=IS:true' : ''}&offset=${page * 100}&limit=100`,
    )) as { features: { name: string }[]; total: number };
    names.push(...body.features.map((f) => f.name));
    if (body.features.length === 0 || names.length >= body.total) break;
  }
  const pattern = new RegExp(`^${SERVICE_PREFIX}\\d+\\.(business|citizen)$`);
  return [...new Set(names.filter((n) => pattern.test(n)))];
}

/**
 * Deletes the synthetic plans and cohorts (first, so no reconcile puts them back),
 * then archives and deletes their flags and deletes their segments in Unleash.
 */
async function removeSynthetic(config: AppConfig, db: DataSource, admin: UnleashAdminClient) {
  await db.query(`DELETE FROM rollout_plan WHERE service_slug LIKE $1`, [`${SERVICE_PREFIX}%`]);
  await db.query(`DELETE FROM rollout_drift WHERE service_slug LIKE $1`, [`${SERVICE_PREFIX}%`]);
  await db.query(`DELETE FROM rollout_decision WHERE service_slug LIKE $1`, [`${SERVICE_PREFIX}%`]);
  await db.query(`DELETE FROM cohort WHERE slug LIKE $1`, [`${COHORT_PREFIX}%`]);
  const project = config.UNLEASH_PROJECT;
  const active = await syntheticFlags(config, false);
  if (active.length > 0)
    await unleashAdmin(config, 'POST', `/admin/projects/${project}/archive`, { features: active });
  // The ones just archived, and any an interrupted run left in the archive.
  const archived = [...new Set([...active, ...(await syntheticFlags(config, true))])];
  if (archived.length > 0)
    await unleashAdmin(config, 'POST', `/admin/projects/${project}/delete`, { features: archived });
  const segments = (await admin.segments()).filter((s) =>
    s.name.startsWith(`cohort:${COHORT_PREFIX}`),
  );
  for (const segment of segments)
    await unleashAdmin(config, 'DELETE', `/admin/segments/${segment.id}`);
  return { flags: archived.length, segments: segments.length };
}

// ---------------------------------------------------------------------------
// Starting.

async function startPortal(config: AppConfig, label: string): Promise<Portal> {
  const starting = createApp(config, { logger: new JsonLogger(config.LOG_LEVEL) });
  if (label === 'A') run.appStarting = starting;
  else
    run.onStop(`closing instance ${label}`, async () => {
      const app = await starting.catch(() => undefined);
      await app?.close();
    });
  const app = await run.step(starting);
  return { app, flags: app.get(FlagsService) };
}

async function untilBoth(
  portals: Portal[],
  check: (p: Portal) => boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!portals.every(check)) {
    if (Date.now() > deadline) throw new Error(`${what}: not seen by both instances in time`);
    await run.step(sleep(50));
  }
}

// ---------------------------------------------------------------------------
// Reporting.

const us = (ns: number) => (ns / 1000).toFixed(2);

function spread(values: (number | undefined)[]) {
  const seen = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  return {
    n: seen.length,
    missing: values.length - seen.length,
    p50: quantile(seen, 0.5),
    max: seen[seen.length - 1] ?? Number.NaN,
  };
}

function callSummary(calls: Map<AdminCall, number[]>): { total: number; lines: string[] } {
  let total = 0;
  const lines: string[] = [];
  for (const name of ADMIN_CALLS) {
    const list = calls.get(name);
    if (!list) continue;
    total += list.length;
    const sorted = [...list].sort((a, b) => a - b);
    lines.push(
      `${name} ×${list.length} (p50 ${ms(Number(quantile(sorted, 0.5).toFixed(1)))} ms, ` +
        `max ${ms(Number(sorted[sorted.length - 1].toFixed(1)))} ms)`,
    );
  }
  return { total, lines };
}

interface Results {
  config: AppConfig;
  timerFloorNs: number;
  checks: CheckTiming[];
  iterations: number;
  /** `candidate`: a candidate revision started and ended (else console promotions and rollbacks). */
  series: { name: string; plans: number; decisions: Decision[]; candidate?: boolean }[];
  revisionCosts: RevisionCost[];
  reconciles: ReconcileRun[];
  synthetic: { plans: number; cohorts: number; smes: number; links: number; sizes: number[] };
  adminProbe: { getP50: number; getMax: number; n: number };
  exportProbe?: ExportProbe;
  loadBefore: number;
  removed?: { flags: number; segments: number };
}

function report(r: Results): void {
  const goals: { met: boolean; line: string }[] = [];
  out();
  out(`Guichet rollout benchmark, ${new Date().toISOString()}`);
  out(machineLine());
  out(
    `Settings: two portal instances in this process (A, B) on one PostgreSQL and one Unleash 8.2, ` +
      `loopback; FLAGS_REFRESH_INTERVAL_MS=${r.config.FLAGS_REFRESH_INTERVAL_MS}, ` +
      `ROLLOUT_RECONCILE_INTERVAL_MS=${r.config.ROLLOUT_RECONCILE_INTERVAL_MS} (periodic reconcile off; ` +
      `the reconcile after a NOTIFY on)`,
  );
  out(`1-minute load average at the start: ${r.loadBefore.toFixed(2)}`);

  out();
  out(
    `1. Flag gate per request: VariantAccessService.check (flagContext + FlagsService.isEnabled, ` +
      `unleash-client), up to ${count(r.iterations)} requests per case, each timed with ` +
      `process.hrtime.bigint() (two calls around nothing: ${r.timerFloorNs.toFixed(0)} ns, included)`,
  );
  const checkRows = [
    [
      'case',
      'flag(s)',
      'checks',
      'requests',
      'on',
      'p50 µs',
      'p99 µs',
      'max µs',
      `goal: p50 < ${CHECK_GOAL_US} µs`,
    ],
  ];
  for (const t of r.checks) {
    const p50 = quantile(t.sorted, 0.5);
    const met = p50 / 1000 < CHECK_GOAL_US;
    checkRows.push([
      t.case.name,
      t.case.flags,
      String(t.case.checks),
      count(t.sorted.length),
      `${Math.round(t.onShare * 100)} %`,
      us(p50),
      us(quantile(t.sorted, 0.99)),
      us(t.sorted[t.sorted.length - 1]),
      mark(met),
    ]);
    goals.push({
      met,
      line: `flag gate, ${t.case.name}: median ${us(p50)} µs per request (goal < ${CHECK_GOAL_US} µs)`,
    });
  }
  for (const line of table(checkRows, new Set([2, 3, 4, 5, 6, 7]))) out(line);

  out();
  out(
    `1b. Which revision a person gets (ADR 0032): the gate before revisions (flagContext + ` +
      `isEnabled on the flag without them) and now (VariantAccessService.check: one evaluate, ` +
      `the payload naming the revision), on flags built by desiredFlag + resolveSegments from the ` +
      `same plan and applied to A's unleash-client (applyLocally); pilot cohorts of 64 and 100 SMEs`,
  );
  const revisionRows = [
    [
      'plan',
      'who',
      'requests',
      'candidate',
      'p50 µs before',
      'p50 µs now',
      'added µs',
      'p99 µs before',
      'p99 µs now',
      `goal: added < ${CHECK_GOAL_US} µs`,
    ],
  ];
  for (const c of r.revisionCosts) {
    const before = quantile(c.before.sorted, 0.5);
    const now = quantile(c.after.sorted, 0.5);
    const added = now - before;
    const met = added / 1000 < CHECK_GOAL_US;
    revisionRows.push([
      c.scenario,
      c.who,
      count(c.after.sorted.length),
      `${Math.round(c.candidateShare * 100)} %`,
      us(before),
      us(now),
      us(added),
      us(quantile(c.before.sorted, 0.99)),
      us(quantile(c.after.sorted, 0.99)),
      mark(met),
    ]);
    goals.push({
      met,
      line:
        `which revision, ${c.scenario}, ${c.who}: median ${us(now)} µs per request, ` +
        `${us(added)} µs more than before revisions (goal: added < ${CHECK_GOAL_US} µs)`,
    });
  }
  for (const line of table(revisionRows, new Set([2, 3, 4, 5, 6, 7, 8]))) out(line);

  const refresh = r.config.FLAGS_REFRESH_INTERVAL_MS;
  const bGoal = refresh + 1000;
  out();
  out(
    `2, 3. Promotion to effective: a rollout manager's console decision (HTTP POST, ${DECIDED_FLAG} ` +
      `closed ↔ internal) on A; from just before the POST until isEnabled flips for staff acting for a ` +
      `business, polled every 1 ms; ${DECISION_GAP_MS / 1000} s + a random share of the refresh ` +
      `interval between decisions`,
  );
  if (r.series.some((s) => s.candidate))
    out(
      `   Candidate revision (ADR 0032): started in SME pilot and ended as the revision rollout ` +
        `does (its revision_rollout row inserted or deleted and markPlanChanged for both variants, ` +
        `one transaction, then A's reconciler.syncNow()); until FlagsService.evaluate names the ` +
        `revision, or stops naming it, for staff acting for a business`,
    );
  const promoRows = [['plans', 'measured', 'decisions', 'p50 ms', 'max ms', 'never', 'goal', '']];
  const runLines: string[] = [];
  for (const s of r.series) {
    const rows: [string, (number | undefined)[], string, number | undefined][] = [
      [
        s.candidate ? 'A: committed and reconciled (syncNow)' : 'A: the console answered (303)',
        s.decisions.map((d) => d.answered),
        '',
        undefined,
      ],
      [
        'A: effective on A',
        s.decisions.map((d) => d.a),
        `< ${PROMOTING_GOAL_MS} ms`,
        PROMOTING_GOAL_MS,
      ],
      ['B: effective on B', s.decisions.map((d) => d.b), `≤ ${bGoal} ms`, bGoal + 0.5],
      [
        "B: its client's poll alone (info)",
        s.decisions.map((d) => d.bPoll),
        `≤ ${bGoal} ms`,
        undefined,
      ],
    ];
    for (const [what, values, goalText, limit] of rows) {
      const st = spread(values);
      const met = limit !== undefined && st.missing === 0 && st.max < limit;
      promoRows.push([
        s.name,
        what,
        String(values.length),
        ms(Number(st.p50.toFixed(0))),
        ms(Number(st.max.toFixed(0))),
        String(st.missing),
        goalText,
        limit === undefined ? '-' : mark(met),
      ]);
      if (limit !== undefined)
        goals.push({
          met,
          line:
            `promotion to effective, ${what.slice(3)} (${s.name}): max ${st.max.toFixed(0)} ms, ` +
            `p50 ${st.p50.toFixed(0)} ms${st.missing ? `, ${st.missing} never` : ''} (goal ${goalText})`,
        });
    }
    const runsOf = (pick: (d: Decision) => { ms: number; status: string }[], status: string) =>
      s.decisions.flatMap((d) => pick(d).filter((r) => r.status === status));
    const perDecision = (n: number) => (n / Math.max(1, s.decisions.length)).toFixed(1);
    const aDone = runsOf((d) => d.aRuns, 'done');
    const bDone = runsOf((d) => d.bRuns, 'done');
    const bBusy = runsOf((d) => d.bRuns, 'busy');
    const p50ms = (list: { ms: number }[]) =>
      ms(
        quantile(
          list.map((r) => r.ms).sort((x, y) => x - y),
          0.5,
        ),
      );
    runLines.push(
      `   ${s.name}: reconcile runs per decision: A ${perDecision(aDone.length)} ` +
        `(p50 ${p50ms(aDone)} ms each), B ${perDecision(bDone.length)} (p50 ${p50ms(bDone)} ms) ` +
        `after ${perDecision(bBusy.length)} "busy" (the lock held by A; B tries again 150 ms later)`,
    );
    const by = (kind: string) => s.decisions.filter((d) => d.bBy === kind).length;
    promoRows.push([
      s.name,
      `B flipped by: its reconciler after the NOTIFY ×${by('reconciler')}, its client's poll ×${by('poll')}`,
      '',
      '',
      '',
      '',
      '',
      '',
    ]);
  }
  for (const line of table(promoRows, new Set([2, 3, 4, 5]))) out(line);
  for (const line of runLines) out(line);

  out();
  out(
    `4. Full reconcile (RolloutReconciler.reconcile on A): ${r.synthetic.plans} synthetic plans ` +
      `(${r.synthetic.plans / 2} services × 2 variants, every stage, 1 in 10 paused) + the catalogue's; ` +
      `${r.synthetic.cohorts} cohorts of ${r.synthetic.sizes[0]}–${r.synthetic.sizes[r.synthetic.sizes.length - 1]} ` +
      `SMEs (${r.synthetic.smes} in all) attached ${r.synthetic.links} times to pilot and gradual business plans`,
  );
  out(
    `   Unleash's Admin API, one GET of a flag at a time when idle: p50 ${r.adminProbe.getP50.toFixed(1)} ms, ` +
      `max ${r.adminProbe.getMax.toFixed(1)} ms (${r.adminProbe.n} GETs)`,
  );
  const recRows = [
    [
      'run',
      'seconds',
      'flags changed',
      'errors',
      'Admin API calls',
      'SQL statements',
      'cores: Unleash',
      'PostgreSQL',
      'portals',
      `goal: < ${RECONCILE_GOAL_S} s`,
    ],
  ];
  for (const rec of r.reconciles) {
    const met = rec.seconds < RECONCILE_GOAL_S && rec.report.errors.length === 0;
    recRows.push([
      rec.name,
      rec.seconds.toFixed(2),
      String(rec.report.applied.length),
      String(rec.report.errors.length),
      String(callSummary(rec.calls).total),
      String(rec.statements),
      rec.cores.unleash.toFixed(2),
      rec.cores.postgres.toFixed(2),
      rec.cores.portals.toFixed(2),
      mark(met),
    ]);
    goals.push({
      met,
      line: `full reconcile, ${rec.name}: ${rec.seconds.toFixed(2)} s (goal < ${RECONCILE_GOAL_S} s)`,
    });
  }
  for (const line of table(recRows, new Set([1, 2, 3, 4, 5, 6, 7, 8]))) out(line);
  for (const rec of r.reconciles) {
    out(`   ${rec.name}: ${callSummary(rec.calls).lines.join(', ')}`);
    if (rec.busyRetries > 0)
      out(`   ${rec.name}: waited for another instance's run ${rec.busyRetries} times`);
    for (const e of rec.report.errors.slice(0, 3))
      out(`   ${rec.name}: error on ${e.flag}: ${e.error}`);
  }
  const ex = r.exportProbe;
  if (ex)
    out(
      ex.error
        ? `   One export call instead of a GET per flag: not available (${ex.error})`
        : `   For comparison, not used by the reconciler: one Admin API call, POST /api/admin/features-batch/export, ` +
            `returns the ${ex.flags} flags with their ${ex.strategies} strategies in p50 ` +
            `${quantile(
              [...ex.ms].sort((x, y) => x - y),
              0.5,
            ).toFixed(0)} ms (${ex.ms.length} calls, idle)`,
    );
  if (r.removed)
    out(
      `   Removed afterwards: ${r.removed.flags} flags (archived, then deleted) and ` +
        `${r.removed.segments} segments from Unleash, and the synthetic plans and cohorts.`,
    );

  out();
  for (const g of goals) out(`${g.met ? 'PASS' : 'MISS'}  ${g.line}`);
}

// ---------------------------------------------------------------------------

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2), [
    { name: 'iterations', fallback: 200_000, min: 1000, max: 5_000_000 },
    { name: 'promotions', fallback: 20, min: 2, max: 200 },
    { name: 'services', fallback: 50, min: 1, max: 200 },
    { name: 'cohorts', fallback: 10, min: 1, max: 30 },
  ]);
  run.limit(900 + options.promotions * 30);
  const loadBefore = loadavg()[0];

  process.env.NODE_ENV = 'production';
  progress(`starting the embedded services, data in ${shownPath(ROLLOUT_DATA_DIR)}/`);
  const stack = await startBenchStack(
    run,
    ROLLOUT_DATA_DIR,
    { postgres: 54729, unleash: 4642, smtp: 1625, mailWeb: 1680 },
    progress,
  );
  const settings = (dataDir: string, seed: boolean) => {
    const config = loadConfig({
      ...process.env,
      ...stack.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'error',
      SEED_DEMO: 'false',
      ROLLOUT_RECONCILE_INTERVAL_MS: '0',
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: '0',
    });
    // Production refuses SEED_DEMO (its people's passwords are published); the
    // benchmark's throwaway database on loopback needs them, so it asks here (as bench.ts).
    config.SEED_DEMO = seed;
    return config;
  };
  const configA = settings(ROLLOUT_DATA_DIR, true);
  progress('starting instance A (demo data on its first boot)');
  const a = await startPortal(configA, 'A');
  await run.step(a.app.listen(0, '127.0.0.1'));
  const base = `http://127.0.0.1:${(a.app.getHttpServer().address() as AddressInfo).port}`;
  progress(`starting instance B, data in ${shownPath(INSTANCE_B_DIR)}/`);
  const b = await startPortal(settings(INSTANCE_B_DIR, false), 'B');
  const trace = new ChangeTrace(b.flags);
  const aRuns = new ReconcileTrace(a.app.get(RolloutReconciler));
  const bRuns = new ReconcileTrace(b.app.get(RolloutReconciler));

  const db = a.app.get(DataSource);
  const admin = a.app.get(UnleashAdminClient);
  const reconciler = a.app.get(RolloutReconciler);
  let removed = false;
  run.onStop('removing the synthetic plans, flags and segments', async () => {
    if (!removed) await removeSynthetic(configA, db, admin);
  });
  progress('removing what an earlier run may have left, then reconciling');
  await run.step(removeSynthetic(configA, db, admin));
  if (!(await run.step(reconciler.syncNow(30_000))))
    throw new Error('the first reconcile failed: is Unleash up?');

  // 1. The flag gate per request, against the demo plans.
  const access = a.app.get(VariantAccessService);
  const [pilot] = await db.query<{ id: string; legal_name: string; employee_count: number }[]>(
    `SELECT id, legal_name, employee_count FROM organization WHERE neq = $1`,
    [DEMO_PILOT_NEQ],
  );
  const smes = Array.from({ length: 1024 }, smeActor);
  const citizens: ActingAs[] = Array.from({ length: 1024 }, () => ({
    audience: 'citizen',
    accountId: randomUUID(),
    staff: false,
  }));
  const services = a.app
    .get(CatalogueService)
    .all()
    .map((s) => s.slug);
  const gate = (slug: string, variant: Audience, actor: ActingAs) =>
    access.check(slug, variant, actor).available ? 1 : 0;
  const cases: CheckCase[] = [
    {
      name: 'gated page, SME outside the pilots (sme-gradual 50 %, 2 cohorts)',
      flags: 'public-domain-occupation.business',
      checks: 1,
      request: (i) => gate('public-domain-occupation', 'business', smes[i & 1023]),
    },
    ...(pilot
      ? [
          {
            name: 'gated page, pilot SME (sme-pilot, its cohort)',
            flags: 'sign-permit.business',
            checks: 1,
            request: () =>
              gate('sign-permit', 'business', {
                audience: 'business',
                accountId: smes[0].accountId,
                organization: {
                  id: pilot.id,
                  name: pilot.legal_name,
                  employeeCount: pilot.employee_count,
                },
                staff: false,
              }),
          } satisfies CheckCase,
        ]
      : []),
    {
      name: 'gated page, citizen (general)',
      flags: 'building-permit.citizen',
      checks: 1,
      request: (i) => gate('building-permit', 'citizen', citizens[i & 1023]),
    },
    {
      name: 'gated page, SME (closed)',
      flags: DECIDED_FLAG,
      checks: 1,
      request: (i) => gate(DECIDED_SLUG, 'business', smes[i & 1023]),
    },
    {
      name: 'home page, SME outside the pilots (every service)',
      flags: `the ${services.length} *.business`,
      checks: services.length,
      request: (i) => {
        let on = 0;
        for (const slug of services) on += gate(slug, 'business', smes[i & 1023]);
        return on;
      },
    },
  ];
  const checkMs = 8000;
  const timerFloorNs = timerFloor(options.iterations);
  const checks: CheckTiming[] = [];
  for (const c of cases) {
    progress(
      `flag gate: ${c.name} (up to ${count(options.iterations)} requests, ${checkMs / 1000} s)`,
    );
    checks.push(timeChecks(c, options.iterations, checkMs));
    await run.step(sleep(10));
  }
  // 1b. What naming the revision adds to the gate.
  const revisionCosts = await run.step(
    timeRevisionCosts(a, access, smes, options.iterations, checkMs),
  );

  // 2, 3. Promotion to effective, with the catalogue's plans.
  const cookie = await run.step(
    signInStaffMember(db, base, configA.SESSION_SECRET, {
      email: MANAGER_EMAIL,
      name: 'Gestionnaire du banc d’essai',
      role: 'rollout-manager',
    }),
  );
  const page = await run.step(
    fetch(`${base}/staff/rollout/${DECIDED_SLUG}/${DECIDED_VARIANT}`, {
      headers: { cookie },
      signal: AbortSignal.timeout(10_000),
    }),
  );
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  if (page.status !== 200 || !csrf)
    throw new Error(`the console's plan page answered ${page.status} with no form for the manager`);
  const staffActor: ActingAs = { ...smes[1], staff: true };
  const setup: DecisionSetup = {
    base,
    cookie: sessionCookie(page) ?? cookie,
    csrf,
    a,
    b,
    trace,
    aRuns,
    bRuns,
    refreshMs: configA.FLAGS_REFRESH_INTERVAL_MS,
    staffContext: flagContext(staffActor),
  };
  const firstStage = await currentStage(db);
  if (firstStage !== 'closed' && firstStage !== 'internal')
    throw new Error(
      `${DECIDED_FLAG} is at ${firstStage}: the bench moves it closed ↔ internal only`,
    );
  const expected = firstStage === 'internal';
  await untilBoth(
    [a, b],
    (p) => p.flags.isEnabled(DECIDED_FLAG, setup.staffContext) === expected,
    configA.FLAGS_REFRESH_INTERVAL_MS + 15_000,
    `${DECIDED_FLAG} at ${firstStage}`,
  );
  const catalogPlans = services.length * 2;
  progress('warm-up: one promotion and one rollback, not counted');
  await run.step(decisions(setup, db, 2, 'warm-up'));
  const series: Results['series'] = [
    {
      name: `${catalogPlans} (catalogue)`,
      plans: catalogPlans,
      decisions: await decisions(setup, db, options.promotions, 'decision'),
    },
  ];
  await run.step(closeDecidedVariant(setup, db));

  // 2, 3 for a candidate revision: started in SME pilot and ended, as the revision rollout does.
  const candidate = await run.step(prepareCandidate(db));
  if (candidate) {
    const endCandidate = async () => {
      await removeBenchCandidate(db, candidate.managerId);
      await reconciler.syncNow(30_000);
    };
    run.onStop("ending the bench's candidate revision", endCandidate);
    const flag = variantFlag(candidate.slug, 'business');
    await untilBoth(
      [a, b],
      (p) => p.flags.evaluate(flag, setup.staffContext).enabled,
      configA.FLAGS_REFRESH_INTERVAL_MS + 15_000,
      `${flag} open to staff`,
    );
    progress(`candidate: ${flag} revision ${candidate.revision}; warm-up, not counted`);
    await run.step(candidateDecisions(setup, candidate, db, reconciler, 2));
    series.push({
      name: `candidate revision ${candidate.revision} of ${flag}`,
      plans: catalogPlans,
      decisions: await candidateDecisions(setup, candidate, db, reconciler, options.promotions),
      candidate: true,
    });
    await run.step(endCandidate());
  } else progress('candidate: no open business variant without a candidate; skipped');

  // 4. The full reconcile of the synthetic plans.
  const recorder = new Recorder(admin, db);
  const probe: number[] = [];
  for (let i = 0; i < 30; i++) {
    const started = performance.now();
    await run.step(admin.getEnvironmentState(DECIDED_FLAG));
    probe.push(performance.now() - started);
  }
  probe.sort((x, y) => x - y);
  const plans = syntheticPlans(options.services, options.cohorts);
  progress(`inserting ${plans.length} plans and ${options.cohorts} cohorts`);
  const inserted = await run.step(insertSynthetic(db, plans, options.cohorts));
  const reconciles: ReconcileRun[] = [];
  reconciles.push(
    await timedReconcile('cold: creates every flag and segment', reconciler, recorder),
  );
  reconciles.push(await timedReconcile('warm: nothing to change', reconciler, recorder));
  const exported = await run.step(exportProbe(configA, db));

  // The flag gate again, on a synthetic gradual plan with the most cohort members.
  const sizes = cohortSizes(options.cohorts);
  const heaviest = plans
    .filter(
      (p) => p.variant === 'business' && stageKind('business', p.stage) === 'gradual' && !p.paused,
    )
    .sort(
      (x, y) =>
        y.cohorts.reduce((s, k) => s + sizes[k], 0) - x.cohorts.reduce((s, k) => s + sizes[k], 0),
    )[0];
  if (heaviest) {
    const members = heaviest.cohorts.reduce((s, k) => s + sizes[k], 0);
    const c: CheckCase = {
      name: `gated page, SME outside the pilots (sme-gradual ${heaviest.percentage} %, ${heaviest.cohorts.length} cohorts, ${members} SMEs)`,
      flags: `${heaviest.slug}.business`,
      checks: 1,
      request: (i) => gate(heaviest.slug, 'business', smes[i & 1023]),
    };
    progress(`flag gate: ${c.name}`);
    checks.push(timeChecks(c, options.iterations, checkMs));
  }

  await run.step(changeEveryStage(db, plans));
  reconciles.push(await timedReconcile("every plan's stage changed", reconciler, recorder));

  // 2, 3 again, now that the reconciler has every synthetic plan to go through.
  const more = Math.max(2, Math.floor(options.promotions / 2));
  series.push({
    name: `${catalogPlans + plans.length} (catalogue + synthetic)`,
    plans: catalogPlans + plans.length,
    decisions: await decisions(setup, db, more, `decision (${catalogPlans + plans.length} plans)`),
  });
  await run.step(closeDecidedVariant(setup, db));

  progress('removing the synthetic plans, cohorts, flags and segments');
  const cleaned = await run.step(
    within(removeSynthetic(configA, db, admin), 60_000, 'removing the synthetic data', progress),
  );
  removed = cleaned !== undefined;

  report({
    config: configA,
    timerFloorNs,
    checks,
    revisionCosts,
    iterations: options.iterations,
    series,
    reconciles,
    synthetic: {
      plans: plans.length,
      cohorts: options.cohorts,
      smes: inserted.smes,
      links: inserted.links,
      sizes: inserted.sizes,
    },
    adminProbe: { getP50: quantile(probe, 0.5), getMax: probe[probe.length - 1], n: probe.length },
    exportProbe: exported,
    loadBefore,
    removed: cleaned,
  });
  const failed = reconciles.some((rec) => rec.report.status !== 'done' || rec.report.errors.length);
  return failed ? 1 : 0;
}

if (isEntryPoint(import.meta.url)) run.start(main, (error) => error instanceof ConfigError);
