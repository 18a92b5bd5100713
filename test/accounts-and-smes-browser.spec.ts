import type { Browser, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { launchChromium, screenshot, signedInPage, wcagViolations } from './support/browser.js';
import { createPerson, PASSWORD, uniqueEmail } from './support/people.js';
import { eventually, mailFor, startTestApp, type TestApp } from './support/test-app.js';

/**
 * Issue 18's account pages in a real browser, in French and in English: an
 * SME's owner changing its details, a person changing their email address
 * (the request, the link's page, the confirmation) and the page to download
 * their data, each with a refused form where it has one (422, one error
 * summary). Every page passes axe-core's WCAG 2.1 A/AA rules.
 */
describe('accounts and SMEs, in a browser', () => {
  let portal: TestApp;
  let db: DataSource;
  let browser: Browser;

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.close();
  });

  /** A screenshot to look at, and no WCAG 2.1 A/AA violation. */
  async function check(page: Page, name: string) {
    await screenshot(page, `accounts-smes-${name}`);
    expect(await wcagViolations(page)).toEqual([]);
  }

  /** Submits the form holding `button`, expecting `status` (a 422 shows one error summary). */
  async function submit(page: Page, button: string, status: number) {
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.click(button),
    ]);
    expect(response.status()).toBe(status);
    await page.waitForLoadState();
    if (status === 422) expect(await page.locator('.govuk-error-summary').count()).toBe(1);
  }

  const text = {
    fr: {
      edit: 'Modifier les coordonnées de l’entreprise',
      save: 'Enregistrer les coordonnées',
      saved: 'Les coordonnées de l’entreprise ont été enregistrées',
      changeEmail: 'Changer votre adresse courriel',
      send: 'Envoyer le lien de confirmation',
      checkEmail: 'Vérifiez vos courriels',
      confirm: 'Confirmer la nouvelle adresse',
      changed: 'Votre adresse courriel a été changée',
      download: 'Télécharger vos données',
      downloadButton: 'Télécharger mes données (ZIP)',
      subject: 'Confirmez votre nouvelle adresse',
    },
    en: {
      edit: 'Change the business’s details',
      save: 'Save the details',
      saved: 'The business’s details have been saved',
      changeEmail: 'Change your email address',
      send: 'Send the confirmation link',
      checkEmail: 'Check your email',
      confirm: 'Confirm the new address',
      changed: 'Your email address has been changed',
      download: 'Download your data',
      downloadButton: 'Download my data (ZIP)',
      subject: 'Confirm your new email address',
    },
  };

  for (const locale of ['fr', 'en'] as const) {
    const t = text[locale];

    it(`lets an owner change their SME's details in ${locale}, accessibly`, async () => {
      const owner = await createPerson(db, { email: uniqueEmail('owner-edit'), locale });
      const [{ id }] = await db.query(
        `INSERT INTO organization (legal_name, neq, street_address, city, postal_code, employee_count,
           naics_code, contact_name, contact_email, contact_phone)
         VALUES ('Atelier du Pont inc.', $1, '3 rue du Pont', 'Val-des-Cèdres', 'J0A 1B0', 4,
           '81', 'Marie Tremblay', $2, '418 555-0100') RETURNING id`,
        [`118${String(Date.now()).slice(-7)}`, owner.email],
      );
      await db.query(
        `INSERT INTO organization_membership (organization_id, account_id, role) VALUES ($1, $2, 'owner')`,
        [id, owner.id],
      );
      const page = await signedInPage(browser, portal.url, owner.email, locale, {
        password: PASSWORD,
      });
      await page.goto(`${portal.url}/organizations/${id}`);
      await page.click(`a[href="/organizations/${id}/edit"]`);
      await page.waitForLoadState();
      expect(await page.textContent('h1')).toContain(t.edit);
      expect(await page.inputValue('#employeeCount')).toBe('4');
      await check(page, `sme-edit-${locale}`);
      await page.fill('#employeeCount', 'beaucoup');
      await submit(page, `button:has-text("${t.save}")`, 422);
      expect(await page.inputValue('#employeeCount')).toBe('beaucoup');
      await check(page, `sme-edit-refused-${locale}`);
      await page.fill('#employeeCount', '9');
      await submit(page, `button:has-text("${t.save}")`, 303);
      expect(await page.textContent('main')).toContain(t.saved);
      await check(page, `sme-saved-${locale}`);

      // An API key after more than REAUTH_MINUTES: the password again first (ADR 0046).
      await db.query(
        `UPDATE http_session SET sess = jsonb_set(sess::jsonb, '{signedInAt}', to_jsonb($2::text))::json
         WHERE sess->>'accountId' = $1`,
        [owner.id, new Date(Date.now() - 16 * 60_000).toISOString()],
      );
      await page.goto(`${portal.url}/organizations/${id}/api-keys`);
      expect(await page.locator('#confirm-first').count()).toBe(1);
      await check(page, `api-keys-confirm-${locale}`);
      await page.click('#confirm-password');
      expect(await page.locator('#sign-in-again').count()).toBe(1);
      await check(page, `sign-in-again-${locale}`);
      await page.fill('#email', owner.email);
      await page.fill('#password', PASSWORD);
      await page.click('main button[type="submit"]');
      await page.waitForLoadState();
      expect(page.url()).toBe(`${portal.url}/organizations/${id}/api-keys`);
      expect(await page.locator('#confirm-first').count()).toBe(0);
      expect(await page.locator('#name').count()).toBe(1);
      await page.context().close();
    });

    it(`lets a person change their email address in ${locale}, accessibly`, async () => {
      const person = await createPerson(db, { email: uniqueEmail('avant'), locale });
      const page = await signedInPage(browser, portal.url, person.email, locale, {
        password: PASSWORD,
      });
      await page.goto(`${portal.url}/account`);
      await check(page, `account-${locale}`);
      await page.click('a[href="/account/email"]');
      await page.waitForLoadState();
      expect(await page.textContent('h1')).toContain(t.changeEmail);
      await check(page, `change-email-${locale}`);
      await submit(page, `button:has-text("${t.send}")`, 422);
      await check(page, `change-email-refused-${locale}`);
      const newEmail = uniqueEmail('apres');
      await page.fill('#newEmail', newEmail);
      await page.fill('#currentPassword', PASSWORD);
      await submit(page, `button:has-text("${t.send}")`, 303);
      expect(await page.textContent('main')).toContain(t.checkEmail);
      await check(page, `email-sent-${locale}`);

      let token = '';
      await eventually(async () => {
        const mail = (await mailFor(newEmail)).find((m) => m.subject.includes(t.subject));
        token = /\/account\/email\/confirm\?token=(\S+)/.exec(mail?.text ?? '')?.[1] ?? '';
        return token !== '';
      }, 10_000);
      // PUBLIC_URL names the production host: the same path on the test portal.
      await page.goto(`${portal.url}/account/email/confirm?token=${token}`);
      await check(page, `confirm-email-change-${locale}`);
      await submit(page, `button:has-text("${t.confirm}")`, 200);
      expect(await page.textContent('h1')).toContain(t.changed);
      await check(page, `email-changed-${locale}`);
      await page.goto(`${portal.url}/account`);
      expect(await page.textContent('main')).toContain(newEmail);
      await page.context().close();
    });

    it(`offers a person the download of their data in ${locale}, accessibly`, async () => {
      const person = await createPerson(db, { email: uniqueEmail('donnees'), locale });
      const page = await signedInPage(browser, portal.url, person.email, locale, {
        password: PASSWORD,
      });
      await page.goto(`${portal.url}/account`);
      await page.click('a[href="/account/data"]');
      await page.waitForLoadState();
      expect(await page.textContent('h1')).toContain(t.download);
      await check(page, `download-${locale}`);
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.click(`button:has-text("${t.downloadButton}")`),
      ]);
      expect(download.suggestedFilename()).toMatch(/^guichet-\d{4}-\d{2}-\d{2}\.zip$/);
      await page.context().close();
    });
  }
});
