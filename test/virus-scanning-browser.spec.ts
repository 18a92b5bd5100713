import type { Browser } from 'playwright-core';
import { DataSource } from 'typeorm';
import { ApplicationsService } from '../src/modules/applications/applications.service.js';
import { buildingPermitAnswers, PDF } from './support/applications.js';
import { launchChromium, wcagViolations, signedInPage, screenshot } from './support/browser.js';
import { createPerson, PASSWORD, uniqueEmail } from './support/people.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const origin = { ip: '127.0.0.1', requestId: 'test' };

/**
 * The staff's application page with a file of each scan status (ADR 0028):
 * clean (linked), unscanned (linked, "not scanned for viruses"), pending (not
 * linked, "awaiting virus scan") and infected (not linked, "refused"), in a
 * real browser, in French and English, with no WCAG 2.1 A/AA violation.
 */
describe('files and their virus scan on the staff application page, in a browser', () => {
  let portal: TestApp;
  let db: DataSource;
  let browser: Browser;
  const clerk = { email: uniqueEmail('clerk-scan'), id: '' };
  let applicationId = '';
  const files: Record<string, string> = {};

  beforeAll(async () => {
    portal = await startTestApp({}, { skipBootTasks: true });
    db = portal.app.get(DataSource);
    clerk.id = (await createPerson(db, { email: clerk.email, displayName: 'Claude Préposé' })).id;
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'clerk')`, [clerk.id]);
    const person = await createPerson(db);
    const applicant = {
      accountId: person.id,
      audience: 'citizen' as const,
      channel: 'web' as const,
    };
    const applications = portal.app.get(ApplicationsService);
    const { application } = await applications.startDraft(
      applicant,
      'building-permit',
      buildingPermitAnswers('citizen'),
      origin,
    );
    applicationId = application.id;
    for (const status of ['clean', 'unscanned', 'pending', 'infected'] as const) {
      const infected = status === 'infected';
      const [row] = await db.query(
        `INSERT INTO application_attachment
           (application_id, field, filename, content_type, size_bytes, sha256, content, uploaded_by,
            scan_status, scan_signature)
         VALUES ($1, 'sitePlan', $2, 'application/pdf', $3, 'test', $4, $5, $6, $7) RETURNING id`,
        [
          application.id,
          `plan-${status}.pdf`,
          PDF.length,
          infected ? null : PDF,
          person.id,
          status,
          infected ? 'Eicar-Test-Signature.UNOFFICIAL' : null,
        ],
      );
      files[status] = row.id;
    }
    // The answers name the clean file; the attachments table lists every stored file.
    const saved = await applications.saveAnswers(
      applicant,
      application.id,
      {
        sitePlan: [
          {
            id: files.clean,
            filename: 'plan-clean.pdf',
            size: PDF.length,
            contentType: 'application/pdf',
          },
        ],
      },
      [],
      origin,
    );
    if (!saved.ok) throw new Error(saved.reason);
    const submitted = await applications.submit(applicant, application.id, origin);
    if (!submitted.ok) throw new Error(submitted.reason);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await portal?.close();
  });

  const signedIn = (locale: 'fr' | 'en') =>
    signedInPage(browser, portal.url, clerk.email, locale, { password: PASSWORD, width: 1200 });

  const labels = {
    fr: {
      unscanned: 'Non analysé par l’antivirus',
      pending: 'En attente de l’analyse antivirus',
      infected: 'Refusé : l’analyse antivirus a trouvé un virus (Eicar-Test-Signature.UNOFFICIAL)',
    },
    en: {
      unscanned: 'Not scanned for viruses',
      pending: 'Awaiting virus scan',
      infected: 'Refused: the virus scan found a virus (Eicar-Test-Signature.UNOFFICIAL)',
    },
  };

  for (const locale of ['fr', 'en'] as const) {
    it(`labels each file with its scan and links only those staff may open (${locale}), accessibly`, async () => {
      const page = await signedIn(locale);
      await page.goto(`${portal.url}/staff/applications/${applicationId}`);
      const table = page.locator('#attachments + table');
      const row = (status: string) => table.locator('tr', { hasText: `plan-${status}.pdf` });
      expect(await row('clean').locator('a').count()).toBe(1);
      expect(await row('clean').locator('.govuk-tag').count()).toBe(0);
      expect(await row('unscanned').locator('a').count()).toBe(1);
      expect(await row('unscanned').locator('.govuk-tag').textContent()).toBe(
        labels[locale].unscanned,
      );
      expect(await row('pending').locator('a').count()).toBe(0);
      expect(await row('pending').locator('.govuk-tag').textContent()).toContain(
        labels[locale].pending,
      );
      expect(await row('infected').locator('a').count()).toBe(0);
      expect(await row('infected').locator('.govuk-tag').textContent()).toContain(
        labels[locale].infected,
      );
      await screenshot(page, `staff-application-scan-${locale}`);
      expect(await wcagViolations(page)).toEqual([]);
      await page.context().close();
    });
  }
});
