import { PgBoss, type Db, type Job, type JobResult } from 'pg-boss';
import type { EntityManager } from 'typeorm';
import { returningRows } from '../database/database.js';
import { preparedRows } from '../database/prepared.js';
import type { JsonLogger } from '../logging/json-logger.js';

/** The schema pg-boss creates and migrates itself, beside the portal's tables (ADR 0026). */
export const JOBS_SCHEMA = 'pgboss';

/** A queue of work items, each handled by one instance, retried as its options say. */
export interface QueueDefinition<T extends object> {
  name: string;
  /** Attempts after the first; past them the job goes to `deadLetter` (if any). */
  retryLimit: number;
  /** Seconds before the first retry; doubled at each further one when `retryBackoff`. */
  retryDelaySeconds: number;
  retryBackoff: boolean;
  /** The longest wait between two attempts, in seconds. */
  retryDelayMaxSeconds?: number;
  /** The queue a job goes to once its retries are spent. */
  deadLetter?: string;
  /** How long one attempt may run before it counts as failed. */
  expireInSeconds: number;
  /** How long a finished job is kept in pg-boss's tables. */
  keepFinishedSeconds: number;
  /** Wakes a worker of any instance at the commit that adds a job (LISTEN/NOTIFY), not at its next poll. */
  prompt: boolean;
  /** Jobs one worker takes at once (each settled on its own); it fetches again at once while they come full. */
  batchSize?: number;
  handle: (data: T, job: { id: string; retryCount: number }) => Promise<void>;
}

/** Work that runs every so often: one instance runs each tick (a throttled job per period). */
export interface PeriodicJob {
  name: string;
  everySeconds: number;
  run: () => Promise<unknown>;
}

/** How often an idle worker looks for jobs when no NOTIFY woke it (pg-boss's shortest is 0.5 s). */
const POLL_SECONDS = 0.5;
/**
 * With NOTIFY working, polling is the safety net: a NOTIFY that arrives while
 * the worker is busy wakes nobody, so the next look is at most this far away.
 */
const NOTIFY_POLL_SECONDS = 1;
/** The longest expiry pg-boss accepts for a job (its MAX_EXPIRATION_HOURS). */
const MAX_EXPIRE_SECONDS = 24 * 3600;
/** How long `stop()` lets jobs under way finish. */
const STOP_TIMEOUT_MS = 10_000;
/**
 * How long a worker whose jobs failed waits for the database before pg-boss
 * records their outcome (see `databaseBack`).
 */
const DATABASE_WAIT_MS = 30_000;

/**
 * Guichet's job queue: one pg-boss per portal instance, on the portal's
 * database in its own schema (docs/adr/0026). Modules declare their queues and
 * periodic jobs while Nest initialises (`define`, `every`); the workers start at
 * bootstrap (`startWorking`) and stop, letting jobs under way finish, when
 * the portal begins to shut down (`stopWorking`); pg-boss itself stops once the
 * HTTP server has closed, just before the database (`stop`). A job is added inside the caller's
 * transaction (`send(manager, …)`), so it exists only if that transaction commits.
 */
export class Jobs {
  private readonly queues: QueueDefinition<object>[] = [];
  private readonly periodic: PeriodicJob[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private working = false;
  private stopped = false;

  private constructor(
    private readonly boss: PgBoss,
    private readonly logger: JsonLogger,
  ) {}

  /** Connects pg-boss and installs or migrates its schema (under its own advisory lock). */
  static async start(
    options: { connectionString: string; poolSize: number; applicationName?: string },
    logger: JsonLogger,
  ): Promise<Jobs> {
    const boss = new PgBoss({
      connectionString: options.connectionString,
      schema: JOBS_SCHEMA,
      max: options.poolSize,
      application_name: options.applicationName ?? 'guichet-jobs',
      useListenNotify: true,
      registerInstance: false,
      persistWarnings: false,
    });
    boss.on('error', (error) => logger.event('warn', 'jobs.error', { error: error.message }));
    boss.on('warning', (warning) =>
      logger.event('warn', 'jobs.warning', { message: warning.message }),
    );
    await boss.start();
    return new Jobs(boss, logger);
  }

  /** Creates (or updates) a queue; its worker starts with the others at bootstrap. */
  async define<T extends object>(queue: QueueDefinition<T>): Promise<void> {
    const options = {
      retryLimit: queue.retryLimit,
      retryDelay: queue.retryDelaySeconds,
      retryBackoff: queue.retryBackoff,
      ...(queue.retryDelayMaxSeconds ? { retryDelayMax: queue.retryDelayMaxSeconds } : {}),
      expireInSeconds: queue.expireInSeconds,
      deleteAfterSeconds: queue.keepFinishedSeconds,
      notify: queue.prompt,
      ...(queue.deadLetter ? { deadLetter: queue.deadLetter } : {}),
    };
    if (queue.deadLetter && !(await this.boss.getQueue(queue.deadLetter)))
      throw new Error(
        `queue ${queue.name}: define its dead-letter queue ${queue.deadLetter} first`,
      );
    // Settings follow the configuration at every boot (a changed EMAIL_RETRY_LIMIT, say).
    if (await this.boss.getQueue(queue.name)) await this.boss.updateQueue(queue.name, options);
    else await this.boss.createQueue(queue.name, options);
    this.queues.push(queue as unknown as QueueDefinition<object>);
  }

  /** Declares a periodic job: from bootstrap on, one instance runs it every `everySeconds`. */
  async every(job: PeriodicJob): Promise<void> {
    await this.define<object>({
      name: job.name,
      retryLimit: 0,
      retryDelaySeconds: 0,
      retryBackoff: false,
      // pg-boss refuses an expiry past 24 hours (a daily job's run may take that long).
      expireInSeconds: Math.min(MAX_EXPIRE_SECONDS, Math.max(60, job.everySeconds * 4)),
      keepFinishedSeconds: Math.max(3600, job.everySeconds * 2),
      prompt: false,
      handle: async () => {
        await job.run();
      },
    });
    this.periodic.push(job);
  }

  /**
   * Adds a job in the transaction `manager` belongs to: it exists (and wakes a
   * worker) only once that transaction commits.
   */
  async send(
    manager: EntityManager,
    queue: string,
    data: object,
    options: { id?: string } = {},
  ): Promise<string> {
    const id = await this.boss.send(queue, data, { db: transactionDb(manager), id: options.id });
    if (!id) throw new Error(`queue ${queue} dropped the job`);
    return id;
  }

  /** The jobs of a queue whose data contains `data` (tests and operators). */
  find<T extends object>(queue: string, data: object) {
    return this.boss.findJobs<T>(queue, { data });
  }

  /** Starts every worker and every periodic job's clock (NestJS bootstrap). */
  async startWorking(): Promise<void> {
    if (this.working || this.stopped) return;
    this.working = true;
    for (const queue of this.queues) {
      await this.boss.work<object>(
        queue.name,
        {
          batchSize: queue.batchSize ?? 1,
          burstWhenBatchFull: true,
          perJobResults: true,
          pollingIntervalSeconds: POLL_SECONDS,
          notifyPollingIntervalSeconds: NOTIFY_POLL_SECONDS,
        },
        // One after the other; each job completes or fails (and is retried) on its own.
        async (jobs: Job<object>[]): Promise<JobResult[]> => {
          const results: JobResult[] = [];
          for (const job of jobs) {
            try {
              await queue.handle(job.data, { id: job.id, retryCount: job.retryCount });
              results.push({ id: job.id, status: 'completed' });
            } catch (error) {
              results.push({
                id: job.id,
                status: 'failed',
                output: { message: (error as Error).message },
              });
            }
          }
          if (results.some((result) => result.status === 'failed')) await this.databaseBack();
          return results;
        },
      );
    }
    for (const job of this.periodic) {
      const tick = () => void this.tick(job);
      tick();
      const timer = setInterval(tick, job.everySeconds * 1000);
      timer.unref();
      this.timers.push(timer);
    }
  }

  /**
   * Asks for this period's run: every instance asks, pg-boss keeps one job per
   * period (`singletonSeconds`), and whichever worker takes it runs it.
   */
  private async tick(job: PeriodicJob): Promise<void> {
    if (this.stopped) return;
    try {
      await this.boss.send(job.name, {}, { singletonSeconds: job.everySeconds });
    } catch (error) {
      this.logger.event('warn', 'jobs.tick_failed', {
        job: job.name,
        error: (error as Error).message,
      });
    }
  }

  /**
   * Waits, bounded, until the database answers. A job that failed because
   * PostgreSQL was restarting can only be recorded as failed (and so retried
   * after its delay) once PostgreSQL is back: reported while it is down, the
   * record is lost and the job stays "active" until it expires, minutes later
   * (an email held that long after a restart). Returns at once when it answers.
   */
  private async databaseBack(): Promise<void> {
    const until = Date.now() + DATABASE_WAIT_MS;
    for (let attempt = 0; attempt < 100 && !this.stopped && Date.now() < until; attempt++) {
      try {
        await this.boss.getDb().executeSql('SELECT 1');
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    }
  }

  /**
   * Stops taking jobs and asking for periodic runs, and lets the jobs under
   * way finish (bounded). Jobs can still be added (requests being drained).
   */
  async stopWorking(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.queues.map((queue) => this.boss.offWork(queue.name, { wait: true }))),
      new Promise((resolve) => {
        timeout = setTimeout(resolve, STOP_TIMEOUT_MS);
      }),
    ]).finally(() => clearTimeout(timeout));
  }

  /** Stops pg-boss and closes its pool (after the HTTP server closed, before the database does). */
  async stop(): Promise<void> {
    await this.stopWorking();
    await this.boss.stop({ graceful: true, timeout: STOP_TIMEOUT_MS, close: true });
  }
}

/** pg-boss's way into a TypeORM transaction: its statements run on the transaction's connection. */
function transactionDb(manager: EntityManager): Db {
  return {
    async executeSql(text: string, values?: unknown[]) {
      if (manager.queryRunner?.isTransactionActive) {
        // `send`'s insert, one text for each queue: prepared, it is planned once
        // a connection. Anything else pg-boss might send (several statements,
        // values written into the text) goes unnamed.
        if (values?.length && !text.includes(';'))
          return { rows: await preparedRows<unknown>(manager, text, values) };
        const result = await manager.queryRunner.query(text, values ?? [], true);
        return { rows: (result.records ?? []) as unknown[] };
      }
      // No transaction: the statement commits on its own, as the caller's do.
      return { rows: await returningRows<unknown>(manager, text, values ?? []) };
    },
  };
}
