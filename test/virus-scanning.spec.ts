import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { DataSource } from 'typeorm';
import { AttachmentsService } from '../src/modules/applications/attachments.service.js';
import { ScanService } from '../src/modules/virus-scan/scan.service.js';
import { startEmbeddedClamd, type RunningClamd } from '../src/platform/embedded/embedded-clamd.js';
import { findFreePort } from '../src/platform/embedded/free-port.js';
import { fileBuildingPermitWithSitePlan, PDF, releaseService } from './support/applications.js';
import { EICAR, eicarAnywhereSignatures, pdfWithEicar } from './support/eicar.js';
import { createPerson, signedInAgent } from './support/people.js';
import {
  csrfFrom,
  eventually,
  startTestApp,
  testDataDir,
  type TestApp,
} from './support/test-app.js';

type Agent = InstanceType<typeof TestAgent>;

const FEEDBACK = '/services/building-permit/citizen/feedback';

const MESSAGES = {
  fr: 'L’analyse antivirus a trouvé un virus dans ce fichier : il n’a pas été conservé.',
  en: 'The virus scan found a virus in this file: it was not kept.',
};

/** Text as Handlebars escapes it in a page. */
const text = (html: string) => html.replace(/&#x27;/g, "'").replace(/&amp;/g, '&');

async function startDraft(agent: Agent): Promise<string> {
  const page = await agent.get('/services/building-permit/citizen');
  const res = await agent
    .post('/services/building-permit/citizen/start')
    .type('form')
    .send({ _csrf: csrfFrom(page.text) });
  expect(res.status).toBe(303);
  return res.headers.location as string;
}

async function uploadOnStep(
  agent: Agent,
  draft: string,
  content: Buffer,
  name: string,
  lang: 'fr' | 'en' = 'fr',
) {
  const page = await agent.get(`${draft}/steps/documents`).set('Accept-Language', lang);
  return agent
    .post(`${draft}/steps/documents`)
    .set('Accept-Language', lang)
    .field('_csrf', csrfFrom(page.text))
    .field('action', 'upload:sitePlan')
    .attach('sitePlan', content, name);
}

async function sendFeedback(agent: Agent, content: Buffer, name: string, lang = 'fr') {
  const form = await agent.get(FEEDBACK).set('Accept-Language', lang);
  return agent
    .post(FEEDBACK)
    .set('Accept-Language', lang)
    .field('_csrf', csrfFrom(form.text))
    .field('kind', 'problem')
    .field('severity', 'minor')
    .field('tried', 'Joindre une capture.')
    .field('happened', 'Rien.')
    .attach('attachment', content, name);
}

describe('virus scanning with the real clamd (ADR 0028)', () => {
  let portal: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    // Open to everyone: any citizen files, and the feedback form takes a file whatever the stage.
    await releaseService(portal, 'building-permit');
  });
  afterAll(() => portal.close());

  const infectedEvents = (actorId: string) =>
    db.query(
      `SELECT actor_id AS "actorId", entity_type AS "entityType", after FROM audit_event
        WHERE action = 'attachment.infected' AND actor_id = $1 ORDER BY occurred_at`,
      [actorId],
    );

  it.each(['fr', 'en'] as const)(
    'refuses EICAR on a filing step (%s): 422 with the field error, audited, nothing stored',
    async (lang) => {
      const citizen = await createPerson(db);
      const agent = await signedInAgent(portal.url, citizen.email, lang);
      const draft = await startDraft(agent);
      const res = await uploadOnStep(agent, draft, EICAR, 'facture.pdf', lang);
      expect(res.status).toBe(422);
      expect(text(res.text)).toContain(MESSAGES[lang]);
      expect(res.text).toContain('href="#sitePlan"');
      const id = draft.split('/').pop();
      expect(
        await db.query(`SELECT id FROM application_attachment WHERE application_id = $1`, [id]),
      ).toHaveLength(0);
      const [event] = await infectedEvents(citizen.id);
      expect(event.entityType).toBe('application');
      expect(event.after).toMatchObject({
        kind: 'application',
        service: 'building-permit',
        field: 'sitePlan',
        signature: 'Eicar-Test-Signature.UNOFFICIAL',
      });
    },
  );

  it('scans a clean file and marks it clean', async () => {
    const citizen = await createPerson(db);
    const agent = await signedInAgent(portal.url, citizen.email);
    const draft = await startDraft(agent);
    const res = await uploadOnStep(agent, draft, PDF, 'plan.pdf');
    expect(res.status).toBe(200);
    const [row] = await db.query(
      `SELECT scan_status AS "scanStatus", scanned_at AS "scannedAt" FROM application_attachment
        WHERE application_id = $1`,
      [draft.split('/').pop()],
    );
    expect(row.scanStatus).toBe('clean');
    expect(row.scannedAt).toBeInstanceOf(Date);
  });

  it.each(['fr', 'en'] as const)(
    'refuses EICAR sent with feedback (%s): 422 with the field error, audited, nothing stored',
    async (lang) => {
      const citizen = await createPerson(db);
      const agent = await signedInAgent(portal.url, citizen.email, lang);
      const res = await sendFeedback(agent, EICAR, 'capture.png', lang);
      expect(res.status).toBe(422);
      expect(text(res.text)).toContain(MESSAGES[lang]);
      expect(res.text).toContain('href="#attachment"');
      expect(
        await db.query(`SELECT id FROM feedback_item WHERE account_id = $1`, [citizen.id]),
      ).toHaveLength(0);
      const [event] = await infectedEvents(citizen.id);
      expect(event.entityType).toBe('feedback');
      expect(event.after).toMatchObject({
        kind: 'feedback',
        service: 'building-permit',
        signature: 'Eicar-Test-Signature.UNOFFICIAL',
      });
    },
  );

  it('keeps a clean feedback file, marked clean', async () => {
    const citizen = await createPerson(db);
    const agent = await signedInAgent(portal.url, citizen.email);
    const res = await sendFeedback(agent, PDF, 'capture.pdf');
    expect(res.status).toBe(303);
    const [row] = await db.query(
      `SELECT feedback_attachment.scan_status AS "scanStatus" FROM feedback_attachment
         JOIN feedback_item ON feedback_item.id = feedback_attachment.feedback_id
        WHERE feedback_item.account_id = $1`,
      [citizen.id],
    );
    expect(row.scanStatus).toBe('clean');
  });

  it('reports the scanner in /readyz', async () => {
    const res = await request(portal.url).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body.checks.scanner).toBe('ok');
  });
});

describe('while clamd is unreachable, and when it returns', () => {
  let clamd: RunningClamd | undefined;
  let port: number;
  let signatures: string;
  let dataDir: string;
  let portal: TestApp;
  let db: DataSource;

  const startClamd = async () => {
    clamd = await startEmbeddedClamd({ dataDir, port, databaseDir: signatures });
  };

  beforeAll(async () => {
    dataDir = resolve(testDataDir(), 'clamav');
    signatures = eicarAnywhereSignatures(resolve(dataDir, 'db'));
    port = await findFreePort();
    await startClamd();
    portal = await startTestApp({
      CLAMAV_URL: `tcp://127.0.0.1:${port}`,
      CLAMAV_TIMEOUT_MS: '2000',
      // Files on disk: the rescan reads them there, and erases an infected one.
      ATTACHMENTS_DIR: resolve(dataDir, '..', 'attachments'),
    });
    db = portal.app.get(DataSource);
    await releaseService(portal, 'building-permit');
  });
  afterAll(async () => {
    await portal.close();
    await clamd?.stop();
  });

  /** A submitted building permit whose site plan was uploaded while clamd was down. */
  async function filedWhileDown(content: Buffer) {
    const person = await createPerson(db);
    const filed = await fileBuildingPermitWithSitePlan(
      portal.app,
      { accountId: person.id, audience: 'citizen' },
      content,
    );
    return { ...filed, person };
  }

  it('keeps uploads pending, hides them from staff, then scans them when clamd is back', async () => {
    const clerk = await createPerson(db, { displayName: 'Agent clerk' });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'clerk')`, [clerk.id]);
    const staff = await signedInAgent(portal.url, clerk.email);

    await clamd!.stop();
    clamd = undefined;
    const ready = await request(portal.url).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks.scanner).toBe('unreachable');

    const clean = await filedWhileDown(PDF);
    const infected = await filedWhileDown(pdfWithEicar());
    const statusOf = async (id: string) =>
      (await db.query(`SELECT scan_status FROM application_attachment WHERE id = $1`, [id]))[0]
        .scan_status as string;
    expect(await statusOf(clean.fileId)).toBe('pending');
    expect(await statusOf(infected.fileId)).toBe('pending');
    const [{ storage_key: infectedKey }] = await db.query(
      `SELECT storage_key FROM application_attachment WHERE id = $1`,
      [infected.fileId],
    );
    const infectedPath = resolve(portal.config.ATTACHMENTS_DIR, infectedKey);
    expect(existsSync(infectedPath)).toBe(true);

    const page = await staff.get(`/staff/applications/${clean.applicationId}`);
    expect(page.status).toBe(200);
    expect(text(page.text)).toContain('En attente de l’analyse antivirus');
    expect(page.text).not.toContain(`/files/${clean.fileId}"`);
    const hidden = await staff.get(
      `/staff/applications/${clean.applicationId}/files/${clean.fileId}`,
    );
    expect(hidden.status).toBe(404);

    // The applicant's upload through the step page is kept, and the page says it awaits its scan.
    const citizen = await createPerson(db);
    const agent = await signedInAgent(portal.url, citizen.email);
    const draft = await startDraft(agent);
    const uploaded = await uploadOnStep(agent, draft, PDF, 'plan.pdf');
    expect(uploaded.status).toBe(200);
    const [ownFile] = await db.query(
      `SELECT scan_status FROM application_attachment WHERE application_id = $1`,
      [draft.split('/').pop()],
    );
    expect(ownFile.scan_status).toBe('pending');
    const step = await agent.get(`${draft}/steps/documents`);
    expect(text(step.text)).toMatch(
      /plan\.pdf <strong class="govuk-tag govuk-tag--yellow">En attente de l’analyse antivirus</,
    );

    // Nothing to do while clamd is away.
    expect(await portal.app.get(ScanService).scanPending()).toMatchObject({
      skipped: 'unreachable',
    });

    await startClamd();
    const report = await portal.app.get(ScanService).scanPending();
    expect(report).toMatchObject({ clean: 2, infected: 1, pending: 0, unreadable: 0 });
    expect(existsSync(infectedPath)).toBe(false);
    expect(await statusOf(clean.fileId)).toBe('clean');
    expect(await statusOf(infected.fileId)).toBe('infected');

    const shown = await staff.get(`/staff/applications/${clean.applicationId}`);
    expect(shown.text).toContain(
      `/staff/applications/${clean.applicationId}/files/${clean.fileId}"`,
    );
    expect(text(shown.text)).not.toContain('En attente de l’analyse antivirus');
    const download = await staff.get(
      `/staff/applications/${clean.applicationId}/files/${clean.fileId}`,
    );
    expect(download.status).toBe(200);

    // The infected one: its bytes erased, audited, shown as refused, never served.
    const [row] = await db.query(
      `SELECT content, storage_key, scan_signature FROM application_attachment WHERE id = $1`,
      [infected.fileId],
    );
    expect(row).toEqual({
      content: null,
      storage_key: null,
      scan_signature: 'Eicar-Anywhere.UNOFFICIAL',
    });
    const [event] = await db.query(
      `SELECT actor_type, after FROM audit_event WHERE action = 'attachment.infected' AND entity_id = $1`,
      [infected.applicationId],
    );
    expect(event.actor_type).toBe('system');
    expect(event.after).toMatchObject({
      attachmentId: infected.fileId,
      signature: 'Eicar-Anywhere.UNOFFICIAL',
    });
    const refused = await staff.get(`/staff/applications/${infected.applicationId}`);
    expect(text(refused.text)).toContain('Refusé : l’analyse antivirus a trouvé un virus');
    expect(
      (await staff.get(`/staff/applications/${infected.applicationId}/files/${infected.fileId}`))
        .status,
    ).toBe(404);
    // The applicant cannot take it back either.
    const applicant = {
      accountId: infected.person.id,
      audience: 'citizen' as const,
      channel: 'web' as const,
    };
    expect(
      await portal.app
        .get(AttachmentsService)
        .readForApplicant(applicant, infected.applicationId, infected.fileId),
    ).toBeUndefined();

    expect((await request(portal.url).get('/readyz')).body.checks.scanner).toBe('ok');
  });
});

describe('the periodic rescan (the job virus-rescan, ADR 0026)', () => {
  let portal: TestApp;
  let db: DataSource;
  beforeAll(async () => {
    portal = await startTestApp({ CLAMAV_RESCAN_INTERVAL_MS: '1000' });
    db = portal.app.get(DataSource);
    await releaseService(portal, 'building-permit');
  });
  afterAll(() => portal.close());

  it('scans a file that waits for the scan by itself, with nobody asking', async () => {
    const citizen = await createPerson(db);
    const agent = await signedInAgent(portal.url, citizen.email);
    const draft = await startDraft(agent);
    expect((await uploadOnStep(agent, draft, PDF, 'plan.pdf')).status).toBe(200);
    const id = draft.split('/').pop();
    // As if clamd had been away when it arrived.
    await db.query(
      `UPDATE application_attachment SET scan_status = 'pending', scanned_at = NULL
        WHERE application_id = $1`,
      [id],
    );
    const statusNow = async () =>
      (
        await db.query(`SELECT scan_status FROM application_attachment WHERE application_id = $1`, [
          id,
        ])
      )[0].scan_status as string;
    await eventually(async () => (await statusNow()) === 'clean', 20_000);
    expect(await statusNow()).toBe('clean');
  });
});

describe('with scanning off (no CLAMAV_URL)', () => {
  let portal: TestApp;
  let db: DataSource;
  beforeAll(async () => {
    portal = await startTestApp({ CLAMAV_URL: '' }, { skipBootTasks: true });
    db = portal.app.get(DataSource);
  });
  afterAll(() => portal.close());

  it('stores files as unscanned, says so to staff, and /readyz says off', async () => {
    const person = await createPerson(db);
    const { applicationId, fileId } = await fileBuildingPermitWithSitePlan(
      portal.app,
      { accountId: person.id, audience: 'citizen' },
      PDF,
    );
    const [row] = await db.query(`SELECT scan_status FROM application_attachment WHERE id = $1`, [
      fileId,
    ]);
    expect(row.scan_status).toBe('unscanned');

    const clerk = await createPerson(db);
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'clerk')`, [clerk.id]);
    const staff = await signedInAgent(portal.url, clerk.email, 'en');
    const page = await staff
      .get(`/staff/applications/${applicationId}`)
      .set('Accept-Language', 'en');
    expect(page.text).toContain('Not scanned for viruses');
    expect(page.text).toContain(`/files/${fileId}"`);
    expect((await staff.get(`/staff/applications/${applicationId}/files/${fileId}`)).status).toBe(
      200,
    );

    const ready = await request(portal.url).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks.scanner).toBe('off');
    expect(await portal.app.get(ScanService).scanPending()).toMatchObject({ skipped: 'off' });
  });
});
