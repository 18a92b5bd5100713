import { DataSource } from 'typeorm';
import { createPerson, PASSWORD } from '../../../../test/support/people.js';
import { startTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { verifyPassword } from '../../../platform/security/passwords.js';
import { StaffService } from '../staff.service.js';
import type { DirectoryClaims } from './staff-directory.client.js';
import { StaffDirectoryService } from './staff-directory.service.js';

/** Who the directory lets in, and as whom (ADR 0045), against the real PostgreSQL. */
describe('StaffDirectoryService', () => {
  let portal: TestApp;
  let db: DataSource;
  let directory: StaffDirectoryService;
  let adminId: string;
  const origin = { ip: '192.0.2.45', requestId: 'directory-test' };
  let n = 0;
  const claims = (over: Partial<DirectoryClaims> = {}): DirectoryClaims => ({
    issuer: 'https://login.ville.example',
    subject: `sub-${Date.now()}-${n++}`,
    email: `agent-${Date.now()}-${n++}@ville.example`,
    name: 'Agathe Agent',
    roles: ['clerk'],
    ...over,
  });
  const rolesOf = async (email: string) =>
    (
      await db.query(
        `SELECT s.role FROM staff_member s JOIN account a ON a.id = s.account_id
         WHERE lower(a.email) = lower($1) ORDER BY s.role`,
        [email],
      )
    ).map((r: { role: string }) => r.role);
  const links = (subject: string) =>
    db.query(`SELECT account_id FROM staff_directory_identity WHERE subject = $1`, [subject]);

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    directory = portal.app.get(StaffDirectoryService);
    adminId = (await createPerson(db, { displayName: 'Admin' })).id;
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'admin')`, [adminId]);
  });
  afterAll(() => portal.close());

  it('makes a new person an account with the roles their groups give, once, even from two tabs at once', async () => {
    const who = claims({ roles: ['clerk', 'analyst'] });
    const [first, second] = await Promise.all([
      directory.signIn(who, 'fr', origin),
      directory.signIn(who, 'fr', origin),
    ]);
    expect(first).toMatchObject({ ok: true });
    expect(second).toMatchObject({ ok: true });
    expect(await rolesOf(who.email!)).toEqual(['analyst', 'clerk']);
    expect(await links(who.subject)).toHaveLength(1);
    expect(await directory.signIn({ ...who, roles: [] }, 'fr', origin)).toEqual({
      ok: false,
      problem: 'no-role',
    });
  });

  it("links an existing account only when the directory vouches for the address, keeping an admin's roles", async () => {
    const person = await createPerson(db, { displayName: 'Rita Rollout' });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'rollout-manager')`, [
      person.id,
    ]);
    const who = claims({ email: person.email.toUpperCase(), roles: ['admin'] });
    expect(await directory.signIn(who, 'fr', origin)).toEqual({
      ok: false,
      problem: 'unverified-email',
    });
    expect(await links(who.subject)).toEqual([]);
    expect(await directory.signIn({ ...who, emailVerified: true }, 'fr', origin)).toEqual({
      ok: true,
      accountId: person.id,
      firstTime: true,
    });
    // The directory's groups do not add to what an admin set.
    expect(await rolesOf(person.email)).toEqual(['rollout-manager']);
  });

  it('takes the password away from an account whose address was never confirmed', async () => {
    const person = await createPerson(db);
    await db.query(`UPDATE account SET email_confirmed_at = NULL WHERE id = $1`, [person.id]);
    const who = claims({ email: person.email, emailVerified: true });
    expect(await directory.signIn(who, 'en', origin)).toMatchObject({
      ok: true,
      accountId: person.id,
    });
    const [account] = await db.query(
      `SELECT password_hash, email_confirmed_at FROM account WHERE id = $1`,
      [person.id],
    );
    expect(await verifyPassword(account.password_hash, PASSWORD)).toBe(false);
    expect(account.email_confirmed_at).toBeInstanceOf(Date);
  });

  it('refuses someone an admin removed, linked or not, until an admin adds them again', async () => {
    const staff = portal.app.get(StaffService);
    const person = await createPerson(db, { displayName: 'Rémi Retiré' });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'clerk')`, [person.id]);
    await staff.remove(adminId, person.id, origin);
    const who = claims({ email: person.email, emailVerified: true });
    expect(await directory.signIn(who, 'fr', origin)).toEqual({ ok: false, problem: 'removed' });
    expect(await rolesOf(person.email)).toEqual([]);
    await staff.add(
      adminId,
      { displayName: 'Rémi Retiré', email: person.email, role: 'analyst', preferredLocale: 'fr' },
      origin,
    );
    expect(await directory.signIn(who, 'fr', origin)).toMatchObject({ ok: true });
    expect(await rolesOf(person.email)).toEqual(['analyst']);

    // Removed again; a new address in Guichet, then a closed account: still out.
    await staff.remove(adminId, person.id, origin);
    await db.query(`UPDATE account SET email = $2 WHERE id = $1`, [
      person.id,
      `ailleurs-${person.email}`,
    ]);
    const unlinked = { ...who, subject: `${who.subject}-nouveau` };
    expect(await directory.signIn(unlinked, 'fr', origin)).toEqual({
      ok: false,
      problem: 'removed',
    });
    await db.query(`UPDATE account SET closed_at = now(), email = $2 WHERE id = $1`, [
      person.id,
      `closed+${person.id}@invalid`,
    ]);
    await db.query(`UPDATE staff_removal SET account_id = NULL WHERE account_id = $1`, [person.id]);
    await db.query(`DELETE FROM staff_directory_identity WHERE account_id = $1`, [person.id]);
    expect(await directory.signIn(who, 'fr', origin)).toEqual({ ok: false, problem: 'removed' });
    expect(
      await db.query(`SELECT 1 FROM account WHERE lower(email) = lower($1)`, [person.email]),
    ).toEqual([]);
    const refused = await db.query(
      `SELECT after FROM audit_event WHERE action = 'staff.directory_sign_in_refused'
       AND entity_id = $1`,
      [`${who.issuer}#${who.subject}`],
    );
    const removed = { after: { problem: 'removed', rolesFromDirectory: ['clerk'] } };
    expect(refused).toEqual([removed, removed]);
  });
});
