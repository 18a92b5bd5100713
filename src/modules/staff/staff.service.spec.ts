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
      expect(await staff.roleOf(added.accountId)).toBe('clerk');
      const [link] = await db.query(
        `SELECT count(*) AS n FROM outbox_message WHERE kind = 'reset-password' AND recipient = $1`,
        [email],
      );
      expect(Number(link.n)).toBe(1);
    }
  });

  it('refuses someone already staff, naming their role; the role is not changed', async () => {
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
    expect((refused as Refusal).details.paramKeys).toEqual({ role: 'staff.roles.analyst' });
    expect(await staff.roleOf(person.id)).toBe('analyst');
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
