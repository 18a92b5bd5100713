import type { Browser, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { launchChromium, screenshot, signedInPage, wcagViolations } from './support/browser.js';
import { createPerson, PASSWORD } from './support/people.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * Applications received outside the portal (issue 16, digital take-up): a
 * clerk records a day's count from the staff navigation, in French and
 * English; a count typed wrong or for a day to come is refused with 422, the
 * error summary and what was typed kept; a second count of the same day
 * replaces the first; each is audited, and the variant's insights then give
 * the share of applications made online. Every page checked with axe.
 */
const SUBMIT = 'form[action="/staff/offline-applications"] button[type="submit"]';

describe('applications received outside the portal, in a real browser', () => {
  let portal: TestApp;
  let browser: Browser;
  let db: DataSource;
  let clerkEmail = '';
  let analystEmail = '';
  const pages: Page[] = [];

  beforeAll(async () => {
    portal = await startTestApp();
    browser = await launchChromium();
    db = portal.app.get(DataSource);
    for (const [role, name] of [
      ['clerk', 'Carole Préposée'],
      ['analyst', 'Amira Analyste'],
    ] as const) {
      const person = await createPerson(db, { displayName: name });
      await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, $2)`, [
        person.id,
        role,
      ]);
      if (role === 'clerk') clerkEmail = person.email;
      else analystEmail = person.email;
    }
  });

  afterAll(async () => {
    for (const page of pages) await page.context().close();
    await browser?.close();
    await portal?.close();
  });

  async function open(email: string, locale: 'fr' | 'en'): Promise<Page> {
    const page = await signedInPage(browser, portal.url, email, locale, {
      password: PASSWORD,
      languageCookie: true,
    });
    pages.push(page);
    return page;
  }

  const summary = (page: Page) =>
    page.$$eval('.govuk-error-summary__list a', (links) =>
      links.map((a) => [a.getAttribute('href'), a.textContent!.trim()]),
    );

  it('records a count, refusing one typed wrong, in French', async () => {
    const page = await open(clerkEmail, 'fr');
    await page.goto(`${portal.url}/staff`);
    await page.click('a[href="/staff/offline-applications"]');
    expect(await page.textContent('h1')).toBe('Demandes reçues hors du portail');
    // Today is filled in; the rest is missing.
    const empty = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.click(SUBMIT),
    ]);
    expect(empty[0].status()).toBe(422);
    expect(await summary(page)).toEqual([
      ['#service', 'Choisissez le service'],
      ['#audience', 'Choisissez qui a fait la demande : des citoyens ou des entreprises'],
      ['#channel', 'Choisissez comment : par téléphone ou au comptoir'],
      ['#applications', 'Entrez le nombre de demandes, un nombre entier de 0 à 99 999'],
    ]);
    await screenshot(page, 'offline-applications-422-fr');
    expect(await wcagViolations(page)).toEqual([]);

    await page.selectOption('#service', 'sign-permit');
    await page.check('#audience-business');
    await page.check('#channel');
    await page.fill('#day', '2999-01-04');
    await page.fill('#applications', '12');
    const toCome = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.click(SUBMIT),
    ]);
    expect(toCome[0].status()).toBe(422);
    expect(await summary(page)).toEqual([
      ['#day', 'Entrez un jour déjà commencé : aujourd’hui ou avant'],
    ]);
    // What was typed is kept.
    expect(await page.inputValue('#service')).toBe('sign-permit');
    expect(await page.isChecked('#audience-business')).toBe(true);
    expect(await page.inputValue('#applications')).toBe('12');

    await page.fill('#day', '2026-02-30');
    await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.click(SUBMIT),
    ]);
    expect(await summary(page)).toEqual([
      ['#day', 'Entrez un jour réel sous la forme AAAA-MM-JJ, par exemple 2026-12-04'],
    ]);

    await page.fill('#day', '2026-11-03');
    await page.click(SUBMIT);
    await page.waitForSelector('[data-recorded]');
    expect(await page.textContent('[data-recorded]')).toBe(
      'Inscrit pour Permis d’affichage le 2026-11-03 : 12 demandes (entreprises, par téléphone).',
    );
    const rows = () =>
      page.$$eval('[data-table="offline"] tbody tr', (trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 5).map((td) => td.textContent)),
      );
    expect(await rows()).toEqual([
      ['2026-11-03', 'Permis d’affichage', 'Entreprises', 'Par téléphone', '12'],
    ]);
    await screenshot(page, 'offline-applications-fr');
    expect(await wcagViolations(page)).toEqual([]);

    // A second count of the same day replaces the first.
    await page.selectOption('#service', 'sign-permit');
    await page.check('#audience-business');
    await page.check('#channel');
    await page.fill('#day', '2026-11-03');
    await page.fill('#applications', '15');
    await page.click(SUBMIT);
    await page.waitForSelector('[data-recorded]');
    expect(await rows()).toEqual([
      ['2026-11-03', 'Permis d’affichage', 'Entreprises', 'Par téléphone', '15'],
    ]);
    const audit = await db.query<{ before: unknown; after: unknown }[]>(
      `SELECT before, after FROM audit_event
        WHERE action = 'insights.offline_applications_recorded' ORDER BY occurred_at, id`,
    );
    const recorded = {
      service: 'sign-permit',
      audience: 'business',
      channel: 'phone',
      day: '2026-11-03',
    };
    expect(audit).toEqual([
      { before: null, after: { ...recorded, applications: 12 } },
      { before: { applications: 12 }, after: { ...recorded, applications: 15 } },
    ]);
  });

  it('refuses a count typed wrong in English, and the insights set the count against those filed online', async () => {
    const page = await open(clerkEmail, 'en');
    await page.goto(`${portal.url}/staff/offline-applications`);
    expect(await page.textContent('h1')).toBe('Applications received outside the portal');
    await page.fill('#applications', 'twelve');
    const refused = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.click(SUBMIT),
    ]);
    expect(refused[0].status()).toBe(422);
    expect((await summary(page)).at(-1)).toEqual([
      '#applications',
      'Enter the number of applications as a whole number from 0 to 99,999',
    ]);
    expect(await page.inputValue('#applications')).toBe('twelve');
    await screenshot(page, 'offline-applications-422-en');
    expect(await wcagViolations(page)).toEqual([]);

    // The analyst reads it beside the applications filed online (none here).
    const analyst = await open(analystEmail, 'en');
    const insights = await analyst.goto(
      `${portal.url}/staff/insights/sign-permit/business?from=2026-11-01&to=2026-11-30`,
    );
    expect(insights?.status()).toBe(200);
    const takeUp = await analyst.$$eval('[data-table="summary"] tr', (trs) =>
      trs
        .map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent!.trim()))
        .find((cells) => cells[0] === 'Digital take-up'),
    );
    // 15 by phone, none online: fewer than 10 online, so no share.
    expect(takeUp?.[1]).toBe('fewer than 10');
    // The analyst may read the figures, not record counts.
    const refusedToAnalyst = await analyst.goto(`${portal.url}/staff/offline-applications`);
    expect(refusedToAnalyst?.status()).toBe(403);
  });
});
