import fc from 'fast-check';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { DataSource } from 'typeorm';
import { NAICS_CODES } from '../src/modules/organizations/naics-sectors.js';
import { createPerson, signedInAgent, uniqueEmail } from './support/people.js';
import { csrfFrom, startTestApp, type TestApp } from './support/test-app.js';

type Agent = InstanceType<typeof TestAgent>;

/**
 * Properties: whatever a signed-in person sends to the SME form or to the
 * invitation form, the portal answers with a redirect (done) or a 422
 * (re-rendered with errors), never a 500; an SME exists exactly when the answer
 * was the redirect, always with exactly one owner membership (its creator); an
 * invitation exists exactly when the answer was the redirect.
 */
describe('SME and invitation forms under arbitrary input', () => {
  let portal: TestApp;
  let db: DataSource;
  let person: { id: string; email: string };
  let agent: Agent;
  let csrf: string;

  beforeAll(async () => {
    // Behind a proxy, so each run can come from its own (documentation-range) address.
    portal = await startTestApp({ TRUST_PROXY: 'loopback' });
    db = portal.app.get(DataSource);
    person = await createPerson(db, { email: uniqueEmail('owner') });
    agent = await signedInAgent(portal.url, person.email, 'fr', '192.0.2.1');
    csrf = csrfFrom((await agent.get('/organizations/new')).text);
  });
  afterAll(() => portal.close());

  const anyValue = fc.oneof(
    fc.string(),
    fc.string({ unit: 'grapheme', maxLength: 300 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.emailAddress(),
    fc.integer().map(String),
    fc.constantFrom(
      '',
      ' ',
      '\u0000',
      'a\u0000b',
      '0',
      '-1',
      '1e3',
      '12.5',
      '9999999999',
      'owner',
      'member',
      '<script>alert(1)</script>',
      "'; DROP TABLE organization; --",
      'a'.repeat(5000),
    ),
    fc.jsonValue({ maxDepth: 2 }),
  );
  /** Mostly plausible values, so that some forms go through. */
  const field = (plausible: fc.Arbitrary<string>) =>
    fc.oneof({ arbitrary: plausible, weight: 9 }, { arbitrary: anyValue, weight: 1 });

  const smeForm = fc.record({
    legalName: field(fc.string({ minLength: 1, maxLength: 60 })),
    neq: field(
      fc
        .array(fc.integer({ min: 0, max: 9 }), { minLength: 10, maxLength: 10 })
        .map((d) => d.join('')),
    ),
    streetAddress: field(fc.constantFrom('12, rue du Moulin', '1 Main St.', '  3 boul. Nord ')),
    city: field(fc.constantFrom('Val-des-Cèdres', 'Québec', 'Montréal')),
    postalCode: field(fc.constantFrom('G1R 4P5', 'h2x1y4', 'K1A 0B1', 'j8y-3z1')),
    employeeCount: field(fc.nat({ max: 100_000 }).map(String)),
    naicsCode: field(fc.constantFrom(...NAICS_CODES)),
    contactName: field(fc.string({ minLength: 1, maxLength: 40 })),
    contactEmail: field(fc.emailAddress()),
    contactPhone: field(fc.constantFrom('418 555-0123', '(514) 555-0199', '+1 819 555 0100')),
  });

  const encode = (payload: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(payload).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    );

  const count = async (table: string) =>
    (await db.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n as number;

  it('registers an SME exactly when it answers 303, always with one owner, never a 500', async () => {
    let run = 0;
    let registered = 0;
    await fc.assert(
      fc.asyncProperty(smeForm, fc.boolean(), async (fields, asJson) => {
        run++;
        const before = await count('organization');
        const payload = { ...fields, _csrf: csrf };
        const post = agent
          .post('/organizations/new')
          .set('X-Forwarded-For', `203.0.113.${run % 250}`);
        const res = asJson
          ? await post.send(payload)
          : await post.type('form').send(encode(payload));
        expect([303, 422]).toContain(res.status);
        const after = await count('organization');
        if (res.status === 303) {
          registered++;
          expect(after).toBe(before + 1);
          const id = /^\/organizations\/([0-9a-f-]{36})$/.exec(res.headers.location)![1];
          expect(
            await db.query(
              `SELECT account_id, role FROM organization_membership WHERE organization_id = $1`,
              [id],
            ),
          ).toEqual([{ account_id: person.id, role: 'owner' }]);
        } else {
          expect(after).toBe(before);
        }
      }),
      { numRuns: 150, interruptAfterTimeLimit: 60_000 },
    );
    // Both outcomes were exercised, and no SME is left without exactly one owner.
    expect(registered).toBeGreaterThan(0);
    expect(registered).toBeLessThan(run);
    expect(
      await db.query(
        `SELECT o.id FROM organization o
         WHERE (SELECT count(*) FROM organization_membership m
                WHERE m.organization_id = o.id AND m.role = 'owner') <> 1
            OR (SELECT count(*) FROM organization_membership m WHERE m.organization_id = o.id) <> 1`,
      ),
    ).toEqual([]);
  });

  it('stores an invitation exactly when it answers 303, never a 500', async () => {
    const [organization] = await db.query(
      `SELECT organization_id AS id FROM organization_membership WHERE account_id = $1 LIMIT 1`,
      [person.id],
    );
    const id = organization?.id ?? (await createSme());
    const invitationForm = fc.record(
      {
        email: field(fc.emailAddress()),
        role: field(fc.constantFrom('owner', 'member')),
      },
      { requiredKeys: [] },
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(invitationForm, fc.boolean(), async (fields, asJson) => {
        run++;
        const before = await count('organization_invitation');
        const payload = { ...fields, _csrf: csrf };
        const post = agent
          .post(`/organizations/${id}/invitations`)
          .set('X-Forwarded-For', `198.51.100.${run % 250}`);
        const res = asJson
          ? await post.send(payload)
          : await post.type('form').send(encode(payload));
        expect([303, 422, 429]).toContain(res.status);
        expect(await count('organization_invitation')).toBe(before + (res.status === 303 ? 1 : 0));
      }),
      { numRuns: 100, interruptAfterTimeLimit: 60_000 },
    );
    // Nobody became a member without accepting.
    expect(
      await db.query(`SELECT account_id FROM organization_membership WHERE organization_id = $1`, [
        id,
      ]),
    ).toEqual([{ account_id: person.id }]);
  });

  async function createSme(): Promise<string> {
    const res = await agent.post('/organizations/new').type('form').send({
      _csrf: csrf,
      legalName: 'Garage Lavoie',
      neq: '2234567890',
      streetAddress: '5, rue Principale',
      city: 'Val-des-Cèdres',
      postalCode: 'G1R 4P5',
      employeeCount: '4',
      naicsCode: '81',
      contactName: 'Paul Lavoie',
      contactEmail: 'paul@garage.example',
      contactPhone: '418 555-0144',
    });
    return /([0-9a-f-]{36})$/.exec(res.headers.location)![1];
  }

  it('answers anonymous posts with a redirect to sign in, storing nothing', async () => {
    const anonymous = request.agent(portal.url);
    const token = csrfFrom((await anonymous.get('/sign-in')).text);
    const before = await count('organization');
    const res = await anonymous.post('/organizations/new').type('form').send({ _csrf: token });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/sign-in?return=%2Forganizations%2Fnew');
    expect(await count('organization')).toBe(before);
  });
});
