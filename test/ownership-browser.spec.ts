import type { Browser, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { PDF } from './support/applications.js';
import { launchChromium, wcagViolations, signedInPage, screenshot } from './support/browser.js';
import { createPerson, PASSWORD, uniqueEmail } from './support/people.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * Who owns an SME (ADR 0014), in a real browser: the owner's proof page, a
 * second claimant's review request, and the admins' queue and SME file, with
 * their refused forms (422, one error summary). Every page passes axe-core's
 * WCAG 2.1 A/AA rules, in French and in English.
 */
describe('verifying who owns an SME, in a browser', () => {
  let portal: TestApp;
  let db: DataSource;
  let browser: Browser;
  const people = {
    admin: uniqueEmail('admin-verif'),
    owner: uniqueEmail('owner-verif'),
    claimant: uniqueEmail('claimant-verif'),
  };
  const neq = '1177000001';
  let organizationId = '';
  let reviewClaimId = '';

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    const admin = await createPerson(db, { email: people.admin, displayName: 'Ada Admin' });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'admin')`, [admin.id]);
    const owner = await createPerson(db, { email: people.owner, displayName: 'Olivier Proprio' });
    const claimant = await createPerson(db, {
      email: people.claimant,
      displayName: 'Véra Réclamante',
    });
    [{ id: organizationId }] = await db.query(
      `INSERT INTO organization (legal_name, neq, street_address, city, postal_code, employee_count,
         naics_code, contact_name, contact_email, contact_phone)
       VALUES ('Café du Parvis inc.', $1, '1 rue du Parvis', 'Val-des-Cèdres', 'J0A 1B0', 6,
         '72', 'Olivier Proprio', $2, '418 555-0100') RETURNING id`,
      [neq, people.owner],
    );
    await db.query(
      `INSERT INTO organization_membership (organization_id, account_id, role) VALUES ($1, $2, 'owner')`,
      [organizationId, owner.id],
    );
    const claim = async (accountId: string, kind: string, note: string) =>
      (
        await db.query(
          `INSERT INTO organization_claim (organization_id, account_id, kind, note, filename, content_type,
             size_bytes, sha256, content)
           VALUES ($1, $2, $3, $4, 'registre.pdf', 'application/pdf', $5, $6, $7) RETURNING id`,
          [organizationId, accountId, kind, note, PDF.length, 'b'.repeat(64), PDF],
        )
      )[0].id as string;
    await claim(owner.id, 'owner', 'Je suis le président.');
    reviewClaimId = await claim(claimant.id, 'review', 'C’est mon café depuis 2019.');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.close();
  });

  const signedIn = (email: string, locale: 'fr' | 'en') =>
    signedInPage(browser, portal.url, email, locale, { password: PASSWORD, width: 1200 });

  /** A screenshot to look at, and no WCAG 2.1 A/AA violation. */
  async function check(page: Page, name: string) {
    await screenshot(page, `ownership-${name}`);
    expect(await wcagViolations(page)).toEqual([]);
  }

  /** Submits the form holding `button`, expecting a 422 with one error summary. */
  async function refused(page: Page, button: string) {
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.click(button),
    ]);
    expect(response.status()).toBe(422);
    await page.waitForSelector('.govuk-error-summary');
    expect(await page.locator('.govuk-error-summary').count()).toBe(1);
  }

  const text = {
    fr: {
      unverified: 'Propriété non vérifiée',
      proofTitle: 'Prouver que vous êtes propriétaire',
      send: 'Envoyer la preuve',
      fileRequired: 'Choisissez le fichier de votre preuve',
      reviewTitle: 'Demander une révision de la propriété d’une entreprise',
      sendRequest: 'Envoyer la demande',
      explanationRequired: 'Expliquez pourquoi cette entreprise est la vôtre',
      sent: 'Demande envoyée',
      queue: 'Vérification des entreprises',
      review: 'Demande de révision par une autre personne',
      reject: 'Refuser',
      reasonRequired: 'Entrez la raison de la décision',
    },
    en: {
      unverified: 'Ownership not verified',
      proofTitle: 'Prove that you own the business',
      send: 'Send the proof',
      fileRequired: 'Choose the file of your proof',
      reviewTitle: 'Ask for a review of who owns a business',
      sendRequest: 'Send the request',
      explanationRequired: 'Explain why this business is yours',
      sent: 'Request sent',
      queue: 'Business verification',
      review: 'Review request by someone else',
      reject: 'Reject',
      reasonRequired: 'Enter the reason for the decision',
    },
  };

  for (const locale of ['fr', 'en'] as const) {
    const t = text[locale];

    it(`shows the owner their SME's verification and the proof form in ${locale}, accessibly`, async () => {
      const page = await signedIn(people.owner, locale);
      await page.goto(`${portal.url}/organizations/${organizationId}`);
      expect(await page.textContent('#verification')).toContain(t.unverified);
      await check(page, `organization-${locale}`);
      await page.click(`a[href="/organizations/${organizationId}/verification"]`);
      await page.waitForLoadState();
      expect(await page.textContent('h1')).toContain(t.proofTitle);
      await check(page, `proof-${locale}`);
      await refused(page, `button:has-text("${t.send}")`);
      expect(await page.textContent('.govuk-error-summary')).toContain(t.fileRequired);
      await check(page, `proof-refused-${locale}`);
      await page.context().close();
    });

    it(`lets a second claimant ask for a review in ${locale}, accessibly`, async () => {
      const page = await signedIn(people.claimant, locale);
      await page.goto(`${portal.url}/organizations/claims/new?neq=${neq}`);
      expect(await page.textContent('h1')).toContain(t.reviewTitle);
      expect(await page.inputValue('#neq')).toBe(neq);
      await check(page, `review-request-${locale}`);
      await refused(page, `button:has-text("${t.sendRequest}")`);
      expect(await page.textContent('.govuk-error-summary')).toContain(t.explanationRequired);
      await check(page, `review-request-refused-${locale}`);
      await page.goto(`${portal.url}/organizations/claims/sent`);
      expect(await page.textContent('h1')).toContain(t.sent);
      await check(page, `review-sent-${locale}`);
      await page.context().close();
    });

    it(`shows admins the queue and the SME's file, and refuses a rejection without reason, in ${locale}, accessibly`, async () => {
      const page = await signedIn(people.admin, locale);
      await page.goto(`${portal.url}/staff/verification`);
      expect(await page.textContent('h1')).toContain(t.queue);
      expect(await page.textContent('#queue')).toContain(t.review);
      await check(page, `queue-${locale}`);
      await page.click(`#queue a[href="/staff/verification/${organizationId}"]`);
      await page.waitForLoadState();
      expect(await page.textContent(`#claim-${reviewClaimId}`)).toContain('C’est mon café');
      await check(page, `staff-organization-${locale}`);
      await refused(page, `#claim-${reviewClaimId} button:has-text("${t.reject}")`);
      expect(await page.textContent('.govuk-error-summary')).toContain(t.reasonRequired);
      await check(page, `staff-organization-refused-${locale}`);
      await page.context().close();
    });
  }
});
