import request from 'supertest';
import { DataSource } from 'typeorm';
import { createPerson, signedInAgent } from './support/people.js';
import { csrfFrom, startTestApp, type TestApp } from './support/test-app.js';

/**
 * Whom the portal believes about a client's address. The tests connect from
 * 127.0.0.1 and claim other addresses with X-Forwarded-For; only a portal told
 * that 127.0.0.1 is its proxy may believe them, for rate limits and for the
 * audit trail alike.
 */
describe('TRUST_PROXY', () => {
  /** Registrations allowed per address and hour, lowered from 20 to keep the test short. */
  const REGISTRATIONS_PER_HOUR = 3;
  const limits = { RATE_LIMITS: `register:ip=${REGISTRATIONS_PER_HOUR}/3600` };

  /** The statuses of one more registration than the limit, each claiming a different address. */
  async function registerFromManyAddresses(portal: TestApp, subnet: string) {
    const statuses: number[] = [];
    for (let i = 1; i <= REGISTRATIONS_PER_HOUR + 1; i++) {
      const ip = `${subnet}.${i}`;
      const agent = request.agent(portal.url);
      const csrf = csrfFrom((await agent.get('/register').set('X-Forwarded-For', ip)).text);
      const res = await agent
        .post('/register')
        .set('X-Forwarded-For', ip)
        .type('form')
        .send({ _csrf: csrf, displayName: '' });
      statuses.push(res.status);
    }
    return statuses;
  }

  /** The address the audit trail recorded for a sign-in that claimed `claimed`. */
  async function auditedAddressOfSignIn(portal: TestApp, claimed: string) {
    const db = portal.app.get(DataSource);
    const person = await createPerson(db);
    await signedInAgent(portal.url, person.email, 'fr', claimed);
    const [row] = await db.query(
      `SELECT host(audit_event.ip) AS ip FROM audit_event
        WHERE audit_event.action = 'account.signed_in' AND audit_event.entity_id = $1`,
      [person.id],
    );
    return row.ip as string;
  }

  describe('unset (the default)', () => {
    let portal: TestApp;
    beforeAll(async () => {
      portal = await startTestApp(limits);
    });
    afterAll(() => portal.close());

    it('ignores X-Forwarded-For: changing it does not escape the rate limit', async () => {
      const statuses = await registerFromManyAddresses(portal, '198.51.100');
      expect(statuses.slice(0, REGISTRATIONS_PER_HOUR).every((s) => s === 422)).toBe(true);
      expect(statuses[REGISTRATIONS_PER_HOUR]).toBe(429);
    });

    it('audits the address the connection came from, not the one claimed', async () => {
      expect(await auditedAddressOfSignIn(portal, '203.0.113.7')).toBe('127.0.0.1');
    });
  });

  describe('a CIDR that holds the client (the proxy)', () => {
    let portal: TestApp;
    beforeAll(async () => {
      portal = await startTestApp({ ...limits, TRUST_PROXY: '10.0.0.0/8,127.0.0.0/8' });
    });
    afterAll(() => portal.close());

    it('counts each forwarded address on its own', async () => {
      const statuses = await registerFromManyAddresses(portal, '198.51.100');
      expect(statuses.every((s) => s === 422)).toBe(true);
    });

    it('audits the forwarded address', async () => {
      expect(await auditedAddressOfSignIn(portal, '203.0.113.7')).toBe('203.0.113.7');
    });
  });

  describe('a CIDR that does not hold the client', () => {
    let portal: TestApp;
    beforeAll(async () => {
      portal = await startTestApp({ ...limits, TRUST_PROXY: '10.0.0.0/8' });
    });
    afterAll(() => portal.close());

    it('ignores X-Forwarded-For for the rate limit', async () => {
      const statuses = await registerFromManyAddresses(portal, '198.51.100');
      expect(statuses[REGISTRATIONS_PER_HOUR]).toBe(429);
    });

    it('ignores X-Forwarded-For for the audit trail', async () => {
      expect(await auditedAddressOfSignIn(portal, '203.0.113.7')).toBe('127.0.0.1');
    });
  });
});
