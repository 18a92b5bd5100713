import * as OTPAuth from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { TOTP_SEAL_PURPOSE } from '../src/modules/staff/second-factor/second-factor.service.js';
import { Sealer } from '../src/platform/security/sealed.js';
import { launchChromium, screenshot, signedInPage, wcagViolations } from './support/browser.js';
import { createPerson, PASSWORD, signedInAgent } from './support/people.js';
import { csrfFrom, startTestApp, type TestApp } from './support/test-app.js';

/**
 * Local staff accounts use a second factor (issue 18, ADR 0046), as
 * production has it (STAFF_SECOND_FACTOR=required): a clerk signing in with a
 * password enrols an authenticator app from a QR code, gets recovery codes
 * once, and signs in with a code afterwards; a code works once; a recovery
 * code works once; a sensitive action asks the code again when the last one is
 * old; an admin resets a lost second factor. Every page checked with axe.
 */
describe('the staff second factor (TOTP), in a real browser', () => {
  let portal: TestApp;
  let browser: Browser;
  let db: DataSource;
  const people = {} as Record<'clerk' | 'admin', { id: string; email: string }>;
  const secrets = {} as Record<'clerk' | 'admin', string>;
  const pages: Page[] = [];

  beforeAll(async () => {
    portal = await startTestApp({
      STAFF_SECOND_FACTOR: 'required',
      // Room for the lock after 20 wrong codes to show before the rate limit.
      RATE_LIMITS: 'second-factor:account=25/900',
    });
    browser = await launchChromium();
    db = portal.app.get(DataSource);
    for (const role of ['clerk', 'admin'] as const) {
      people[role] = await createPerson(db, {
        displayName: role === 'clerk' ? 'Carole Préposée' : 'Alain Admin',
      });
      await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, $2)`, [
        people[role].id,
        role,
      ]);
    }
  });
  afterAll(async () => {
    for (const page of pages) await page.context().close();
    await browser?.close();
    await portal?.close();
  });

  /** The kinds of the emails queued to `address`, oldest first. */
  const emailsTo = async (address: string) =>
    (
      await db.query(
        `SELECT kind FROM outbox_message WHERE recipient = $1 ORDER BY created_at, id`,
        [address],
      )
    ).map((row: { kind: string }) => row.kind);
  const totp = (secret: string) =>
    new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30 });
  /** The code of the time step `offset` steps from now. */
  const code = (secret: string, offset = 0) =>
    totp(secret).generate({ timestamp: Date.now() + offset * 30_000 });

  async function signIn(who: 'clerk' | 'admin', locale: 'fr' | 'en' = 'fr') {
    const page = await signedInPage(browser, portal.url, people[who].email, locale, {
      password: PASSWORD,
    });
    pages.push(page);
    return page;
  }

  /** Enrols `who` through the pages; returns the page, on the staff home. */
  async function enrol(who: 'clerk' | 'admin', locale: 'fr' | 'en' = 'fr') {
    const page = await signIn(who, locale);
    await page.goto(`${portal.url}/staff`);
    expect(new URL(page.url()).pathname).toBe('/staff/second-factor/enrol');
    secrets[who] = (await page.textContent('#secret'))!.replace(/\s+/g, '');
    await page.fill('#code', code(secrets[who]));
    await page.click('#enrol-form button[type="submit"]');
    await page.click('#continue');
    expect(page.url()).toBe(`${portal.url}/staff`);
    return page;
  }

  it('makes a clerk who signed in with a password enrol an app before the staff area opens', async () => {
    const page = await signIn('clerk');
    // The password alone: the portal is open, the staff area is not.
    await page.goto(`${portal.url}/staff/applications`);
    expect(new URL(page.url()).pathname).toBe('/staff/second-factor/enrol');
    expect(new URL(page.url()).searchParams.get('return')).toBe('/staff/applications');
    expect(await page.locator('figure svg[role="img"]').count()).toBe(1);
    const secret = (await page.textContent('#secret'))!.replace(/\s+/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(await wcagViolations(page)).toEqual([]);
    await screenshot(page, 'second-factor-enrol');

    await page.fill('#code', '000000' === code(secret) ? '111111' : '000000');
    await page.click('#enrol-form button[type="submit"]');
    expect(await page.textContent('.govuk-error-summary')).toContain('Ce code ne fonctionne pas');
    // The same secret after a wrong code: the app already holds it.
    expect((await page.textContent('#secret'))!.replace(/\s+/g, '')).toBe(secret);
    expect(await wcagViolations(page)).toEqual([]);

    const enrolCode = code(secret);
    await page.fill('#code', enrolCode);
    await page.click('#enrol-form button[type="submit"]');
    const codes = await page.locator('#recovery-codes code').allTextContents();
    expect(codes).toHaveLength(10);
    for (const c of codes) expect(c).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    expect(await wcagViolations(page)).toEqual([]);
    await page.click('#continue');
    expect(page.url()).toBe(`${portal.url}/staff/applications`);
    secrets.clerk = secret;

    const [row] = await db.query(
      `SELECT secret_sealed FROM staff_second_factor WHERE account_id = $1`,
      [people.clerk.id],
    );
    expect(row.secret_sealed).toMatch(/^v1\./);
    expect(row.secret_sealed).not.toContain(secret);
    const hashes = await db.query(
      `SELECT code_hash FROM staff_recovery_code WHERE account_id = $1`,
      [people.clerk.id],
    );
    expect(hashes).toHaveLength(10);
    expect(JSON.stringify(hashes)).not.toContain(codes[0].replace('-', ''));
    const [event] = await db.query(
      `SELECT after FROM audit_event WHERE action = 'staff.second_factor_enrolled' AND entity_id = $1`,
      [people.clerk.id],
    );
    expect(event.after).toEqual({ method: 'totp', recoveryCodes: 10 });
    expect(await emailsTo(people.clerk.email)).toEqual(['second-factor-enrolled']);

    // Next sign-in: a code, not an enrolment. The code used to enrol does not work twice.
    const again = await signIn('clerk', 'en');
    await again.goto(`${portal.url}/staff`);
    expect(new URL(again.url()).pathname).toBe('/staff/second-factor');
    expect(await wcagViolations(again)).toEqual([]);
    await again.fill('#code', enrolCode);
    await again.click('#second-factor-form button[type="submit"]');
    expect(await again.textContent('.govuk-error-summary')).toContain('This code does not work');
    // A recovery code works once, and says how many are left.
    await again.fill('#code', codes[0]);
    await again.click('#second-factor-form button[type="submit"]');
    expect(await again.textContent('#codes-left')).toContain('You have 9 recovery codes left.');
    expect(await emailsTo(people.clerk.email)).toEqual([
      'second-factor-enrolled',
      'second-factor-recovery-used',
    ]);
    expect(await wcagViolations(again)).toEqual([]);
    await again.click('#continue');
    expect(again.url()).toBe(`${portal.url}/staff`);

    const third = await signIn('clerk');
    await third.goto(`${portal.url}/staff`);
    await third.fill('#code', codes[0]);
    await third.click('#second-factor-form button[type="submit"]');
    expect(await third.textContent('.govuk-error-summary')).toContain('Ce code ne fonctionne pas');
    // The next step's code (an app a little ahead) is taken.
    await third.fill('#code', code(secret, 1));
    await third.click('#second-factor-form button[type="submit"]');
    expect(third.url()).toBe(`${portal.url}/staff`);
  });

  it('asks an admin for a code again before changing roles when the last one is old', async () => {
    const admin = await enrol('admin');
    await admin.goto(`${portal.url}/staff/people/${people.clerk.id}`);
    expect(await admin.textContent('#sign-in-method')).toContain(
      'Application d’authentification configurée le',
    );
    // The admin's proof, as if given 20 minutes ago (REAUTH_MINUTES is 15).
    await db.query(
      `UPDATE http_session SET sess = jsonb_set(sess::jsonb, '{strongAuthAt}', to_jsonb($2::bigint))::json
       WHERE sess->>'accountId' = $1`,
      [people.admin.id, Date.now() - 20 * 60_000],
    );
    await admin.check('#role-analyst');
    await admin.click('#save-roles');
    expect(new URL(admin.url()).pathname).toBe('/staff/second-factor');
    expect(new URL(admin.url()).searchParams.get('return')).toBe(
      `/staff/people/${people.clerk.id}`,
    );
    expect(
      await db.query(`SELECT role FROM staff_member WHERE account_id = $1`, [people.clerk.id]),
    ).toEqual([{ role: 'clerk' }]);
    await admin.fill('#code', code(secrets.admin, 1));
    await admin.click('#second-factor-form button[type="submit"]');
    expect(admin.url()).toBe(`${portal.url}/staff/people/${people.clerk.id}`);
    await admin.check('#role-analyst');
    await admin.click('#save-roles');
    expect(admin.url()).toBe(`${portal.url}/staff/people`);
  });

  it('lets an admin reset a lost second factor: the person signs out and enrols again', async () => {
    const clerk = pages[0];
    const admin = pages.find((p) => p.url().startsWith(`${portal.url}/staff/people`))!;
    await admin.goto(`${portal.url}/staff/people/${people.clerk.id}`);
    await admin.click('#reset-second-factor');
    expect(await admin.textContent('.govuk-notification-banner')).toContain(
      'La deuxième étape de connexion de Carole Préposée est réinitialisée',
    );
    await clerk.goto(`${portal.url}/staff`);
    expect(new URL(clerk.url()).pathname).toBe('/sign-in');
    await enrol('clerk');
    const [event] = await db.query(
      `SELECT actor_id FROM audit_event WHERE action = 'staff.second_factor_reset' AND entity_id = $1`,
      [people.clerk.id],
    );
    expect(event.actor_id).toBe(people.admin.id);
    expect((await emailsTo(people.clerk.email)).slice(2)).toEqual([
      'second-factor-reset',
      'second-factor-enrolled',
    ]);
  });

  it('locks a second factor after 20 wrong codes in a row, audited, and limits tries per account (429)', async () => {
    // An analyst enrolled already (as the service stores it), guessing.
    const analyst = await createPerson(db, { displayName: 'Gaston Devine' });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'analyst')`, [
      analyst.id,
    ]);
    const secret = new OTPAuth.Secret({ size: 20 });
    await db.query(`INSERT INTO staff_second_factor (account_id, secret_sealed) VALUES ($1, $2)`, [
      analyst.id,
      new Sealer(portal.config.SESSION_SECRET, TOTP_SEAL_PURPOSE).seal(secret.base32, analyst.id),
    ]);
    const agent = await signedInAgent(portal.url, analyst.email);
    const page = await agent.get('/staff/second-factor');
    const csrf = csrfFrom(page.text);
    const post = async (value: string) =>
      (await agent.post('/staff/second-factor').type('form').send({ _csrf: csrf, code: value }))
        .status;
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) statuses.push(await post(i % 2 ? '000000' : 'pas-un-code'));
    expect(statuses.slice(0, 19)).toEqual(Array(19).fill(422));
    expect(statuses.slice(19)).toEqual([423, 423]);
    // Locked: even the right code is refused, until an admin resets it.
    expect(await post(code(secret.base32))).toBe(423);
    const events = await db.query(
      `SELECT action, count(*)::int AS n FROM audit_event
        WHERE entity_id = $1 AND action LIKE 'staff.second_factor_%' GROUP BY action ORDER BY action`,
      [analyst.id],
    );
    expect(events).toEqual([
      { action: 'staff.second_factor_failed', n: 19 },
      { action: 'staff.second_factor_locked', n: 1 },
    ]);
    expect(await emailsTo(analyst.email)).toEqual(['second-factor-locked']);
    // The rate limit (25 here) answers before the lock once it is used up.
    for (let i = 0; i < 3; i++) await post('000000');
    expect(await post('000000')).toBe(429);
    const citizen = await createPerson(db);
    const resident = await signedInAgent(portal.url, citizen.email);
    expect((await resident.get('/staff/second-factor')).status).toBe(404);
    expect((await resident.get('/staff/second-factor/enrol')).status).toBe(404);
    expect((await resident.get('/staff')).status).toBe(404);
  });
});
