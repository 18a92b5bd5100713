import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DataSource } from 'typeorm';
import {
  PERSONAL_AUDIT_ENTITY_TYPES,
  PERSONAL_AUDIT_KEYS,
} from '../src/modules/audit/personal-audit-keys.js';
import { RETENTION_JOB } from '../src/modules/privacy/retention-job.js';
import {
  RETENTION_ACTION,
  RetentionService,
  type RetentionCounts,
} from '../src/modules/privacy/retention.service.js';
import { createPerson, smeMember, uniqueEmail } from './support/people.js';
import { eventually, startTestApp, type TestApp } from './support/test-app.js';

/**
 * The retention schedule of personal data (issue 18, ADR 0047) on the real
 * PostgreSQL, with the documented default periods: for every kind the job
 * touches, rows past the period go and rows just inside it stay; the run's one
 * audit event holds the exact counts and nothing purged; a second run purges
 * nothing more. A batch of 2 rows (RETENTION_BATCH_SIZE) makes every run
 * repeat batches. The audit trail stays append-only but for the declared scrub.
 */
describe('the retention job', () => {
  let portal: TestApp;
  let db: DataSource;
  const attachmentsDir = mkdtempSync(join(tmpdir(), 'guichet-retention-'));

  beforeAll(async () => {
    // The job on, as in production: its run at boot finds nothing to purge.
    portal = await startTestApp({
      RETENTION_INTERVAL_HOURS: '24',
      RETENTION_BATCH_SIZE: '2',
      ATTACHMENTS_DIR: attachmentsDir,
    });
    db = portal.app.get(DataSource);
    await eventually(
      async () =>
        (
          await db.query(
            `SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state = 'completed'`,
            [RETENTION_JOB],
          )
        )[0].n === 1,
      20_000,
    );
  });
  afterAll(async () => {
    await portal?.close();
  });

  const retentionEvents = async () =>
    (
      await db.query(
        `SELECT audit_event.actor_type, audit_event.after FROM audit_event
          WHERE audit_event.action = $1 ORDER BY audit_event.id`,
        [RETENTION_ACTION],
      )
    ).map((row: { actor_type: string; after: unknown }) => row);

  it('ran once at boot, as the periodic job, and recorded nothing since nothing was due', async () => {
    expect(await retentionEvents()).toEqual([]);
  });

  it('purges every kind past its period, keeps what is just inside, and audits the exact counts', async () => {
    const draft = async (
      accountId: string,
      updatedAgo: string,
      organizationId: string | null = null,
    ): Promise<string> =>
      (
        await db.query(
          `INSERT INTO application (service_slug, service_revision, variant, account_id, organization_id,
                                    status, answers, updated_at)
           VALUES ('building-permit', 1, $3, $1, $2, 'draft', '{"description": "Garage"}',
                   now() - $4::interval)
           RETURNING id`,
          [accountId, organizationId, organizationId ? 'business' : 'citizen', updatedAgo],
        )
      )[0].id;
    const exists = async (table: string, id: string) =>
      (await db.query(`SELECT 1 FROM ${table} WHERE id = $1`, [id])).length === 1;

    // Closed accounts (90 days): one past the period, one just inside, one already erased.
    const closedLongAgo = await createPerson(db);
    const closedRecently = await createPerson(db);
    const erasedBefore = await createPerson(db);
    const sme = await smeMember(portal.url, db);
    await db.query(
      `UPDATE account SET closed_at = now() - interval '91 days' WHERE account.id = $1`,
      [closedLongAgo.id],
    );
    await db.query(
      `UPDATE account SET closed_at = now() - interval '89 days' WHERE account.id = $1`,
      [closedRecently.id],
    );
    await db.query(
      `UPDATE account SET closed_at = now() - interval '300 days',
                          personal_data_erased_at = now() - interval '200 days'
        WHERE account.id = $1`,
      [erasedBefore.id],
    );
    const ownDraft = await draft(closedLongAgo.id, '2 days');
    // Its file on disk (ATTACHMENTS_DIR), removed after the commit.
    const storageKey = `ab/${randomUUID()}`;
    mkdirSync(dirname(join(attachmentsDir, storageKey)), { recursive: true });
    writeFileSync(join(attachmentsDir, storageKey), 'plan');
    await db.query(
      `INSERT INTO application_attachment (application_id, field, filename, content_type, size_bytes,
                                           sha256, storage_key)
       VALUES ($1, 'site_plan', 'plan.pdf', 'application/pdf', 4, 'x', $2)`,
      [ownDraft, storageKey],
    );
    // A draft for an SME stays with the SME, and a submitted application with the city.
    const smeDraft = await draft(closedLongAgo.id, '2 days', sme.organizationId);
    const [submitted] = await db.query(
      `INSERT INTO application (service_slug, service_revision, variant, account_id, status, reference,
                                submitted_at, updated_at)
       VALUES ('building-permit', 1, 'citizen', $1, 'submitted', 'PC-2024-990001',
               now() - interval '400 days', now() - interval '400 days')
       RETURNING id`,
      [closedLongAgo.id],
    );
    const recentlyClosedDraft = await draft(closedRecently.id, '2 days');
    const feedback = (accountId: string) =>
      db.query(
        `INSERT INTO feedback_item (service_slug, variant, service_revision, stage, audience, account_id,
                                    language, kind, happened, user_agent, viewport)
         VALUES ('building-permit', 'citizen', 1, 'general', 'citizen', $1, 'fr', 'praise', 'Merci',
                 'Mozilla/5.0 (X11; Linux x86_64)', '1280x800')
         RETURNING id`,
        [accountId],
      );
    // Staff records of both closed accounts: roles, directory identity, second factor, a removal.
    for (const closed of [closedLongAgo.id, closedRecently.id]) {
      await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'clerk')`, [closed]);
      await db.query(
        `INSERT INTO staff_directory_identity (issuer, subject, account_id)
         VALUES ('https://login.ville.example', $1::text, $1::uuid)`,
        [closed],
      );
      await db.query(
        `INSERT INTO staff_second_factor (account_id, secret_sealed) VALUES ($1, 'v1.sealed')`,
        [closed],
      );
      await db.query(
        `INSERT INTO staff_recovery_code (account_id, code_hash) VALUES ($1, repeat('a', 64))`,
        [closed],
      );
      await db.query(
        `INSERT INTO staff_removal (account_id, email_digest) VALUES ($1, repeat('0', 64))`,
        [closed],
      );
    }
    const [closedFeedback] = await feedback(closedLongAgo.id);
    const [recentFeedback] = await feedback(closedRecently.id);

    // Drafts (365 days).
    const resident = await createPerson(db);
    const staleDraft = await draft(resident.id, '366 days');
    await db.query(
      `INSERT INTO application_attachment (application_id, field, filename, content_type, size_bytes,
                                           sha256, content, created_at)
       VALUES ($1, 'site_plan', 'plan.pdf', 'application/pdf', 4, 'x', 'plan', now() - interval '370 days')`,
      [staleDraft],
    );
    const keptDraft = await draft(resident.id, '364 days');
    // Answers untouched for long, but a file added lately: still in use.
    const draftWithNewFile = await draft(resident.id, '400 days');
    await db.query(
      `INSERT INTO application_attachment (application_id, field, filename, content_type, size_bytes,
                                           sha256, content, created_at)
       VALUES ($1, 'site_plan', 'plan.pdf', 'application/pdf', 4, 'x', 'plan', now() - interval '10 days')`,
      [draftWithNewFile],
    );

    // Delivered emails (30 days): two sent and one failed past it; one sent inside; one pending.
    const address = uniqueEmail('outbox');
    await db.query(
      `INSERT INTO outbox_message (kind, recipient, locale, payload, created_at, attempts, sent_at,
                                   failed_at, last_error, job_id)
       VALUES ('account-exists', $1, 'fr', '{}', now() - interval '60 days', 1,
               now() - interval '31 days', NULL, NULL, NULL),
              ('account-exists', $1, 'fr', '{}', now() - interval '60 days', 1,
               now() - interval '40 days', NULL, NULL, NULL),
              ('account-exists', $1, 'fr', '{}', now() - interval '60 days', 9,
               NULL, now() - interval '31 days', 'relay refused', gen_random_uuid()),
              ('account-exists', $1, 'fr', '{}', now() - interval '60 days', 1,
               now() - interval '29 days', NULL, NULL, NULL),
              ('account-exists', $1, 'fr', '{}', now() - interval '60 days', 3,
               NULL, NULL, 'relay refused', gen_random_uuid())`,
      [address],
    );

    // Rate-limit counters and sign-in throttling (24 hours).
    await db.query(
      `INSERT INTO rate_limit_hit (key, hits, window_ends_at)
       VALUES ('sign-in:ip:192.0.2.1', 3, now() - interval '25 hours'),
              ('register:email:old@exemple.ca', 1, now() - interval '30 hours'),
              ('sign-in:ip:192.0.2.2', 3, now() - interval '23 hours'),
              ('sign-in:ip:192.0.2.3', 1, now() + interval '10 minutes')`,
    );
    await db.query(
      `INSERT INTO sign_in_throttle (key, failures, last_failure_at, blocked_until)
       VALUES ('email:old@exemple.ca', 6, now() - interval '25 hours', now() - interval '24 hours'),
              ('email:recent@exemple.ca', 2, now() - interval '23 hours', NULL),
              ('ip:192.0.2.9', 40, now() - interval '25 hours', now() + interval '1 hour')`,
    );

    // Feedback contacts (365 days): typed in by staff for someone who phoned.
    const assisted = (ago: string) =>
      db.query(
        `INSERT INTO feedback_item (channel, service_slug, variant, service_revision, stage, audience,
                                    language, kind, happened, contact_name, contact_detail, created_at,
                                    status_changed_at)
         VALUES ('phone', 'building-permit', 'citizen', 1, 'general', 'citizen', 'fr', 'question',
                 'Quels documents fournir?', 'Jean Gagnon', '418 555-0199', now() - $1::interval,
                 now() - $1::interval)
         RETURNING id`,
        [ago],
      );
    const [oldContact] = await assisted('366 days');
    const [recentContact] = await assisted('364 days');

    // Audit snapshots (2557 days, about 7 years).
    const [oldEvent] = await db.query(
      `INSERT INTO audit_event (occurred_at, actor_type, actor_id, action, entity_type, entity_id,
                                before, after, ip, request_id)
       VALUES (now() - interval '2558 days', 'person', $1, 'organization.registered', 'organization',
               'org-1', '{"displayName": "Marie Tremblay"}',
               '{"legalName": "Boulangerie inc.", "contactEmail": "marie@exemple.ca",
                 "contactPhone": "418 555-0123", "employees": 12,
                 "invitations": [{"email": "luc@exemple.ca", "role": "member"}],
                 "recipients": ["a@exemple.ca", "b@exemple.ca"], "note": null}',
               '192.0.2.44', 'req-1')
       RETURNING id`,
      [resident.id],
    );
    const [recentEvent] = await db.query(
      `INSERT INTO audit_event (occurred_at, actor_type, actor_id, action, entity_type, after, ip)
       VALUES (now() - interval '2556 days', 'person', $1, 'account.registered', 'account',
               '{"email": "kept@exemple.ca"}', '192.0.2.45')
       RETURNING id`,
      [resident.id],
    );

    const counts = await portal.app.get(RetentionService).run();
    const expected: RetentionCounts = {
      closedAccounts: 1,
      closedAccountDrafts: 1,
      closedAccountFeedback: 1,
      staleDrafts: 1,
      deliveredEmails: 3,
      rateLimitCounters: 2,
      signInThrottles: 1,
      feedbackContacts: 1,
      auditEventsScrubbed: 1,
    };
    expect(counts).toEqual(expected);

    // Closed accounts: marked, their own draft and its file gone; the rest kept.
    const erased = await db.query(
      `SELECT account.id FROM account WHERE account.personal_data_erased_at > now() - interval '1 minute'`,
    );
    expect(erased.map((row: { id: string }) => row.id)).toEqual([closedLongAgo.id]);
    expect(await exists('application', ownDraft)).toBe(false);
    for (const table of [
      'staff_member',
      'staff_directory_identity',
      'staff_second_factor',
      'staff_recovery_code',
    ]) {
      const left = await db.query(
        `SELECT account_id FROM ${table} WHERE account_id = ANY($1::uuid[])`,
        [[closedLongAgo.id, closedRecently.id]],
      );
      expect({ table, left }).toEqual({ table, left: [{ account_id: closedRecently.id }] });
    }
    // A removal stays (its digests keep the directory from bringing them back), without the account.
    const removals = await db.query(
      `SELECT account_id FROM staff_removal WHERE email_digest = repeat('0', 64) ORDER BY account_id NULLS FIRST`,
    );
    expect(removals).toEqual([{ account_id: null }, { account_id: closedRecently.id }]);
    expect(existsSync(join(attachmentsDir, storageKey))).toBe(false);
    expect(await exists('application', smeDraft)).toBe(true);
    expect(await exists('application', submitted.id)).toBe(true);
    expect(await exists('application', recentlyClosedDraft)).toBe(true);
    const browsers = await db.query(
      `SELECT feedback_item.id, feedback_item.user_agent, feedback_item.viewport, feedback_item.happened
         FROM feedback_item WHERE feedback_item.id = ANY($1) ORDER BY feedback_item.created_at`,
      [[closedFeedback.id, recentFeedback.id]],
    );
    expect(browsers).toEqual(
      expect.arrayContaining([
        { id: closedFeedback.id, user_agent: null, viewport: null, happened: 'Merci' },
        {
          id: recentFeedback.id,
          user_agent: 'Mozilla/5.0 (X11; Linux x86_64)',
          viewport: '1280x800',
          happened: 'Merci',
        },
      ]),
    );

    // Drafts.
    expect(await exists('application', staleDraft)).toBe(false);
    expect(
      (
        await db.query(`SELECT 1 FROM application_attachment WHERE application_id = $1`, [
          staleDraft,
        ])
      ).length,
    ).toBe(0);
    expect(await exists('application', keptDraft)).toBe(true);
    expect(await exists('application', draftWithNewFile)).toBe(true);

    // Emails: the recent sent one and the pending one stay.
    const left = await db.query(
      `SELECT outbox_message.sent_at IS NOT NULL AS sent FROM outbox_message
        WHERE outbox_message.recipient = $1 ORDER BY outbox_message.id`,
      [address],
    );
    expect(left).toEqual([{ sent: true }, { sent: false }]);

    // Counters and throttling.
    const keys = async (table: string) =>
      (await db.query(`SELECT key FROM ${table} ORDER BY key`)).map((r: { key: string }) => r.key);
    expect(await keys('rate_limit_hit')).toEqual(
      expect.arrayContaining(['sign-in:ip:192.0.2.2', 'sign-in:ip:192.0.2.3']),
    );
    expect(await keys('rate_limit_hit')).not.toContain('sign-in:ip:192.0.2.1');
    expect(await keys('rate_limit_hit')).not.toContain('register:email:old@exemple.ca');
    expect(await keys('sign_in_throttle')).toEqual(['email:recent@exemple.ca', 'ip:192.0.2.9']);

    // Feedback contacts: erased past the period, the feedback itself kept.
    const contacts = await db.query(
      `SELECT feedback_item.id, feedback_item.contact_name, feedback_item.contact_detail,
              feedback_item.happened
         FROM feedback_item WHERE feedback_item.id = ANY($1)`,
      [[oldContact.id, recentContact.id]],
    );
    expect(contacts).toEqual(
      expect.arrayContaining([
        {
          id: oldContact.id,
          contact_name: null,
          contact_detail: null,
          happened: 'Quels documents fournir?',
        },
        {
          id: recentContact.id,
          contact_name: 'Jean Gagnon',
          contact_detail: '418 555-0199',
          happened: 'Quels documents fournir?',
        },
      ]),
    );

    // Audit snapshots: personal values replaced by the marker, the event and its facts kept.
    const [scrubbed] = await db.query(
      `SELECT action, actor_id, entity_id, before, after, ip, request_id, scrubbed_at IS NOT NULL AS scrubbed
         FROM audit_event WHERE id = $1`,
      [oldEvent.id],
    );
    expect(scrubbed).toEqual({
      action: 'organization.registered',
      actor_id: resident.id,
      entity_id: 'org-1',
      before: { displayName: '[erased]' },
      after: {
        legalName: 'Boulangerie inc.',
        contactEmail: '[erased]',
        contactPhone: '[erased]',
        employees: 12,
        invitations: [{ email: '[erased]', role: 'member' }],
        recipients: '[erased]',
        note: null,
      },
      ip: null,
      request_id: 'req-1',
      scrubbed: true,
    });
    const [kept] = await db.query(`SELECT after, ip, scrubbed_at FROM audit_event WHERE id = $1`, [
      recentEvent.id,
    ]);
    expect(kept).toEqual({
      after: { email: 'kept@exemple.ca' },
      ip: '192.0.2.45',
      scrubbed_at: null,
    });

    // One audit event for the run: the counts and the periods, nothing purged.
    const events = await retentionEvents();
    expect(events).toEqual([
      {
        actor_type: 'system',
        after: {
          counts: expected,
          periods: {
            closedAccountDays: 90,
            draftDays: 365,
            deliveredEmailDays: 30,
            rateLimitHours: 24,
            feedbackContactDays: 365,
            auditPersonalDataDays: 2557,
          },
          batch: 2,
          // Emails and counters filled the first batch: a second found nothing more.
          batches: 2,
          backlogLeft: false,
        },
      },
    ]);

    // A second run finds nothing more, and records nothing.
    expect(await portal.app.get(RetentionService).run()).toEqual({
      closedAccounts: 0,
      closedAccountDrafts: 0,
      closedAccountFeedback: 0,
      staleDrafts: 0,
      deliveredEmails: 0,
      rateLimitCounters: 0,
      signInThrottles: 0,
      feedbackContacts: 0,
      auditEventsScrubbed: 0,
    });
    expect(await retentionEvents()).toHaveLength(1);
  });

  it('works off more than a batch of every kind in one run, and audits the totals once', async () => {
    const before = (await retentionEvents()).length;
    const address = uniqueEmail('backlog');
    for (let i = 0; i < 5; i++) {
      await db.query(
        `INSERT INTO outbox_message (kind, recipient, locale, payload, created_at, attempts, sent_at)
         VALUES ('account-exists', $1, 'fr', '{}', now() - interval '60 days', 1,
                 now() - interval '40 days')`,
        [address],
      );
      await db.query(
        `INSERT INTO rate_limit_hit (key, hits, window_ends_at)
         VALUES ($1, 1, now() - interval '2 days')`,
        [`sign-in:ip:198.51.100.${i}`],
      );
    }
    // Five events past the period, holding what the code's events hold.
    const old = (action: string, entityType: string, entityId: string, after: object) =>
      db.query(
        `INSERT INTO audit_event (occurred_at, actor_type, action, entity_type, entity_id, after, ip)
         VALUES (now() - interval '2600 days', 'system', $1, $2, $3, $4, '192.0.2.50')
         RETURNING id`,
        [action, entityType, entityId, JSON.stringify(after)],
      );
    const [emailChange] = await old('account.email_change_requested', 'account', 'a-1', {
      newEmail: 'nouvelle@exemple.ca',
    });
    const [linked] = await old('staff.directory_linked', 'account', 'a-2', {
      issuer: 'https://login.ville.example/',
      subject: 'f81d4fae-7dec',
      rolesFromDirectory: ['clerk'],
    });
    const [refusedSignIn] = await old(
      'staff.directory_sign_in_refused',
      'directory_identity',
      'https://login.ville.example/#f81d4fae-7dec',
      { problem: 'no-group', rolesFromDirectory: [] },
    );
    const [registered] = await old('organization.details_updated', 'organization', 'o-1', {
      streetAddress: '12 rue des Érables',
      postalCode: 'G1A 1A1',
      city: 'Québec',
    });
    const [file] = await old('application.attachment_added', 'application', 'p-1', {
      filename: 'permis-marie-tremblay.pdf',
      size: 4,
    });

    const counts = await portal.app.get(RetentionService).run();
    const expected: RetentionCounts = {
      closedAccounts: 0,
      closedAccountDrafts: 0,
      closedAccountFeedback: 0,
      staleDrafts: 0,
      deliveredEmails: 5,
      rateLimitCounters: 5,
      signInThrottles: 0,
      feedbackContacts: 0,
      auditEventsScrubbed: 5,
    };
    expect(counts).toEqual(expected);
    expect(
      (
        await db.query(
          `SELECT count(*)::int AS n FROM outbox_message WHERE outbox_message.recipient = $1`,
          [address],
        )
      )[0].n,
    ).toBe(0);
    expect(
      (
        await db.query(
          `SELECT count(*)::int AS n FROM rate_limit_hit WHERE rate_limit_hit.key LIKE 'sign-in:ip:198.51.100.%'`,
        )
      )[0].n,
    ).toBe(0);

    const events = await retentionEvents();
    expect(events).toHaveLength(before + 1);
    expect(events[events.length - 1].after).toEqual(
      // Batches of 2, 2 and 1: the third found less than a batch of each, and ended the run.
      expect.objectContaining({ counts: expected, batch: 2, batches: 3, backlogLeft: false }),
    );

    const scrubbed = async (id: string) =>
      (await db.query(`SELECT entity_id, after, ip FROM audit_event WHERE id = $1`, [id]))[0] as {
        entity_id: string;
        after: unknown;
        ip: string | null;
      };
    expect(await scrubbed(emailChange.id)).toEqual({
      entity_id: 'a-1',
      after: { newEmail: '[erased]' },
      ip: null,
    });
    expect(await scrubbed(linked.id)).toEqual({
      entity_id: 'a-2',
      after: {
        issuer: 'https://login.ville.example/',
        subject: '[erased]',
        rolesFromDirectory: ['clerk'],
      },
      ip: null,
    });
    // A refused directory sign-in is about an identity, `issuer#subject`: its id goes too.
    expect(await scrubbed(refusedSignIn.id)).toEqual({
      entity_id: '[erased]',
      after: { problem: 'no-group', rolesFromDirectory: [] },
      ip: null,
    });
    expect((await scrubbed(registered.id)).after).toEqual({
      streetAddress: '[erased]',
      postalCode: '[erased]',
      city: 'Québec',
    });
    expect((await scrubbed(file.id)).after).toEqual({ filename: '[erased]', size: 4 });
  });

  it("scrubs exactly the personal keys the code's audit events use, and no other", async () => {
    const definition = async (signature: string) =>
      (await db.query(`SELECT pg_get_functiondef($1::regprocedure) AS def`, [signature]))[0]
        .def as string;
    const listed = (def: string) =>
      [...(def.match(/ARRAY\[([^\]]*)\]/)?.[1] ?? '').matchAll(/'([^']+)'/g)]
        .map((m) => m[1])
        .sort();
    // The function the migrations left in the database is the code's list, no more, no less.
    expect(listed(await definition('audit_scrub_personal(jsonb)'))).toEqual(
      [...PERSONAL_AUDIT_KEYS].sort(),
    );
    expect(listed(await definition('audit_scrub_entity_id(text, text)'))).toEqual(
      [...PERSONAL_AUDIT_ENTITY_TYPES].sort(),
    );
    // And it erases each of them, at any depth, keeping the rest.
    const doc = Object.fromEntries(PERSONAL_AUDIT_KEYS.map((key) => [key, 'x']));
    const [{ scrub }] = await db.query(`SELECT audit_scrub_personal($1::jsonb) AS scrub`, [
      JSON.stringify({ ...doc, nested: [doc], status: 'ok' }),
    ]);
    const erased = Object.fromEntries(PERSONAL_AUDIT_KEYS.map((key) => [key, '[erased]']));
    expect(scrub).toEqual({ ...erased, nested: [erased], status: 'ok' });
  });

  it('keeps the audit trail append-only: only the exact scrub of an old unscrubbed event is accepted', async () => {
    const refused = /audit_event is append-only/;
    const exactScrub = `UPDATE audit_event
        SET after = audit_scrub_personal(after), before = audit_scrub_personal(before),
            entity_id = audit_scrub_entity_id(entity_type, entity_id), ip = NULL, scrubbed_at = now()
      WHERE id = $1`;
    // A fresh event: even its exact scrub is refused (the smallest period allowed is 365 days).
    const [fresh] = await db.query(
      `INSERT INTO audit_event (actor_type, action, entity_type, after, ip)
       VALUES ('system', 'test.event', 'test', '{"email": "x@exemple.ca"}', '192.0.2.7')
       RETURNING id`,
    );
    await expect(db.query(exactScrub, [fresh.id])).rejects.toThrow(refused);
    const [youngish] = await db.query(
      `INSERT INTO audit_event (occurred_at, actor_type, action, entity_type, after, ip)
       VALUES (now() - interval '364 days', 'system', 'test.event', 'test', '{"email": "x@exemple.ca"}',
               '192.0.2.7')
       RETURNING id`,
    );
    await expect(db.query(exactScrub, [youngish.id])).rejects.toThrow(refused);

    const [event] = await db.query(
      `INSERT INTO audit_event (occurred_at, actor_type, action, entity_type, entity_id, after, ip)
       VALUES (now() - interval '400 days', 'system', 'test.event', 'test', 'kept',
               '{"email": "x@exemple.ca", "status": "ok"}', '192.0.2.7')
       RETURNING id`,
    );
    await expect(
      db.query(`UPDATE audit_event SET action = 'test.changed' WHERE id = $1`, [event.id]),
    ).rejects.toThrow(refused);
    // Marked scrubbed while changing something else than the personal values.
    await expect(
      db.query(
        `UPDATE audit_event SET after = '{"email": "[erased]", "status": "changed"}', ip = NULL,
                scrubbed_at = now() WHERE id = $1`,
        [event.id],
      ),
    ).rejects.toThrow(refused);
    // The scrub, but the client address kept.
    await expect(
      db.query(
        `UPDATE audit_event SET after = audit_scrub_personal(after), scrubbed_at = now() WHERE id = $1`,
        [event.id],
      ),
    ).rejects.toThrow(refused);
    // The scrub, but dated otherwise than now: in the past, or in the future.
    for (const when of [`now() - interval '1 day'`, `now() + interval '1 day'`])
      await expect(
        db.query(
          `UPDATE audit_event SET after = audit_scrub_personal(after), ip = NULL,
                  scrubbed_at = ${when} WHERE id = $1`,
          [event.id],
        ),
      ).rejects.toThrow(refused);
    // The scrub, but the id of an entity that names nobody erased as well.
    await expect(
      db.query(
        `UPDATE audit_event SET after = audit_scrub_personal(after), ip = NULL, entity_id = '[erased]',
                scrubbed_at = now() WHERE id = $1`,
        [event.id],
      ),
    ).rejects.toThrow(refused);
    await expect(db.query(`DELETE FROM audit_event WHERE id = $1`, [event.id])).rejects.toThrow(
      refused,
    );
    // The scrub itself, once.
    await db.query(exactScrub, [event.id]);
    await expect(db.query(exactScrub, [event.id])).rejects.toThrow(refused);
    const [row] = await db.query(`SELECT entity_id, after FROM audit_event WHERE id = $1`, [
      event.id,
    ]);
    expect(row).toEqual({ entity_id: 'kept', after: { email: '[erased]', status: 'ok' } });
  });
});
