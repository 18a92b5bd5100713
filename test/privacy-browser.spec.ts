import type { Browser } from 'playwright-core';
import { launchChromium, screenshot, wcagViolations } from './support/browser.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * The privacy policy (`/privacy`, issue 18, Québec's Law 25): in public, from
 * every page's footer, in French and English, axe-clean; it shows the
 * retention periods and the person responsible as configured, not a copy.
 */
describe('the privacy policy', () => {
  let portal: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    portal = await startTestApp({
      DRAFT_RETENTION_DAYS: '200',
      CLOSED_ACCOUNT_RETENTION_DAYS: '1',
      RATE_LIMIT_RETENTION_HOURS: '48',
      AUDIT_PERSONAL_DATA_RETENTION_DAYS: '3653',
      PRIVACY_OFFICER_NAME: 'Hélène Roy',
      PRIVACY_OFFICER_TITLE: 'Greffière',
      PRIVACY_OFFICER_EMAIL: 'prp@ville.example',
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.close();
  });

  const expected = {
    fr: {
      h1: 'Politique de confidentialité',
      drafts: 'Supprimés, avec leurs fichiers, 200 jours après leur dernière modification.',
      closed: '1 jour plus tard',
      emails: 'Effacés 30 jours après leur envoi.',
      rateLimits: 'Effacés 48 heures après avoir servi.',
      audit: /après 3\s653 jours \(environ 10 ans\)/,
    },
    en: {
      h1: 'Privacy policy',
      drafts: 'Deleted, with their files, 200 days after they were last changed.',
      closed: '1 day later',
      emails: 'Erased 30 days after they were sent.',
      rateLimits: 'Erased 48 hours after they last mattered.',
      audit: /after 3,653 days \(about 10 years\)/,
    },
  };

  for (const locale of ['fr', 'en'] as const) {
    it(`says what is kept and how long, from the footer, in ${locale}, with no WCAG 2.1 A/AA violation`, async () => {
      const context = await browser.newContext({ locale: locale === 'fr' ? 'fr-CA' : 'en-CA' });
      await context.addCookies([{ name: 'guichet_lang', value: locale, url: portal.url }]);
      const page = await context.newPage();
      try {
        await page.goto(`${portal.url}/`);
        await page.click('footer a[href="/privacy"]');
        await page.waitForURL(`${portal.url}/privacy`);
        const want = expected[locale];
        expect(await page.getAttribute('html', 'lang')).toBe(locale);
        expect(await page.textContent('h1')).toBe(want.h1);
        expect(await page.title()).toContain(want.h1);
        expect(await page.textContent('[data-period="drafts"]')).toBe(want.drafts);
        expect(await page.textContent('[data-period="closed-accounts"]')).toContain(want.closed);
        expect(await page.textContent('[data-period="emails"]')).toBe(want.emails);
        expect(await page.textContent('[data-period="rate-limits"]')).toBe(want.rateLimits);
        expect(await page.textContent('[data-period="audit"]')).toMatch(want.audit);
        const officer = (await page.textContent('[data-officer]'))!.replace(/\s+/g, ' ').trim();
        expect(officer).toBe('Hélène Roy Greffière prp@ville.example');
        expect(await page.getAttribute('[data-officer] a', 'href')).toBe(
          'mailto:prp@ville.example',
        );
        // The person's rights, each where it is exercised.
        for (const href of ['/account/data', '/account/profile', '/account/close'])
          expect(await page.locator(`main a[href="${href}"]`).count()).toBe(1);
        await screenshot(page, `privacy-${locale}`);
        expect(await wcagViolations(page)).toEqual([]);
      } finally {
        await context.close();
      }
    });
  }
});
