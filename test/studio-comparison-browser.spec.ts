import type { Browser } from 'playwright-core';
import { DataSource } from 'typeorm';
import { ServiceRevisionsService } from '../src/modules/studio/service-revisions.service.js';
import { launchChromium, signedInPage, wcagViolations, screenshot } from './support/browser.js';
import { createPerson, PASSWORD } from './support/people.js';
import { revisedBuildingPermit } from './support/revisions.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * A service designer compares two revisions of a service in Chromium, in
 * French and English, with no axe-core WCAG 2.1 A/AA violation; every
 * document the browser receives is also checked with html-validate.
 */
describe('comparing two revisions in a browser', () => {
  let portal: TestApp;
  let browser: Browser;
  let designerEmail: string;
  let draft: number;

  beforeAll(async () => {
    portal = await startTestApp();
    const db = portal.app.get(DataSource);
    const designer = await createPerson(db, { displayName: 'Élise Conception' });
    designerEmail = designer.email;
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'service-designer')`, [
      designer.id,
    ]);
    const actor = { accountId: designer.id, roles: ['service-designer' as const] };
    const origin = { ip: '127.0.0.1', requestId: 'test' };
    const revisions = portal.app.get(ServiceRevisionsService);
    const started = await revisions.startDraft(actor, 'building-permit', origin);
    draft = started.number;
    const { newer } = revisedBuildingPermit();
    await revisions.changeDraft(
      actor,
      'building-permit',
      draft,
      started.version,
      () => newer,
      'test: revised',
      origin,
    );
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await portal?.close();
  });

  for (const [locale, texts] of [
    ['fr', { h1: 'Comparer deux révisions', from: 'Révision de départ', to: 'Révision d’arrivée' }],
    ['en', { h1: 'Compare two revisions', from: 'From revision', to: 'To revision' }],
  ] as const)
    it(`shows what changed, in both languages, and picks other revisions (${locale})`, async () => {
      const page = await signedInPage(browser, portal.url, designerEmail, locale, {
        password: PASSWORD,
        languageCookie: true,
      });
      await page.goto(`${portal.url}/staff/services/building-permit/compare`);
      expect(await page.locator('h1').textContent()).toBe(texts.h1);
      const other = locale === 'fr' ? 'en' : 'fr';
      // The other language's texts are there, marked as such.
      expect(await page.locator('#compare-step-insurance span[lang]').getAttribute('lang')).toBe(
        other,
      );
      expect(
        await page.locator(`#compare-service-texts-table td[lang="${other}"]`).count(),
      ).toBeGreaterThan(0);
      expect(await page.locator('#compare-step-documents-table').getAttribute('data-change')).toBe(
        'removed',
      );
      expect(await page.locator('#compare-rules-table-table tbody tr').count()).toBe(2);
      await screenshot(page, `studio-comparison-${locale}`);
      expect(await wcagViolations(page)).toEqual([]);

      // The other way round, chosen with the form (a GET form: no script needed).
      await page.getByLabel(texts.from).selectOption(String(draft));
      await page.getByLabel(texts.to).selectOption('1');
      await page.click('form[data-compare-form] button[type="submit"]');
      await page.waitForLoadState();
      expect(new URL(page.url()).search).toBe(`?from=${draft}&to=1`);
      expect(await page.locator('#compare-step-insurance-table').getAttribute('data-change')).toBe(
        'removed',
      );

      // A value that is no revision: the form again, with its message.
      const refused = await page.goto(
        `${portal.url}/staff/services/building-permit/compare?from=x&to=1`,
      );
      expect(refused?.status()).toBe(422);
      expect(await page.locator('.govuk-error-summary a[href="#from"]').count()).toBe(1);
      expect(await wcagViolations(page)).toEqual([]);
      await page.context().close();
    });
});
