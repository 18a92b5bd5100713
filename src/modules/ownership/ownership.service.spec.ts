// Medium tests: OwnershipService against the real PostgreSQL (a fresh clone of the
// migrated template, through the whole app), called directly: who may send
// evidence for an SME, and the evidence limit (rule ownership-evidence:account).
import { DataSource } from 'typeorm';
import { startTestApp, type TestApp } from '../../../test/support/test-app.js';
import { createPerson } from '../../../test/support/people.js';
import { NAICS_CODES } from '../organizations/naics-sectors.js';
import { OrganizationService } from '../organizations/organization.service.js';
import { OwnershipService } from './ownership.service.js';

const origin = { ip: '192.0.2.11', requestId: 'medium-test' };
let neqCounter = 0;
const uniqueNeq = () =>
  `33${String((Date.now() + neqCounter++) % 1e8).padStart(8, '0')}`.slice(0, 10);

describe('OwnershipService (medium, real PostgreSQL)', () => {
  let testApp: TestApp;
  let service: OwnershipService;
  let db: DataSource;

  beforeAll(async () => {
    // One file an hour, as an operator could set it with RATE_LIMITS.
    testApp = await startTestApp({ RATE_LIMITS: 'ownership-evidence:account=1/3600' });
    service = testApp.app.get(OwnershipService);
    db = testApp.app.get(DataSource);
  });
  afterAll(() => testApp.close());

  /** An unverified SME registered by a new owner, with one more member who is not an owner. */
  async function unverifiedSme() {
    const owner = await createPerson(db);
    const member = await createPerson(db);
    const registered = await testApp.app.get(OrganizationService).register(
      owner.id,
      {
        legalName: 'Fromagerie Test inc.',
        neq: uniqueNeq(),
        streetAddress: '2 rue Principale',
        city: 'Lévis',
        postalCode: 'G6V 1A1',
        employeeCount: 4,
        naicsCode: NAICS_CODES[0],
        contactName: 'Test',
        contactEmail: owner.email,
        contactPhone: '418 555-0199',
      },
      origin,
    );
    if (!registered.ok) throw new Error('could not register the SME');
    await db.query(
      `INSERT INTO organization_membership (organization_id, account_id, role) VALUES ($1, $2, 'member')`,
      [registered.id, member.id],
    );
    return { owner, member, organizationId: registered.id };
  }

  const hitsOf = async (accountId: string) =>
    (
      await db.query(`SELECT hits FROM rate_limit_hit WHERE key = $1`, [
        `ownership-evidence:account:${accountId}`,
      ])
    )[0]?.hits as number | undefined;

  it('refuses anyone but an owner before counting a file against the limit', async () => {
    const { member, organizationId } = await unverifiedSme();
    const stranger = await createPerson(db);
    for (let i = 0; i < 2; i++) {
      expect(await service.submitEvidence(member.id, organizationId, { note: '' }, origin)).toEqual(
        { ok: false, problem: 'forbidden' },
      );
      expect(
        await service.submitEvidence(stranger.id, organizationId, { note: '' }, origin),
      ).toEqual({ ok: false, problem: 'not-found' });
    }
    expect(await hitsOf(member.id)).toBeUndefined();
    expect(await hitsOf(stranger.id)).toBeUndefined();
    expect(await service.ownerAccess(member.id, 'not-a-uuid')).toEqual({
      ok: false,
      problem: 'not-found',
    });
  });

  it("counts an owner's files, refused ones too, and refuses beyond the configured limit", async () => {
    const { owner, organizationId } = await unverifiedSme();
    expect(await service.submitEvidence(owner.id, organizationId, { note: '' }, origin)).toEqual({
      ok: false,
      problem: 'evidence-missing',
    });
    const refused = await service.submitEvidence(owner.id, organizationId, { note: '' }, origin);
    expect(refused).toMatchObject({ ok: false, problem: 'too-many' });
    const retryAfter = (refused as { retryAfterSeconds: number }).retryAfterSeconds;
    expect(retryAfter).toBeGreaterThan(3500);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(await hitsOf(owner.id)).toBe(2);
  });

  it('refuses evidence the virus scan finds infected (the real clamd), audited, nothing stored', async () => {
    const { owner, organizationId } = await unverifiedSme();
    // The EICAR test file, built from parts so that no file in the repository is itself EICAR.
    const eicar = Buffer.from(
      ['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-', 'TEST-FILE!$H+H*'].join(''),
    );
    const upload = { originalname: 'registre.pdf', buffer: eicar, size: eicar.length };
    expect(
      await service.submitEvidence(owner.id, organizationId, { note: '', upload }, origin),
    ).toEqual({
      ok: false,
      problem: 'evidence-refused',
    });
    expect(
      await db.query(`SELECT id FROM organization_claim WHERE organization_id = $1`, [
        organizationId,
      ]),
    ).toHaveLength(0);
    const [event] = await db.query(
      `SELECT actor_id AS "actorId", after FROM audit_event
        WHERE action = 'attachment.infected' AND entity_id = $1`,
      [organizationId],
    );
    expect(event.actorId).toBe(owner.id);
    expect(event.after).toMatchObject({
      kind: 'ownership-evidence',
      signature: 'Eicar-Test-Signature.UNOFFICIAL',
    });
  });
});
