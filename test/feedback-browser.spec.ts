import type { Browser, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { fileBuildingPermit, releaseService } from './support/applications.js';
import { launchChromium, wcagViolations, signedInPage, screenshot } from './support/browser.js';
import { cohortOf } from './support/candidate.js';
import { createPerson, PASSWORD, uniqueEmail } from './support/people.js';
import { changePlan, startTestApp, type TestApp } from './support/test-app.js';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/**
 * Issue 6's "giving feedback", in a real browser: from the confirmation page
 * to the form (the window's size measured by the page's script and shown
 * before sending), a blocking problem with a screenshot, the thank-you page
 * and back, My feedback, and the satisfaction survey; without JavaScript too.
 * Every page passes axe-core's WCAG 2.1 A/AA rules, in French and in English.
 */
describe('giving feedback, in a browser', () => {
  let portal: TestApp;
  let db: DataSource;
  let browser: Browser;
  const person = { email: uniqueEmail('feedback-browser'), id: '' };
  const applications: { id: string; reference: string }[] = [];
  const cspViolations: string[] = [];

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    await releaseService(portal, 'building-permit');
    person.id = (await createPerson(db, { email: person.email, displayName: 'Léa Roy' })).id;
    // The citizen variant in its pilot, with this person's cohort (every SME has it).
    const cohort = await cohortOf(
      portal,
      { slug: 'testeurs-citoyens', name: 'Testeurs citoyens', audience: 'citizen' },
      [person.id],
    );
    await db.query(
      `INSERT INTO rollout_plan_cohort (service_slug, variant, cohort_id) VALUES ('building-permit', 'citizen', $1)`,
      [cohort],
    );
    await changePlan(portal, 'building-permit', 'citizen', { stage: 'citizen-pilot' });
    for (let i = 0; i < 2; i++) {
      const filed = await fileBuildingPermit(portal.app, db, {
        accountId: person.id,
        audience: 'citizen',
      });
      applications.push({ id: filed.id, reference: filed.reference! });
    }
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.close();
  });

  const signedIn = (locale: 'fr' | 'en', javaScriptEnabled = true) =>
    signedInPage(browser, portal.url, person.email, locale, {
      password: PASSWORD,
      javaScriptEnabled,
      cspViolations,
    });

  /** A screenshot to look at, and no WCAG 2.1 A/AA violation. */
  async function check(page: Page, name: string) {
    await screenshot(page, `feedback-${name}`);
    expect(await wcagViolations(page)).toEqual([]);
  }

  it('sends a blocking problem with a screenshot from the confirmation page, and comes back', async () => {
    const [filed] = applications;
    const page = await signedIn('fr');
    const confirmation = `${portal.url}/applications/${filed.id}/confirmation`;
    await page.goto(confirmation);
    await page.click('#feedback-link');
    await page.waitForLoadState();
    expect(await page.textContent('h1')).toContain('Donner votre avis sur ce service');
    // The page's script measured the window and shows it before sending.
    expect(await page.textContent('#context-viewport')).toBe('1100 × 900');
    expect(await page.inputValue('input[name="viewport"]')).toBe('1100x900');
    const context = (await page.textContent('#context'))!;
    expect(context).toContain(filed.reference);
    expect(context).toContain('Projet pilote avec des citoyens');
    // The severity question shows only once "a problem" is chosen.
    expect(await page.isVisible('#severity')).toBe(false);
    await check(page, 'form-fr');

    await page.click('button:has-text("Envoyer mon commentaire")');
    await page.waitForLoadState();
    expect(await page.locator('.govuk-error-summary').count()).toBe(1);
    await check(page, 'form-errors-fr');

    await page.check('#kind');
    expect(await page.isVisible('#severity')).toBe(true);
    await page.check('#severity');
    await page.fill('#tried', 'Télécharger mon accusé de réception.');
    await page.fill('#happened', 'Le lien ouvre une page blanche.');
    await page.fill('#expected', 'Voir le PDF.');
    await page.check('#consent');
    await page.setInputFiles('#attachment', {
      name: 'page-blanche.png',
      mimeType: 'image/png',
      buffer: PNG,
    });
    await page.click('button:has-text("Envoyer mon commentaire")');
    await page.waitForURL('**/feedback/*/sent?**');
    expect(await page.textContent('h1')).toContain('Commentaire envoyé');
    const reference = (await page.textContent('#reference'))!.trim();
    expect(reference).toMatch(/^FB-\d{6}$/);
    await check(page, 'sent-fr');

    const [item] = await db.query(
      `SELECT kind, severity, viewport, application_id, user_agent FROM feedback_item WHERE reference = $1`,
      [reference],
    );
    expect(item).toMatchObject({
      kind: 'problem',
      severity: 'blocker',
      viewport: '1100x900',
      application_id: filed.id,
    });
    expect(item.user_agent).toContain('Chrome');
    const [file] = await db.query(
      `SELECT filename, content_type FROM feedback_attachment a JOIN feedback_item i ON i.id = a.feedback_id
        WHERE i.reference = $1`,
      [reference],
    );
    expect(file).toEqual({ filename: 'page-blanche.png', content_type: 'image/png' });

    await page.click('#back');
    await page.waitForLoadState();
    expect(page.url()).toBe(confirmation);

    await page.click('nav >> text=Mes commentaires');
    await page.waitForLoadState();
    expect(await page.textContent('main')).toContain(reference);
    expect(await page.textContent('main')).toContain('Il m’empêche de continuer');
    await check(page, 'list-fr');
    await page.click(`a:has-text("${reference}")`);
    await page.waitForLoadState();
    expect(await page.textContent('#status')).toBe('Reçu');
    expect(await page.textContent('#replies')).toContain('Aucune réponse pour le moment');
    await check(page, 'item-fr');
    await page.context().close();
  });

  it('asks the satisfaction questions on one page', async () => {
    const [filed] = applications;
    const page = await signedIn('fr');
    await page.goto(`${portal.url}/applications/${filed.id}/confirmation`);
    await page.click('#satisfaction-link');
    await page.waitForLoadState();
    expect(await page.textContent('h1')).toContain('Votre avis sur ce service');
    await check(page, 'survey-fr');
    await page.click('button:has-text("Envoyer mes réponses")');
    await page.waitForLoadState();
    expect(await page.textContent('.govuk-error-summary')).toContain(
      'Répondez à au moins une question',
    );
    await check(page, 'survey-errors-fr');
    await page.check('input[name="overall"][value="5"]');
    await page.check('input[name="timeCompared"][value="faster"]');
    await page.check('input[name="help"][value="not-needed"]');
    await page.fill('#comment', 'Rapide et clair.');
    await page.click('button:has-text("Envoyer mes réponses")');
    await page.waitForLoadState();
    expect(await page.textContent('h1')).toContain('Merci pour votre avis');
    await check(page, 'survey-thanks-fr');
    const [row] = await db.query(
      `SELECT overall, ease, time_compared, help, comment FROM satisfaction_response WHERE application_id = $1`,
      [filed.id],
    );
    expect(row).toEqual({
      overall: 5,
      ease: null,
      time_compared: 'faster',
      help: 'not-needed',
      comment: 'Rapide et clair.',
    });
    await page.context().close();
  });

  it('does the same in English', async () => {
    const [, second] = applications;
    const page = await signedIn('en');
    await page.goto(`${portal.url}/applications/${second.id}/confirmation`);
    await page.click('#feedback-link');
    await page.waitForLoadState();
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.textContent('h2:has-text("What we’ll send")')).toBeTruthy();
    await check(page, 'form-en');
    await page.click('button:has-text("Send my feedback")');
    await page.waitForLoadState();
    await check(page, 'form-errors-en');
    await page.check('input[name="kind"][value="praise"]');
    await page.fill('#happened', 'Much quicker than the counter.');
    await page.click('button:has-text("Send my feedback")');
    await page.waitForURL('**/feedback/*/sent?**');
    expect(await page.textContent('h1')).toContain('Feedback sent');
    await check(page, 'sent-en');
    await page.click('nav >> text=My feedback');
    await page.waitForLoadState();
    await check(page, 'list-en');
    await page.goto(`${portal.url}/applications/${second.id}/satisfaction`);
    expect(await page.textContent('h1')).toContain('Your opinion of this service');
    await check(page, 'survey-en');
    await page.check('input[name="ease"][value="4"]');
    await page.click('button:has-text("Send my answers")');
    await page.waitForLoadState();
    expect(await page.textContent('h1')).toContain('Thank you for your opinion');
    await check(page, 'survey-thanks-en');
    await page.context().close();
  });

  it('works without JavaScript: the severity question always shows, the window size is "not known"', async () => {
    const [filed] = applications;
    const page = await signedIn('fr', false);
    await page.goto(`${portal.url}/applications/${filed.id}/confirmation`);
    await page.click('#feedback-link');
    await page.waitForLoadState();
    expect(await page.textContent('#context-viewport')).toBe('Non connue');
    expect(await page.isVisible('#severity')).toBe(true);
    await page.check('input[name="kind"][value="unclear-wording"]');
    await page.check('#severity');
    await page.fill('#happened', 'Je ne comprends pas « lot ».');
    await page.click('button:has-text("Envoyer mon commentaire")');
    await page.waitForURL('**/feedback/*/sent?**');
    const reference = (await page.textContent('#reference'))!.trim();
    const [item] = await db.query(
      `SELECT kind, severity, viewport FROM feedback_item WHERE reference = $1`,
      [reference],
    );
    // A severity only belongs to a problem: the one ticked without JavaScript is dropped.
    expect(item).toEqual({ kind: 'unclear-wording', severity: null, viewport: null });
    await page.context().close();
  });

  it('broke no Content Security Policy rule', () => {
    expect(cspViolations).toEqual([]);
  });
});
