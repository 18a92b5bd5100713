import { DataSource } from 'typeorm';
import { Refusal } from '../../platform/errors/refusal.js';
import { InvalidForm } from '../../platform/forms/form-page.js';
import { createPerson } from '../../../test/support/people.js';
import { startTestApp, type TestApp } from '../../../test/support/test-app.js';
import { FeedbackHiddenFields, type FeedbackPost } from './dto/feedback-post.js';
import { FeedbackService, type FeedbackAuthor } from './feedback.service.js';

/**
 * FeedbackService.send against the real PostgreSQL ("medium" tests): the
 * form's one way in checks the variant, then the typed fields and the file
 * together, before storing anything.
 */
describe('FeedbackService.send (PostgreSQL)', () => {
  let portal: TestApp;
  let db: DataSource;
  let feedback: FeedbackService;

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    feedback = portal.app.get(FeedbackService);
  });

  afterAll(async () => {
    await portal?.close();
  });

  async function author(): Promise<FeedbackAuthor> {
    const person = await createPerson(db);
    return {
      accountId: person.id,
      actingAs: { audience: 'citizen', accountId: person.id, staff: false },
    };
  }

  function post(body: Record<string, string>, extra: Partial<FeedbackPost> = {}): FeedbackPost {
    return {
      body,
      hidden: FeedbackHiddenFields.of(body),
      userAgent: 'medium-test',
      language: 'fr',
      ...extra,
    };
  }

  const origin = { ip: '192.0.2.40', requestId: 'medium-test' };
  const valid = { kind: 'praise', happened: 'Un plan joint.', page: '/services/building-permit' };

  const itemsOf = async (accountId: string) =>
    Number(
      (
        await db.query(`SELECT count(*) AS n FROM feedback_item WHERE account_id = $1`, [accountId])
      )[0].n,
    );

  it('stores a valid post with the context its hidden fields give', async () => {
    const who = await author();
    const sent = await feedback.send(who, 'building-permit', 'citizen', post(valid), origin);
    const [item] = await db.query(`SELECT page, kind FROM feedback_item WHERE id = $1`, [sent.id]);
    expect(item).toEqual({ page: '/services/building-permit', kind: 'praise' });
  });

  it('refuses an unknown variant with not-found (404), before looking at the form', async () => {
    const who = await author();
    const refused = await feedback
      .send(who, 'building-permit', 'nobody', post({}), origin)
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Refusal);
    expect((refused as Refusal).status).toBe(404);
    expect(await itemsOf(who.accountId)).toBe(0);
  });

  it("refuses the fields' problems and the file's together, and stores nothing", async () => {
    const who = await author();
    const refused = await feedback
      .send(
        who,
        'building-permit',
        'citizen',
        post({ kind: 'problem' }, { uploadProblem: 'too-large' }),
        origin,
      )
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InvalidForm);
    expect((refused as InvalidForm).problems?.map((p) => p.field)).toEqual([
      'severity',
      'happened',
      'attachment',
    ]);
    expect((refused as InvalidForm).values).toMatchObject({ kind: 'problem', happened: '' });
    expect(await itemsOf(who.accountId)).toBe(0);
  });
});
