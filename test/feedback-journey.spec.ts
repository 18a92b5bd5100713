import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { fileBuildingPermit } from './support/applications.js';
import { launchChromium, wcagViolations, screenshot } from './support/browser.js';
import { createPerson, PASSWORD } from './support/people.js';
import {
  changePlan,
  eventually,
  mailFor,
  startTestApp,
  unleashAdmin,
  type TestApp,
} from './support/test-app.js';

const SERVICE = 'building-permit';
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/**
 * Issue 6's "done when", in Chromium: a pilot SME files an application and
 * reports a blocking problem with a screenshot; the rollout gate shows the
 * blocker; an analyst triages and replies; the SME sees the reply by email and
 * on "My feedback"; the item is fixed and the gate turns green; a question the
 * SME asked becomes the service's FAQ, shown in French and English.
 */
describe('feedback closes the loop: from a pilot SME to the gate and the FAQ', () => {
  let portal: TestApp;
  let db: DataSource;
  let browser: Browser;
  let owner: { id: string; email: string };
  let smeId: string;
  let analystEmail: string;
  let managerEmail: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    owner = await createPerson(db, { displayName: 'Hélène Gagnon' });
    const [org] = await db.query(
      `INSERT INTO organization (legal_name, neq, street_address, city, postal_code, employee_count, naics_code,
         contact_name, contact_email, contact_phone)
       VALUES ('Toitures Gagnon inc.', $1, '4 rue des Pins', 'Val-des-Cèdres', 'J8X 1A1', 8, '23',
         'Hélène Gagnon', $2, '819 555-0190') RETURNING id`,
      [`11${String(Date.now()).slice(-8)}`, owner.email],
    );
    smeId = org.id;
    await db.query(
      `INSERT INTO organization_membership (organization_id, account_id, role) VALUES ($1, $2, 'owner')`,
      [smeId, owner.id],
    );
    const [cohort] = await db.query(
      `INSERT INTO cohort (slug, name, audience) VALUES ('pme-toitures', 'PME pilotes – toitures', 'business') RETURNING id`,
    );
    await db.query(
      `INSERT INTO cohort_member (cohort_id, organization_id, status, source, joined_at)
       VALUES ($1, $2, 'active', 'staff', now())`,
      [cohort.id, smeId],
    );
    await db.query(
      `INSERT INTO rollout_plan_cohort (service_slug, variant, cohort_id) VALUES ($1, 'business', $2)`,
      [SERVICE, cohort.id],
    );
    await changePlan(portal, SERVICE, 'business', { stage: 'sme-pilot' });
    for (const [role, name] of [
      ['analyst', 'Amira Haddad'],
      ['rollout-manager', 'Martin Gagnon'],
    ]) {
      const person = await createPerson(db, { displayName: name });
      await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, $2)`, [
        person.id,
        role,
      ]);
      if (role === 'analyst') analystEmail = person.email;
      else managerEmail = person.email;
    }
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await portal?.close();
    await unleashAdmin().applyEnvironmentState(`${SERVICE}.business`, {
      enabled: false,
      strategies: [],
    });
  });

  async function signedIn(email: string, locale: 'fr' | 'en' = 'fr'): Promise<Page> {
    const context = await browser.newContext({
      locale: locale === 'fr' ? 'fr-CA' : 'en-CA',
      viewport: { width: 1100, height: 900 },
    });
    contexts.push(context);
    await context.addCookies([{ name: 'guichet_lang', value: locale, url: portal.url }]);
    const page = await context.newPage();
    await page.goto(`${portal.url}/sign-in`);
    await page.fill('#email', email);
    await page.fill('#password', PASSWORD);
    await page.click('main button[type="submit"]');
    await page.waitForLoadState();
    return page;
  }

  async function shot(page: Page, name: string) {
    await screenshot(page, `feedback-journey-${name}`);
    expect(await wcagViolations(page)).toEqual([]);
  }

  /** A gate's verdict on the variant's rollout page, as the rollout manager sees it. */
  async function gate(manager: Page, id: string) {
    await manager.goto(`${portal.url}/staff/rollout/${SERVICE}/business`);
    const row = manager.locator(`tr[data-gate="${id}"]`);
    return { status: await row.getAttribute('data-status'), text: await row.textContent() };
  }

  // One journey, many pages in two browsers: its bound is larger than one request's.
  it('runs the whole loop', async () => {
    // A pilot SME files a building permit (the filing pages have their own
    // browser test) and opens its confirmation page, acting for the SME.
    const application = await fileBuildingPermit(portal.app, db, {
      accountId: owner.id,
      audience: 'business',
      organizationId: smeId,
    });
    const sme = await signedIn(owner.email);
    await sme.goto(`${portal.url}/acting-as`);
    await sme.check(`#actingAs-${smeId}`);
    await sme.click('main button[type="submit"]');
    await sme.goto(`${portal.url}/applications/${application.id}/confirmation`);
    expect(await sme.getAttribute('.govuk-phase-banner', 'data-phase')).toBe('pilot-business');
    expect(await sme.textContent('.govuk-phase-banner')).toContain('Projet pilote – PME');

    // It reports a blocking problem with a screenshot.
    await sme.click('#feedback-link');
    await sme.waitForLoadState();
    await sme.check('#kind');
    await sme.check('#severity');
    await sme.fill('#tried', 'Joindre le plan de la toiture.');
    await sme.fill('#happened', 'Le bouton « Joindre » ne fait rien : impossible de continuer.');
    await sme.check('#consent');
    await sme.setInputFiles('#attachment', {
      name: 'ecran.png',
      mimeType: 'image/png',
      buffer: PNG,
    });
    await sme.click('button:has-text("Envoyer mon commentaire")');
    await sme.waitForURL('**/feedback/*/sent?**');
    const reference = (await sme.textContent('#reference'))!.trim();
    await shot(sme, 'sent');

    // The rollout gate shows the blocker.
    const manager = await signedIn(managerEmail);
    expect(await gate(manager, 'open-blocking')).toMatchObject({ status: 'fail' });
    expect((await gate(manager, 'open-blocking')).text).toContain('1');
    await shot(manager, 'gate-blocked');

    // An analyst triages and replies.
    const analyst = await signedIn(analystEmail);
    await analyst.goto(`${portal.url}/staff`);
    await analyst.click('.guichet-staff-navigation a:has-text("Commentaires")');
    await analyst.waitForLoadState();
    await analyst.click(`a:has-text("${reference}")`);
    await analyst.waitForLoadState();
    await shot(analyst, 'item');
    await analyst.check('#status');
    await analyst.click('button:has-text("Enregistrer le statut")');
    await analyst.waitForLoadState();
    await analyst.fill(
      '#reply',
      'Merci ! Le bouton est corrigé : vous pouvez joindre votre plan dès maintenant.',
    );
    await analyst.click('button:has-text("Envoyer la réponse")');
    await analyst.waitForLoadState();
    expect(await analyst.getAttribute('#status-tag', 'data-status')).toBe('acknowledged');

    // The SME hears back by email and on "My feedback".
    await eventually(
      async () =>
        (await mailFor(owner.email)).some((m) =>
          m.subject.includes(`Réponse à votre commentaire ${reference}`),
        ),
      10_000,
    );
    const email = (await mailFor(owner.email)).find((m) => m.subject.includes(reference))!;
    expect(email.text).toContain('Le bouton est corrigé');
    await sme.goto(`${portal.url}/feedback`);
    await sme.click(`a:has-text("${reference}")`);
    await sme.waitForLoadState();
    expect(await sme.textContent('#replies')).toContain('Le bouton est corrigé');
    await shot(sme, 'my-feedback-reply');

    // The item is fixed; the gate turns green.
    await analyst.check('#status-fixed');
    await analyst.click('button:has-text("Enregistrer le statut")');
    await analyst.waitForLoadState();
    expect(await analyst.getAttribute('#status-tag', 'data-status')).toBe('fixed');
    expect(await gate(manager, 'open-blocking')).toMatchObject({ status: 'pass' });
    await shot(manager, 'gate-green');
    await sme.reload();
    expect(await sme.textContent('main #status')).toContain('Corrigé');

    // A question the SME asks becomes the service's FAQ, in both languages.
    await sme.goto(`${portal.url}/applications/${application.id}/confirmation`);
    await sme.click('#feedback-link');
    await sme.waitForLoadState();
    await sme.check('#kind-question');
    await sme.fill('#happened', 'Faut-il un permis pour refaire une toiture à l’identique ?');
    await sme.click('button:has-text("Envoyer mon commentaire")');
    await sme.waitForURL('**/feedback/*/sent?**');
    const question = (await sme.textContent('#reference'))!.trim();

    await manager.goto(`${portal.url}/staff/feedback`);
    await manager.click(`a:has-text("${question}")`);
    await manager.waitForLoadState();
    await manager.click('a:has-text("Ajouter à la FAQ du service")');
    await manager.waitForLoadState();
    await manager.fill('#questionFr', 'Faut-il un permis pour refaire une toiture à l’identique ?');
    await manager.fill('#questionEn', 'Do I need a permit to redo a roof as it was?');
    await manager.fill(
      '#answerFr',
      'Oui, un permis de rénovation, délivré en dix jours ouvrables.',
    );
    await manager.fill('#answerEn', 'Yes, a renovation permit, issued within ten working days.');
    await manager.click('button:has-text("Créer la question")');
    await manager.waitForLoadState();
    await manager.click('button:has-text("Publier")');
    await manager.waitForLoadState();
    await shot(manager, 'faq-published');

    await sme.goto(`${portal.url}/services/${SERVICE}/business`);
    expect(await sme.textContent('main')).toContain(
      'Faut-il un permis pour refaire une toiture à l’identique ?',
    );
    await sme.click('summary:has-text("Faut-il un permis pour refaire une toiture")');
    expect(await sme.textContent('main')).toContain('délivré en dix jours ouvrables');
    await shot(sme, 'faq-fr');
    const english = await signedIn(owner.email, 'en');
    await english.goto(`${portal.url}/acting-as`);
    await english.check(`#actingAs-${smeId}`);
    await english.click('main button[type="submit"]');
    await english.goto(`${portal.url}/services/${SERVICE}/business`);
    expect(await english.textContent('main')).toContain(
      'Do I need a permit to redo a roof as it was?',
    );
    await english.click('summary:has-text("Do I need a permit to redo a roof")');
    expect(await english.textContent('main')).toContain('issued within ten working days');
    await shot(english, 'faq-en');
  }, 180_000); // one long journey through two browsers: a bound, not a speed check
});
