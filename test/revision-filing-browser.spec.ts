import type { Browser } from 'playwright-core';
import { DataSource } from 'typeorm';
import { ApplicationsService } from '../src/modules/applications/applications.service.js';
import { launchChromium, signedInPage, wcagViolations, screenshot } from './support/browser.js';
import {
  buildingPermitCandidate,
  NEW_QUESTION,
  rollBackCandidate,
  type CandidateWorld,
} from './support/candidate.js';
import { PASSWORD } from './support/people.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const SLUG = 'building-permit';

/**
 * In Chromium, in French and English, axe-clean: a pilot SME on the building
 * permit's candidate revision 2 sees, on its start page and its form, the
 * pilot banner "this form has changed" with the feedback link and what
 * changed; another SME does not; after a rollback moved the pilot's draft, a
 * step posted from the old page comes back with what was typed and says why.
 */
describe('the candidate revision, in a browser', () => {
  let portal: TestApp;
  let browser: Browser;
  let world: CandidateWorld;

  beforeAll(async () => {
    portal = await startTestApp();
    world = await buildingPermitCandidate(portal);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await portal?.close();
  });

  /** Acts for the SME through the acting-as page, as a person does. */
  /** A browser page of an SME's member, signed in and acting for the SME. */
  async function smePage(sme: CandidateWorld['pilotSme'], locale: 'fr' | 'en') {
    const page = await signedInPage(browser, portal.url, await emailOf(sme.accountId), locale, {
      password: PASSWORD,
      languageCookie: true,
    });
    await page.goto(`${portal.url}/acting-as`);
    await page.check(`#actingAs-${sme.organizationId}`);
    await page.locator('main button[type="submit"]').click();
    await page.waitForLoadState();
    return page;
  }

  const emailOf = async (accountId: string) =>
    (
      await portal.app
        .get(DataSource)
        .query<{ email: string }[]>(`SELECT email FROM account WHERE id = $1`, [accountId])
    )[0].email;

  for (const [locale, texts] of [
    [
      'fr',
      {
        banner: 'Ce formulaire a changé : dites-nous comment il fonctionne pour vous.',
        whatChanged: 'Ce qui a changé',
        added: `Nouvelle question : « ${NEW_QUESTION.label.fr} »`,
        feedback: 'Donnez votre avis',
      },
    ],
    [
      'en',
      {
        banner: 'This form has changed: tell us how it works for you.',
        whatChanged: 'What changed',
        added: `New question: “${NEW_QUESTION.label.en}”`,
        feedback: 'Give feedback',
      },
    ],
  ] as const) {
    it(`shows the pilot SME the candidate's banner on its start page and its form (${locale})`, async () => {
      const page = await smePage(world.pilotSme, locale);

      await page.goto(`${portal.url}/services/${SLUG}/business`);
      const banner = page.locator('.govuk-phase-banner[data-phase="candidate"]');
      expect(await banner.locator('.govuk-phase-banner__text').textContent()).toContain(
        texts.banner,
      );
      const link = banner.getByRole('link', { name: texts.feedback });
      expect(await link.getAttribute('href')).toMatch(
        /^\/services\/building-permit\/business\/feedback\?/,
      );
      await banner.getByText(texts.whatChanged).click();
      expect(await banner.locator('[data-change="added"]').textContent()).toBe(texts.added);
      await screenshot(page, `candidate-start-${locale}`);
      expect(await wcagViolations(page)).toEqual([]);

      await page.locator('form[action$="/start"] button').click();
      await page.waitForURL(/\/applications\/[0-9a-f-]{36}/);
      const id = /\/applications\/([0-9a-f-]{36})/.exec(page.url())![1];
      await page.goto(`${portal.url}/applications/${id}/steps/property`);
      expect(await page.locator('[data-phase="candidate"]').count()).toBe(1);
      expect(await page.getByText(NEW_QUESTION.label[locale]).count()).toBeGreaterThan(0);
      expect(await wcagViolations(page)).toEqual([]);
      await page.context().close();
    });

    it(`shows another SME no candidate banner (${locale})`, async () => {
      const page = await smePage(world.otherSme, locale);
      await page.goto(`${portal.url}/services/${SLUG}/business`);
      expect(await page.locator('h1').count()).toBe(1);
      expect(await page.locator('[data-phase="candidate"]').count()).toBe(0);
      await page.context().close();
    });
  }

  it('brings a step posted after a rollback back with what was typed, and says why (fr, en)', async () => {
    const draft = await portal.app.get(ApplicationsService).start(
      {
        audience: 'business',
        accountId: world.pilotSme.accountId,
        organization: {
          id: world.pilotSme.organizationId,
          name: 'Construction Pilote inc.',
          employeeCount: 12,
        },
        staff: false,
        channel: 'web',
      },
      SLUG,
      'business',
      {},
      { ip: '127.0.0.1', requestId: 'test' },
    );
    expect(draft.application.serviceRevision).toBe(2);
    const pages = [];
    for (const locale of ['fr', 'en'] as const) {
      const page = await smePage(world.pilotSme, locale);
      await page.goto(`${portal.url}/applications/${draft.application.id}/steps/property`);
      await page.fill('#lotNumber', '1 234 567');
      pages.push({ locale, page });
    }
    await rollBackCandidate(portal, world, SLUG);
    for (const { locale, page } of pages) {
      await page.locator('main form button[value="continue"]').click();
      await page.waitForLoadState();
      const moved = page.locator('[data-revision-moved]');
      expect(await moved.count()).toBe(1);
      expect(await page.inputValue('#lotNumber')).toBe('1 234 567');
      await screenshot(page, `candidate-moved-${locale}`);
      expect(await wcagViolations(page)).toEqual([]);
      await page.context().close();
    }
  });
});
