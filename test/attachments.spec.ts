import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { DataSource } from 'typeorm';
import {
  VirusScanner,
  type ScannerState,
  type ScanVerdict,
} from '../src/platform/virus-scan/virus-scanner.js';
import {
  AttachmentsService,
  MAX_ATTACHMENT_BYTES,
  sanitizeFilename,
} from '../src/modules/applications/attachments.service.js';
import {
  ApplicationsService,
  type Applicant,
} from '../src/modules/applications/applications.service.js';
import { AuditService } from '../src/modules/audit/audit.service.js';
import { AppConfig } from '../src/platform/config/app-config.js';
import { JsonLogger } from '../src/platform/logging/json-logger.js';
import {
  buildingPermitAnswers,
  fileBuildingPermit,
  PDF,
  pdfOfSize,
  PNG,
} from './support/applications.js';
import { createPerson } from './support/people.js';
import { startTestApp, testDataDir, type TestApp } from './support/test-app.js';
import { ApplicationsReadModel } from '../src/modules/applications/applications.read-model.js';

const origin = { ip: '127.0.0.1', requestId: 'test' };

const upload = (originalname: string, buffer: Buffer) => ({
  originalname,
  buffer,
  size: buffer.length,
});

/** A scanner that finds a virus in everything, and remembers what it was shown. */
class InfectedScanner extends VirusScanner {
  readonly enabled = true;
  seen: Buffer[] = [];
  async scan(content: Buffer): Promise<ScanVerdict> {
    this.seen.push(content);
    return { verdict: 'infected', signature: 'Eicar-Test-Signature' };
  }
  async state(): Promise<ScannerState> {
    return 'ok';
  }
}

describe('attachments', () => {
  let portal: TestApp;
  let db: DataSource;
  let attachments: AttachmentsService;
  let applications: ApplicationsService;

  beforeAll(async () => {
    portal = await startTestApp({}, { skipBootTasks: true });
    db = portal.app.get(DataSource);
    attachments = portal.app.get(AttachmentsService);
    applications = portal.app.get(ApplicationsService);
  });
  afterAll(() => portal.close());

  async function draft(): Promise<{ applicant: Applicant; id: string }> {
    const person = await createPerson(db);
    const applicant: Applicant = { accountId: person.id, audience: 'citizen', channel: 'web' };
    const { application } = await applications.startDraft(
      applicant,
      'building-permit',
      buildingPermitAnswers('citizen'),
      origin,
    );
    return { applicant, id: application.id };
  }

  const stored = async (applicationId: string) =>
    db.query<{ id: string; filename: string; size: number; sha256: string }[]>(
      `SELECT id, filename, size_bytes AS size, sha256 FROM application_attachment
        WHERE application_id = $1 ORDER BY created_at`,
      [applicationId],
    );

  it('stores a PDF in PostgreSQL, with its hash and audit event, and reads it back', async () => {
    const { applicant, id } = await draft();
    const before = await portal.app.get(ApplicationsReadModel).find(applicant, id);
    const result = await attachments.store(
      applicant,
      id,
      'sitePlan',
      upload('plan.pdf', PDF),
      origin,
    );
    expect(result).toEqual({
      ok: true,
      file: {
        id: expect.any(String),
        filename: 'plan.pdf',
        size: PDF.length,
        contentType: 'application/pdf',
      },
    });
    if (!result.ok) return;
    const [row] = await db.query(
      `SELECT field, content, storage_key AS "storageKey", sha256, uploaded_by AS "uploadedBy"
         FROM application_attachment WHERE id = $1`,
      [result.file.id],
    );
    expect(row.field).toBe('sitePlan');
    expect(Buffer.compare(row.content, PDF)).toBe(0);
    expect(row.storageKey).toBeNull();
    expect(row.sha256).toBe(createHash('sha256').update(PDF).digest('hex'));
    expect(row.uploadedBy).toBe(applicant.accountId);
    const [audit] = await db.query(
      `SELECT actor_id AS "actorId", after FROM audit_event
        WHERE entity_id = $1 AND action = 'application.attachment_added'`,
      [id],
    );
    expect(audit.actorId).toBe(applicant.accountId);
    expect(audit.after).toMatchObject({ attachmentId: result.file.id, field: 'sitePlan' });
    // The answers are the caller's to change.
    expect((await portal.app.get(ApplicationsReadModel).find(applicant, id))!.answers).toEqual(
      before!.answers,
    );

    const read = await attachments.readForApplicant(applicant, id, result.file.id);
    expect(read?.filename).toBe('plan.pdf');
    expect(read?.contentType).toBe('application/pdf');
    expect(Buffer.compare(read!.content, PDF)).toBe(0);
    // A draft is not the staff's to see.
    expect(await attachments.readForStaff(id, result.file.id)).toBeUndefined();
  });

  it('judges the type from the content, not the name', async () => {
    const { applicant, id } = await draft();
    const text = Buffer.from('Ceci n’est pas un PDF.\n');
    expect(
      await attachments.store(applicant, id, 'sitePlan', upload('plan.pdf', text), origin),
    ).toEqual({ ok: false, reason: 'wrong-type' });
    // A real PDF with the wrong extension is a PDF, and is named like one.
    const png = await attachments.store(applicant, id, 'sitePlan', upload('plan.png', PDF), origin);
    expect(png.ok && png.file.contentType).toBe('application/pdf');
    expect(png.ok && png.file.filename).toBe('plan.pdf');
    expect(await stored(id)).toHaveLength(1);
  });

  it('names a file after the type found in its bytes: a PDF sent as plan.hta is kept as plan.pdf', async () => {
    const { applicant, id } = await draft();
    const hta = await attachments.store(applicant, id, 'sitePlan', upload('plan.hta', PDF), origin);
    expect(hta.ok && hta.file.filename).toBe('plan.pdf');
    const [row] = await stored(id);
    expect(row.filename).toBe('plan.pdf');
    const read = await attachments.readForApplicant(applicant, id, row.id);
    expect(read?.filename).toBe('plan.pdf');
  });

  it('refuses a file that only starts like a PDF', async () => {
    const { applicant, id } = await draft();
    const fake = Buffer.concat([
      Buffer.from('%PDF-1.4\n'),
      Buffer.from('<html><script>…</script>'),
    ]);
    expect(
      await attachments.store(applicant, id, 'sitePlan', upload('plan.pdf', fake), origin),
    ).toEqual({ ok: false, reason: 'wrong-type' });
    expect(await stored(id)).toHaveLength(0);
  });

  it('keeps an account to its quota over all its drafts (ACCOUNT_DRAFT_ATTACHMENTS_MAX_BYTES)', async () => {
    const config = portal.app.get(AppConfig);
    const before = config.ACCOUNT_DRAFT_ATTACHMENTS_MAX_BYTES;
    config.ACCOUNT_DRAFT_ATTACHMENTS_MAX_BYTES = 2 * PDF.length + 10;
    try {
      const { applicant, id: first } = await draft();
      const { application: second } = await applications.startDraft(
        applicant,
        'building-permit',
        buildingPermitAnswers('citizen'),
        origin,
      );
      const store = (applicationId: string) =>
        attachments.store(applicant, applicationId, 'sitePlan', upload('plan.pdf', PDF), origin);
      expect((await store(first)).ok).toBe(true);
      expect((await store(second.id)).ok).toBe(true);
      expect(await store(second.id)).toEqual({ ok: false, reason: 'account-full' });
      expect(await store(first)).toEqual({ ok: false, reason: 'account-full' });
      expect(await stored(second.id)).toHaveLength(1);
      // Someone else's drafts are not counted.
      const other = await draft();
      expect(
        (
          await attachments.store(
            other.applicant,
            other.id,
            'sitePlan',
            upload('p.pdf', PDF),
            origin,
          )
        ).ok,
      ).toBe(true);
    } finally {
      config.ACCOUNT_DRAFT_ATTACHMENTS_MAX_BYTES = before;
    }
  });

  it('refuses an empty file and one over 10 MiB', async () => {
    const { applicant, id } = await draft();
    expect(
      await attachments.store(
        applicant,
        id,
        'sitePlan',
        upload('vide.pdf', Buffer.alloc(0)),
        origin,
      ),
    ).toEqual({ ok: false, reason: 'empty' });
    expect(
      await attachments.store(
        applicant,
        id,
        'sitePlan',
        upload('gros.pdf', pdfOfSize(11 * 1024 * 1024)),
        origin,
      ),
    ).toEqual({ ok: false, reason: 'too-large' });
    expect(
      await attachments.store(
        applicant,
        id,
        'sitePlan',
        upload('juste.pdf', pdfOfSize(MAX_ATTACHMENT_BYTES + 1)),
        origin,
      ),
    ).toEqual({ ok: false, reason: 'too-large' });
    expect(await stored(id)).toHaveLength(0);
  });

  it('keeps an application to 50 MiB, even with six 10 MiB uploads in parallel', async () => {
    const { applicant, id } = await draft();
    const big = pdfOfSize(MAX_ATTACHMENT_BYTES);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        attachments.store(applicant, id, 'sitePlan', upload(`plan-${i}.pdf`, big), origin),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(5);
    expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: 'application-full' }]);
    const rows = await stored(id);
    expect(rows.reduce((sum, r) => sum + r.size, 0)).toBe(5 * MAX_ATTACHMENT_BYTES);
    // Full is full: even one more byte is refused, until a file is removed.
    expect(
      await attachments.store(applicant, id, 'sitePlan', upload('petit.pdf', PDF), origin),
    ).toEqual({ ok: false, reason: 'application-full' });
    expect(await attachments.remove(applicant, id, rows[0].id, origin)).toEqual({ ok: true });
    const again = await attachments.store(
      applicant,
      id,
      'sitePlan',
      upload('petit.pdf', PDF),
      origin,
    );
    expect(again.ok).toBe(true);
  });

  it('treats a stranger’s application as not found', async () => {
    const { applicant, id } = await draft();
    const mine = await attachments.store(
      applicant,
      id,
      'sitePlan',
      upload('plan.pdf', PDF),
      origin,
    );
    if (!mine.ok) throw new Error(mine.reason);
    const other = await createPerson(db);
    const stranger: Applicant = { accountId: other.id, audience: 'citizen', channel: 'web' };
    expect(
      await attachments.store(stranger, id, 'sitePlan', upload('plan.pdf', PDF), origin),
    ).toEqual({ ok: false, reason: 'not-found' });
    expect(await attachments.remove(stranger, id, mine.file.id, origin)).toEqual({
      ok: false,
      reason: 'not-found',
    });
    expect(await attachments.readForApplicant(stranger, id, mine.file.id)).toBeUndefined();
    // Nor does an identifier that is not a UUID reach the database.
    expect(
      await attachments.store(applicant, 'nope', 'sitePlan', upload('plan.pdf', PDF), origin),
    ).toEqual({ ok: false, reason: 'not-found' });
    expect(await attachments.readForApplicant(applicant, id, 'nope')).toBeUndefined();
    expect(await stored(id)).toHaveLength(1);
  });

  it('changes nothing once the application is submitted; staff can read its files', async () => {
    const person = await createPerson(db);
    const applicant: Applicant = { accountId: person.id, audience: 'citizen', channel: 'web' };
    const submitted = await fileBuildingPermit(portal.app, db, applicant);
    expect(
      await attachments.store(applicant, submitted.id, 'sitePlan', upload('plan.pdf', PDF), origin),
    ).toEqual({ ok: false, reason: 'not-editable' });
    const [plan] = await stored(submitted.id);
    expect(await attachments.remove(applicant, submitted.id, plan.id, origin)).toEqual({
      ok: false,
      reason: 'not-editable',
    });
    const read = await attachments.readForStaff(submitted.id, plan.id);
    expect(Buffer.compare(read!.content, PDF)).toBe(0);
    expect(await stored(submitted.id)).toHaveLength(1);
  });

  it('removes an attachment with its audit event', async () => {
    const { applicant, id } = await draft();
    const result = await attachments.store(
      applicant,
      id,
      'sitePlan',
      upload('plan.pdf', PDF),
      origin,
    );
    if (!result.ok) throw new Error(result.reason);
    expect(await attachments.remove(applicant, id, result.file.id, origin)).toEqual({ ok: true });
    expect(await stored(id)).toHaveLength(0);
    expect(await attachments.remove(applicant, id, result.file.id, origin)).toEqual({
      ok: false,
      reason: 'not-found',
    });
    const [audit] = await db.query(
      `SELECT before FROM audit_event WHERE entity_id = $1 AND action = 'application.attachment_removed'`,
      [id],
    );
    expect(audit.before).toMatchObject({ attachmentId: result.file.id, filename: 'plan.pdf' });
  });

  it('refuses an infected file and keeps nothing of it', async () => {
    const scanner = new InfectedScanner();
    const scanning = new AttachmentsService(
      db,
      portal.app.get(AuditService),
      applications,
      portal.app.get(ApplicationsReadModel),
      portal.app.get(AppConfig),
      scanner,
      new JsonLogger('error'),
    );
    const { applicant, id } = await draft();
    expect(
      await scanning.store(applicant, id, 'sitePlan', upload('C:\\Docs\\plan.png', PDF), origin),
    ).toEqual({ ok: false, reason: 'infected' });
    expect(scanner.seen).toHaveLength(1);
    expect(Buffer.compare(scanner.seen[0], PDF)).toBe(0);
    expect(await stored(id)).toHaveLength(0);
    const [audit] = await db.query(
      `SELECT count(*)::int AS n FROM audit_event WHERE entity_id = $1 AND action LIKE 'application.attachment%'`,
      [id],
    );
    expect(audit.n).toBe(0);
    const [infected] = await db.query(
      `SELECT actor_id AS "actorId", after FROM audit_event WHERE entity_id = $1 AND action = 'attachment.infected'`,
      [id],
    );
    expect(infected.actorId).toBe(applicant.accountId);
    expect(infected.after).toMatchObject({
      kind: 'application',
      service: 'building-permit',
      signature: 'Eicar-Test-Signature',
    });
  });

  it('cleans up file names', () => {
    expect(sanitizeFilename('C:\\Users\\marie\\plan.pdf', 'application/pdf')).toBe('plan.pdf');
    expect(sanitizeFilename('../../etc/passwd', 'application/pdf')).toBe('passwd.pdf');
    expect(sanitizeFilename('facture\u202efdp.exe\n', 'application/pdf')).toBe('facturefdp.pdf');
    expect(sanitizeFilename('plan.hta', 'application/pdf')).toBe('plan.pdf');
    expect(sanitizeFilename('photo.PNG.exe', 'image/jpeg')).toBe('photo.PNG.jpg');
    expect(sanitizeFilename('.htaccess', 'image/png')).toBe('htaccess.png');
    expect(sanitizeFilename('..', 'image/png')).toBe('document.png');
    expect(sanitizeFilename('  ', 'image/jpeg')).toBe('document.jpg');
    const long = sanitizeFilename(`${'é'.repeat(300)}.pdf`, 'application/pdf');
    expect(Array.from(long)).toHaveLength(255);
    expect(long.endsWith('é.pdf')).toBe(true);
  });

  describe('in a directory (ATTACHMENTS_DIR)', () => {
    let onDisk: TestApp;
    let dir: string;

    beforeAll(async () => {
      dir = resolve(mkdtempSync(resolve(testDataDir(), 'attachments-')), 'files');
      onDisk = await startTestApp({ ATTACHMENTS_DIR: dir }, { skipBootTasks: true });
    });
    afterAll(() => onDisk.close());

    it('writes the bytes to a file, reads back the same bytes, and deletes the file with the row', async () => {
      const service = onDisk.app.get(AttachmentsService);
      const diskDb = onDisk.app.get(DataSource);
      const person = await createPerson(diskDb);
      const applicant: Applicant = { accountId: person.id, audience: 'citizen', channel: 'web' };
      const { application } = await onDisk.app
        .get(ApplicationsService)
        .startDraft(applicant, 'building-permit', buildingPermitAnswers('citizen'), origin);
      const png = PNG;
      const result = await service.store(
        applicant,
        application.id,
        'sitePlan',
        upload('photo.png', png),
        origin,
      );
      if (!result.ok) throw new Error(result.reason);
      const [row] = await diskDb.query(
        `SELECT content, storage_key AS "storageKey" FROM application_attachment WHERE id = $1`,
        [result.file.id],
      );
      expect(row.content).toBeNull();
      expect(row.storageKey).toBe(`${result.file.id.slice(0, 2)}/${result.file.id}`);
      const path = resolve(dir, row.storageKey);
      expect(Buffer.compare(readFileSync(path), png)).toBe(0);
      // No temporary file left behind.
      expect(readdirSync(resolve(dir, result.file.id.slice(0, 2)))).toEqual([result.file.id]);

      const read = await service.readForApplicant(applicant, application.id, result.file.id);
      expect(read?.contentType).toBe('image/png');
      expect(Buffer.compare(read!.content, png)).toBe(0);

      expect(await service.remove(applicant, application.id, result.file.id, origin)).toEqual({
        ok: true,
      });
      expect(existsSync(path)).toBe(false);
    });
  });
});
