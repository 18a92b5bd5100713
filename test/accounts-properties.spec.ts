import fc from 'fast-check';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { csrfFrom, startTestApp, type TestApp } from './support/test-app.js';

/**
 * Property: whatever a client sends to the registration form, the portal answers
 * with a redirect (registered), a 422 (re-rendered with errors) or a 429 — never
 * a 500 — and an account exists exactly when it answered with the redirect.
 */
describe('registration under arbitrary input', () => {
  let portal: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    // Behind a proxy, so each run can come from its own (documentation-range) address.
    portal = await startTestApp({ TRUST_PROXY: 'loopback' });
    db = portal.app.get(DataSource);
  });
  afterAll(() => portal.close());

  const anyValue = fc.oneof(
    fc.string(),
    fc.string({ unit: 'grapheme', maxLength: 300 }),
    fc.emailAddress(),
    fc.constantFrom(
      '',
      ' ',
      'fr',
      'en',
      '<script>alert(1)</script>',
      "'; DROP TABLE account; --",
      'a'.repeat(5000),
    ),
    fc.jsonValue({ maxDepth: 2 }),
  );
  const body = fc.record(
    { displayName: anyValue, email: anyValue, password: anyValue, preferredLocale: anyValue },
    { requiredKeys: [] },
  );

  it('never fails with a 500 and stores an account only when it says so', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), async (fields, asJson) => {
        run++;
        const ip = `203.0.113.${run % 250}`;
        const agent = request.agent(portal.url);
        const page = await agent.get('/register').set('X-Forwarded-For', ip);
        const before = await db.query(`SELECT count(*)::int AS n FROM account`);
        const post = agent.post('/register').set('X-Forwarded-For', ip);
        const payload = { ...fields, _csrf: csrfFrom(page.text) };
        const res = asJson
          ? await post.send(payload)
          : await post
              .type('form')
              .send(
                Object.fromEntries(
                  Object.entries(payload).map(([k, v]) => [
                    k,
                    typeof v === 'string' ? v : JSON.stringify(v),
                  ]),
                ),
              );
        expect([303, 422, 429]).toContain(res.status);
        const after = await db.query(`SELECT count(*)::int AS n FROM account`);
        if (res.status === 303) {
          // A new account, or the same answer for an address that already has one.
          expect(after[0].n - before[0].n).toBeLessThanOrEqual(1);
          const email = String(fields.email).trim();
          const found = await db.query(`SELECT 1 FROM account WHERE lower(email) = lower($1)`, [
            email,
          ]);
          expect(found.length).toBe(1);
        } else {
          expect(after[0].n).toBe(before[0].n);
        }
      }),
      { numRuns: 150, interruptAfterTimeLimit: 60_000 },
    );
  });

  for (const [path, fields] of [
    ['/sign-in', ['email', 'password', 'return']],
    ['/password-reset', ['email']],
  ] as const) {
    it(`answers ${path} with 303, 422 or 429 whatever is sent, never 500`, async () => {
      let run = 0;
      const form = fc.dictionary(fc.constantFrom(...fields), anyValue);
      await fc.assert(
        fc.asyncProperty(form, fc.boolean(), async (values, asJson) => {
          run++;
          const ip = `198.51.100.${run % 250}`;
          const agent = request.agent(portal.url);
          const page = await agent.get(path).set('X-Forwarded-For', ip);
          const payload = { ...values, _csrf: csrfFrom(page.text) };
          const post = agent.post(path).set('X-Forwarded-For', ip);
          const res = asJson
            ? await post.send(payload)
            : await post
                .type('form')
                .send(
                  Object.fromEntries(
                    Object.entries(payload).map(([k, v]) => [
                      k,
                      typeof v === 'string' ? v : JSON.stringify(v),
                    ]),
                  ),
                );
          expect([303, 422, 429]).toContain(res.status);
        }),
        { numRuns: 100, interruptAfterTimeLimit: 60_000 },
      );
    });
  }
});
