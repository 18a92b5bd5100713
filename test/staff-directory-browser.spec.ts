import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { DataSource } from 'typeorm';
import {
  EMBEDDED_GROUP_OF_ROLE,
  EMBEDDED_ROLE_GROUPS,
} from '../src/platform/embedded/embedded-directory.js';
import {
  startEmbeddedOidc,
  type RunningOidcProvider,
} from '../src/platform/embedded/embedded-oidc.js';
import { findFreePort } from '../src/platform/embedded/free-port.js';
import { launchChromium, screenshot, signedInPage, wcagViolations } from './support/browser.js';
import { hashPassword } from '../src/platform/security/passwords.js';
import { createPerson, PASSWORD, signedInAgent, uniqueEmail } from './support/people.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * Staff sign in with the city's directory (issue 18, ADR 0045), through a real
 * OpenID Provider (the embedded one `npm start` runs) and real redirects: a
 * clerk the portal does not know signs in and gets an account with the role
 * her directory group gives; an admin gives her another role, then removes her
 * from staff, and her open session stops working; the directory alone cannot
 * bring her back. Someone in no Guichet group is refused. Every page checked
 * with axe, in French and English.
 */
const DIRECTORY_PASSWORD = 'mot-de-passe-annuaire-2026';

describe('staff sign-in with the city directory, in a real browser', () => {
  let portal: TestApp;
  let provider: RunningOidcProvider;
  let browser: Browser;
  let db: DataSource;
  let adminEmail = '';
  const clerk = { email: uniqueEmail('claire.annuaire'), name: 'Claire Annuaire' };
  const outsider = { email: uniqueEmail('noe.horsgroupe'), name: 'Noé Horsgroupe' };
  const director = { email: uniqueEmail('diane.directrice'), name: 'Diane Directrice' };
  const pages: Page[] = [];

  beforeAll(async () => {
    const [portalPort, providerPort] = [await findFreePort(), await findFreePort()];
    const publicUrl = `http://127.0.0.1:${portalPort}`;
    provider = await startEmbeddedOidc({
      port: providerPort,
      redirectUri: `${publicUrl}/staff/sign-in/callback`,
      clientId: 'guichet-test',
      clientSecret: 'test-client-secret-0123456789',
      people: [
        { ...clerk, password: DIRECTORY_PASSWORD, groups: [EMBEDDED_GROUP_OF_ROLE.clerk] },
        { ...outsider, password: DIRECTORY_PASSWORD, groups: ['comptabilite'] },
        { ...director, password: DIRECTORY_PASSWORD, groups: [EMBEDDED_GROUP_OF_ROLE.admin] },
      ],
    });
    portal = await startTestApp({
      PORT: String(portalPort),
      PUBLIC_URL: publicUrl,
      OIDC_ISSUER: provider.issuer,
      OIDC_CLIENT_ID: 'guichet-test',
      OIDC_CLIENT_SECRET: 'test-client-secret-0123456789',
      OIDC_SCOPES: 'openid email profile groups',
      OIDC_ROLE_GROUPS: EMBEDDED_ROLE_GROUPS,
    });
    browser = await launchChromium();
    db = portal.app.get(DataSource);
    const admin = await createPerson(db, { displayName: 'Geneviève Admin' });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'admin')`, [admin.id]);
    adminEmail = admin.email;
  });
  afterAll(async () => {
    for (const page of pages) await page.context().close();
    await browser?.close();
    await portal?.close();
    await provider?.stop();
  });

  async function newPage(locale: 'fr' | 'en'): Promise<Page> {
    const context = await browser.newContext({ locale: locale === 'fr' ? 'fr-CA' : 'en-CA' });
    const page = await context.newPage();
    pages.push(page);
    return page;
  }

  /** From the public sign-in page to the directory's form, then back to the portal. */
  async function throughDirectory(page: Page, email: string, password = DIRECTORY_PASSWORD) {
    await page.goto(`${portal.url}/sign-in`);
    await page.click('#staff-sign-in');
    await page.click('#directory-sign-in');
    expect(new URL(page.url()).origin).toBe(provider.issuer);
    await page.fill('#email', email);
    await page.fill('#password', password);
    await page.click('#directory-sign-in');
    await page.waitForLoadState();
  }

  it('signs a clerk the portal does not know in through the directory, making her account', async () => {
    const page = await newPage('fr');
    await page.goto(`${portal.url}/staff/sign-in`);
    expect(await page.textContent('h1')).toBe('Connexion du personnel de la Ville');
    expect(await wcagViolations(page)).toEqual([]);

    // A wrong password stays at the directory.
    await throughDirectory(page, clerk.email, 'pas-le-bon');
    expect(new URL(page.url()).origin).toBe(provider.issuer);
    expect(await page.textContent('#error')).toContain('Adresse ou mot de passe incorrect');

    await page.fill('#email', clerk.email);
    await page.fill('#password', DIRECTORY_PASSWORD);
    await page.click('#directory-sign-in');
    await page.waitForLoadState();
    expect(page.url()).toBe(`${portal.url}/staff`);
    expect(await page.textContent('#your-roles')).toContain('Votre rôle : Préposé');
    expect(await page.locator('#staff-tools a[href="/staff/applications"]').count()).toBe(1);
    expect(await wcagViolations(page)).toEqual([]);
    await screenshot(page, 'staff-directory-home');

    const [account] = await db.query(
      `SELECT a.id, a.display_name, a.email_confirmed_at IS NOT NULL AS confirmed,
              array_agg(s.role) AS roles
       FROM account a JOIN staff_member s ON s.account_id = a.id
       WHERE a.email = $1 GROUP BY a.id`,
      [clerk.email],
    );
    expect(account).toMatchObject({ display_name: clerk.name, confirmed: true, roles: ['clerk'] });
    const events = await db.query(
      `SELECT action, actor_type, actor_id, after FROM audit_event
       WHERE entity_id = $1 ORDER BY id`,
      [account.id],
    );
    expect(events.map((e: { action: string }) => e.action)).toEqual([
      'account.created_for_staff',
      'staff.member_added',
      'staff.directory_linked',
      'account.signed_in',
    ]);
    expect(events[2].after).toMatchObject({
      issuer: provider.issuer,
      subject: clerk.email,
      rolesFromDirectory: ['clerk'],
      rolesKept: [],
    });
    expect(events[3]).toMatchObject({ actor_type: 'person', after: { with: 'directory' } });
  });

  it('an admin gives her a role, then removes her: her open session stops working', async () => {
    const clerkPage = pages[0];
    const [account] = await db.query(`SELECT id FROM account WHERE email = $1`, [clerk.email]);
    const admin = await signedInPage(browser, portal.url, adminEmail, 'fr', { password: PASSWORD });
    pages.push(admin);
    await admin.goto(`${portal.url}/staff/people`);
    await admin.click(`a[href="/staff/people/${account.id}"]`);
    expect(await admin.textContent('h1')).toBe(clerk.name);
    expect(await admin.isChecked('#role-clerk')).toBe(true);
    expect(await wcagViolations(admin)).toEqual([]);
    await screenshot(admin, 'staff-person');

    // Nothing ticked: refused, the roles she has kept.
    await admin.uncheck('#role-clerk');
    await admin.click('#save-roles');
    expect(await admin.textContent('.govuk-error-summary')).toContain('Cochez au moins un rôle');
    expect(await wcagViolations(admin)).toEqual([]);

    await admin.check('#role-clerk');
    await admin.check('#role-analyst');
    await admin.click('#save-roles');
    expect(admin.url()).toBe(`${portal.url}/staff/people`);
    expect(await admin.textContent('.govuk-notification-banner')).toContain(
      'Les rôles de Claire Annuaire sont enregistrés',
    );
    // A role given: her session goes on, with the analyst's tools.
    await clerkPage.goto(`${portal.url}/staff/insights`);
    expect(clerkPage.url()).toBe(`${portal.url}/staff/insights`);

    await admin.goto(`${portal.url}/staff/people/${account.id}`);
    await admin.click('#remove');
    expect(await admin.textContent('h1')).toBe('Retirer Claire Annuaire du personnel ?');
    expect(await wcagViolations(admin)).toEqual([]);
    await admin.click('#confirm-remove');
    expect(await admin.textContent('.govuk-notification-banner')).toContain(
      'Claire Annuaire ne fait plus partie du personnel',
    );
    await clerkPage.goto(`${portal.url}/staff/insights`);
    expect(new URL(clerkPage.url()).pathname).toBe('/sign-in');

    // The directory alone does not bring her back. She is still signed in at
    // the directory (single sign-on): it answers at once, without its form.
    await clerkPage.goto(`${portal.url}/staff/sign-in`);
    await clerkPage.click('#directory-sign-in');
    await clerkPage.waitForLoadState();
    expect(new URL(clerkPage.url()).pathname).toBe('/staff/sign-in/callback');
    expect(await clerkPage.textContent('#sign-in-problem')).toContain('vous a retiré du personnel');
    expect(await wcagViolations(clerkPage)).toEqual([]);
    const [refused] = await db.query(
      `SELECT after FROM audit_event WHERE action = 'staff.directory_sign_in_refused'
       AND entity_id = $1`,
      [`${provider.issuer}#${clerk.email}`],
    );
    expect(refused.after).toEqual({ problem: 'removed', rolesFromDirectory: ['clerk'] });
  });

  it('refuses someone in no Guichet group, in English, and makes no account', async () => {
    const page = await newPage('en');
    await page.goto(`${portal.url}/staff/sign-in`);
    expect(await page.textContent('h1')).toBe('City staff sign-in');
    expect(await wcagViolations(page)).toEqual([]);
    await throughDirectory(page, outsider.email);
    expect(await page.textContent('#sign-in-problem')).toContain(
      'Your City account is in no group that gives access to Guichet',
    );
    expect(await wcagViolations(page)).toEqual([]);
    expect(await db.query(`SELECT 1 FROM account WHERE email = $1`, [outsider.email])).toEqual([]);
  });

  it('keeps someone the directory knows out of the staff area with a Guichet password alone', async () => {
    const [account] = await db.query(`SELECT id FROM account WHERE email = $1`, [clerk.email]);
    // Added back by an admin, and given a password (e.g. through "Forgot your password?").
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'clerk')`, [
      account.id,
    ]);
    await db.query(`UPDATE account SET password_hash = $2 WHERE id = $1`, [
      account.id,
      await hashPassword(PASSWORD),
    ]);
    const agent = await signedInAgent(portal.url, clerk.email);
    const staffHome = await agent.get('/staff');
    expect(staffHome.status).toBe(303);
    expect(staffHome.headers.location).toBe('/staff/sign-in?return=%2Fstaff');
    expect((await agent.get('/account')).status).toBe(200);
  });

  it('asks a directory admin to sign in at the directory again before changing roles when the last check is old', async () => {
    const page = await newPage('fr');
    await throughDirectory(page, director.email);
    expect(page.url()).toBe(`${portal.url}/staff`);
    const [director_] = await db.query(`SELECT id FROM account WHERE email = $1`, [director.email]);
    const [clerk_] = await db.query(`SELECT id FROM account WHERE email = $1`, [clerk.email]);
    await page.goto(`${portal.url}/staff/people/${clerk_.id}`);
    // Her proof, as if the directory had checked her 20 minutes ago.
    await db.query(
      `UPDATE http_session SET sess = jsonb_set(sess::jsonb, '{strongAuthAt}', to_jsonb($2::bigint))::json
       WHERE sess->>'accountId' = $1`,
      [director_.id, Date.now() - 20 * 60_000],
    );
    await page.check('#role-analyst');
    await page.click('#save-roles');
    // The staff sign-in page says why, and offers the directory (a form cannot redirect elsewhere).
    expect(new URL(page.url()).pathname).toBe('/staff/sign-in');
    expect(await page.textContent('#sign-in-again')).toContain('confirmez qui vous êtes');
    expect(await wcagViolations(page)).toEqual([]);
    await page.click('#directory-sign-in');
    // The directory asks for the password although its own session is open (prompt=login).
    expect(new URL(page.url()).origin).toBe(provider.issuer);
    expect(await page.locator('#password').count()).toBe(1);
    expect(
      await db.query(`SELECT role FROM staff_member WHERE account_id = $1`, [clerk_.id]),
    ).toEqual([{ role: 'clerk' }]);
    await page.fill('#email', director.email);
    await page.fill('#password', DIRECTORY_PASSWORD);
    await page.click('#directory-sign-in');
    await page.waitForLoadState();
    expect(page.url()).toBe(`${portal.url}/staff/people/${clerk_.id}`);
    await page.check('#role-analyst');
    await page.click('#save-roles');
    expect(page.url()).toBe(`${portal.url}/staff/people`);
    expect(
      (
        await db.query(`SELECT role FROM staff_member WHERE account_id = $1 ORDER BY role`, [
          clerk_.id,
        ])
      ).map((r: { role: string }) => r.role),
    ).toEqual(['analyst', 'clerk']);
  });

  it('refuses a callback it did not start, or whose state was changed, with 400', async () => {
    const agent = request.agent(portal.url);
    const stray = await agent.get('/staff/sign-in/callback?code=abc&state=xyz');
    expect(stray.status).toBe(400);
    expect(stray.text).toContain('La connexion a expiré ou n’a pas pu être vérifiée');
    const start = await agent.get('/staff/sign-in/directory');
    expect(start.status).toBe(303);
    const authorize = new URL(start.headers.location);
    expect(authorize.origin).toBe(provider.issuer);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('state')).toMatch(/^[\w-]{20,}$/);
    expect(authorize.searchParams.get('nonce')).toMatch(/^[\w-]{20,}$/);
    const forged = await agent.get('/staff/sign-in/callback?code=abc&state=not-the-one');
    expect(forged.status).toBe(400);
  });
});
