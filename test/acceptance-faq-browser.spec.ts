import type { Browser, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { AcceptanceService } from '../src/modules/acceptance/acceptance.service.js';
import { FaqService } from '../src/modules/faq/faq.service.js';
import { releaseService } from './support/applications.js';
import { launchChromium, wcagViolations, signedInPage, screenshot } from './support/browser.js';
import { createPerson, PASSWORD, uniqueEmail } from './support/people.js';
import { changePlan, startTestApp, type TestApp } from './support/test-app.js';

const SERVICE = 'public-domain-occupation';
const ORIGIN = { ip: '127.0.0.1', requestId: 'browser-test' };

/**
 * Issue 6's acceptance checklist and FAQ in a real browser, in French and
 * English: a citizen pilot's tester fills in the checklist (its error summary
 * once), staff read the criteria and their results and the FAQ page, and the
 * service's start page shows its questions. Every page passes axe-core's
 * WCAG 2.1 A/AA rules.
 */
describe('acceptance checklist and FAQ, in a browser', () => {
  let portal: TestApp;
  let db: DataSource;
  let browser: Browser;
  const tester = { email: uniqueEmail('tester-browser'), id: '' };
  const manager = { email: uniqueEmail('manager-browser'), id: '' };
  const criteria: string[] = [];
  const cspViolations: string[] = [];

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    await releaseService(portal, SERVICE);
    tester.id = (await createPerson(db, { email: tester.email, displayName: 'Léa Roy' })).id;
    manager.id = (
      await createPerson(db, { email: manager.email, displayName: 'Martin Gagnon' })
    ).id;
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'rollout-manager')`, [
      manager.id,
    ]);
    const [cohort] = await db.query(
      `INSERT INTO cohort (slug, name, audience) VALUES ('testeurs-terrasses', 'Testeurs des terrasses', 'citizen')
       RETURNING id`,
    );
    await db.query(
      `INSERT INTO cohort_member (cohort_id, account_id, status, source, joined_at)
       VALUES ($1, $2, 'active', 'staff', now())`,
      [cohort.id, tester.id],
    );
    await db.query(
      `INSERT INTO rollout_plan_cohort (service_slug, variant, cohort_id) VALUES ($1, 'citizen', $2)`,
      [SERVICE, cohort.id],
    );
    // The citizen variant in its pilot, with the tester's cohort (every SME has it).
    await changePlan(portal, SERVICE, 'citizen', { stage: 'citizen-pilot' });
    const acceptance = portal.app.get(AcceptanceService);
    for (const [fr, en, dfr, den] of [
      [
        'Choisir l’emplacement sur la carte',
        'Choose the location on the map',
        'Le point choisi apparaît sur le résumé.',
        'The point chosen shows on the summary.',
      ],
      ['Joindre le plan de la terrasse', 'Attach the patio’s plan', '', ''],
      ['Recevoir l’accusé de réception', 'Get the acknowledgement', '', ''],
    ])
      criteria.push(
        await acceptance.createCriterion(
          manager.id,
          SERVICE,
          'citizen',
          { title: { fr, en }, description: { fr: dfr, en: den }, position: null },
          ORIGIN,
        ),
      );
    const faq = portal.app.get(FaqService);
    for (const [qfr, qen, afr, aen] of [
      [
        'Combien de temps dure le permis?',
        'How long does the permit last?',
        'Du 1er mai au 31 octobre.\nIl se renouvelle chaque année.',
        'From May 1 to October 31.\nIt is renewed every year.',
      ],
      [
        'Puis-je installer des bacs à fleurs?',
        'May I put up flower boxes?',
        'Oui, s’ils laissent 1,5 m pour les piétons.',
        'Yes, if they leave 1.5 m for pedestrians.',
      ],
    ]) {
      const created = await faq.create(
        manager.id,
        {
          serviceSlug: SERVICE,
          question: { fr: qfr, en: qen },
          answer: { fr: afr, en: aen },
          position: null,
        },
        ORIGIN,
      );
      if (!created.ok) throw new Error('could not create a FAQ entry');
      await faq.setPublished(manager.id, created.id, true, ORIGIN);
    }
    await db.query(
      `INSERT INTO feedback_item (service_slug, variant, service_revision, stage, audience, account_id, language, kind, happened)
       VALUES ($1, 'citizen', 1, 'citizen-pilot', 'citizen', $2, 'fr', 'question', 'Faut-il un permis pour une terrasse sur mon terrain?')`,
      [SERVICE, tester.id],
    );
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.close();
  });

  const signedIn = (email: string, locale: 'fr' | 'en') =>
    signedInPage(browser, portal.url, email, locale, { password: PASSWORD, cspViolations });

  /** A screenshot to look at, and no WCAG 2.1 A/AA violation. */
  async function check(page: Page, name: string) {
    await screenshot(page, `acceptance-faq-${name}`);
    expect(await wcagViolations(page)).toEqual([]);
  }

  it('a tester finds the checklist on the start page, with the FAQ, and fills it in (French)', async () => {
    const page = await signedIn(tester.email, 'fr');
    await page.goto(`${portal.url}/services/${SERVICE}/citizen`);
    expect(await page.textContent('#faq')).toBe('Questions fréquentes');
    await page.click('summary:has-text("Combien de temps dure le permis?")');
    expect(await page.isVisible('text=Il se renouvelle chaque année.')).toBe(true);
    await check(page, 'start-fr');

    await page.click('#pilot-checklist a');
    await page.waitForLoadState();
    expect(await page.textContent('h1')).toBe('Votre liste de vérification du projet pilote');
    await check(page, 'checklist-fr');

    // A fail without a note: the error summary, the typing kept.
    await page.check(`#outcome-${criteria[0]}`);
    await page.fill(`#note-${criteria[0]}`, 'Le point s’affiche bien.');
    await page.check(`#outcome-${criteria[1]}-fail`);
    await page.click('button:has-text("Enregistrer mes résultats")');
    await page.waitForLoadState();
    expect(await page.textContent('.govuk-error-summary')).toContain(
      'Décrivez ce qui n’a pas fonctionné',
    );
    expect(await page.inputValue(`#note-${criteria[0]}`)).toBe('Le point s’affiche bien.');
    expect(await page.isChecked(`#outcome-${criteria[1]}-fail`)).toBe(true);
    await check(page, 'checklist-errors-fr');

    await page.click(`.govuk-error-summary a[href="#note-${criteria[1]}"]`);
    await page.fill(`#note-${criteria[1]}`, 'Le bouton « Joindre » ne réagit pas.');
    await page.check(`#outcome-${criteria[2]}-blocked`);
    await page.fill(`#note-${criteria[2]}`, 'Impossible d’envoyer la demande sans le plan.');
    await page.click('button:has-text("Enregistrer mes résultats")');
    await page.waitForLoadState();
    expect(await page.textContent('#checklist-notice')).toContain(
      '3 résultats ont été enregistrés.',
    );
    expect(await page.textContent(`[data-criterion="2"] [data-result="fail"]`)).toContain('FB-');
    await check(page, 'checklist-saved-fr');
    const [{ n }] = await db.query(
      `SELECT count(*)::int AS n FROM feedback_item WHERE acceptance_result_id IS NOT NULL`,
    );
    expect(n).toBe(1);
    await page.context().close();
  });

  it('shows the checklist and the FAQ in English', async () => {
    const page = await signedIn(tester.email, 'en');
    await page.goto(`${portal.url}/services/${SERVICE}/citizen`);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.textContent('#faq')).toBe('Frequently asked questions');
    expect(await page.textContent('#pilot-checklist')).toContain('Your pilot checklist');
    await page.click('summary:has-text("May I put up flower boxes?")');
    await check(page, 'start-en');
    await page.goto(`${portal.url}/services/${SERVICE}/citizen/acceptance`);
    expect(await page.textContent('h1')).toBe('Your pilot checklist');
    expect(await page.textContent('main')).toContain('Attach the patio’s plan');
    await check(page, 'checklist-en');
    await page.context().close();
  });

  it('staff read the criteria with their results, and the FAQ page, in French and English', async () => {
    for (const locale of ['fr', 'en'] as const) {
      const page = await signedIn(manager.email, locale);
      await page.goto(`${portal.url}/staff/acceptance`);
      await check(page, `staff-overview-${locale}`);
      await page.click(`[data-variant="${SERVICE}.citizen"] a`);
      await page.waitForLoadState();
      expect(await page.getAttribute('[data-gate="acceptance"]', 'data-status')).toBe('fail');
      expect(await page.textContent('main')).toContain('Le bouton « Joindre » ne réagit pas.');
      await check(page, `staff-criteria-${locale}`);

      await page.click('nav >> text=FAQ');
      await page.waitForLoadState();
      expect(await page.textContent('[data-testid="questions"]')).toContain(
        'Faut-il un permis pour une terrasse sur mon terrain?',
      );
      await check(page, `staff-faq-${locale}`);
      await page.click('[data-testid="questions"] a');
      await page.waitForLoadState();
      await check(page, `staff-faq-from-feedback-${locale}`);
      await page.context().close();
    }
  });

  it('broke no Content Security Policy rule', () => {
    expect(cspViolations).toEqual([]);
  });
});
