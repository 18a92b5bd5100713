import type { Browser, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { UnleashAdminClient } from '../src/platform/flags/unleash-admin.client.js';
import { launchChromium, wcagViolations, signedInPage, screenshot } from './support/browser.js';
import { createPerson, PASSWORD } from './support/people.js';
import { changePlan, startTestApp, unleashAdmin, type TestApp } from './support/test-app.js';

const SERVICE = 'occupancy-certificate';

/**
 * Issue 5: a rollout manager walks the console in Chromium, by keyboard-
 * reachable forms: the overview, a variant's plan, a promotion, a refused
 * promotion and its override, "who sees what", in French and English, with no
 * axe-core WCAG 2.1 A/AA violation on any page.
 */
describe('the rollout console in a browser', () => {
  let portal: TestApp;
  let db: DataSource;
  let browser: Browser;
  let managerEmail: string;
  let neq: string;

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    const manager = await createPerson(db, { displayName: 'Martin Gagnon' });
    managerEmail = manager.email;
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'rollout-manager')`, [
      manager.id,
    ]);
    neq = `11${String(Date.now()).slice(-8)}`;
    const [org] = await db.query(
      `INSERT INTO organization (legal_name, neq, street_address, city, postal_code, employee_count, naics_code,
         contact_name, contact_email, contact_phone)
       VALUES ('Clinique du Ruisseau', $1, '8 rue du Moulin', 'Val-des-Cèdres', 'J8X 1A1', 9, '62',
         'Line Caron', 'line@exemple.ca', '819 555-0142') RETURNING id`,
      [neq],
    );
    const [cohort] = await db.query(
      `INSERT INTO cohort (slug, name, description, audience)
       VALUES ('pme-sante', 'PME pilotes – santé', 'Cliniques et cabinets', 'business') RETURNING id`,
    );
    await db.query(
      `INSERT INTO cohort_member (cohort_id, organization_id, status, source, joined_at)
       VALUES ($1, $2, 'active', 'staff', now())`,
      [cohort.id, org.id],
    );
    await db.query(
      `INSERT INTO rollout_plan_cohort (service_slug, variant, cohort_id) VALUES ($1, 'business', $2)`,
      [SERVICE, cohort.id],
    );
    await changePlan(portal, SERVICE, 'business', { stage: 'internal' });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await portal?.close();
    const admin: UnleashAdminClient = unleashAdmin();
    await admin.applyEnvironmentState(`${SERVICE}.business`, { enabled: false, strategies: [] });
  });

  const signedIn = (locale: 'fr' | 'en') =>
    signedInPage(browser, portal.url, managerEmail, locale, {
      password: PASSWORD,
      languageCookie: true,
    });

  async function shot(page: Page, name: string) {
    await screenshot(page, `rollout-${name}`);
    expect(await wcagViolations(page)).toEqual([]);
  }

  it('walks the console: overview, plan, promotion, refusal and override, who sees what', async () => {
    const page = await signedIn('fr');
    await page.goto(`${portal.url}/staff`);
    await page.click('nav a:has-text("Déploiement")');
    await page.waitForLoadState();
    expect(await page.locator('h1').textContent()).toBe('Déploiement des services');
    expect(
      await page.locator(`tr[data-flag="${SERVICE}.business"] [data-stage]`).textContent(),
    ).toBe('Interne (personnel)');
    await shot(page, 'overview-fr');

    await page.click(`tr[data-flag="${SERVICE}.business"] a`);
    await page.waitForLoadState();
    await shot(page, 'plan-fr');

    // internal → sme-pilot: no gate, a reason is enough.
    await page.fill('#promote-reason', 'Début du projet pilote avec les cliniques');
    await page.click('button:has-text("Passer à « Projet pilote – PME »")');
    await page.waitForLoadState();
    expect(await page.locator('.govuk-notification-banner__heading').textContent()).toBe(
      'La variante est passée à l’étape suivante.',
    );
    expect(await page.locator('dd [data-stage]').textContent()).toBe('Projet pilote – PME');
    await shot(page, 'plan-promoted-fr');

    // sme-pilot → sme-gradual: the gates fail, the page says so and offers the override.
    await page.fill('#promote-reason', 'On continue');
    await page.click('button:has-text("Passer à « Ouverture progressive – PME »")');
    await page.waitForLoadState();
    expect(await page.locator('.govuk-error-summary').textContent()).toContain(
      'Des critères ne sont pas respectés',
    );
    expect(await page.inputValue('#promote-reason')).toBe('On continue');
    await shot(page, 'plan-gates-fail-fr');
    // The error summary's link takes the keyboard to the override.
    await page.click('.govuk-error-summary a');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('promote-override');
    await page.keyboard.press('Space');
    await page.fill('#promote-reason', 'Demande du conseil : ouverture avant les Fêtes');
    await page.click('button:has-text("Passer à « Ouverture progressive – PME »")');
    await page.waitForLoadState();
    expect(await page.locator('dd [data-stage]').textContent()).toBe('Ouverture progressive – PME');
    expect(await page.locator('tr[data-decision="promote"][data-override]').count()).toBe(1);
    await shot(page, 'plan-overridden-fr');

    await page.click('a:has-text("Retour au déploiement des services")');
    await page.click('a:has-text("Qui voit quoi ?")');
    await page.waitForLoadState();
    await page.fill('#neq', neq);
    await page.click('button:has-text("Afficher")');
    await page.waitForLoadState();
    expect(
      await page.locator(`tr[data-flag="${SERVICE}.business"]`).getAttribute('data-enabled'),
    ).toBe('yes');
    expect(await page.locator(`tr[data-flag="${SERVICE}.business"]`).textContent()).toContain(
      'PME pilotes – santé',
    );
    // The revision they get, from the same evaluation (no candidate in rollout here).
    expect(await page.locator(`tr[data-flag="${SERVICE}.business"]`).textContent()).toContain(
      'Révision 1 — révision en vigueur.',
    );
    await shot(page, 'who-fr');
  });

  it('says on the SME plan what a rollback or a pause does to citizens, and records the override (ADR 0034)', async () => {
    const slug = 'building-permit';
    await changePlan(portal, slug, 'business', { stage: 'sme-all' });
    await changePlan(portal, slug, 'citizen', { stage: 'general' });
    const page = await signedIn('fr');
    await page.goto(`${portal.url}/staff/rollout/${slug}/business`);
    expect(await page.locator('[data-sme-first="rollback"]').textContent()).toContain(
      'ramène aussi la variante citoyenne à l’étape « Interne »',
    );
    expect(await page.locator('[data-sme-first="pause"]').textContent()).toContain(
      'La pause s’applique aussi à la variante citoyenne',
    );
    await shot(page, 'plan-sme-first-fr');

    // Pause the SMEs only: the override, ticked by keyboard, with its reason.
    await page.fill('#pause-reason', 'Seul le formulaire PME est en cause');
    await page.focus('#pause-override');
    await page.keyboard.press('Space');
    await page.click('button:has-text("Mettre en pause")');
    await page.waitForLoadState();
    expect(await page.locator('.govuk-notification-banner__heading').textContent()).toContain(
      'pour les PME seulement',
    );
    expect(await page.locator('tr[data-decision="pause"][data-override]').count()).toBe(1);
    const [citizens] = await db.query(
      `SELECT paused FROM rollout_plan WHERE service_slug = $1 AND variant = 'citizen'`,
      [slug],
    );
    expect(citizens.paused).toBe(false);

    // On the citizen plan, paused, resuming before the SMEs asks for the override.
    const en = await signedIn('en');
    await en.goto(`${portal.url}/staff/rollout/${slug}/citizen`);
    await en.fill('#pause-reason', 'Citizens too, after all');
    await en.click('button:has-text("Pause")');
    await en.waitForLoadState();
    expect(await en.locator('[data-sme-first="resume"]').textContent()).toContain(
      'SMEs first: the business variant is not open to every SME',
    );
    await en.fill('#resume-reason', 'Reopen to citizens');
    await en.click('button:has-text("Resume")');
    await en.waitForLoadState();
    expect(await en.locator('.govuk-error-summary').textContent()).toContain('SMEs first');
    await en.click('.govuk-error-summary a');
    expect(await en.evaluate(() => document.activeElement?.id)).toBe('resume-override');
    await shot(en, 'plan-sme-first-resume-refused-en');
  });

  it('offers a citizen "notify me" on a service not open yet, and says so once asked', async () => {
    const resident = await createPerson(db, { displayName: 'Jeanne Résidente' });
    const context = await browser.newContext({
      locale: 'fr-CA',
      viewport: { width: 1100, height: 900 },
    });
    const page = await context.newPage();
    await page.goto(`${portal.url}/sign-in`);
    await page.fill('#email', resident.email);
    await page.fill('#password', PASSWORD);
    await page.click('main button[type="submit"]');
    await page.waitForLoadState();
    await page.goto(`${portal.url}/services/${SERVICE}/citizen`);
    await shot(page, 'not-yet-citizen-fr');
    await page.click('button:has-text("M’avertir quand il sera offert")');
    await page.waitForLoadState();
    expect(await page.locator('[data-subscribed]').textContent()).toContain('nous vous écrirons');
    await shot(page, 'not-yet-subscribed-fr');
    await context.close();
  });

  it('opens the gates’ evidence from a gate, without personal data, in French and English', async () => {
    const [org] = await db.query(`SELECT id FROM organization WHERE neq = $1`, [neq]);
    for (const [stage, kind, severity] of [
      ['sme-pilot', 'problem', 'blocker'],
      ['sme-gradual', 'unclear-wording', null],
    ])
      await db.query(
        `INSERT INTO feedback_item (service_slug, variant, service_revision, stage, page, audience,
           organization_id, language, kind, severity, happened)
         VALUES ($1, 'business', 1, $2, '/applications/x/steps/occupants', 'business', $3, 'fr', $4, $5,
           'Line Caron : le bouton ne répond pas')`,
        [SERVICE, stage, org.id, kind, severity],
      );
    // The pilot's step saves (journey events stamped with its cohort): one step, one refusal in four.
    await db.query(
      `INSERT INTO journey_event (kind, service_slug, variant, service_revision, channel, cohort, step, errors)
       SELECT CASE WHEN i = 1 THEN 'validation_failed' ELSE 'step_completed' END, $1, 'business', 1,
              'web', 'pme-sante', 'occupants', CASE WHEN i = 1 THEN 1 ELSE 0 END
         FROM generate_series(1, 4) AS i`,
      [SERVICE],
    );
    const page = await signedIn('fr');
    await page.goto(`${portal.url}/staff/rollout/${SERVICE}/business`);
    await page.click('tr[data-gate="feedback-received"] a');
    await page.waitForLoadState();
    expect(await page.locator('h1').textContent()).toBe('Preuves des critères de passage');
    expect(await page.locator('[data-feedback]').count()).toBe(2);
    expect(await page.locator('main').textContent()).not.toContain('Line Caron');
    expect(
      (await page.locator('[data-evidence-step="occupants"]').textContent())!
        .replace(/\s+/g, ' ')
        .trim(),
    ).toBe('occupants 4 1 25 %');
    await shot(page, 'evidence-fr');
    const english = await signedIn('en');
    await english.goto(`${portal.url}/staff/rollout/${SERVICE}/business/evidence`);
    expect(await english.locator('h1').textContent()).toBe('Evidence for the gates');
    await shot(english, 'evidence-en');
  });

  it('reads in English too', async () => {
    const page = await signedIn('en');
    await page.goto(`${portal.url}/staff/rollout`);
    expect(await page.locator('h1').textContent()).toBe('Service rollout');
    await shot(page, 'overview-en');
    await page.goto(`${portal.url}/staff/rollout/${SERVICE}/business`);
    expect(await page.locator('#gates').textContent()).toBe('Gates');
    await shot(page, 'plan-en');
    await page.goto(`${portal.url}/staff/rollout/who-sees-what?kind=sme&neq=${neq}`);
    await shot(page, 'who-en');
  });
});
