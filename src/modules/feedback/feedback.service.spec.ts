import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { Refusal } from '../../platform/errors/refusal.js';
import { createPerson } from '../../../test/support/people.js';
import { startTestApp, type TestApp } from '../../../test/support/test-app.js';
import { AssistedFeedbackService } from './assisted-feedback.service.js';
import { FeedbackService, type FeedbackAuthor, type NewFeedbackItem } from './feedback.service.js';

/**
 * FeedbackService's rules against the real PostgreSQL ("medium" tests): the
 * form's rate limits, and the one writer of `feedback_item`, whose audit event
 * commits or rolls back with the caller's transaction.
 */
describe('FeedbackService (PostgreSQL)', () => {
  let portal: TestApp;
  let db: DataSource;
  let feedback: FeedbackService;

  beforeAll(async () => {
    // Small limits, so that the test reaches them quickly.
    portal = await startTestApp({
      RATE_LIMITS: 'feedback:account=3/3600,feedback:ip=5/3600',
    });
    db = portal.app.get(DataSource);
    feedback = portal.app.get(FeedbackService);
  });

  afterAll(async () => {
    await portal?.close();
  });

  const input = {
    kind: 'problem' as const,
    severity: 'minor' as const,
    tried: 'Joindre un plan.',
    happened: 'Rien ne se passe.',
    expected: 'Le plan joint.',
    consentToContact: false,
  };

  async function author(): Promise<FeedbackAuthor> {
    const person = await createPerson(db);
    return {
      accountId: person.id,
      actingAs: { audience: 'citizen', accountId: person.id, staff: false },
    };
  }

  async function send(who: FeedbackAuthor, ip: string) {
    const context = await feedback.context(who, 'building-permit', 'citizen', { language: 'fr' });
    return feedback.submit(who, context!, input, undefined, { ip, requestId: 'medium-test' });
  }

  const itemsOf = async (accountId: string) =>
    Number(
      (
        await db.query(
          `SELECT count(*) AS n FROM feedback_item WHERE feedback_item.account_id = $1`,
          [accountId],
        )
      )[0].n,
    );

  describe('rate limits', () => {
    it('stores an item with its audit event while the author is within the limits', async () => {
      const who = await author();
      const sent = await send(who, '192.0.2.1');
      expect(sent.reference).toMatch(/^FB-\d{6,}$/);
      const events = await db.query(
        `SELECT audit_event.action, audit_event.after FROM audit_event
          WHERE audit_event.entity_type = 'feedback' AND audit_event.entity_id = $1`,
        [sent.id],
      );
      expect(events).toEqual([
        expect.objectContaining({
          action: 'feedback.submitted',
          after: expect.objectContaining({ reference: sent.reference, kind: 'problem' }),
        }),
      ]);
    });

    it("refuses the author's fourth item in the hour with 429, Retry-After, and stores nothing", async () => {
      const who = await author();
      for (let i = 0; i < 3; i++) await send(who, `192.0.2.${10 + i}`);
      const refused = await send(who, '192.0.2.20').catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(Refusal);
      const refusal = refused as Refusal;
      expect(refusal.module).toBe('feedback');
      expect(refusal.code).toBe('too-many');
      expect(refusal.status).toBe(429);
      expect(refusal.spec.message).toBe('feedback.errors.tooMany');
      expect(refusal.field).toBe('happened');
      const retry = Number(refusal.details.headers?.['Retry-After']);
      expect(retry).toBeGreaterThan(3500);
      expect(retry).toBeLessThanOrEqual(3600);
      expect(refusal.details.params).toEqual({ minutes: 60 });
      expect(await itemsOf(who.accountId)).toBe(3);
    });

    it('refuses an address past its own limit, whoever sends from it', async () => {
      const ip = '198.51.100.7';
      const authors = await Promise.all([1, 2, 3, 4, 5, 6].map(() => author()));
      for (const who of authors.slice(0, 5)) await send(who, ip);
      const refused = await send(authors[5], ip).catch((error: unknown) => error);
      expect(refused).toMatchObject({ code: 'too-many', status: 429 });
      expect(await itemsOf(authors[5].accountId)).toBe(0);
      // The same person from another address is not held back.
      await expect(send(authors[5], '198.51.100.8')).resolves.toMatchObject({
        reference: expect.any(String),
      });
    });
  });

  describe('the one writer of feedback_item', () => {
    const item = (accountId: string): NewFeedbackItem => ({
      channel: 'phone',
      serviceSlug: 'building-permit',
      variant: 'citizen',
      serviceRevision: 1,
      stage: 'closed',
      audience: 'citizen',
      organizationId: null,
      accountId,
      cohorts: [],
      language: 'fr',
      kind: 'question',
      severity: null,
      tried: '',
      happened: 'Quand ouvre le guichet ?',
      expected: '',
    });

    it("stores the item and its audit event in the caller's transaction, and rolls both back with it", async () => {
      const who = await author();
      const failed = await db
        .transaction(async (manager) => {
          await feedback.store(manager, item(who.accountId), {
            actor: { type: 'staff', id: who.accountId },
            action: 'feedback.recorded',
            after: { channel: 'phone' },
          });
          throw new Error('the caller fails after storing');
        })
        .catch((error: unknown) => error);
      expect(failed).toEqual(new Error('the caller fails after storing'));
      expect(await itemsOf(who.accountId)).toBe(0);
      const [{ n }] = await db.query(
        `SELECT count(*) AS n FROM audit_event
          WHERE audit_event.action = 'feedback.recorded' AND audit_event.actor_id = $1`,
        [who.accountId],
      );
      expect(Number(n)).toBe(0);

      const stored = await db.transaction((manager) =>
        feedback.store(manager, item(who.accountId), {
          actor: { type: 'staff', id: who.accountId },
          action: 'feedback.recorded',
          after: { channel: 'phone' },
        }),
      );
      const [row] = await db.query(
        `SELECT feedback_item.channel, feedback_item.consent_to_contact AS consent,
                feedback_item.page, audit_event.after
           FROM feedback_item
           JOIN audit_event ON audit_event.entity_id = feedback_item.id::text
          WHERE feedback_item.id = $1`,
        [stored.id],
      );
      expect(row).toEqual({
        channel: 'phone',
        consent: false,
        page: null,
        after: { reference: stored.reference, channel: 'phone' },
      });
    });

    it('stores what staff record for someone through it, with who recorded it', async () => {
      const clerk = await author();
      const person = await createPerson(db);
      const assisted = portal.app.get(AssistedFeedbackService);
      const result = await assisted.record(
        { accountId: clerk.accountId, roles: ['clerk'] },
        {
          serviceSlug: 'building-permit',
          variant: 'citizen',
          channel: 'counter',
          party: { kind: 'account', email: person.email },
          language: 'fr',
          feedback: input,
        },
        { ip: '203.0.113.5', requestId: 'medium-test' },
      );
      expect(result).toMatchObject({ ok: true });
      const [row] = await db.query(
        `SELECT feedback_item.channel, feedback_item.account_id AS "accountId",
                feedback_item.recorded_by AS "recordedBy", audit_event.action
           FROM feedback_item
           JOIN audit_event ON audit_event.entity_id = feedback_item.id::text
          WHERE feedback_item.account_id = $1`,
        [person.id],
      );
      expect(row).toEqual({
        channel: 'counter',
        accountId: person.id,
        recordedBy: clerk.accountId,
        action: 'feedback.recorded',
      });
    });

    it('files a failing acceptance result once, then brings the same item up to date', async () => {
      const who = await author();
      const [criterion] = await db.query(
        `INSERT INTO acceptance_criterion (service_slug, variant, position, title_fr, title_en,
                                           description_fr, description_en)
         VALUES ('building-permit', 'citizen', 1, 'Joindre un plan', 'Attach a plan', '', '')
         RETURNING id`,
      );
      const [result] = await db.query(
        `INSERT INTO acceptance_result (criterion_id, account_id, recorded_by, outcome, note,
                                        stage, cohorts, language, service_revision)
         VALUES ($1, $2, $2, 'fail', 'Non', 'closed', '{}', 'fr', 1) RETURNING id`,
        [criterion.id, who.accountId],
      );
      const failure = (happened: string) => ({
        ...item(who.accountId),
        channel: 'web' as const,
        kind: 'problem' as const,
        severity: 'major' as const,
        happened,
        acceptanceResultId: result.id as string,
      });
      const events = {
        stored: {
          actor: { type: 'person' as const, id: who.accountId },
          action: 'feedback.submitted',
          after: { source: 'acceptance' },
        },
        updated: {
          actor: { type: 'person' as const, id: who.accountId },
          action: 'feedback.acceptance_failure_updated',
          after: { acceptanceResultId: result.id },
        },
      };
      await expect(
        db.transaction((m) => feedback.storeAcceptanceFailure(m, failure('Non'), events)),
      ).resolves.toBe(true);
      await expect(
        db.transaction((m) => feedback.storeAcceptanceFailure(m, failure('Toujours non'), events)),
      ).resolves.toBe(false);
      const items = await db.query(
        `SELECT feedback_item.happened FROM feedback_item
          WHERE feedback_item.acceptance_result_id = $1`,
        [result.id],
      );
      expect(items).toEqual([{ happened: 'Toujours non' }]);
      const actions = await db.query(
        `SELECT audit_event.action FROM audit_event
           JOIN feedback_item ON feedback_item.id::text = audit_event.entity_id
          WHERE feedback_item.acceptance_result_id = $1
          ORDER BY audit_event.id`,
        [result.id],
      );
      expect(actions.map((a: { action: string }) => a.action)).toEqual([
        'feedback.submitted',
        'feedback.acceptance_failure_updated',
      ]);
    });

    it('is the only code that inserts into feedback_item, the demo’s past aside', () => {
      const root = resolve(import.meta.dirname, '..', '..');
      const writers: string[] = [];
      const walk = (dir: string) => {
        for (const name of readdirSync(dir)) {
          const path = join(dir, name);
          if (statSync(path).isDirectory()) walk(path);
          else if (name.endsWith('.ts') && !name.endsWith('.spec.ts'))
            if (/INSERT\s+INTO\s+feedback_item\b/i.test(readFileSync(path, 'utf8')))
              writers.push(relative(root, path));
        }
      };
      walk(root);
      // The demo seed writes the demo's past (backdated items, stamped with their
      // cohorts as FeedbackService stamps them), which no form could give.
      expect(writers.sort()).toEqual([
        'modules/feedback/feedback.service.ts',
        'modules/rollout/demo-rollout.seed.ts',
      ]);
    });
  });
});
