import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshot } from './support/browser.js';
import { DataSource } from 'typeorm';
import { createPerson } from './support/people.js';
import { eventually, mailFor, startTestApp, type TestApp } from './support/test-app.js';

const PASSWORD = 'une phrase de passe bien longue';
const stamp = Date.now().toString(36);
const OWNER = `journey-owner-${stamp}@exemple.ca`;
const EMPLOYEE = `journey-employee-${stamp}@exemple.ca`;

/**
 * Issue 3's whole journey in a real browser: a person signs up and confirms
 * their address through the emailed link, registers their SME and invites an
 * employee, who signs up too, accepts and acts for the SME; an admin then finds
 * every one of those steps in the audit log.
 */
describe('the accounts journey, in a browser', () => {
  let portal: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    portal = await startTestApp();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.close();
  });

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({
      locale: 'fr-CA',
      viewport: { width: 1100, height: 900 },
    });
    return context.newPage();
  }

  /** The newest link to `path` in the emails sent to `address`. */
  async function linkFromEmail(address: string, path: string): Promise<string> {
    let link = '';
    await eventually(async () => {
      const found = (await mailFor(address))
        .map(
          (m) => new RegExp(`https?://\\S+${path.replace(/[/?]/g, '\\$&')}\\S+`).exec(m.text)?.[0],
        )
        .filter((l): l is string => Boolean(l));
      link = found[found.length - 1] ?? '';
      return link !== '';
    }, 8000);
    const url = new URL(link);
    return `${portal.url}${url.pathname}${url.search}`;
  }

  async function signUpAndConfirm(page: Page, name: string, email: string) {
    await page.goto(`${portal.url}/register`);
    await page.fill('#displayName', name);
    await page.fill('#email', email);
    await page.fill('#password', PASSWORD);
    await page.check('#preferredLocale');
    await page.click('button:has-text("Créer mon compte")');
    await page.waitForURL('**/register/check-email');
    await page.goto(await linkFromEmail(email, '/account/confirm-email?token='));
    await page.click('button:has-text("Confirmer mon adresse")');
    expect(await page.textContent('h1')).toContain('Votre adresse courriel est confirmée');
    await page.goto(`${portal.url}/sign-in`);
    await page.fill('#email', email);
    await page.fill('#password', PASSWORD);
    await page.click('main button:has-text("Se connecter")');
    await page.waitForURL('**/account');
  }

  it('signs up, confirms, registers an SME, invites an employee who accepts and acts for it; the admin sees it all', async () => {
    const owner = await newPage();
    await signUpAndConfirm(owner, 'Marie Tremblay', OWNER);

    await owner.goto(`${portal.url}/organizations/new`);
    await owner.fill('#legalName', 'Fromagerie des Cèdres inc.');
    await owner.fill('#neq', '1144 556 677');
    await owner.fill('#streetAddress', '250 boulevard des Érables');
    await owner.fill('#city', 'Val-des-Cèdres');
    await owner.fill('#postalCode', 'j0a1b0');
    await owner.fill('#employeeCount', '18');
    await owner.selectOption('#naicsCode', '31-33');
    await owner.fill('#contactName', 'Marie Tremblay');
    await owner.fill('#contactEmail', OWNER);
    await owner.fill('#contactPhone', '418-555-0199');
    await owner.click('main button[type="submit"]');
    await owner.waitForURL(/\/organizations\/[0-9a-f-]{36}$/);
    expect(await owner.textContent('h1')).toContain('Fromagerie des Cèdres inc.');
    expect(await owner.textContent('main')).toContain('J0A 1B0');

    await owner.fill('#email', EMPLOYEE);
    await owner.click('main button:has-text("Envoyer")');
    await owner.waitForURL(/invited=1/);

    const employee = await newPage();
    await signUpAndConfirm(employee, 'Kevin Roy', EMPLOYEE);
    await employee.goto(await linkFromEmail(EMPLOYEE, '/invitations/accept?token='));
    await employee.click('button:has-text("Accepter l’invitation")');
    await employee.goto(`${portal.url}/acting-as`);
    await employee.check('label:has-text("Au nom de Fromagerie des Cèdres inc.")');
    await employee.click('main button:has-text("Continuer")');
    expect(await employee.textContent('.govuk-service-navigation')).toContain(
      'Au nom de Fromagerie des Cèdres inc.',
    );
    await screenshot(employee, 'journey-employee-acting');

    const db = portal.app.get(DataSource);
    const admin = await createPerson(db, { displayName: 'Sylvie Admin' });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'admin')`, [admin.id]);
    const staff = await newPage();
    await staff.goto(`${portal.url}/sign-in`);
    await staff.fill('#email', admin.email);
    await staff.fill('#password', 'trois pommes vertes au marché');
    await staff.click('main button:has-text("Se connecter")');
    await staff.waitForURL('**/account');

    const steps = [
      'account.registered',
      'account.email_confirmed',
      'account.signed_in',
      'organization.registered',
      'organization.invitation_sent',
      'organization.member_joined',
      'acting_as.switched',
    ];
    for (const [person, email] of [
      ['Marie Tremblay', OWNER],
      ['Kevin Roy', EMPLOYEE],
    ]) {
      const [{ id }] = await db.query(`SELECT id FROM account WHERE email = $1`, [email]);
      await staff.goto(`${portal.url}/staff/audit?actorId=${id}`);
      const table = (await staff.textContent('main table')) ?? '';
      expect(table).toContain(person);
      const expected =
        person === 'Kevin Roy'
          ? steps.filter(
              (s) => !['organization.registered', 'organization.invitation_sent'].includes(s),
            )
          : steps.filter((s) => !['organization.member_joined', 'acting_as.switched'].includes(s));
      for (const step of expected) expect(table).toContain(step);
    }
    await screenshot(staff, 'journey-audit');
  });
});
