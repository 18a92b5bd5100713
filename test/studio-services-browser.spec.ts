import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import type { ServiceDocument } from '../src/modules/catalogue/service-document.js';
import { ServiceRevisionsService } from '../src/modules/studio/service-revisions.service.js';
import { projectPath } from '../src/platform/project-path.js';
import { launchChromium, signedInPage, wcagViolations, screenshot } from './support/browser.js';
import { createPerson, PASSWORD } from './support/people.js';
import { deleteFlag, startTestApp, type TestApp } from './support/test-app.js';

/**
 * A service designer creates a service, imports a broken document, and works
 * with a service's revisions (its page, withdrawing and discarding, each
 * confirmed), in Chromium, in French and English, with no axe-core WCAG 2.1
 * A/AA violation on any page.
 */
describe('the studio’s services in a browser', () => {
  let portal: TestApp;
  let browser: Browser;
  let designerEmail: string;
  let designerId: string;
  const flags: string[] = [];

  beforeAll(async () => {
    portal = await startTestApp();
    const db = portal.app.get(DataSource);
    const designer = await createPerson(db, { displayName: 'Élise Conception' });
    designerEmail = designer.email;
    designerId = designer.id;
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'service-designer')`, [
      designer.id,
    ]);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    for (const flag of flags) await deleteFlag(flag).catch(() => undefined);
    await portal?.close();
  });

  const signedIn = (locale: 'fr' | 'en') =>
    signedInPage(browser, portal.url, designerEmail, locale, {
      password: PASSWORD,
      languageCookie: true,
    });

  async function accessible(page: Page, name: string) {
    await screenshot(page, `${name}`);
    expect(await wcagViolations(page)).toEqual([]);
  }

  for (const [locale, texts] of [
    [
      'fr',
      {
        create: 'Créer un service',
        import: 'Importer un service',
        prefixInvalid: 'Le préfixe de référence doit compter de 2 à 4 lettres majuscules',
        title: ['Permis de piscine', 'Pool permit'],
        notAService: 'Le document n’est pas un service valide',
        draft: 'Brouillon',
        withdrawTitle: 'Retirer la révision 2',
        withdrawn: 'La révision 2 a été retirée.',
        discardTitle: 'Abandonner le brouillon (révision 3)',
        discarded: 'Le brouillon (révision 3) a été abandonné.',
        service: 'public-domain-occupation',
      },
    ],
    [
      'en',
      {
        create: 'Create a service',
        import: 'Import a service',
        prefixInvalid: 'The reference prefix must be 2 to 4 capital letters',
        title: ['Permis de spa', 'Spa permit'],
        notAService: 'The document is not a valid service',
        draft: 'Draft',
        withdrawTitle: 'Withdraw revision 2',
        withdrawn: 'Revision 2 was withdrawn.',
        discardTitle: 'Discard the draft (revision 3)',
        discarded: 'The draft (revision 3) was discarded.',
        service: 'bulky-waste-pickup',
      },
    ],
  ] as const) {
    it(`creates a service from the list, a field refused first (${locale})`, async () => {
      const page = await signedIn(locale);
      await page.goto(`${portal.url}/staff/services`);
      await accessible(page, `studio-services-list-${locale}`);
      await page.click('main a[href="/staff/services/new"]');
      await page.waitForURL(`${portal.url}/staff/services/new`);
      expect(await page.locator('h1').textContent()).toBe(texts.create);
      await accessible(page, `studio-services-new-${locale}`);
      const slug = `pool-${locale}-${Date.now().toString(36)}`;
      flags.push(`${slug}.citizen`, `${slug}.business`);
      await page.fill('#slug', slug);
      await page.fill('#referencePrefix', 'pp');
      await page.fill('#titleFr', texts.title[0]);
      await page.fill('#titleEn', texts.title[1]);
      await page.fill('#departmentFr', 'Service de l’urbanisme');
      await page.fill('#departmentEn', 'Urban Planning Department');
      await page.click('form[data-new-service] button[type="submit"]');
      await page.waitForLoadState();
      expect(await page.locator('.govuk-error-summary').textContent()).toContain(
        texts.prefixInvalid,
      );
      // Nothing typed is lost.
      expect(await page.inputValue('#titleEn')).toBe(texts.title[1]);
      expect(await page.getAttribute('#titleEn', 'lang')).toBe('en');
      await accessible(page, `studio-services-new-error-${locale}`);
      await page.fill('#referencePrefix', locale === 'fr' ? 'PPF' : 'PPE');
      const created = page.waitForResponse((r) =>
        r.url().endsWith(`/staff/services/${slug}/revisions/1`),
      );
      await page.click('form[data-new-service] button[type="submit"]');
      await created;
      await page.goto(`${portal.url}/staff/services/${slug}`);
      expect(await page.locator('h1').textContent()).toContain(
        texts.title[locale === 'fr' ? 0 : 1],
      );
      expect(await page.locator('tr[data-revision="1"] .govuk-tag').textContent()).toBe(
        texts.draft,
      );
      await accessible(page, `studio-services-new-overview-${locale}`);
      await page.context().close();
    });

    it(`lists every problem of a broken document with its JSON pointer (${locale})`, async () => {
      const page = await signedIn(locale);
      await page.goto(`${portal.url}/staff/services`);
      await page.click('main a[href="/staff/services/import"]');
      await page.waitForURL(`${portal.url}/staff/services/import`);
      expect(await page.locator('h1').textContent()).toBe(texts.import);
      await accessible(page, `studio-services-import-${locale}`);
      const document = JSON.parse(
        readFileSync(projectPath('services/sign-permit.json'), 'utf8'),
      ) as ServiceDocument;
      delete (document.service as { title?: unknown }).title;
      (document.service.form.steps[0].fields[0] as { type: string }).type = 'colour';
      await page.setInputFiles('#definition', {
        name: 'sign-permit.json',
        mimeType: 'application/json',
        buffer: Buffer.from(JSON.stringify(document)),
      });
      await page.click('main button[type="submit"]');
      await page.waitForLoadState();
      expect(await page.locator('.govuk-error-summary').textContent()).toContain(texts.notAService);
      const pointers = await page
        .locator('[data-import-problems] tbody tr')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-pointer')));
      expect(pointers).toEqual(
        expect.arrayContaining(['/service/title', '/service/form/steps/0/fields/0/type']),
      );
      await accessible(page, `studio-services-import-problems-${locale}`);
      await page.context().close();
    });

    it(`withdraws a revision and discards a draft, each confirmed, from a service's page (${locale})`, async () => {
      const revisions = portal.app.get(ServiceRevisionsService);
      const actor = { accountId: designerId, roles: ['service-designer' as const] };
      const origin = { ip: '127.0.0.1', requestId: 'browser' };
      const draft = await revisions.startDraft(actor, texts.service, origin);
      await revisions.markReady(actor, texts.service, draft.number, draft.version, origin);
      const page = await signedIn(locale);
      await page.goto(`${portal.url}/staff/services`);
      await page.click(`tr[data-service="${texts.service}"] th a`);
      await page.waitForLoadState();
      expect(await page.locator('tr[data-revision]').count()).toBe(2);
      await accessible(page, `studio-services-overview-${locale}`);

      await page.click(`a[href="/staff/services/${texts.service}/revisions/2/withdraw"]`);
      await page.waitForLoadState();
      expect(await page.locator('h1').textContent()).toContain(texts.withdrawTitle);
      await accessible(page, `studio-services-withdraw-${locale}`);
      await page.click('main button[type="submit"]');
      await page.waitForLoadState();
      expect(await page.locator('[data-notice]').textContent()).toContain(texts.withdrawn);
      await accessible(page, `studio-services-withdrawn-${locale}`);

      // Restore the withdrawn revision as a draft, then discard it.
      const started = page.waitForResponse((r) =>
        r.url().endsWith(`/staff/services/${texts.service}/revisions/3`),
      );
      await page.click('button[data-restore="2"]');
      await started;
      await page.goto(`${portal.url}/staff/services/${texts.service}`);
      await page.click(`a[href="/staff/services/${texts.service}/revisions/3/discard"]`);
      await page.waitForLoadState();
      expect(await page.locator('h1').textContent()).toContain(texts.discardTitle);
      await accessible(page, `studio-services-discard-${locale}`);
      await page.click('main button[type="submit"]');
      await page.waitForLoadState();
      expect(await page.locator('[data-notice]').textContent()).toContain(texts.discarded);
      await page.context().close();
    });
  }
});
