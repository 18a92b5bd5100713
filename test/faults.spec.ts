import { appendFileSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app.js';
import { ApiKeysService } from '../src/modules/applications/api-keys.service.js';
import {
  startEmbeddedMail,
  type RunningMailCatcher,
} from '../src/platform/embedded/embedded-mail.js';
import {
  startEmbeddedPostgres,
  type RunningPostgres,
} from '../src/platform/embedded/embedded-postgres.js';
import { findFreePort } from '../src/platform/embedded/free-port.js';
import { JsonLogger } from '../src/platform/logging/json-logger.js';
import { releaseService } from './support/applications.js';
import {
  faultDir,
  fileThroughApi,
  receiptsFor,
  receiptsNotSentOnce,
  within,
  type Filing,
} from './support/faults.js';
import { smeMember } from './support/people.js';
import { testConfig } from './support/test-app.js';

/**
 * The portal under faults of its own PostgreSQL and its own mail catcher
 * (started here, so that restarting them touches no other test file): what an
 * SME filing through the API, and the person who filed, would notice.
 */
describe('the portal under faults', () => {
  const dir = faultDir('faults');
  const password = 'guichet-faults';
  let postgres: RunningPostgres;
  let pgPort: number;
  let mail: RunningMailCatcher;
  let smtpPort: number;
  let webPort: number;
  let app: NestExpressApplication;
  let url: string;
  let db: DataSource;
  let token: string;
  let filerEmail: string;

  const startPostgres = () =>
    startEmbeddedPostgres({ dataDir: resolve(dir, 'postgres'), port: pgPort, password });
  const readiness = async () => (await fetch(`${url}/readyz`)).status;
  /** Receipts caught for the filer, by reference. */
  const receipts = () => receiptsFor(mail.webUrl, filerEmail);

  beforeAll(async () => {
    pgPort = await findFreePort(56432);
    postgres = await startPostgres();
    await postgres.ensureDatabase('guichet');
    smtpPort = await findFreePort(42025);
    webPort = await findFreePort(42080);
    mail = await startEmbeddedMail(smtpPort, webPort);
    const config = testConfig({
      DATABASE_URL: postgres.urlFor('guichet'),
      SMTP_URL: mail.smtpUrl,
      // A retry soon after SMTP fails, so its return is seen within the test.
      EMAIL_RETRY_DELAY_SECONDS: '1',
      DATABASE_POOL_SIZE: '4',
    });
    // Its log goes to a file beside the data, for whoever reads a failure.
    mkdirSync(dir, { recursive: true });
    const log = resolve(dir, 'portal.log');
    app = await createApp(config, {
      logger: new JsonLogger('warn', (line) => appendFileSync(log, `${line}\n`)),
    });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    db = app.get(DataSource);
    await releaseService({ app }, 'bulky-waste-pickup');
    const sme = await smeMember(url, db);
    [{ email: filerEmail }] = await db.query(`SELECT email FROM account WHERE id = $1`, [
      sme.accountId,
    ]);
    const key = await app
      .get(ApiKeysService)
      .create(
        sme.accountId,
        sme.organizationId,
        { name: 'Logiciel', scopes: ['applications:write', 'applications:read'] },
        { ip: '127.0.0.1', requestId: 'faults' },
      );
    if (!key.ok) throw new Error(key.problem);
    token = key.token;
  }, 90_000);

  afterAll(async () => {
    await app?.close().catch(() => undefined);
    await mail?.stop().catch(() => undefined);
    await postgres?.stop().catch(() => undefined);
  });

  it('keeps every filing answered 2xx, none twice, when PostgreSQL restarts mid-way, and recovers by itself', async () => {
    const run = `restart-${Date.now().toString(36)}`;
    const total = 24;
    const filings: Filing[] = [];
    let next = 0;
    let restarted: Promise<void> | undefined;
    // Three clients file one after the other; after a third of the filings, PostgreSQL restarts.
    const client = async () => {
      while (next < total) {
        const n = next++;
        if (n === total / 3)
          restarted = (async () => {
            await postgres.stop();
            postgres = await startPostgres();
          })();
        filings.push(await fileThroughApi(url, token, `${run}-${n}`));
      }
    };
    await Promise.all([client(), client(), client()]);
    await restarted;

    // Every filing was answered in the end (the client retried), each one once.
    expect(filings).toHaveLength(total);
    expect(filings.filter((f) => f.status !== 200)).toEqual([]);
    const rows: { key: string; n: number; references: string[] }[] = await db.query(
      `SELECT application.idempotency_key AS key, count(*)::int AS n,
              array_agg(application.reference) AS references
         FROM application WHERE application.idempotency_key LIKE $1
        GROUP BY application.idempotency_key`,
      [`${run}-%`],
    );
    expect(rows).toHaveLength(total);
    expect(rows.filter((r) => r.n !== 1)).toEqual([]);
    const byKey = new Map(rows.map((r) => [r.key, r.references[0]]));
    for (const filing of filings) expect(byKey.get(filing.key)).toBe(filing.reference);
    // Some filings really met the restart (else the test proved nothing), and
    // what they were told meanwhile was "unavailable, try again" (503 with
    // Retry-After), never a server error.
    expect(filings.some((f) => f.attempts > 1)).toBe(true);
    const refusals = new Set(filings.flatMap((f) => f.refusals));
    expect([...refusals].filter((r) => r !== '503')).toEqual([]);

    // The portal recovered without a restart of its own: ready again, filing again.
    expect(await within(20_000, async () => (await readiness()) === 200)).toBe(true);
    const after = await fileThroughApi(url, token, `${run}-after`, { maxAttempts: 1 });
    expect(after.status).toBe(200);

    // One receipt per submission, none twice.
    const references = [...filings.map((f) => f.reference!), after.reference!];
    expect(await receiptsNotSentOnce(receipts, references, 30_000)).toEqual([]);
  }, 120_000);

  it('delivers every email once SMTP returns, none twice', async () => {
    await mail.stop();
    const run = `smtp-${Date.now().toString(36)}`;
    const filings: Filing[] = [];
    for (let n = 0; n < 3; n++) filings.push(await fileThroughApi(url, token, `${run}-${n}`));
    // Filing does not wait for mail: every submission was answered.
    expect(filings.map((f) => f.status)).toEqual([200, 200, 200]);
    // The first attempts met a closed port: the emails wait in the outbox.
    expect(
      await within(10_000, async () => {
        const [{ tried }] = await db.query(
          `SELECT count(*)::int AS tried FROM outbox_message
            WHERE outbox_message.payload->>'reference' = ANY($1)
              AND outbox_message.sent_at IS NULL AND outbox_message.attempts > 0`,
          [filings.map((f) => f.reference)],
        );
        return tried === 3;
      }),
    ).toBe(true);

    mail = await startEmbeddedMail(smtpPort, webPort);
    const references = filings.map((f) => f.reference!);
    expect(
      await within(40_000, async () => {
        const caught = await receipts();
        return references.every((r) => caught.has(r));
      }),
    ).toBe(true);
    // Each marked sent (the commit that follows the SMTP answer).
    expect(
      await within(10_000, async () => {
        const [{ waiting }] = await db.query(
          `SELECT count(*)::int AS waiting FROM outbox_message
            WHERE outbox_message.payload->>'reference' = ANY($1)
              AND outbox_message.sent_at IS NULL`,
          [references],
        );
        return waiting === 0;
      }),
    ).toBe(true);
    const caught = await receipts();
    expect(references.map((r) => caught.get(r))).toEqual([1, 1, 1]);
  }, 90_000);
});
