import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { findFreePort } from '../src/platform/embedded/free-port.js';
import { createDataSource } from '../src/platform/database/database.js';
import { markPlanChanged } from '../src/modules/rollout/rollout-changes.js';
import {
  receiptsFor,
  receiptsNotSentOnce,
  faultDir,
  fileThroughApi,
  startPortalProcess,
  within,
  type Filing,
  type PortalProcess,
} from './support/faults.js';
import { bulkyWastePickupAnswers } from './support/applications.js';
import { createPerson, PASSWORD, smeMember } from './support/people.js';
import {
  adminQuery,
  createTestDatabase,
  csrfFrom,
  databaseUrl,
  testDataDir,
} from './support/test-app.js';

const SERVICE = 'bulky-waste-pickup';
const REFRESH_MS = 1000;
/** Debian's HAProxy (`bash .ci/run` installs it: apt-get install haproxy). */
const HAPROXY =
  process.env.HAPROXY_BIN ?? (existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy');

/** HAProxy in front of the two instances: round robin, each checked on /readyz. */
function haproxyConfig(port: number, backends: PortalProcess[]): string {
  return [
    'global',
    '  maxconn 512',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 30s',
    '  timeout server 30s',
    // A connection refused (an instance gone) is tried on the other instance.
    '  retries 2',
    '  option redispatch',
    'frontend portal',
    `  bind 127.0.0.1:${port}`,
    '  default_backend portals',
    'backend portals',
    '  balance roundrobin',
    '  option httpchk GET /readyz',
    '  http-check expect status 200',
    // Out after two failed checks (a draining instance answers 503), so that
    // one slow answer on a loaded machine takes nobody out; back after one.
    '  timeout check 2s',
    '  default-server inter 400ms fall 2 rise 1',
    // Tells the client which instance answered (to check both serve).
    '  http-response set-header X-Served-By %s',
    ...backends.map((b, i) => `  server portal-${i + 1} 127.0.0.1:${b.port} check`),
    '',
  ].join('\n');
}

/** A cookie header for a session signed in through `baseUrl`'s /sign-in. */
async function signIn(baseUrl: string, email: string): Promise<string> {
  const form = await fetch(`${baseUrl}/sign-in`);
  const cookie = sessionCookie(form);
  const res = await fetch(`${baseUrl}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      _csrf: csrfFrom(await form.text()),
      email,
      password: PASSWORD,
      return: '/',
    }).toString(),
  });
  if (res.status !== 303) throw new Error(`could not sign in: ${res.status}`);
  return sessionCookie(res) || cookie;
}

function sessionCookie(res: Response): string {
  const set = res.headers.getSetCookie().find((c) => c.startsWith('guichet_session='));
  return set ? set.split(';')[0] : '';
}

/**
 * How a client learns that an instance takes no new connection: refused, or
 * reset (a connection the kernel had queued when the listener closed).
 */
const NEW_CONNECTION_TURNED_AWAY = /ECONNREFUSED|ECONNRESET/;

/** Whether a new connection to the loopback `port` is refused (its listener closed). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

/**
 * An SME's software creating a filing slowly: the headers and half the body
 * are sent now, the rest when `finish` is called; `answer` is what it gets
 * (the status and body, or the network error).
 */
function slowFiling(baseUrl: string, token: string, key: string) {
  const body = Buffer.from(
    JSON.stringify({ service: SERVICE, answers: bulkyWastePickupAnswers() }),
  );
  const req = request(`${baseUrl}/api/v1/applications`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
      'Content-Length': String(body.length),
      'Idempotency-Key': key,
      Connection: 'close',
    },
  });
  const answer = new Promise<{ status?: number; body: string; error?: string }>((resolve) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body: text }));
      res.on('error', (error) =>
        resolve({ status: res.statusCode, body: text, error: error.message }),
      );
    });
    req.on('error', (error) => resolve({ body: '', error: error.message }));
  });
  const half = Math.floor(body.length / 2);
  req.write(body.subarray(0, half));
  return { answer, finish: () => req.end(body.subarray(half)) };
}

/**
 * Two portal processes (`node dist/src/main.js`) on one database, one Unleash
 * and one mail catcher, behind a real HAProxy started here: what people
 * notice when a load balancer spreads them over instances, and when one stops.
 */
describe('two instances behind a load balancer', () => {
  let database: string;
  let db: DataSource;
  const portals: PortalProcess[] = [];
  let haproxy: ChildProcess | undefined;
  let lb: string;
  let token: string;
  let filerEmail: string;
  let managerEmail: string;

  const env = (): Record<string, string> => ({
    DATABASE_URL: databaseUrl(database),
    DATABASE_POOL_SIZE: '4',
    UNLEASH_URL: process.env.UNLEASH_URL!,
    UNLEASH_CLIENT_TOKEN: process.env.UNLEASH_CLIENT_TOKEN!,
    UNLEASH_ADMIN_TOKEN: process.env.UNLEASH_ADMIN_TOKEN!,
    UNLEASH_ENVIRONMENT: process.env.UNLEASH_ENVIRONMENT!,
    SMTP_URL: process.env.SMTP_URL!,
    CLAMAV_URL: '',
    SESSION_SECRET: 'two-instances-session-secret-0123456789',
    // The rollout manager signs in with a password alone, as in the other
    // specs (test/support/test-app.ts): the second factor has its own test.
    STAFF_SECOND_FACTOR: 'off',
    FLAGS_REFRESH_INTERVAL_MS: String(REFRESH_MS),
    ROLLOUT_RECONCILE_INTERVAL_MS: '0',
    // Longer than the balancer takes to see it draining (2 checks, 0.8 s).
    SHUTDOWN_DRAIN_MS: '3000',
    DATA_DIR: testDataDir(),
    LOG_LEVEL: 'warn',
    // One SME's software files as fast as the loop goes (hundreds a minute on a
    // quiet machine): the key's rate limit is not what this suite tests.
    RATE_LIMITS: 'api:key=100000/60',
  });

  /** Receipts in the shared mail catcher for the filer, counted by reference. */
  const receipts = () => receiptsFor(process.env.MAIL_CATCHER_URL!, filerEmail);

  /** What the SME's software gets from one instance when it starts a filing. */
  const createStatus = async (baseUrl: string) =>
    (
      await fetch(`${baseUrl}/api/v1/applications`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': 'application/json',
          'Idempotency-Key': `probe-${randomBytes(6).toString('hex')}`,
        },
        body: JSON.stringify({ service: SERVICE, answers: {} }),
      })
    ).status;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDataSource({ url: databaseUrl(database), poolSize: 2 });
    await db.initialize();
    for (let i = 0; i < 2; i++) portals.push(await startPortalProcess(env()));
    const port = await findFreePort(48000 + Math.floor(Math.random() * 1000));
    const dir = faultDir('haproxy');
    mkdirSync(dir, { recursive: true });
    const config = resolve(dir, 'haproxy.cfg');
    writeFileSync(config, haproxyConfig(port, portals));
    haproxy = spawn(HAPROXY, ['-db', '-f', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let haproxyOutput = '';
    haproxy.stderr!.on('data', (d: Buffer) => (haproxyOutput += d.toString()));
    haproxy.on('error', (error) => (haproxyOutput += `${error.message} (is haproxy installed?)`));
    lb = `http://127.0.0.1:${port}`;
    const up = await within(15_000, async () => (await fetch(`${lb}/readyz`)).status === 200);
    if (!up) throw new Error(`HAProxy did not start: ${haproxyOutput}`);

    const sme = await smeMember(portals[0].url, db);
    [{ email: filerEmail }] = await db.query(`SELECT email FROM account WHERE id = $1`, [
      sme.accountId,
    ]);
    // An API key, created by its owner on the SME's page.
    const keys = `/organizations/${sme.organizationId}/api-keys`;
    const form = new URLSearchParams({
      _csrf: csrfFrom((await sme.agent.get(keys)).text),
      name: 'Logiciel',
    });
    form.append('scopes', 'applications:read');
    form.append('scopes', 'applications:write');
    const created = await sme.agent.post(keys).type('form').send(form.toString());
    token = /gk_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}/.exec(created.text)![0];
    // The business variant open to every SME, as staff would set it (its plan; the
    // instances hear of it through NOTIFY and write Unleash); citizens closed.
    await db.transaction(async (manager) => {
      await manager.query(
        `UPDATE rollout_plan SET stage = 'sme-all', paused = false
          WHERE service_slug = $1 AND variant = 'business'`,
        [SERVICE],
      );
      await markPlanChanged(manager, SERVICE, 'business');
    });
    const manager = await createPerson(db, { displayName: 'Martin Gagnon' });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'rollout-manager')`, [
      manager.id,
    ]);
    managerEmail = manager.email;
    // Both instances see the plan's release in Unleash.
    for (const portal of portals)
      expect(await within(20_000, async () => (await createStatus(portal.url)) !== 404)).toBe(true);
  }, 120_000);

  afterAll(async () => {
    if (process.env.GUICHET_TEST_LOGS)
      for (const portal of portals) process.stderr.write(portal.output());
    haproxy?.kill('SIGKILL');
    await Promise.all(portals.map((p) => p.stop('SIGKILL')));
    await db?.destroy();
    if (database) await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });

  it('serves a session started on one instance on the other, and the balancer uses both', async () => {
    const cookie = await signIn(portals[0].url, managerEmail);
    const page = await fetch(`${portals[1].url}/staff/rollout`, {
      headers: { Cookie: cookie },
      redirect: 'manual',
    });
    expect(page.status).toBe(200);
    const served = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${lb}/staff/rollout`, { headers: { Cookie: cookie } });
      expect(res.status).toBe(200);
      served.add(res.headers.get('x-served-by') ?? '');
    }
    expect([...served].sort()).toEqual(['portal-1', 'portal-2']);
  });

  it('applies a decision taken on one instance on the other within the refresh interval and a second', async () => {
    const cookie = await signIn(portals[0].url, managerEmail);
    const decide = async (action: string) => {
      const console = await fetch(`${portals[0].url}/staff/rollout`, {
        headers: { Cookie: cookie },
      });
      return fetch(`${portals[0].url}/staff/rollout/${SERVICE}/business/${action}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          _csrf: csrfFrom(await console.text()),
          reason: 'Anomalie signalée',
        }).toString(),
      });
    };
    expect(await createStatus(portals[1].url)).not.toBe(404);
    expect((await decide('pause')).status).toBe(303);
    expect(
      await within(REFRESH_MS + 1000, async () => (await createStatus(portals[1].url)) === 404),
    ).toBe(true);
    expect((await decide('resume')).status).toBe(303);
    expect(
      await within(REFRESH_MS + 1000, async () => (await createStatus(portals[1].url)) !== 404),
    ).toBe(true);
  });

  it('runs a scheduled promotion once, though both instances look for due schedules', async () => {
    const [schedule] = await db.query(
      `INSERT INTO rollout_schedule (service_slug, variant, from_stage, to_stage, run_at, reason)
       VALUES ('building-permit', 'business', 'closed', 'internal', now() - interval '1 second', 'Essai interne')
       RETURNING id`,
    );
    const ran = await within(20_000, async () => {
      const [row] = await db.query(`SELECT status FROM rollout_schedule WHERE id = $1`, [
        schedule.id,
      ]);
      return row.status !== 'pending';
    });
    expect(ran).toBe(true);
    const decisions = await db.query(
      `SELECT rollout_decision.kind FROM rollout_decision
        WHERE rollout_decision.details->>'scheduleId' = $1`,
      [schedule.id],
    );
    expect(decisions).toEqual([{ kind: 'scheduled-promotion' }]);
    const [plan] = await db.query(
      `SELECT stage FROM rollout_plan WHERE service_slug = 'building-permit' AND variant = 'business'`,
    );
    expect(plan.stage).toBe('internal');
  });

  it('loses no request while one instance stops during traffic, and sends each receipt once', async () => {
    const run = `drain-${Date.now().toString(36)}`;
    const filings: Filing[] = [];
    let stopped = false;
    let n = 0;
    // Clients file through the balancer, each request once (no retry): none may fail.
    const client = async () => {
      const until = Date.now() + 45_000;
      let after = 0;
      while (n < 300 && Date.now() < until && after < 5) {
        filings.push(await fileThroughApi(lb, token, `${run}-${n++}`, { maxAttempts: 1 }));
        if (stopped) after++;
      }
    };
    const clients = [client(), client(), client(), client()];
    await within(10_000, async () => filings.length >= 8);
    const exit = await portals[1].stop('SIGTERM');
    stopped = true;
    await Promise.all(clients);

    expect(exit).toBe(0);
    expect(portals[1].output()).not.toContain('Connection terminated');
    expect(filings.filter((f) => f.status !== 200)).toEqual([]);
    const [{ rows }] = await db.query(
      `SELECT count(*)::int AS rows FROM application
        WHERE application.idempotency_key LIKE $1 AND application.status = 'submitted'`,
      [`${run}-%`],
    );
    expect(rows).toBe(filings.length);

    const references = filings.map((f) => f.reference!);
    expect(await receiptsNotSentOnce(receipts, references, 30_000)).toEqual([]);
  }, 120_000);

  it('answers every request that reached a stopping instance straight (no balancer), and exits cleanly', async () => {
    // Nothing here retries, and no balancer hides a refusal: what reached the
    // instance must be answered in full, on pools still open, before it exits.
    const portal = portals[0];
    const run = `direct-${Date.now().toString(36)}`;
    const filings: (Filing & { whileStopping: boolean })[] = [];
    let stopping = false;
    // Clients filing on keep-alive connections, each until a request fails
    // (what failed ends it) or its bounds.
    const client = async (id: number) => {
      const until = Date.now() + 20_000;
      for (let i = 0; i < 500 && Date.now() < until; i++) {
        const whileStopping = stopping;
        const filing = await fileThroughApi(portal.url, token, `${run}-${id}-${i}`, {
          maxAttempts: 1,
        });
        filings.push({ ...filing, whileStopping });
        if (filing.error) return filing.error;
      }
      return 'still served on its connection';
    };
    const clients = [client(1), client(2), client(3)];
    await within(10_000, async () => filings.length >= 3);
    // A filing whose body is still coming when SIGTERM arrives, finished only
    // once the instance takes no new connection: it is under way as the
    // listener closes, and needs the database after that.
    const slow = slowFiling(portal.url, token, `${run}-slow`);
    const killer = setTimeout(() => portal.child.kill('SIGKILL'), 30_000);
    portal.child.kill('SIGTERM');
    stopping = true;
    const closed = await within(15_000, () => refused(portal.port));
    slow.finish();
    const answer = await slow.answer;
    const ends = await Promise.all(clients);
    const exit = await portal.exited;
    clearTimeout(killer);

    expect(closed).toBe(true);
    expect(answer).toMatchObject({ status: 201 });
    expect(exit).toBe(0);
    expect(portal.output()).not.toContain('Connection terminated');
    // Each client was sent away (its answers while draining closed their
    // connection) and learnt the instance was gone from a new connection
    // refused, or reset by the kernel: one it had queued as the listener
    // closed, which the instance never read (below: the submitted rows are
    // exactly the answered submissions). Never kept on a connection the
    // stopping instance would close ("other side closed").
    const turnedAway = (error: string) => NEW_CONNECTION_TURNED_AWAY.test(error);
    expect(ends.map((end) => (turnedAway(end) ? 'turned away' : end))).toEqual([
      'turned away',
      'turned away',
      'turned away',
    ]);
    // Every filing was answered in full, or one of its requests (the creation
    // or the submission) was turned away on a new connection, before it
    // reached the instance: nothing else.
    const lost = filings.filter(
      (f) => f.status !== 200 && !(f.refusals.length === 0 && turnedAway(f.error ?? '')),
    );
    expect(lost).toEqual([]);
    // The instance kept answering while it drained.
    expect(filings.some((f) => f.whileStopping && f.status === 200)).toBe(true);
    const rows = await db.query<{ key: string; status: string }[]>(
      `SELECT application.idempotency_key AS key, application.status FROM application
        WHERE application.idempotency_key LIKE $1`,
      [`${run}-%`],
    );
    expect(new Set(rows.map((r) => r.key)).size).toBe(rows.length);
    expect(rows.filter((r) => r.key === `${run}-slow`)).toHaveLength(1);
    expect(
      rows
        .filter((r) => r.status === 'submitted')
        .map((r) => r.key)
        .sort(),
    ).toEqual(
      filings
        .filter((f) => f.status === 200)
        .map((f) => f.key)
        .sort(),
    );
  }, 60_000);
});
