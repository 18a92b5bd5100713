import { mkdirSync } from 'node:fs';
import hbs from 'hbs';
import type { Browser } from 'playwright-core';
import { DataSource } from 'typeorm';
import { compareRevisions } from '../src/modules/studio/revision-comparison.js';
import { comparisonView } from '../src/modules/studio/revision-comparison.presenter.js';
import { I18nService } from '../src/platform/i18n/i18n.service.js';
import { projectPath } from '../src/platform/project-path.js';
import { launchChromium, signedInPage, wcagViolations } from './support/browser.js';
import { createPerson, PASSWORD } from './support/people.js';
import { revisedBuildingPermit } from './support/revisions.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const SCREENSHOTS = projectPath('test-results/screenshots');

/**
 * The comparison of two revisions (the partial studio-comparison) in Chromium,
 * in French and English, with no axe-core WCAG 2.1 A/AA violation. It has no
 * page of its own yet: the studio's list page, served by the portal with its
 * layout, styles and headers, is shown with the comparison in its <main>
 * (rendered by the portal's Handlebars), as the compare page will show it.
 * Every document the browser receives is also checked with html-validate.
 */
describe('the comparison of two revisions in a browser', () => {
  let portal: TestApp;
  let browser: Browser;
  let designerEmail: string;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
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

  for (const locale of ['fr', 'en'] as const)
    it(`shows what changed, in both languages, axe-clean (${locale})`, async () => {
      const { older, newer } = revisedBuildingPermit();
      const view = comparisonView(
        portal.app.get(I18nService),
        locale,
        compareRevisions(older, newer),
        { from: 1, to: 2 },
      );
      const fragment = hbs.handlebars.compile('{{> studio-comparison comparison}}')(
        { comparison: view },
        { data: { root: { locale } } },
      );
      const heading =
        locale === 'fr' ? 'Comparer les révisions 1 et 2' : 'Compare revisions 1 and 2';
      const page = await signedInPage(browser, portal.url, designerEmail, locale, {
        password: PASSWORD,
        languageCookie: true,
      });
      await page.route(`${portal.url}/staff/services`, async (route) => {
        const response = await route.fetch();
        const html = (await response.text()).replace(
          /(<main\b[^>]*>)[\s\S]*(<\/main>)/,
          (_all, open: string, close: string) =>
            `${open}<h1 class="govuk-heading-l">${heading}</h1>${fragment}${close}`,
        );
        await route.fulfill({ response, body: html });
      });
      await page.goto(`${portal.url}/staff/services`);
      expect(await page.locator('h1').textContent()).toBe(heading);
      const other = locale === 'fr' ? 'en' : 'fr';
      // The other language's texts are there, marked as such.
      expect(await page.locator('#compare-step-insurance span[lang]').getAttribute('lang')).toBe(
        other,
      );
      expect(await page.locator(`#compare-service-texts-table td[lang="${other}"]`).count()).toBe(
        2,
      );
      expect(await page.locator('#compare-step-documents-table').getAttribute('data-change')).toBe(
        'removed',
      );
      expect(await page.locator('#compare-rules-table-table tbody tr').count()).toBe(2);
      await page.screenshot({
        path: `${SCREENSHOTS}/studio-comparison-${locale}.png`,
        fullPage: true,
      });
      expect(await wcagViolations(page)).toEqual([]);
      await page.context().close();
    });
});
