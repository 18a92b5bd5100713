import type { Browser } from 'playwright-core';
import { DataSource } from 'typeorm';
import { launchChromium, wcagViolations, signedInPage, screenshot } from './support/browser.js';
import { createPerson, PASSWORD } from './support/people.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * A service designer opens the service studio from the staff navigation, in
 * Chromium, in French and English, with no axe-core WCAG 2.1 A/AA violation.
 */
describe('the service studio in a browser', () => {
  let portal: TestApp;
  let browser: Browser;
  let designerEmail: string;

  beforeAll(async () => {
    portal = await startTestApp();
    const db = portal.app.get(DataSource);
    const designer = await createPerson(db, { displayName: 'Élise Conception' });
    designerEmail = designer.email;
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'service-designer')`, [
      designer.id,
    ]);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await portal?.close();
  });

  const signedIn = (locale: 'fr' | 'en') =>
    signedInPage(browser, portal.url, designerEmail, locale, {
      password: PASSWORD,
      languageCookie: true,
    });

  for (const [locale, texts] of [
    ['fr', { role: 'Concepteur de services', permit: 'Permis de construction ou de rénovation' }],
    ['en', { role: 'Service designer', permit: 'Building or renovation permit' }],
  ] as const) {
    it(`lists the services from the staff navigation (${locale})`, async () => {
      const page = await signedIn(locale);
      await page.goto(`${portal.url}/staff`);
      expect(await page.locator('main').textContent()).toContain(texts.role);
      // A designer's navigation: the staff home and the studio, nothing else.
      const links = await page
        .locator('nav.guichet-staff-navigation a')
        .evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      expect(links).toEqual(['/staff/services']);
      await page.click('nav.guichet-staff-navigation a[href="/staff/services"]');
      await page.waitForLoadState();
      expect(await page.locator('h1').textContent()).toBe('Services');
      expect(await page.locator('tbody tr').count()).toBe(5);
      expect(await page.locator('tr[data-service="building-permit"] th').textContent()).toContain(
        texts.permit,
      );
      expect(
        await page.locator('nav.guichet-staff-navigation [aria-current="page"]').textContent(),
      ).toBe('Services');
      await screenshot(page, `studio-services-${locale}`);
      expect(await wcagViolations(page)).toEqual([]);
      await page.context().close();
    });
  }
});
