import type { DataSource } from 'typeorm';
import { DataSource as DataSourceToken } from 'typeorm';
import { Refusal } from '../../platform/errors/refusal.js';
import { newToken, tokenHash } from '../../platform/security/tokens.js';
import { createPerson, uniqueEmail } from '../../../test/support/people.js';
import { startTestApp, type TestApp } from '../../../test/support/test-app.js';
import { PilotService } from './pilot.service.js';

const origin = { ip: '203.0.113.9', requestId: 'test' };
let smes = 0;

/** PilotService against the real PostgreSQL: the rules of volunteering an SME. */
describe('PilotService (medium)', () => {
  let t: TestApp;
  let db: DataSource;
  let pilot: PilotService;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMITS: 'pilot-volunteer:account=3/3600' });
    db = t.app.get(DataSourceToken);
    pilot = t.app.get(PilotService);
  });
  afterAll(() => t.close());

  async function ownerOfNewSme() {
    const person = await createPerson(db);
    const [org] = await db.query(
      `INSERT INTO organization (legal_name, neq, street_address, city, postal_code, employee_count,
         naics_code, contact_name, contact_email, contact_phone, verified_at)
       VALUES ('Fromagerie des Cantons inc.', $1, '3 rue du Lac', 'Val-des-Cèdres', 'J0A 1B0', 8,
         '31-33', $2, $3, '418 555-0100', now())
       RETURNING id`,
      [
        `33${String(Date.now() % 1e6).padStart(6, '0')}${String(smes++ % 100).padStart(2, '0')}`,
        person.displayName,
        person.email,
      ],
    );
    await db.query(
      `INSERT INTO organization_membership (organization_id, account_id, role)
       VALUES ($1, $2, 'owner')`,
      [org.id, person.id],
    );
    return { person, organizationId: org.id as string };
  }

  it('refuses an account its volunteer requests past the configured limit, with Retry-After', async () => {
    const { person, organizationId } = await ownerOfNewSme();
    const first = await pilot.volunteer(
      person,
      organizationId,
      'Nous voulons essayer',
      true,
      origin,
    );
    expect(first.ok).toBe(true);
    // Each request counts, refused or not: one pending request per SME.
    for (let i = 0; i < 2; i++)
      expect(await pilot.volunteer(person, organizationId, 'Encore', true, origin)).toEqual({
        ok: false,
        problem: 'pending',
      });

    const refused = await pilot.volunteer(person, organizationId, 'Encore', true, origin).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(Refusal);
    const refusal = refused as Refusal;
    expect(refusal.code).toBe('too-many');
    expect(refusal.status).toBe(429);
    expect(refusal.field).toBe('message');
    expect(refusal.spec.message).toBe('accounts.errors.tooMany');
    expect(refusal.details.params).toEqual({ minutes: 60 });
    expect(Number(refusal.details.headers?.['Retry-After'])).toBeGreaterThan(3500);

    // Nothing more was stored than the one request.
    const [{ count }] = await db.query(
      `SELECT count(*)::int AS count FROM pilot_volunteer WHERE pilot_volunteer.organization_id = $1`,
      [organizationId],
    );
    expect(count).toBe(1);
  });

  it('counts per account: another owner is not limited by the first', async () => {
    const { person, organizationId } = await ownerOfNewSme();
    const result = await pilot.volunteer(person, organizationId, '', true, origin);
    expect(result.ok).toBe(true);
  });

  it('refuses someone who does not own the SME (after counting the request)', async () => {
    const { organizationId } = await ownerOfNewSme();
    const stranger = await createPerson(db);
    expect(await pilot.volunteer(stranger, organizationId, '', true, origin)).toEqual({
      ok: false,
      problem: 'not-owner',
    });
    const [{ hits }] = await db.query(
      `SELECT rate_limit_hit.hits FROM rate_limit_hit WHERE rate_limit_hit.key = $1`,
      [`pilot-volunteer:account:${stranger.id}`],
    );
    expect(hits).toBe(1);
  });

  async function cohortInvitation(audience: 'business' | 'citizen', invitedEmail: string) {
    const token = newToken();
    const [cohort] = await db.query(
      `INSERT INTO cohort (slug, name, description, audience)
       VALUES ($1, 'Pilote de test', 'Pour les tests du service.', $2) RETURNING id`,
      [`pilote-${Math.random().toString(36).slice(2, 10)}`, audience],
    );
    await db.query(
      `INSERT INTO cohort_member (cohort_id, status, source, token_hash, token_expires_at, invited_email)
       VALUES ($1, 'invited', 'invitation', $2, now() + interval '14 days', $3)`,
      [cohort.id, tokenHash(token), invitedEmail],
    );
    return { cohortId: cohort.id as string, token };
  }

  const refusalsAudited = async (cohortId: string) =>
    (
      await db.query(
        `SELECT count(*)::int AS count FROM audit_event
          WHERE audit_event.action = 'pilot.invitation_refused' AND audit_event.entity_id = $1`,
        [cohortId],
      )
    )[0].count as number;

  it('asks an address invited to a business cohort which SME joins before anything else (nothing audited)', async () => {
    const { cohortId, token } = await cohortInvitation('business', uniqueEmail('invited'));
    const someoneElse = await createPerson(db);
    expect(await pilot.accept(someoneElse, token, { termsAccepted: true }, origin)).toEqual({
      ok: false,
      problem: 'organization-required',
    });
    expect(await refusalsAudited(cohortId)).toBe(0);
  });

  it('refuses, and audits, an invitation answered by an account that does not hold its address', async () => {
    const { cohortId, token } = await cohortInvitation('citizen', uniqueEmail('tester'));
    const someoneElse = await createPerson(db);
    const refused = await pilot.accept(someoneElse, token, { termsAccepted: true }, origin);
    expect(refused).toMatchObject({ ok: false, problem: 'not-addressee' });
    expect(await refusalsAudited(cohortId)).toBe(1);
  });

  it('lets the addressee join, naming the cohort (and no SME for a tester)', async () => {
    const tester = await createPerson(db);
    const { cohortId, token } = await cohortInvitation('citizen', tester.email);
    expect(await pilot.accept(tester, token, { termsAccepted: true }, origin)).toEqual({
      ok: true,
      cohortId,
      cohortName: 'Pilote de test',
      organization: undefined,
    });
    // Only a member may leave, and only their own pilot.
    const actingAs = { audience: 'citizen' as const, accountId: tester.id, staff: false };
    expect(await pilot.withdrawable(tester, actingAs, cohortId)).toMatchObject({
      cohortId,
      name: 'Pilote de test',
    });
    const stranger = await createPerson(db);
    await expect(
      pilot.withdrawable(stranger, { ...actingAs, accountId: stranger.id }, cohortId),
    ).rejects.toMatchObject({ code: 'not-found', status: 404 });
  });
});
