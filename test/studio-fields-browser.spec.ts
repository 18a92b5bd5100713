import type { Browser, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import type { ServiceDefinition } from '../src/modules/catalogue/service-definition.js';
import { ServiceRevisionsService } from '../src/modules/studio/service-revisions.service.js';
import { launchChromium, signedInPage, wcagViolations, screenshot } from './support/browser.js';
import { createPerson, PASSWORD } from './support/people.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * A service designer adds and edits questions and rules of a draft in
 * Chromium with the keyboard only, in French and English: the type chooser,
 * a text question, a choice, a repeatable group and the rules page, each
 * without an axe-core WCAG 2.1 A/AA violation; and the same with JavaScript
 * off (Enter in a box saves, the move buttons work).
 */
describe('the question editor in a browser', () => {
  let portal: TestApp;
  let browser: Browser;
  let db: DataSource;
  let email = '';
  let base = '';
  let number = 0;

  const definition = async (): Promise<ServiceDefinition> => {
    const [row] = await db.query(
      `SELECT document FROM service_revision WHERE service_slug = 'sign-permit' AND number = $1`,
      [number],
    );
    return row.document as ServiceDefinition;
  };

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    const designer = await createPerson(db, { displayName: 'Élise Conception' });
    email = designer.email;
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'service-designer')`, [
      designer.id,
    ]);
    const draft = await portal.app
      .get(ServiceRevisionsService)
      .startDraft({ accountId: designer.id, roles: ['service-designer'] }, 'sign-permit', {
        ip: '127.0.0.1',
        requestId: 'test',
      });
    number = draft.number;
    base = `${portal.url}/staff/services/sign-permit/revisions/${number}`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await portal?.close();
  });

  /** Keyboard only: focus an element by tabbing would be long; focus it, then keys. */
  async function press(page: Page, selector: string, key: string) {
    await page.focus(selector);
    await Promise.all([page.waitForNavigation(), page.keyboard.press(key)]);
  }

  /** The page's screenshot, and axe's verdict (axe needs JavaScript: only when it is on). */
  async function check(page: Page, name: string, axe: boolean) {
    if (!axe) return;
    await screenshot(page, `${name}`);
    expect(await wcagViolations(page)).toEqual([]);
  }

  for (const [locale, texts] of [
    [
      'fr',
      {
        chooser: 'Quel genre de question ajouter ?',
        saved: 'La question est enregistrée.',
        added: 'La règle est ajoutée.',
        removed: 'La règle est retirée.',
        problem: 'Il y a un problème',
      },
    ],
    [
      'en',
      {
        chooser: 'What kind of question do you want to add?',
        saved: 'The question is saved.',
        added: 'The rule is added.',
        removed: 'The rule is removed.',
        problem: 'There is a problem',
      },
    ],
  ] as const) {
    for (const javaScript of locale === 'fr' ? [true, false] : [true])
      it(`adds and edits questions and rules with the keyboard, ${javaScript ? 'axe-clean' : 'without JavaScript'} (${locale})`, async () => {
        const page = await signedInPage(browser, portal.url, email, locale, {
          password: PASSWORD,
          languageCookie: true,
          javaScriptEnabled: javaScript,
        });
        page.setDefaultTimeout(15_000);
        const step = (await definition()).form.steps.at(-1)!.slug;

        // The type chooser: a date question.
        await page.goto(`${base}/steps/${step}/fields/new`);
        expect(await page.locator('h1').textContent()).toBe(texts.chooser);
        await check(page, `studio-fields-new-${locale}`, javaScript);
        await page.focus('#type-date');
        await page.keyboard.press('Space');
        await press(page, 'main button[type="submit"]', 'Enter');
        expect(page.url()).toMatch(/\/fields\/date\d+$/);

        // Its editor: typing then Enter in a box saves (the default button).
        await page.focus('#labelFr');
        await page.keyboard.press('Control+A');
        await page.keyboard.type('Date de fin');
        await page.focus('#labelEn');
        await page.keyboard.press('Control+A');
        await page.keyboard.type('End date');
        await press(page, '#labelEn', 'Enter');
        expect(await page.locator('#notice').textContent()).toBe(texts.saved);
        const end = page.url().split('/').pop()!;

        // A text question with a bad pattern: 422, what was typed kept.
        await page.goto(`${base}/steps/${step}/fields/new`);
        await page.focus('#type');
        await page.keyboard.press('Space');
        await press(page, 'main button[type="submit"]', 'Enter');
        await page.focus('#patternRegex');
        await page.keyboard.type('([a-z');
        await press(page, 'main button[value="save"]:not([hidden])', 'Enter');
        expect(await page.locator('.govuk-error-summary__title').textContent()).toBe(texts.problem);
        expect(await page.inputValue('#patternRegex')).toBe('([a-z');
        await check(page, `studio-fields-text-${locale}`, javaScript);

        // A choice: two options typed (one in the blank row at a time), then one moved up.
        await page.goto(`${base}/steps/${step}/fields/new`);
        await page.focus('#type-choice');
        await page.keyboard.press('Space');
        await press(page, 'main button[type="submit"]', 'Enter');
        for (const [value, fr, en] of [
          ['small', 'Petite', 'Small'],
          ['large', 'Grande', 'Large'],
        ]) {
          const row = await page
            .locator('[data-option="new"] input[id$="-value"]')
            .getAttribute('id');
          const i = row!.split('-')[1];
          await page.focus(`#option-${i}-value`);
          await page.keyboard.type(value);
          await page.focus(`#option-${i}-labelFr`);
          await page.keyboard.type(fr);
          await page.focus(`#option-${i}-labelEn`);
          await page.keyboard.type(en);
          await press(page, `#option-${i}-labelEn`, 'Enter');
        }
        await press(page, 'button[value="option-up-1"]', 'Enter');
        expect(page.url()).toMatch(/#options$/);
        const choice = (await definition()).form.steps.at(-1)!.fields.at(-1)!;
        expect(choice.type === 'choice' && choice.options.map((o) => o.value)).toEqual([
          'large',
          'small',
        ]);
        await check(page, `studio-fields-choice-${locale}`, javaScript);

        // A repeatable group, and a question of its own.
        await page.goto(`${base}/steps/${step}/fields/new`);
        await page.focus('#type-group');
        await page.keyboard.press('Space');
        await press(page, 'main button[type="submit"]', 'Enter');
        await check(page, `studio-fields-group-${locale}`, javaScript);
        await press(page, 'button[value="add-sub"]', 'Enter');
        await page.focus('#type-number');
        await page.keyboard.press('Space');
        await press(page, 'main button[type="submit"]', 'Enter');
        expect(page.url()).toMatch(/\/fields\/group\d+\/fields\/number\d+$/);
        await check(page, `studio-fields-sub-${locale}`, javaScript);

        // The rules page: the end date on or after the first date question.
        await page.goto(`${base}/rules`);
        await check(page, `studio-fields-rules-${locale}`, javaScript);
        await page.selectOption('#field', end);
        const other = (await definition()).form.steps
          .flatMap((s) => s.fields)
          .find((f) => f.type === 'date' && f.name !== end)!.name;
        await page.focus('#other');
        await page.selectOption('#other', other);
        await page.focus('#must-onOrAfter');
        await page.keyboard.press('Space');
        await page.focus('#messageFr');
        await page.keyboard.type('La fin suit le début');
        await page.focus('#messageEn');
        await page.keyboard.type('The end follows the start');
        await press(page, '#messageEn', 'Enter');
        expect(await page.locator('#notice').textContent()).toBe(texts.added);
        await check(page, `studio-fields-rules-added-${locale}`, javaScript);
        // Removing it asks to confirm.
        await press(page, '[data-rule] a', 'Enter');
        await check(page, `studio-fields-rule-remove-${locale}`, javaScript);
        await press(page, 'main button[type="submit"]', 'Enter');
        expect(await page.locator('#notice').textContent()).toBe(texts.removed);
        await page.context().close();
      });
  }
});
