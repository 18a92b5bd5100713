import type { Browser } from 'playwright-core';
import { DataSource } from 'typeorm';
import { launchChromium, wcagViolations, signedInPage, screenshot } from './support/browser.js';
import { createPerson, PASSWORD } from './support/people.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const PERMIT = '/staff/services/building-permit/revisions/1/preview';

/**
 * A designer previews the building permit as a resident and as a business, in
 * Chromium, in French and English: start page, a step with its errors, check
 * your answers; no axe-core WCAG 2.1 A/AA violation on any of them.
 */
describe('the preview of a revision in a browser', () => {
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

  for (const [locale, texts] of [
    [
      'fr',
      {
        banner: 'Aperçu — rien n’est enregistré',
        start: 'Commencer',
        problem: 'Il y a un problème',
        check: 'Vérifiez vos réponses',
        asBusiness: 'Voir comme une entreprise',
      },
    ],
    [
      'en',
      {
        banner: 'Preview — nothing is saved',
        start: 'Start now',
        problem: 'There is a problem',
        check: 'Check your answers',
        asBusiness: 'See it as a business',
      },
    ],
  ] as const) {
    it(`walks a resident's and a business's preview (${locale})`, async () => {
      const page = await signedInPage(browser, portal.url, designerEmail, locale, {
        password: PASSWORD,
        languageCookie: true,
      });
      const shot = async (name: string) => {
        await screenshot(page, `studio-preview-${name}-${locale}`);
        expect(await wcagViolations(page)).toEqual([]);
      };
      await page.goto(`${portal.url}${PERMIT}/citizen`);
      expect(await page.locator('[data-preview-banner]').textContent()).toContain(texts.banner);
      await shot('citizen-start');
      await page.getByRole('button', { name: texts.start }).click();
      await page.waitForURL(/\/preview\/citizen\/property$/);
      // Continue without answering: the applicant's errors, on the same page.
      await page.locator('button[value="continue"]').click();
      await page.waitForLoadState();
      expect(await page.locator('.govuk-error-summary').textContent()).toContain(texts.problem);
      await shot('citizen-step-errors');
      await page.goto(`${portal.url}${PERMIT}/citizen/check-your-answers`);
      expect(await page.locator('h1').textContent()).toContain(texts.check);
      await shot('citizen-check');
      await page.getByRole('link', { name: texts.asBusiness }).click();
      await page.waitForURL(/\/preview\/business$/);
      await shot('business-start');
      await page.goto(`${portal.url}${PERMIT}/business/documents`);
      expect(await page.locator('input[type="file"]').count()).toBeGreaterThan(0);
      await shot('business-documents');
      await page.context().close();
    });
  }
});
