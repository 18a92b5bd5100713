// Medium tests: OrganizationService against the real PostgreSQL (a fresh clone of
// the migrated template, through the whole app), called directly, as the HTML
// pages, a job or an API would call it. The rules are tested here, where they live.
import { DataSource } from 'typeorm';
import { Refusal } from '../../platform/errors/refusal.js';
import { startTestApp, type TestApp } from '../../../test/support/test-app.js';
import { createPerson, uniqueEmail } from '../../../test/support/people.js';
import { NAICS_CODES } from './naics-sectors.js';
import { OrganizationService } from './organization.service.js';

const origin = { ip: '192.0.2.10', requestId: 'medium-test' };
let neqCounter = 0;
const uniqueNeq = () =>
  `22${String((Date.now() + neqCounter++) % 1e8).padStart(8, '0')}`.slice(0, 10);

/** What a refused call threw: the module and code of its refusal. */
async function refusalOf(call: Promise<unknown>): Promise<Refusal> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Refusal)) throw new Error(`expected a refusal, got ${String(error)}`);
  return error;
}

describe('OrganizationService (medium, real PostgreSQL)', () => {
  let testApp: TestApp;
  let service: OrganizationService;
  let db: DataSource;

  beforeAll(async () => {
    // A small invitation limit, as an operator would set it with RATE_LIMITS.
    testApp = await startTestApp({ RATE_LIMITS: 'invite:account=2/3600' });
    service = testApp.app.get(OrganizationService);
    db = testApp.app.get(DataSource);
  });
  afterAll(() => testApp.close());

  /** An SME registered by a new owner, with one more member who is not an owner. */
  async function smeWithMember() {
    const owner = await createPerson(db, { displayName: 'Olivia Owner' });
    const member = await createPerson(db, { displayName: 'Marc Member' });
    const registered = await service.register(
      owner.id,
      {
        legalName: 'Quincaillerie Test inc.',
        neq: uniqueNeq(),
        streetAddress: '1 rue Principale',
        city: 'Québec',
        postalCode: 'G1R 1A1',
        employeeCount: 8,
        naicsCode: NAICS_CODES[0],
        contactName: 'Olivia Owner',
        contactEmail: owner.email,
        contactPhone: '418 555-0123',
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

  const invitationsOf = async (organizationId: string) =>
    Number(
      (
        await db.query(
          `SELECT count(*)::int AS n FROM organization_invitation WHERE organization_id = $1`,
          [organizationId],
        )
      )[0].n,
    );

  const membersOf = async (organizationId: string) =>
    db.query(
      `SELECT account_id, role FROM organization_membership WHERE organization_id = $1 ORDER BY account_id`,
      [organizationId],
    ) as Promise<{ account_id: string; role: string }[]>;

  describe('the invitation rate limit (rule invite:account)', () => {
    it('refuses an owner over the configured limit with 429, Retry-After and the minutes to wait', async () => {
      const { owner, organizationId } = await smeWithMember();
      for (let i = 0; i < 2; i++)
        await service.invite(
          owner.id,
          organizationId,
          { email: uniqueEmail('guest'), role: 'member' },
          'fr',
          origin,
        );
      const refused = await refusalOf(
        service.invite(
          owner.id,
          organizationId,
          { email: uniqueEmail('guest'), role: 'member' },
          'fr',
          origin,
        ),
      );
      expect([refused.module, refused.code, refused.status]).toEqual([
        'organizations',
        'too-many',
        429,
      ]);
      expect(refused.field).toBe('email');
      const retryAfter = Number(refused.details.headers?.['Retry-After']);
      expect(retryAfter).toBeGreaterThan(3500);
      expect(retryAfter).toBeLessThanOrEqual(3600);
      expect(refused.details.params).toEqual({ minutes: 60 });
      // Nothing stored, nothing sent for the refused one.
      expect(await invitationsOf(organizationId)).toBe(2);
    });

    it('counts per account, and never counts attempts by someone who may not invite', async () => {
      const { owner, member, organizationId } = await smeWithMember();
      // The member is refused (not an owner) as often as they try: no hit counted for them.
      for (let i = 0; i < 3; i++) {
        const refused = await refusalOf(
          service.invite(
            member.id,
            organizationId,
            { email: uniqueEmail('guest'), role: 'member' },
            'fr',
            origin,
          ),
        );
        expect(refused.code).toBe('forbidden');
      }
      const [counter] = await db.query(`SELECT hits FROM rate_limit_hit WHERE key = $1`, [
        `invite:account:${member.id}`,
      ]);
      expect(counter).toBeUndefined();
      // The owner's own allowance is untouched by the member's attempts.
      await service.invite(
        owner.id,
        organizationId,
        { email: uniqueEmail('guest'), role: 'owner' },
        'en',
        origin,
      );
      expect(await invitationsOf(organizationId)).toBe(1);
    });

    it('counts an invitation that is then refused (the address already belongs to a member)', async () => {
      const { owner, member, organizationId } = await smeWithMember();
      const refused = await refusalOf(
        service.invite(
          owner.id,
          organizationId,
          { email: member.email, role: 'member' },
          'fr',
          origin,
        ),
      );
      expect([refused.code, refused.status, refused.field]).toEqual([
        'already-member',
        422,
        'email',
      ]);
      const [counter] = await db.query(`SELECT hits FROM rate_limit_hit WHERE key = $1`, [
        `invite:account:${owner.id}`,
      ]);
      expect(counter.hits).toBe(1);
    });
  });

  describe('only owners manage members', () => {
    it('refuses a member who is not an owner inviting, changing a role or removing (403), changing nothing', async () => {
      const { owner, member, organizationId } = await smeWithMember();
      const before = await membersOf(organizationId);
      const attempts = [
        () =>
          service.invite(
            member.id,
            organizationId,
            { email: uniqueEmail('guest'), role: 'owner' },
            'fr',
            origin,
          ),
        () => service.changeRole(member.id, organizationId, member.id, 'owner', origin),
        () => service.changeRole(member.id, organizationId, owner.id, 'member', origin),
        () => service.removeMember(member.id, organizationId, owner.id, origin),
        () => service.removeMember(member.id, organizationId, member.id, origin),
      ];
      for (const attempt of attempts) {
        const refused = await refusalOf(attempt());
        expect([refused.module, refused.code, refused.status]).toEqual([
          'organizations',
          'forbidden',
          403,
        ]);
      }
      expect(await membersOf(organizationId)).toEqual(before);
      expect(await invitationsOf(organizationId)).toBe(0);
      const [events] = await db.query(
        `SELECT count(*)::int AS n FROM audit_event
          WHERE entity_type = 'organization' AND entity_id = $1 AND action <> 'organization.registered'`,
        [organizationId],
      );
      expect(events.n).toBe(0);
    });

    it('answers someone who is not a member as if the SME did not exist (404)', async () => {
      const { owner, organizationId } = await smeWithMember();
      const stranger = await createPerson(db);
      const attempts = [
        () =>
          service.invite(
            stranger.id,
            organizationId,
            { email: uniqueEmail('guest'), role: 'member' },
            'fr',
            origin,
          ),
        () => service.changeRole(stranger.id, organizationId, owner.id, 'member', origin),
        () => service.removeMember(stranger.id, organizationId, owner.id, origin),
        () =>
          service.invite(
            owner.id,
            'not-a-uuid',
            { email: uniqueEmail('guest'), role: 'member' },
            'fr',
            origin,
          ),
      ];
      for (const attempt of attempts) {
        const refused = await refusalOf(attempt());
        expect([refused.code, refused.status]).toEqual(['not-found', 404]);
      }
    });

    it('lets an owner change a role and remove a member, and keeps the last owner', async () => {
      const { owner, member, organizationId } = await smeWithMember();
      const lastOwner = await refusalOf(
        service.changeRole(owner.id, organizationId, owner.id, 'member', origin),
      );
      expect([lastOwner.code, lastOwner.status, lastOwner.field]).toEqual([
        'last-owner',
        422,
        'members',
      ]);
      await service.changeRole(owner.id, organizationId, member.id, 'owner', origin);
      await service.removeMember(member.id, organizationId, owner.id, origin);
      expect(await membersOf(organizationId)).toEqual([{ account_id: member.id, role: 'owner' }]);
    });
  });

  describe("leaveAll (an account closing, in the caller's transaction)", () => {
    const leftEvents = async (organizationId: string) =>
      db.query(
        `SELECT actor_id, before FROM audit_event
          WHERE action = 'organization.member_left' AND entity_id = $1`,
        [organizationId],
      ) as Promise<{ actor_id: string; before: unknown }[]>;

    it('names the SMEs where the person is the last owner, and changes nothing', async () => {
      const { owner, organizationId } = await smeWithMember();
      const left = await db.transaction((manager) => service.leaveAll(manager, owner.id, origin));
      expect(left).toEqual({ ok: false, organizations: ['Quincaillerie Test inc.'] });
      expect(await membersOf(organizationId)).toHaveLength(2);
      expect(await leftEvents(organizationId)).toEqual([]);
    });

    it('ends every membership of someone who is not a last owner, each audited on its SME', async () => {
      const { member, organizationId } = await smeWithMember();
      const left = await db.transaction((manager) => service.leaveAll(manager, member.id, origin));
      expect(left).toEqual({ ok: true });
      expect((await membersOf(organizationId)).map((m) => m.account_id)).not.toContain(member.id);
      expect(await leftEvents(organizationId)).toEqual([
        { actor_id: member.id, before: { accountId: member.id, role: 'member' } },
      ]);
    });

    it("changes nothing when the caller's transaction rolls back", async () => {
      const { member, organizationId } = await smeWithMember();
      await expect(
        db.transaction(async (manager) => {
          await service.leaveAll(manager, member.id, origin);
          throw new Error('the caller gives up');
        }),
      ).rejects.toThrow('the caller gives up');
      expect(await membersOf(organizationId)).toHaveLength(2);
      expect(await leftEvents(organizationId)).toEqual([]);
    });
  });
});
