import type { Browser, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { buildingPermitRevision2 } from '../src/modules/rollout/demo-revision.js';
import { RolloutReconciler } from '../src/modules/rollout/rollout-reconciler.service.js';
import { RevisionRolloutService } from '../src/modules/rollout/revision-rollout.service.js';
import { launchChromium, signedInPage, wcagViolations, screenshot } from './support/browser.js';
import { cohortOf, closeInUnleash, openWithCohorts, readyRevision2 } from './support/candidate.js';
import { createPerson, PASSWORD } from './support/people.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const SLUG = 'building-permit';
const origin = { ip: '127.0.0.1', requestId: 'test' };

/**
 * Issue 15: a rollout manager walks a service's revision page in Chromium —
 * from the console's home, the candidate on its track, who gets which
 * revision, its gates and figures beside the current revision's, a refused
 * promotion (the gates fail) and its error summary — then "What changed", the
 * studio's comparison opened read-only; in French and English, with no
 * axe-core WCAG 2.1 A/AA violation on any page.
 */
describe('the rollout console’s revision page in a browser', () => {
  let portal: TestApp;
  let browser: Browser;
  let managerEmail: string;

  beforeAll(async () => {
    portal = await startTestApp();
    const db = portal.app.get(DataSource);
    const manager = await createPerson(db, { displayName: 'Martin Gagnon' });
    managerEmail = manager.email;
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'rollout-manager')`, [
      manager.id,
    ]);
    const designer = await createPerson(db, { displayName: 'Élise Conception' });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'admin')`, [
      designer.id,
    ]);
    // The building permit open to every SME and every citizen, a pilot cohort on the business plan.
    const cohort = await cohortOf(
      portal,
      {
        slug: 'pme-pilotes-construction',
        name: 'PME pilotes – construction',
        audience: 'business',
      },
      [],
    );
    await openWithCohorts(portal, SLUG, { business: cohort });
    await readyRevision2(
      portal,
      { accountId: designer.id, roles: ['admin'] },
      SLUG,
      buildingPermitRevision2,
    );
    // Revision 2 in SME pilot, as the demo data has it.
    await portal.app.get(RevisionRolloutService).start({ accountId: manager.id, origin }, SLUG, {
      revision: 2,
      reason: 'Question plus claire',
    });
    await portal.app.get(RolloutReconciler).syncNow();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await portal?.close();
    await closeInUnleash(SLUG);
  });

  async function shot(page: Page, name: string) {
    await screenshot(page, `revision-rollout-${name}`);
    expect(await wcagViolations(page)).toEqual([]);
  }

  for (const [locale, texts] of [
    [
      'fr',
      {
        home: 'Déploiement des services',
        h1: 'Révisions du service',
        link: 'Permis de construction',
        promote: 'Passer à l’étape « Ouverture progressive – PME »',
        refused: 'Des critères de la révision candidate ne sont pas respectés',
        whatChanged: 'Ce qui change de la révision 1 à la révision 2',
        compare: 'Comparer deux révisions',
      },
    ],
    [
      'en',
      {
        home: 'Service rollout',
        h1: 'Revisions of the service',
        link: 'Building',
        promote: 'Move to the “Gradual release – SMEs” stage',
        refused: 'Some gates of the candidate revision do not pass',
        whatChanged: 'What changed from revision 1 to revision 2',
        compare: 'Compare two revisions',
      },
    ],
  ] as const)
    it(`walks the revision page and what changed (${locale})`, async () => {
      const page = await signedInPage(browser, portal.url, managerEmail, locale, {
        password: PASSWORD,
        languageCookie: true,
      });
      await page.goto(`${portal.url}/staff/rollout`);
      expect(await page.locator('h1').textContent()).toBe(texts.home);
      expect(await page.locator(`tr[data-revisions="${SLUG}"] [data-candidate]`).count()).toBe(1);
      await shot(page, `overview-${locale}`);

      await page.click(`tr[data-revisions="${SLUG}"] a`);
      await page.waitForLoadState();
      expect(new URL(page.url()).pathname).toBe(`/staff/rollout/${SLUG}/revisions`);
      expect(await page.locator('h1').textContent()).toBe(texts.h1);
      expect(await page.locator('[data-here]').getAttribute('data-track-stage')).toBe('sme-pilot');
      expect(await page.locator('[data-who="business"] li[data-revision="2"]').count()).toBe(1);
      expect(await page.locator('[data-testid="gates"] tbody tr').count()).toBe(8);
      expect(await page.locator('[data-testid="compare-business"] tbody tr').count()).toBe(5);
      await shot(page, `page-${locale}`);

      // Leaving the pilot: the candidate's gates fail, the page says so and offers the override.
      const reason = locale === 'fr' ? 'On avance' : 'Moving on';
      await page.fill('#promote-reason', reason);
      await page.click(`button:has-text("${texts.promote}")`);
      await page.waitForLoadState();
      expect(await page.locator('.govuk-error-summary').textContent()).toContain(texts.refused);
      expect(await page.inputValue('#promote-reason')).toBe(reason);
      await page.click('.govuk-error-summary a');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('promote-override');
      await shot(page, `refused-${locale}`);

      // What changed: the studio's comparison, read-only, back to the revision page.
      await page.click(`a:has-text("${texts.whatChanged}")`);
      await page.waitForLoadState();
      expect(await page.locator('h1').textContent()).toBe(texts.compare);
      expect(new URL(page.url()).search).toBe('?from=1&to=2');
      expect(await page.locator('.govuk-back-link').getAttribute('href')).toBe(
        `/staff/rollout/${SLUG}/revisions`,
      );
      expect(await page.locator('[data-comparison]').count()).toBeGreaterThan(0);
      await shot(page, `what-changed-${locale}`);
      await page.context().close();
    });
});
