import { randomUUID } from 'node:crypto';
import { createServer, connect, type Server } from 'node:net';
import { ForbiddenException } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app.js';
import { OutboxWorker } from '../src/modules/notifications/outbox-worker.js';
import { StaffEmailsService } from '../src/modules/staff/staff-emails.service.js';
import {
  EMAIL_FAILED_QUEUE,
  EMAIL_QUEUE,
  OutboxService,
} from '../src/modules/notifications/outbox.service.js';
import { Jobs } from '../src/platform/jobs/jobs.js';
import { JsonLogger } from '../src/platform/logging/json-logger.js';
import { createPerson, signedInAgent, uniqueEmail } from './support/people.js';
import {
  csrfFrom,
  databaseUrl,
  eventually,
  mailFor,
  startTestApp,
  testConfig,
  type TestApp,
} from './support/test-app.js';

/** A loopback port nothing listens on (yet). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Opens `port` as a plain TCP relay to the mail catcher's SMTP: the relay "comes back". */
async function relayTo(port: number, smtpUrl: string): Promise<Server> {
  const target = new URL(smtpUrl);
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

/**
 * Emails go through pg-boss (ADR 0026): a job per message, added in the
 * transaction that writes it; a failing one is retried with backoff, then
 * failed and listed for admins at /staff/emails, who may retry it; several
 * instances on one database never send a message twice.
 */
describe('email delivery on the job queue', () => {
  let portal: TestApp;
  let db: DataSource;
  let relay: Server | undefined;
  let admin: Awaited<ReturnType<typeof signedInAgent>>;
  let clerk: Awaited<ReturnType<typeof signedInAgent>>;
  let resident: Awaited<ReturnType<typeof signedInAgent>>;
  let smtpPort: number;

  beforeAll(async () => {
    smtpPort = await closedPort();
    // The relay is down: every attempt is refused at once.
    portal = await startTestApp({
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      EMAIL_RETRY_LIMIT: '2',
      EMAIL_RETRY_DELAY_SECONDS: '1',
    });
    db = portal.app.get(DataSource);
    const people = {
      admin: await createPerson(db, { email: uniqueEmail('admin') }),
      clerk: await createPerson(db, { email: uniqueEmail('clerk') }),
      resident: await createPerson(db, { email: uniqueEmail('resident') }),
    };
    await db.query(
      `INSERT INTO staff_member (account_id, role) VALUES ($1, 'admin'), ($2, 'clerk')`,
      [people.admin.id, people.clerk.id],
    );
    admin = await signedInAgent(portal.url, people.admin.email);
    clerk = await signedInAgent(portal.url, people.clerk.email);
    resident = await signedInAgent(portal.url, people.resident.email);
  });

  afterAll(async () => {
    await portal?.close();
    await new Promise((resolve) => (relay ? relay.close(resolve) : resolve(undefined)));
  });

  async function enqueue(app: NestExpressApplication, to: string, on = db): Promise<string> {
    const outbox = app.get(OutboxService);
    await app.get(DataSource).transaction((manager) =>
      outbox.enqueue(manager, {
        kind: 'password-changed',
        to,
        locale: 'en',
        values: { name: 'Marie', link: 'http://localhost/password-reset?token=secret-token' },
      }),
    );
    const [row] = await on.query(`SELECT id::text AS id FROM outbox_message WHERE recipient = $1`, [
      to,
    ]);
    return row.id as string;
  }

  const messageOf = async (id: string) =>
    (
      await db.query(
        `SELECT status, attempts, last_error, job_id, secret_values FROM outbox_message
          WHERE outbox_message.id = $1`,
        [id],
      )
    )[0] as {
      status: string;
      attempts: number;
      last_error: string | null;
      job_id: string;
      secret_values: unknown;
    };

  let failedId: string;
  const failedTo = uniqueEmail('unlucky');

  it('retries a failing email with backoff, then marks it failed (its job dead-lettered)', async () => {
    failedId = await enqueue(portal.app, failedTo);
    await eventually(async () => (await messageOf(failedId)).status === 'failed', 60_000);
    const message = await messageOf(failedId);
    // The first attempt and two retries, each recorded.
    expect(message.attempts).toBe(3);
    expect(message.last_error).toMatch(/ECONNREFUSED/);
    // Kept until sent: a retry still carries the link.
    expect(message.secret_values).not.toBeNull();

    const jobs = portal.app.get(Jobs);
    const [job] = await jobs.find(EMAIL_QUEUE, { messageId: failedId });
    expect(job).toMatchObject({
      id: message.job_id,
      state: 'failed',
      retryCount: 2,
      retryLimit: 2,
      retryBackoff: true,
      retryDelay: 1,
      deadLetter: EMAIL_FAILED_QUEUE,
    });
    const dead = await jobs.find(EMAIL_FAILED_QUEUE, { messageId: failedId });
    expect(dead).toHaveLength(1);
    expect(await mailFor(failedTo)).toHaveLength(0);
  });

  it('lists failed emails for admins only', async () => {
    const page = await admin.get('/staff/emails');
    expect(page.status).toBe(200);
    expect(page.text).toContain(`data-email-id="${failedId}"`);
    expect(page.text).toContain(failedTo);
    // Which email, by its name in the page's language, and the language it is written in.
    expect(page.text).toContain('data-kind="password-changed"');
    expect(page.text).toContain('Mot de passe modifié');
    expect(page.text).toContain('en anglais');
    const english = await admin.get('/staff/emails').set('Accept-Language', 'en');
    expect(english.text).toContain('Password changed');
    expect(english.text).toContain('in English');
    expect(page.text).toContain('ECONNREFUSED');
    expect(page.text).not.toContain('secret-token');
    expect(page.text).toContain(`action="/staff/emails/${failedId}/retry"`);
    // Linked from the staff navigation, for admins only.
    expect((await admin.get('/staff')).text).toContain('href="/staff/emails"');
    expect((await clerk.get('/staff')).text).not.toContain('href="/staff/emails"');

    expect((await clerk.get('/staff/emails')).status).toBe(403);
    expect((await resident.get('/staff/emails')).status).toBe(404);
    expect((await request(portal.url).get('/staff/emails')).status).toBe(303);

    const clerkPage = await clerk.get('/staff');
    const refused = await clerk
      .post(`/staff/emails/${failedId}/retry`)
      .type('form')
      .send({ _csrf: csrfFrom(clerkPage.text) });
    expect(refused.status).toBe(403);
    expect((await messageOf(failedId)).status).toBe('failed');

    // The rule lives in the service too: any way in other than these routes is refused.
    const service = portal.app.get(StaffEmailsService);
    const asClerk = { accountId: randomUUID(), roles: ['clerk' as const] };
    await expect(service.search(asClerk, {})).rejects.toBeInstanceOf(ForbiddenException);
    await expect(
      service.retry(asClerk, failedId, { ip: '127.0.0.1', requestId: 'test' }),
    ).rejects.toBeInstanceOf(ForbiddenException);
    expect((await messageOf(failedId)).status).toBe('failed');
  });

  it('pages the failed emails, 50 a page, newest failure first', async () => {
    const paged = uniqueEmail('paged');
    await db.query(
      `INSERT INTO outbox_message (kind, recipient, locale, payload, attempts, last_error, failed_at, job_id)
       SELECT 'account-exists', $1, 'fr', '{}', 9, 'relay refused',
              now() - interval '1 day' - make_interval(mins => n), gen_random_uuid()
         FROM generate_series(1, 51) AS n`,
      [paged],
    );
    const first = await admin.get('/staff/emails');
    const rowsOf = (html: string) => [...html.matchAll(/data-email-id="(\d+)"/g)].map((m) => m[1]);
    expect(rowsOf(first.text)).toHaveLength(50);
    // The email that failed last comes first.
    expect(rowsOf(first.text)[0]).toBe(failedId);
    const next = /href="(\/staff\/emails\?after[^"]+)" rel="next"/.exec(first.text)![1];
    const second = await admin.get(next.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&'));
    expect(second.status).toBe(200);
    const rest = rowsOf(second.text);
    expect(rest).toHaveLength(2);
    expect(rest.filter((id) => rowsOf(first.text).includes(id))).toEqual([]);
    expect(second.text).not.toContain('rel="next"');
    // A paging link someone edited.
    expect((await admin.get('/staff/emails?after=hier')).status).toBe(400);
    await db.query(`DELETE FROM outbox_message WHERE recipient = $1`, [paged]);
  });

  it('refuses to retry an email that is not failed, in French and English', async () => {
    const page = await admin.get('/staff/emails');
    const csrf = csrfFrom(page.text);
    // Not failed, or no such email: the ordinary "page not found" (ADR 0006).
    for (const [lang, message] of [
      ['fr', 'Page introuvable'],
      ['en', 'Page not found'],
    ]) {
      for (const id of ['999999999', 'pas-un-numero'])
        expect(
          await admin
            .post(`/staff/emails/${id}/retry`)
            .set('Cookie', `guichet_lang=${lang}`)
            .type('form')
            .send({ _csrf: csrf }),
        ).toMatchObject({ status: 404, text: expect.stringContaining(message) });
    }
    // Without its CSRF token, nothing happens.
    expect((await admin.post(`/staff/emails/${failedId}/retry`).type('form').send({})).status).toBe(
      403,
    );
    expect((await messageOf(failedId)).status).toBe('failed');
  });

  it('delivers a retried email once SMTP works again, once, and audits the retry', async () => {
    relay = await relayTo(smtpPort, process.env.SMTP_URL!);
    const page = await admin.get('/staff/emails');
    const retried = await admin
      .post(`/staff/emails/${failedId}/retry`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    expect(retried.status).toBe(303);
    expect(retried.headers.location).toBe('/staff/emails');
    const after = await admin.get('/staff/emails').set('Cookie', 'guichet_lang=en');
    expect(after.text).toContain(`The email to ${failedTo} is back for delivery.`);
    expect(after.text).not.toContain(`data-email-id="${failedId}"`);

    await eventually(async () => (await mailFor(failedTo)).length > 0, 20_000);
    await eventually(async () => (await messageOf(failedId)).status === 'sent');
    const [mail] = await mailFor(failedTo);
    expect(mail.text).toContain('secret-token');
    expect((await messageOf(failedId)).secret_values).toBeNull();
    // A second retry finds nothing to do: it is sent.
    const again = await admin
      .post(`/staff/emails/${failedId}/retry`)
      .type('form')
      .send({ _csrf: csrfFrom(after.text) });
    expect(again.status).toBe(404);
    expect(await mailFor(failedTo)).toHaveLength(1);

    const events = await db.query(
      `SELECT actor_type, action, entity_type, before, after FROM audit_event
        WHERE action = 'outbox.retried' AND entity_id = $1`,
      [failedId],
    );
    expect(events).toEqual([
      {
        actor_type: 'staff',
        action: 'outbox.retried',
        entity_type: 'outbox_message',
        before: { status: 'failed', attempts: 3, lastError: expect.stringMatching(/ECONNREFUSED/) },
        after: { status: 'pending', kind: 'password-changed' },
      },
    ]);
  });

  it('delivers through a job that completes, and sends nothing for a rolled-back transaction', async () => {
    const jobCount = async () =>
      (
        await db.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1`, [EMAIL_QUEUE])
      )[0].n as number;
    const before = await jobCount();
    const rolledBack = uniqueEmail('rolled-back');
    const outbox = portal.app.get(OutboxService);
    await expect(
      db.transaction(async (manager) => {
        await outbox.enqueue(manager, {
          kind: 'password-changed',
          to: rolledBack,
          locale: 'fr',
          values: { name: 'Marie', link: 'http://localhost/x' },
        });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await jobCount()).toBe(before);
    expect(
      await db.query(`SELECT 1 FROM outbox_message WHERE recipient = $1`, [rolledBack]),
    ).toHaveLength(0);

    // A message committed after it arrives; the rolled-back one never does.
    const delivered = uniqueEmail('delivered');
    const id = await enqueue(portal.app, delivered);
    await eventually(async () => (await mailFor(delivered)).length > 0, 10_000);
    await eventually(async () => {
      const [job] = await portal.app.get(Jobs).find(EMAIL_QUEUE, { messageId: id });
      return job?.state === 'completed';
    });
    expect(await mailFor(rolledBack)).toHaveLength(0);
    expect(await messageOf(id)).toMatchObject({ status: 'sent', attempts: 1, secret_values: null });
  });

  it('gives a job to a pending message that has none (written before pg-boss), and delivers it', async () => {
    const to = uniqueEmail('legacy');
    await db.query(
      `INSERT INTO outbox_message (kind, recipient, locale, payload)
       VALUES ('password-changed', $1, 'fr', '{"name": "Marie", "link": "http://localhost/y"}')`,
      [to],
    );
    expect(await portal.app.get(OutboxWorker).queueUnqueued()).toBeGreaterThanOrEqual(1);
    await eventually(async () => (await mailFor(to)).length > 0, 10_000);
    expect(await mailFor(to)).toHaveLength(1);
  });

  it('never sends one message twice with two instances on one database', async () => {
    // Two portals whose SMTP works, on a database of their own.
    const one = await startTestApp();
    const two = await createApp(testConfig({ DATABASE_URL: databaseUrl(one.database) }), {
      logger: new JsonLogger('error'),
      skipBootTasks: true,
    });
    const oneDb = one.app.get(DataSource);
    try {
      const recipients = Array.from({ length: 12 }, (_, i) => uniqueEmail(`twice-${i}`));
      const ids: string[] = [];
      for (const [i, to] of recipients.entries())
        ids.push(await enqueue(i % 2 === 0 ? one.app : two, to, oneDb));
      await eventually(async () => {
        const [{ sent }] = await oneDb.query(
          `SELECT count(*)::int AS sent FROM outbox_message
            WHERE outbox_message.id = ANY($1::bigint[]) AND outbox_message.status = 'sent'`,
          [ids],
        );
        return sent === ids.length;
      }, 20_000);
      for (const to of recipients) expect(await mailFor(to)).toHaveLength(1);
      const rows = await oneDb.query(
        `SELECT attempts FROM outbox_message WHERE outbox_message.id = ANY($1::bigint[])`,
        [ids],
      );
      expect(rows.every((r: { attempts: number }) => r.attempts === 1)).toBe(true);
    } finally {
      await two.close();
      await one.close();
    }
  });
});
