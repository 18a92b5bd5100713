import type { Browser } from 'playwright-core';
import { DataSource } from 'typeorm';
import { ApplicationsService } from '../src/modules/applications/applications.service.js';
import type { TextField } from '../src/modules/catalogue/form-schema.js';
import { ServiceRevisionsService } from '../src/modules/studio/service-revisions.service.js';
import type { StaffActor } from '../src/modules/staff/staff-roles.guard.js';
import {
  buildingPermitAnswers,
  fileBuildingPermit,
  releaseService,
} from './support/applications.js';
import { launchChromium, signedInPage, wcagViolations, screenshot } from './support/browser.js';
import { createPerson, PASSWORD } from './support/people.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const origin = { ip: '127.0.0.1', requestId: 'test' };

/**
 * In Chromium, in French and English, axe-clean: the applicant whose draft
 * moved to a new revision sees which pages to check again; the clerk sees
 * the revision an application was filed through, and the queue's CSV link.
 */
describe('applications through their own revision, in a browser', () => {
  let portal: TestApp;
  let browser: Browser;
  let citizenEmail: string;
  let clerkEmail: string;
  let draft: string;
  let filed: string;

  beforeAll(async () => {
    portal = await startTestApp();
    const db = portal.app.get(DataSource);
    await releaseService(portal, 'building-permit');
    const designerPerson = await createPerson(db, { displayName: 'Élise Conception' });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'service-designer')`, [
      designerPerson.id,
    ]);
    const designer: StaffActor = { accountId: designerPerson.id, roles: ['service-designer'] };
    const clerk = await createPerson(db, { displayName: 'Paul Commis' });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'clerk')`, [clerk.id]);
    clerkEmail = clerk.email;
    const citizen = await createPerson(db, { displayName: 'Marie Tremblay' });
    citizenEmail = citizen.email;
    const resident = { accountId: citizen.id, audience: 'citizen' as const };
    filed = (await fileBuildingPermit(portal.app, db, resident)).id;
    draft = (
      await portal.app
        .get(ApplicationsService)
        .startDraft(
          { ...resident, channel: 'web' },
          'building-permit',
          buildingPermitAnswers('citizen'),
          origin,
        )
    ).application.id;
    const revisions = portal.app.get(ServiceRevisionsService);
    const started = await revisions.startDraft(designer, 'building-permit', origin);
    const changed = await revisions.changeDraft(
      designer,
      'building-permit',
      started.number,
      started.version,
      (d) => {
        const work = d.form.steps.find((s) => s.slug === 'work')!;
        (work.fields.find((f) => f.name === 'workDescription') as TextField).label = {
          fr: 'Décrivez les travaux',
          en: 'Describe the work',
        };
        return d;
      },
      'label workDescription',
      origin,
    );
    await revisions.markReady(designer, 'building-permit', started.number, changed.version, origin);
    await revisions.withdraw(designer, 'building-permit', 1, origin);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await portal?.close();
  });

  for (const [locale, texts] of [
    [
      'fr',
      { heading: 'Le formulaire de ce service a changé.', step: 'Les travaux', form: 'Formulaire' },
    ],
    ['en', { heading: 'The form of this service changed.', step: 'The work', form: 'Form' }],
  ] as const) {
    it(`tells the applicant which pages to check again (${locale})`, async () => {
      const page = await signedInPage(browser, portal.url, citizenEmail, locale, {
        password: PASSWORD,
        languageCookie: true,
      });
      await page.goto(`${portal.url}/applications/${draft}`);
      const banner = page.locator('[data-revision-notice]');
      expect(await banner.textContent()).toContain(texts.heading);
      await screenshot(page, `revision-notice-${locale}`);
      expect(await wcagViolations(page)).toEqual([]);
      await banner.getByRole('link', { name: texts.step }).click();
      await page.waitForURL(/\/steps\/work$/);
      expect(await page.locator('[data-revision-notice]').count()).toBe(1);
      expect(await wcagViolations(page)).toEqual([]);
      await page.context().close();
    });

    it(`shows the clerk the revision an application was filed through (${locale})`, async () => {
      const page = await signedInPage(browser, portal.url, clerkEmail, locale, {
        password: PASSWORD,
        languageCookie: true,
      });
      await page.goto(`${portal.url}/staff/applications/${filed}`);
      expect(await page.locator('[data-service-revision="1"] dt').textContent()).toBe(texts.form);
      expect(await wcagViolations(page)).toEqual([]);
      await page.goto(`${portal.url}/staff/applications`);
      expect(await page.locator('#csv-link').getAttribute('href')).toBe(
        '/staff/applications/export.csv',
      );
      expect(await wcagViolations(page)).toEqual([]);
      await page.context().close();
    });
  }
});
