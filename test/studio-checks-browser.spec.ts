import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { DataSource } from 'typeorm';
import { loadServiceDocuments } from '../src/modules/catalogue/service-document-loader.js';
import { ServiceRevisionsService } from '../src/modules/studio/service-revisions.service.js';
import type { StaffActor } from '../src/modules/staff/staff-roles.guard.js';
import { launchChromium, signedInPage, wcagViolations, screenshot } from './support/browser.js';
import { createPerson, PASSWORD } from './support/people.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const ORIGIN = { ip: '127.0.0.1', requestId: 'test' };

/**
 * A designer reads a draft's checks, follows a problem to where it is fixed,
 * and marks a sound draft ready, in Chromium, in French and English, with no
 * axe-core WCAG 2.1 A/AA violation.
 */
describe('the studio’s checks page in a browser', () => {
  let portal: TestApp;
  let browser: Browser;
  let designer: StaffActor & { email: string };
  let revisions: ServiceRevisionsService;

  beforeAll(async () => {
    portal = await startTestApp();
    const db = portal.app.get(DataSource);
    revisions = portal.app.get(ServiceRevisionsService);
    const person = await createPerson(db, { displayName: 'Élise Conception' });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'service-designer')`, [
      person.id,
    ]);
    designer = { accountId: person.id, roles: ['service-designer'], email: person.email };
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await portal?.close();
  });

  for (const [locale, texts, prefix] of [
    [
      'fr',
      {
        blocked: 'ne peut être marquée prête',
        button: 'Marquer la révision prête',
        ready: 'Révision prête',
      },
      'PN',
    ],
    [
      'en',
      {
        blocked: 'can only be marked ready',
        button: 'Mark the revision ready',
        ready: 'Revision ready',
      },
      'PO',
    ],
  ] as const) {
    it(`lists the checks, then marks the fixed draft ready (${locale})`, async () => {
      const slug = `pool-${randomBytes(3).toString('hex')}`;
      await revisions.create(
        designer,
        {
          slug,
          referencePrefix: prefix,
          title: { fr: 'Permis de piscine', en: 'Pool permit' },
          department: { fr: 'Urbanisme', en: 'Urban planning' },
        },
        ORIGIN,
      );
      const page = await signedInPage(browser, portal.url, designer.email, locale, {
        password: PASSWORD,
        languageCookie: true,
      });
      await page.goto(`${portal.url}/staff/services/${slug}/revisions/1/checks`);
      expect(await page.locator('[data-blocked]').textContent()).toContain(texts.blocked);
      expect(await page.locator('[data-check][data-passed="false"]').count()).toBeGreaterThan(0);
      expect(await page.locator('button', { hasText: texts.button }).count()).toBe(0);
      await screenshot(page, `studio-checks-failing-${locale}`);
      expect(await wcagViolations(page)).toEqual([]);

      const original = loadServiceDocuments().find((d) => d.slug === 'bulky-waste-pickup')!;
      await revisions.changeDraft(
        designer,
        slug,
        1,
        1,
        () => ({ ...structuredClone(original), slug, referencePrefix: prefix }),
        'all',
        ORIGIN,
      );
      await page.reload();
      expect(await page.locator('[data-check][data-passed="false"]').count()).toBe(0);
      await page.keyboard.press('Tab');
      await page.locator('button', { hasText: texts.button }).focus();
      await page.keyboard.press('Enter');
      await page.waitForURL(`**/revisions/1/checks`);
      expect(await page.locator('#ready-banner-title').textContent()).toBe(texts.ready);
      await screenshot(page, `studio-checks-ready-${locale}`);
      expect(await wcagViolations(page)).toEqual([]);
      await page.context().close();
    });
  }
});
