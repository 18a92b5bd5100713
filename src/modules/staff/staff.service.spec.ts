import { DataSource } from 'typeorm';
import { Refusal } from '../../platform/errors/refusal.js';
import { createPerson, uniqueEmail } from '../../../test/support/people.js';
import { startTestApp, type TestApp } from '../../../test/support/test-app.js';
import { StaffAuditService } from './staff-audit.service.js';
import { StaffService } from './staff.service.js';

/** Who is staff, and the audit log's filters, against the real PostgreSQL (no HTTP). */
describe('StaffService and StaffAuditService (against PostgreSQL)', () => {
  let portal: TestApp;
  let staff: StaffService;
  let db: DataSource;
  let adminId: string;
  const origin = { ip: '192.0.2.160', requestId: 'staff-test' };

  beforeAll(async () => {
    // Reset-link requests limited to one: adding staff must not be held back by them.
    portal = await startTestApp({ RATE_LIMITS: 'reset:ip=1/3600,reset:email=1/3600' });
    staff = portal.app.get(StaffService);
    db = portal.app.get(DataSource);
    adminId = (await createPerson(db, { displayName: 'Admin' })).id;
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'admin')`, [adminId]);
  });
  afterAll(() => portal.close());

  it('makes someone staff, creating their account with a link to choose a password, however many are added', async () => {
    for (let i = 0; i < 3; i++) {
      const email = uniqueEmail('agent');
      const added = await staff.add(
        adminId,
        { displayName: '  Paul Roy ', email: ` ${email} `, role: 'clerk', preferredLocale: 'fr' },
        origin,
      );
      expect(added).toMatchObject({ displayName: 'Paul Roy', accountCreated: true });
      expect(await staff.rolesOf(added.accountId)).toEqual(['clerk']);
      const [link] = await db.query(
        `SELECT count(*) AS n FROM outbox_message WHERE kind = 'reset-password' AND recipient = $1`,
        [email],
      );
      expect(Number(link.n)).toBe(1);
    }
  });

  it('refuses someone already staff from the add form; their roles are not changed', async () => {
    const person = await createPerson(db);
    await staff.add(
      adminId,
      { displayName: 'Lina', email: person.email, role: 'analyst', preferredLocale: 'fr' },
      origin,
    );
    let refused: unknown;
    try {
      await staff.add(
        adminId,
        {
          displayName: 'Lina',
          email: person.email.toUpperCase(),
          role: 'admin',
          preferredLocale: 'fr',
        },
        origin,
      );
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(Refusal);
    expect((refused as Refusal).code).toBe('already-staff');
    expect((refused as Refusal).status).toBe(422);
    expect(await staff.rolesOf(person.id)).toEqual(['analyst']);
  });

  it("gives the addresses of open staff accounts with the roles asked for, in the caller's transaction", async () => {
    const manager = await createPerson(db, { displayName: 'Rita Rollout' });
    const clerk = await createPerson(db, { displayName: 'Claude Clerk' });
    const closed = await createPerson(db, { displayName: 'Cléo Closed' });
    await db.query(
      `INSERT INTO staff_member (account_id, role) VALUES ($1, 'rollout-manager'), ($2, 'clerk'), ($3, 'rollout-manager')`,
      [manager.id, clerk.id, closed.id],
    );
    await db.query(`UPDATE account SET closed_at = now() WHERE id = $1`, [closed.id]);
    const contacts = await db.transaction((tx) =>
      staff.contactsWithRoles(tx, ['rollout-manager', 'admin']),
    );
    const emails = contacts.map((c) => c.email);
    expect(emails).toContain(manager.email);
    expect(contacts.find((c) => c.email === manager.email)?.preferredLocale).toBeDefined();
    expect(emails).not.toContain(clerk.email);
    expect(emails).not.toContain(closed.email);
    expect((await staff.contactsWithRoles(db.manager, ['clerk'])).map((c) => c.email)).toContain(
      clerk.email,
    );
  });

  describe('roles and removal', () => {
    /** A signed-in session of `accountId`, as express-session stores it. */
    async function sessionOf(accountId: string): Promise<string> {
      const sid = `test-${Math.random().toString(36).slice(2)}`;
      await db.query(
        `INSERT INTO http_session (sid, sess, expire) VALUES ($1, $2, now() + interval '1 hour')`,
        [sid, JSON.stringify({ cookie: {}, accountId })],
      );
      return sid;
    }
    const alive = async (sid: string) =>
      (await db.query(`SELECT 1 FROM http_session WHERE sid = $1`, [sid])).length === 1;
    async function staffWith(...roles: string[]) {
      const person = await createPerson(db, { displayName: 'Dominique Dubé' });
      for (const role of roles)
        await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, $2)`, [
          person.id,
          role,
        ]);
      return person;
    }
    const events = (accountId: string) =>
      db.query(
        `SELECT action, actor_id, before, after FROM audit_event
         WHERE entity_type = 'staff_member' AND entity_id = $1 ORDER BY id`,
        [accountId],
      );

    it('gives more roles without ending sessions, and takes one away ending every session, audited', async () => {
      const person = await staffWith('clerk');
      const sid = await sessionOf(person.id);
      await staff.changeRoles(adminId, person.id, ['analyst', 'clerk'], origin);
      expect(await staff.rolesOf(person.id)).toEqual(['clerk', 'analyst']);
      expect(await alive(sid)).toBe(true);
      await staff.changeRoles(adminId, person.id, ['analyst', 'clerk'], origin);
      await staff.changeRoles(adminId, person.id, ['analyst'], origin);
      expect(await staff.rolesOf(person.id)).toEqual(['analyst']);
      expect(await alive(sid)).toBe(false);
      expect(await events(person.id)).toEqual([
        {
          action: 'staff.roles_changed',
          actor_id: adminId,
          before: { roles: ['clerk'] },
          after: { roles: ['clerk', 'analyst'], sessionsEnded: false },
        },
        {
          action: 'staff.roles_changed',
          actor_id: adminId,
          before: { roles: ['clerk', 'analyst'] },
          after: { roles: ['analyst'], sessionsEnded: true },
        },
      ]);
    });

    it('removes someone from staff, ending their sessions, and keeps their account', async () => {
      const person = await staffWith('rollout-manager', 'analyst');
      const sid = await sessionOf(person.id);
      const other = await sessionOf(adminId);
      await staff.remove(adminId, person.id, origin);
      expect(await staff.rolesOf(person.id)).toEqual([]);
      expect(await alive(sid)).toBe(false);
      expect(await alive(other)).toBe(true);
      const [account] = await db.query(`SELECT closed_at FROM account WHERE id = $1`, [person.id]);
      expect(account).toEqual({ closed_at: null });
      expect(await events(person.id)).toEqual([
        {
          action: 'staff.member_removed',
          actor_id: adminId,
          before: { roles: ['rollout-manager', 'analyst'], email: person.email },
          after: { sessionsEnded: true },
        },
      ]);
      await expect(staff.remove(adminId, person.id, origin)).rejects.toMatchObject({
        code: 'not-staff',
        status: 404,
      });
    });

    it('refuses no role at all, and someone who is not staff (a malformed id too)', async () => {
      const person = await staffWith('clerk');
      await expect(staff.changeRoles(adminId, person.id, [], origin)).rejects.toMatchObject({
        code: 'no-role',
        status: 422,
      });
      const citizen = await createPerson(db);
      for (const id of [citizen.id, 'not-a-uuid'])
        await expect(staff.changeRoles(adminId, id, ['clerk'], origin)).rejects.toMatchObject({
          code: 'not-staff',
        });
      expect(await staff.rolesOf(person.id)).toEqual(['clerk']);
    });

    it('never leaves the city without an admin, even when two admins remove each other at once', async () => {
      // Only these two hold the role while the test runs.
      const others: { account_id: string }[] = await db.query(
        `SELECT account_id FROM staff_member WHERE role = 'admin'`,
      );
      await db.query(`DELETE FROM staff_member WHERE role = 'admin'`);
      try {
        const first = await staffWith('admin', 'clerk');
        const second = await staffWith('admin');
        const results = await Promise.allSettled([
          staff.remove(first.id, second.id, origin),
          staff.remove(second.id, first.id, origin),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        expect(refused.reason).toMatchObject({ code: 'last-admin', status: 422 });
        const [survivor] = await db.query(
          `SELECT account_id FROM staff_member WHERE role = 'admin' AND account_id = ANY($1::uuid[])`,
          [[first.id, second.id]],
        );
        expect(survivor).toBeDefined();
        await expect(
          staff.changeRoles(survivor.account_id, survivor.account_id, ['clerk'], origin),
        ).rejects.toMatchObject({ code: 'last-admin' });
        await expect(
          staff.remove(survivor.account_id, survivor.account_id, origin),
        ).rejects.toMatchObject({ code: 'last-admin' });
      } finally {
        for (const { account_id } of others)
          await db.query(
            `INSERT INTO staff_member (account_id, role) VALUES ($1, 'admin') ON CONFLICT DO NOTHING`,
            [account_id],
          );
      }
    });
  });

  it("checks the audit log's filters, and refuses an edited paging link", async () => {
    const audit = portal.app.get(StaffAuditService);
    expect(
      audit.readFilters({ from: '2026-02-30', to: 'x'.repeat(201), action: ['a', 'b'] }),
    ).toEqual({
      filters: {
        action: '',
        actorId: '',
        entityType: '',
        entityId: '',
        from: '2026-02-30',
        to: 'x'.repeat(201),
      },
      problems: [
        { field: 'from', message: 'staff.audit.errors.dateInvalid' },
        { field: 'to', message: 'staff.audit.errors.tooLong' },
      ],
    });
    expect(audit.readFilters({ from: '2026-03-02', to: '2026-03-01' }).problems).toEqual([
      { field: 'to', message: 'staff.audit.errors.toBeforeFrom' },
    ]);
    const edited = await audit.search({ after: 'not-a-cursor' });
    expect(edited).toMatchObject({ badCursor: true, page: { rows: [] } });
    const found = await audit.search({ action: 'staff.member_added' });
    expect(found.problems).toEqual([]);
    expect(found.page.rows.length).toBeGreaterThan(0);
  });

  it('audits every CSV export, with its filters and row count', async () => {
    const audit = portal.app.get(StaffAuditService);
    const exported = await audit.export(adminId, { action: 'staff.member_added' }, origin);
    expect(exported.ok).toBe(true);
    const [event] = await db.query(
      `SELECT after FROM audit_event WHERE action = 'staff.exported' AND actor_id = $1 ORDER BY id DESC LIMIT 1`,
      [adminId],
    );
    expect(event.after).toMatchObject({
      export: 'audit',
      rows: exported.ok ? exported.rows.length : -1,
      filters: { action: 'staff.member_added' },
    });
    expect((await audit.export(adminId, { from: 'hier' }, origin)).ok).toBe(false);
  });
});
