import { createServer } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { OutboxService } from '../src/modules/notifications/outbox.service.js';
import { launchChromium, wcagViolations, signedInPage, screenshot } from './support/browser.js';
import { createPerson, PASSWORD, uniqueEmail } from './support/people.js';
import { eventually, startTestApp, type TestApp } from './support/test-app.js';

/** A loopback port nothing listens on: every SMTP attempt is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * An admin finds a failed email from the staff navigation and retries it, in
 * Chromium, in French and English, with no axe-core WCAG 2.1 A/AA violation.
 */
describe('the failed emails page in a browser', () => {
  let portal: TestApp;
  let db: DataSource;
  let browser: Browser;
  let adminEmail: string;
  const recipients = { fr: uniqueEmail('echec'), en: uniqueEmail('failed') };

  beforeAll(async () => {
    portal = await startTestApp({
      SMTP_URL: `smtp://127.0.0.1:${await closedPort()}`,
      EMAIL_RETRY_LIMIT: '0',
      EMAIL_RETRY_DELAY_SECONDS: '1',
    });
    db = portal.app.get(DataSource);
    const admin = await createPerson(db, { displayName: 'Aline Roy' });
    adminEmail = admin.email;
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'admin')`, [admin.id]);
    const outbox = portal.app.get(OutboxService);
    for (const [locale, to] of Object.entries(recipients))
      await db.transaction((manager) =>
        outbox.enqueue(manager, {
          kind: 'password-changed',
          to,
          locale: locale as 'fr' | 'en',
          values: { name: 'Marie', link: 'http://localhost/password-reset?token=t' },
        }),
      );
    await eventually(async () => {
      const [{ failed }] = await db.query(
        `SELECT count(*)::int AS failed FROM outbox_message
          WHERE outbox_message.recipient = ANY($1) AND outbox_message.status = 'failed'`,
        [Object.values(recipients)],
      );
      return failed === 2;
    }, 30_000);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await portal?.close();
  });

  const signedIn = (locale: 'fr' | 'en') =>
    signedInPage(browser, portal.url, adminEmail, locale, {
      password: PASSWORD,
      languageCookie: true,
    });

  async function shot(page: Page, name: string) {
    await screenshot(page, `failed-emails-${name}`);
    expect(await wcagViolations(page)).toEqual([]);
  }

  for (const [locale, texts] of [
    [
      'fr',
      {
        nav: 'Courriels en échec',
        kind: 'Mot de passe modifié',
        retry: 'Réessayer',
        banner: (to: string) => `Le courriel à ${to} est remis en envoi.`,
      },
    ],
    [
      'en',
      {
        nav: 'Failed emails',
        kind: 'Password changed',
        retry: 'Retry',
        banner: (to: string) => `The email to ${to} is back for delivery.`,
      },
    ],
  ] as const) {
    it(`lists a failed email and retries it (${locale})`, async () => {
      const page = await signedIn(locale);
      await page.goto(`${portal.url}/staff`);
      await page.click(`nav a:has-text("${texts.nav}")`);
      await page.waitForLoadState();
      expect(await page.locator('h1').textContent()).toBe(texts.nav);
      const to = recipients[locale];
      const row = page.locator('tr', { hasText: to });
      // The email by its name in the page's language.
      expect(await row.locator('[data-kind="password-changed"]').textContent()).toContain(
        texts.kind,
      );
      await shot(page, `list-${locale}`);

      await row.locator(`button:has-text("${texts.retry}")`).click();
      await page.waitForLoadState();
      expect(await page.locator('.govuk-notification-banner__heading').textContent()).toBe(
        texts.banner(to),
      );
      await shot(page, `retried-${locale}`);
      await page.context().close();
    });
  }
});
