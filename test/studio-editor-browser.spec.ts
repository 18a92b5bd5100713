import type { Browser, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { ServiceRevisionsService } from '../src/modules/studio/service-revisions.service.js';
import type { StaffActor } from '../src/modules/staff/staff-roles.guard.js';
import { launchChromium, signedInPage, wcagViolations, screenshot } from './support/browser.js';
import { createPerson, PASSWORD } from './support/people.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const ORIGIN = { ip: '127.0.0.1', requestId: 'studio-editor-browser' };

/**
 * The draft editor's pages in Chromium, in French and English, with no axe-core
 * WCAG 2.1 A/AA violation; and its forms used with the keyboard alone, without
 * JavaScript.
 */
describe('the draft editor in a browser', () => {
  let portal: TestApp;
  let browser: Browser;
  let revisions: ServiceRevisionsService;
  let designerEmail: string;
  let actor: StaffActor;

  /** A new service's draft with two steps, the first with three questions. */
  async function newService(slug: string, prefix: string) {
    const created = await revisions.create(
      actor,
      {
        slug,
        referencePrefix: prefix,
        title: { fr: 'Permis de piscine', en: 'Pool permit' },
        department: { fr: 'Urbanisme', en: 'Planning' },
      },
      ORIGIN,
    );
    await revisions.changeDraft(
      actor,
      slug,
      1,
      created.version,
      (d) => ({
        ...d,
        variants: {
          citizen: { ...d.variants.citizen, useThisServiceTo: [{ fr: 'déclarer', en: 'declare' }] },
          business: {
            ...d.variants.business,
            useThisServiceTo: [
              { fr: 'déclarer', en: 'declare' },
              { fr: 'pour une PME', en: 'for an SME' },
            ],
          },
        },
        form: {
          steps: [
            {
              slug: 'pool',
              title: { fr: 'Piscine', en: 'Pool' },
              fields: [
                { type: 'date', name: 'start', label: { fr: 'Début', en: 'Start' } },
                { type: 'yesNo', name: 'heated', label: { fr: 'Chauffée', en: 'Heated' } },
                { type: 'file', name: 'plan', label: { fr: 'Plan', en: 'Plan' } },
              ],
            },
            { slug: 'contact', title: { fr: 'Contact', en: 'Contact' }, fields: [] },
          ],
        },
      }),
      'browser test setup',
      ORIGIN,
    );
    return `/staff/services/${slug}/revisions/1`;
  }

  beforeAll(async () => {
    portal = await startTestApp();
    const db = portal.app.get(DataSource);
    revisions = portal.app.get(ServiceRevisionsService);
    const designer = await createPerson(db, { displayName: 'Élise Conception' });
    designerEmail = designer.email;
    actor = { accountId: designer.id, roles: ['service-designer'] };
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'service-designer')`, [
      designer.id,
    ]);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await portal?.close();
  });

  const signedIn = (locale: 'fr' | 'en', javaScriptEnabled = true) =>
    signedInPage(browser, portal.url, designerEmail, locale, {
      password: PASSWORD,
      languageCookie: true,
      javaScriptEnabled,
    });

  /** Presses a key that submits a form, and waits for the page it leads to. */
  async function submitWith(page: Page, key: string) {
    await Promise.all([page.waitForNavigation(), page.keyboard.press(key)]);
  }

  async function check(page: Page, name: string) {
    await screenshot(page, `${name}`);
    expect(await wcagViolations(page)).toEqual([]);
  }

  for (const [locale, texts] of [
    [
      'fr',
      {
        revision: 'Révision 1',
        details: 'Renseignements du service',
        steps: 'Étapes et questions',
        step: 'Étape « Piscine »',
        remove: 'Retirer l’étape « Contact » ?',
        problem: 'Il y a un problème',
      },
    ],
    [
      'en',
      {
        revision: 'Revision 1',
        details: 'Service details',
        steps: 'Steps and questions',
        step: 'Step « Pool »',
        remove: 'Remove the step « Contact »?',
        problem: 'There is a problem',
      },
    ],
  ] as const) {
    it(`shows a draft's pages with no WCAG violation (${locale})`, async () => {
      const base = await newService(`pool-axe-${locale}`, locale === 'fr' ? 'QFR' : 'QEN');
      const page = await signedIn(locale);
      await page.goto(`${portal.url}${base}`);
      expect(await page.locator('h1').textContent()).toBe(texts.revision);
      expect(await page.locator('.govuk-task-list__item').count()).toBe(6);
      await check(page, `studio-editor-revision-${locale}`);

      await Promise.all([page.waitForNavigation(), page.click(`a[href="${base}/details"]`)]);
      expect(await page.locator('h1').textContent()).toBe(texts.details);
      expect(await page.locator('#titleEn').getAttribute('lang')).toBe('en');
      expect(await page.locator('#titleFr').getAttribute('lang')).toBe('fr');
      await check(page, `studio-editor-details-${locale}`);
      // A refused save: the error summary and the messages beside the fields.
      await page.fill('#referencePrefix', 'p');
      await Promise.all([
        page.waitForNavigation(),
        page.click('main form button.govuk-button:not(.govuk-button--secondary)'),
      ]);
      expect(await page.locator('.govuk-error-summary__title').textContent()).toBe(texts.problem);
      await check(page, `studio-editor-details-422-${locale}`);

      await page.goto(`${portal.url}${base}/steps`);
      expect(await page.locator('h1').textContent()).toBe(texts.steps);
      await check(page, `studio-editor-steps-${locale}`);

      await page.goto(`${portal.url}${base}/steps/pool`);
      expect(await page.locator('h1').textContent()).toBe(texts.step);
      await check(page, `studio-editor-step-${locale}`);

      await page.goto(`${portal.url}${base}/steps/contact/remove`);
      expect(await page.locator('h1').textContent()).toBe(texts.remove);
      await check(page, `studio-editor-remove-${locale}`);

      // A released revision, read only.
      await page.goto(`${portal.url}/staff/services/building-permit/revisions/1`);
      expect(await page.locator('.govuk-task-list').count()).toBe(0);
      await check(page, `studio-editor-revision-ready-${locale}`);
      await page.context().close();
    });
  }

  it('works with the keyboard alone and without JavaScript', async () => {
    const base = await newService('pool-keyboard', 'QKB');
    const page = await signedIn('en', false);
    const definition = async () => (await revisions.revision(actor, 'pool-keyboard', 1)).definition;

    // Details: Enter in a text box saves (never a list's add or remove button).
    await page.goto(`${portal.url}${base}/details`);
    await page.focus('#titleEn');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('Swimming pool permit');
    await submitWith(page, 'Enter');
    let d = await definition();
    expect(d.title.en).toBe('Swimming pool permit');
    expect(d.variants.business.useThisServiceTo).toHaveLength(2);
    // A list's button, pressed with the keyboard: an item is added.
    await page.locator('#beforeYouStart-shared-add').focus();
    await submitWith(page, 'Enter');
    d = await definition();
    expect(d.variants.citizen.beforeYouStart).toEqual([{ fr: '', en: '' }]);
    expect(d.variants.business.beforeYouStart).toEqual([{ fr: '', en: '' }]);

    // Steps: a step moved down, then a new one added.
    await page.goto(`${portal.url}${base}/steps`);
    await page.getByRole('button', { name: 'Move down the step « Pool »' }).focus();
    await submitWith(page, 'Enter');
    expect((await definition()).form.steps.map((s) => s.slug)).toEqual(['contact', 'pool']);
    await page.focus('#slug');
    await page.keyboard.type('pool-site');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Emplacement');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Location');
    await submitWith(page, 'Enter');
    expect(page.url()).toBe(`${portal.url}${base}/steps/pool-site`);

    // A step: only in the business variant, by the keyboard.
    await page.focus('#businessOnly');
    await page.keyboard.press('Space');
    await page.focus('#introEn');
    await page.keyboard.type('Where the pool goes.');
    await page.getByRole('button', { name: 'Save the step' }).focus();
    await submitWith(page, 'Enter');
    const step = (await definition()).form.steps.find((s) => s.slug === 'pool-site')!;
    expect(step.only).toBe('business');
    expect(step.intro?.en).toBe('Where the pool goes.');

    // A question duplicated, then a step removed after confirming.
    await page.goto(`${portal.url}${base}/steps/pool`);
    await page.getByRole('button', { name: 'Duplicate the question « Start »' }).focus();
    await submitWith(page, 'Enter');
    expect((await definition()).form.steps[1].fields.map((f) => f.name)).toEqual([
      'start',
      'startCopy',
      'heated',
      'plan',
    ]);
    await page.goto(`${portal.url}${base}/steps`);
    await page.getByRole('link', { name: 'Remove the step « Contact »' }).focus();
    await submitWith(page, 'Enter');
    await page.getByRole('button', { name: 'Yes, remove' }).focus();
    await submitWith(page, 'Enter');
    expect((await definition()).form.steps.map((s) => s.slug)).toEqual(['pool', 'pool-site']);
    await page.context().close();
  });
});
