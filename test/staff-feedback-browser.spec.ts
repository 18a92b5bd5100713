import type { Browser, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { launchChromium, wcagViolations, signedInPage, screenshot } from './support/browser.js';
import { createPerson, PASSWORD, uniqueEmail } from './support/people.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * Issue 6's "acting on it", in a real browser: the staff inbox, an item with
 * its actions and history (and a refused action's errors, shown once), the
 * form for feedback received by phone, at the counter or by email, and the
 * super-users; a bulk change with and without JavaScript. Every page passes
 * axe-core's WCAG 2.1 A/AA rules, in French and in English.
 */
describe('staff feedback pages, in a browser', () => {
  let portal: TestApp;
  let db: DataSource;
  let browser: Browser;
  const clerk = { email: uniqueEmail('clerk-browser'), id: '' };
  let problem = { id: '', reference: '' };
  const cspViolations: string[] = [];

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    clerk.id = (await createPerson(db, { email: clerk.email, displayName: 'Claude Préposé' })).id;
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'clerk')`, [clerk.id]);
    const resident = await createPerson(db, { displayName: 'Léa Roy' });
    const [org] = await db.query(
      `INSERT INTO organization (legal_name, neq, street_address, city, postal_code, employee_count,
         naics_code, contact_name, contact_email, contact_phone)
       VALUES ('Café du Parvis inc.', '1188000001', '1 rue du Parvis', 'Val-des-Cèdres', 'J0A 1B0', 6,
         '72', 'Contact', 'contact@exemple.ca', '418 555-0100') RETURNING id`,
    );
    const [cohort] = await db.query(
      `INSERT INTO cohort (slug, name, audience) VALUES ('pilote-terrasses', 'Pilote terrasses', 'business')
       RETURNING id`,
    );
    await db.query(
      `INSERT INTO cohort_member (cohort_id, organization_id, status, source, joined_at)
       VALUES ($1, $2, 'active', 'staff', now() - interval '2 days')`,
      [cohort.id, org.id],
    );
    const insert = (fields: string, values: unknown[]) =>
      db.query(
        `INSERT INTO feedback_item (service_slug, variant, service_revision, stage, audience, language, ${fields})
         VALUES ('public-domain-occupation', 'business', 1, 'sme-pilot', 'business', 'fr',
                 ${values.map((_, i) => `$${i + 1}`).join(', ')})
         RETURNING id, reference`,
        values,
      );
    [problem] = await insert(
      'organization_id, cohorts, kind, severity, tried, happened, expected, consent_to_contact, tags',
      [
        org.id,
        ['pilote-terrasses'],
        'problem',
        'blocker',
        'Joindre le plan de la terrasse.',
        'Le bouton « Téléverser » ne fait rien.\nJ’ai essayé deux fois.',
        'Voir mon plan dans la liste.',
        true,
        ['televersement'],
      ],
    );
    await insert('organization_id, cohorts, kind, happened, status', [
      org.id,
      ['pilote-terrasses'],
      'praise',
      'Très rapide!',
      'fixed',
    ]);
    await insert('account_id, kind, happened, channel, recorded_by, contact_detail', [
      resident.id,
      'question',
      'Faut-il un plan signé?',
      'phone',
      clerk.id,
      '819 555-0123',
    ]);
    await db.query(
      `INSERT INTO feedback_note (feedback_id, author_id, body) VALUES ($1, $2, 'Rappeler jeudi.')`,
      [problem.id, clerk.id],
    );
    await db.query(
      `INSERT INTO feedback_reply (feedback_id, author_id, author_role, body, emailed)
       VALUES ($1, $2, 'staff', 'Merci, nous regardons.', true)`,
      [problem.id, clerk.id],
    );
    await db.query(
      `UPDATE feedback_item SET first_response_at = created_at + interval '2 hours 5 minutes' WHERE id = $1`,
      [problem.id],
    );
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.close();
  });

  const signedIn = (locale: 'fr' | 'en', javaScriptEnabled = true) =>
    signedInPage(browser, portal.url, clerk.email, locale, {
      password: PASSWORD,
      width: 1200,
      javaScriptEnabled,
      cspViolations,
    });

  /** A screenshot to look at, and no WCAG 2.1 A/AA violation. */
  async function check(page: Page, name: string) {
    await screenshot(page, `staff-feedback-${name}`);
    expect(await wcagViolations(page)).toEqual([]);
  }

  const text = {
    fr: {
      inbox: 'Commentaires reçus',
      assisted: 'Enregistrer un commentaire reçu par téléphone, au comptoir ou par courriel',
      superUsers: 'Super-utilisateurs des cohortes',
      saveStatus: 'Enregistrer le statut',
      originalRequired: 'Saisissez le numéro du commentaire d’origine',
      record: 'Enregistrer le commentaire',
      apply: 'Appliquer aux commentaires cochés',
    },
    en: {
      inbox: 'Feedback received',
      assisted: 'Record feedback received by phone, at the counter or by email',
      superUsers: 'Cohorts’ super-users',
      saveStatus: 'Save the status',
      originalRequired: 'Enter the number of the original feedback',
      record: 'Record the feedback',
      apply: 'Apply to the selected feedback',
    },
  };

  for (const locale of ['fr', 'en'] as const) {
    const t = text[locale];

    it(`shows the inbox and the super-users in ${locale}, accessibly`, async () => {
      const page = await signedIn(locale);
      await page.goto(`${portal.url}/staff/feedback`);
      expect(await page.textContent('h1')).toContain(t.inbox);
      expect(await page.locator(`tr[data-reference="${problem.reference}"]`).count()).toBe(1);
      expect(await page.textContent('#median-response')).toMatch(/2 h 5 min/);
      // The bulk form's choices show once an action is chosen.
      expect(await page.isVisible('#bulkTag')).toBe(false);
      await page.check('#action-tag');
      expect(await page.isVisible('#bulkTag')).toBe(true);
      await check(page, `inbox-${locale}`);

      await page.click('#super-users-link');
      await page.waitForLoadState();
      expect(await page.textContent('h1')).toContain(t.superUsers);
      expect(await page.textContent('[data-cohort="pilote-terrasses"]')).toContain(
        'Café du Parvis inc.',
      );
      await check(page, `super-users-${locale}`);
      await page.context().close();
    });

    it(`shows an item and its refused status change (errors once) in ${locale}, accessibly`, async () => {
      const page = await signedIn(locale);
      await page.goto(`${portal.url}/staff/feedback/${problem.id}`);
      expect(await page.textContent('h1')).toContain(problem.reference);
      expect(await page.textContent('#history-list')).toContain('Rappeler jeudi.');
      expect(await page.textContent('#text-happened')).toContain('J’ai essayé deux fois.');
      // The original's reference is asked only for a duplicate.
      expect(await page.isVisible('#original')).toBe(false);
      await check(page, `item-${locale}`);

      await page.check('#status-duplicate');
      expect(await page.isVisible('#original')).toBe(true);
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/status') && r.request().method() === 'POST'),
        page.click(`button:has-text("${t.saveStatus}")`),
      ]);
      expect(response.status()).toBe(422);
      await page.waitForSelector('.govuk-error-summary');
      expect(await page.locator('.govuk-error-summary').count()).toBe(1);
      expect(await page.locator('.govuk-error-summary li').count()).toBe(1);
      expect(await page.textContent('.govuk-error-summary')).toContain(t.originalRequired);
      expect(await page.locator('#original-error').count()).toBe(1);
      // Still "duplicate", so the field with its error shows.
      expect(await page.isChecked('#status-duplicate')).toBe(true);
      expect(await page.isVisible('#original')).toBe(true);
      await check(page, `item-error-${locale}`);
      await page.context().close();
    });

    it(`records feedback received at the counter for an SME in ${locale}, accessibly`, async () => {
      const page = await signedIn(locale);
      await page.goto(`${portal.url}/staff/feedback/new`);
      expect(await page.textContent('h1')).toContain(t.assisted);
      expect(await page.isVisible('#neq')).toBe(false);
      await check(page, `new-${locale}`);

      await page.click(`button:has-text("${t.record}")`);
      await page.waitForSelector('.govuk-error-summary');
      expect(await page.locator('.govuk-error-summary').count()).toBe(1);
      await check(page, `new-errors-${locale}`);

      await page.selectOption('#service', 'public-domain-occupation');
      await page.check('#variant-business');
      await page.check('#channel-counter');
      await page.check('#onBehalfOf-sme');
      expect(await page.isVisible('#neq')).toBe(true);
      expect(await page.isVisible('#email')).toBe(false);
      await page.fill('#neq', '1188 000 001');
      await page.fill('#contactName', 'Gérante du café');
      await page.check(locale === 'fr' ? '#language' : '#language-en');
      await page.check('#kind-hard-to-use');
      await page.fill('#happened', `Le formulaire est long (${locale}).`);
      await page.click(`button:has-text("${t.record}")`);
      await page.waitForURL('**/staff/feedback/*');
      expect(await page.textContent('#notice')).toMatch(/FB-\d{6}/);
      expect(await page.textContent('#from')).toContain('Café du Parvis inc.');
      await page.context().close();
    });
  }

  it('changes the checked items in bulk without JavaScript', async () => {
    const page = await signedIn('fr', false);
    await page.goto(`${portal.url}/staff/feedback?service=public-domain-occupation&kind=praise`);
    // Without JavaScript every choice shows.
    expect(await page.isVisible('#bulkTag')).toBe(true);
    expect(await page.isVisible('#bulkStatus')).toBe(true);
    await page.check('#bulkItems');
    await page.check('#action-tag');
    await page.fill('#bulkTag', 'compliment');
    await page.click(`button:has-text("${text.fr.apply}")`);
    await page.waitForLoadState();
    expect(page.url()).toContain('kind=praise');
    expect(await page.textContent('#notice')).toContain('Commentaires modifiés : 1.');
    const [row] = await db.query(
      `SELECT tags FROM feedback_item WHERE service_slug = 'public-domain-occupation' AND kind = 'praise'`,
    );
    expect(row.tags).toEqual(['compliment']);
    await page.context().close();
  });

  it('loads every script and stylesheet under the strict Content-Security-Policy', () => {
    expect(cspViolations).toEqual([]);
  });
});
