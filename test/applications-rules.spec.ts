import { DataSource } from 'typeorm';
import { FILING_REFUSALS } from '../src/modules/applications/applications.refusals.js';
import {
  ApplicationsService,
  applicantOf,
  type Filer,
} from '../src/modules/applications/applications.service.js';
import { AttachmentsService } from '../src/modules/applications/attachments.service.js';
import type { FileAnswer } from '../src/modules/catalogue/form-schema.js';
import { BulkFilingService } from '../src/modules/applications/bulk-filing.service.js';
import { CatalogueService } from '../src/modules/catalogue/catalogue.service.js';
import type { Answers } from '../src/modules/catalogue/form-schema.js';
import { findFreePort } from '../src/platform/embedded/free-port.js';
import { Refusal } from '../src/platform/errors/refusal.js';
import { I18nService } from '../src/platform/i18n/i18n.service.js';
import {
  buildingPermitAnswers,
  bulkyWastePickupAnswers,
  PDF,
  releaseService,
} from './support/applications.js';
import { createPerson, smeMember } from './support/people.js';
import { eventually, startTestApp, unleashAdmin, type TestApp } from './support/test-app.js';
import { ApplicationsReadModel } from '../src/modules/applications/applications.read-model.js';

/**
 * The rules of filing, tested where they live: ApplicationsService and
 * AttachmentsService called directly, against the real PostgreSQL and the real
 * Unleash ("medium" tests). The pages, the API and CSV filing reach these rules
 * by calling the same methods; their own specs check how each shows a refusal.
 */

const origin = { ip: '127.0.0.1', requestId: 'rules' };
/** A variant kept closed here (its flag switched off in Unleash). */
const CLOSED = 'sign-permit';

const upload = (name: string) => ({ originalname: name, buffer: PDF, size: PDF.length });

/** The refusal code a promise was refused with (fails when it was not refused). */
async function refusalOf(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    if (error instanceof Refusal && error.module === FILING_REFUSALS.module) return error.code;
    throw error;
  }
  throw new Error('not refused');
}

describe('the rules of filing, in the services', () => {
  let portal: TestApp;
  let db: DataSource;
  let applications: ApplicationsService;
  let attachments: AttachmentsService;

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    applications = portal.app.get(ApplicationsService);
    attachments = portal.app.get(AttachmentsService);
    await releaseService(portal, 'building-permit');
    await releaseService(portal, 'bulky-waste-pickup');
    const admin = unleashAdmin();
    const flag = `${CLOSED}.citizen`;
    if (!(await admin.flagExists(flag))) await admin.createFlag(flag, `${CLOSED} (citizen)`);
    await admin.replaceStrategies(flag, false, []);
    const someone = await citizen();
    await eventually(async () => !applications.isOpen(someone, CLOSED, 'citizen'), 5000);
  });
  afterAll(() => portal.close());

  async function citizen(channel: Filer['channel'] = 'web'): Promise<Filer> {
    const person = await createPerson(db);
    return { audience: 'citizen', accountId: person.id, staff: false, channel };
  }

  const applicationsOf = (filer: Filer) =>
    db.query<{ id: string; status: string; channel: string }[]>(
      `SELECT id, status, channel FROM application WHERE account_id = $1`,
      [filer.accountId],
    );

  describe('variant access', () => {
    it('starts a draft of a variant released to the person', async () => {
      const filer = await citizen();
      const { application, created } = await applications.start(
        filer,
        'building-permit',
        'citizen',
        {},
        origin,
      );
      expect(created).toBe(true);
      expect(await applicationsOf(filer)).toEqual([
        { id: application.id, status: 'draft', channel: 'web' },
      ]);
    });

    it('refuses the variant of another audience, and stores nothing', async () => {
      const filer = await citizen();
      expect(
        await refusalOf(applications.start(filer, 'building-permit', 'business', {}, origin)),
      ).toBe('other-audience');
      expect(await applicationsOf(filer)).toEqual([]);
    });

    it('refuses a variant not released to the person, whatever the channel', async () => {
      for (const channel of ['web', 'api', 'csv'] as const) {
        const filer = await citizen(channel);
        expect(await refusalOf(applications.start(filer, CLOSED, 'citizen', {}, origin))).toBe(
          'not-released',
        );
        expect(await applicationsOf(filer)).toEqual([]);
      }
    });

    it('keeps a draft whose variant closed, but refuses to save, upload to or submit it', async () => {
      const filer = await citizen();
      // A draft started while the variant was open (the unchecked building block).
      const { application } = await applications.startDraft(applicantOf(filer), CLOSED, {}, origin);
      expect(
        await refusalOf(
          applications.saveStep(filer, application.id, 'location', { signAddress: 'x' }, origin),
        ),
      ).toBe('not-released');
      expect(
        await refusalOf(
          attachments.upload(
            filer,
            application.id,
            'documents',
            'signMockup',
            upload('plan.pdf'),
            undefined,
            origin,
          ),
        ),
      ).toBe('not-released');
      expect(
        await refusalOf(applications.submitFiling(filer, application.id, origin, 'agreed')),
      ).toBe('not-released');
      const [documents] = await db.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM application_attachment WHERE application_id = $1`,
        [application.id],
      );
      expect(documents.n).toBe(0);
      const [row] = await applicationsOf(filer);
      expect(row.status).toBe('draft');
      expect(
        (await portal.app.get(ApplicationsReadModel).find(applicantOf(filer), application.id))!
          .answers,
      ).toEqual({});
    });

    it('refuses every variant while the flags are unknown (fail closed)', async () => {
      const dead = `http://127.0.0.1:${await findFreePort()}/api`;
      const blind = await startTestApp({ UNLEASH_URL: dead }, { skipBootTasks: true });
      try {
        const person = await createPerson(blind.app.get(DataSource));
        const filer: Filer = {
          audience: 'citizen',
          accountId: person.id,
          staff: false,
          channel: 'web',
        };
        expect(
          await refusalOf(
            blind.app
              .get(ApplicationsService)
              .start(filer, 'building-permit', 'citizen', {}, origin),
          ),
        ).toBe('flags-unavailable');
        expect(FILING_REFUSALS.table['flags-unavailable'].status).toBe(503);
      } finally {
        await blind.close();
      }
    });
  });

  describe('the declaration', () => {
    async function completeDraft(filer: Filer) {
      const { application } = await applications.start(
        filer,
        'building-permit',
        'citizen',
        buildingPermitAnswers('citizen'),
        origin,
      );
      const added = await attachments.upload(
        filer,
        application.id,
        'documents',
        'sitePlan',
        upload('plan.pdf'),
        undefined,
        origin,
      );
      expect(added.ok).toBe(true);
      return application.id;
    }

    it('is required to submit on the pages: nothing is submitted without it', async () => {
      const filer = await citizen();
      const id = await completeDraft(filer);
      for (const declaration of [undefined, '', 'yes'])
        expect(await refusalOf(applications.submitFiling(filer, id, origin, declaration))).toBe(
          'declaration-required',
        );
      const [row] = await db.query<{ status: string; reference: string | null }[]>(
        `SELECT status, reference FROM application WHERE id = $1`,
        [id],
      );
      expect(row).toEqual({ status: 'draft', reference: null });

      const submitted = await applications.submitFiling(filer, id, origin, 'agreed');
      expect(submitted).toMatchObject({ ok: true, alreadySubmitted: false });
      const [after] = await db.query<{ status: string }[]>(
        `SELECT status FROM application WHERE id = $1`,
        [id],
      );
      expect(after.status).toBe('submitted');
    });

    it('is not asked of the API (the key owner accepted the terms), nor per row of a CSV batch', async () => {
      const filer = await citizen('api');
      const id = await completeDraft(filer);
      expect(await applications.submitFiling(filer, id, origin)).toMatchObject({ ok: true });
    });

    it('is asked once for a CSV batch, before anything is filed', async () => {
      const sme = await smeMember(portal.url, db);
      const filer: Filer = {
        audience: 'business',
        accountId: sme.accountId,
        organization: { id: sme.organizationId, name: 'Boulangerie', employeeCount: 12 },
        staff: false,
        channel: 'csv',
      };
      const service = portal.app.get(CatalogueService).find('bulky-waste-pickup')!;
      const batch = {
        id: '00000000-0000-4000-8000-000000000001',
        rows: [{ row: 1, answers: bulkyWastePickupAnswers() as Answers }],
      };
      const file = (declaration: string | undefined) =>
        portal.app
          .get(BulkFilingService)
          .file(filer, service, batch, declaration, origin, 'fr', portal.app.get(I18nService));
      expect(await refusalOf(file(undefined))).toBe('bulk-declaration-required');
      const [none] = await db.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM application WHERE organization_id = $1`,
        [sme.organizationId],
      );
      expect(none.n).toBe(0);
      // Closed to this SME (another audience's variant): refused before the declaration matters.
      expect(
        await refusalOf(
          portal.app
            .get(BulkFilingService)
            .file(
              { ...filer, audience: 'citizen' },
              service,
              batch,
              'agreed',
              origin,
              'fr',
              portal.app.get(I18nService),
            ),
        ),
      ).toBe('other-audience');
    });
  });

  describe('the files of a file question', () => {
    async function draftWithFiles(filer: Filer, count: number) {
      const { application } = await applications.start(
        filer,
        'building-permit',
        'citizen',
        {},
        origin,
      );
      for (let i = 0; i < count; i++) {
        const added = await attachments.upload(
          filer,
          application.id,
          'documents',
          'sitePlan',
          upload(`plan-${i}.pdf`),
          undefined,
          origin,
        );
        expect(added.ok).toBe(true);
      }
      return application.id;
    }

    const filesOf = async (filer: Filer, id: string) => {
      const application = await portal.app.get(ApplicationsReadModel).find(applicantOf(filer), id);
      return (application!.answers.sitePlan as FileAnswer[] | undefined) ?? [];
    };
    const rows = async (id: string) =>
      (
        await db.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM application_attachment WHERE application_id = $1`,
          [id],
        )
      )[0].n;

    it('adds each file to the answers in the transaction that stores it', async () => {
      const filer = await citizen();
      const id = await draftWithFiles(filer, 2);
      expect(await filesOf(filer, id)).toHaveLength(2);
      expect(await rows(id)).toBe(2);
      const events = await db.query<{ action: string }[]>(
        `SELECT action FROM audit_event WHERE entity_id = $1 AND action <> 'application.draft_started'
          ORDER BY id`,
        [id],
      );
      expect(events.map((e) => e.action)).toEqual([
        'application.attachment_added',
        'application.answers_saved',
        'application.attachment_added',
        'application.answers_saved',
      ]);
    });

    it('refuses a file over the question’s limit (sitePlan: 3), and stores nothing of it', async () => {
      const filer = await citizen();
      const id = await draftWithFiles(filer, 3);
      const refused = await attachments.upload(
        filer,
        id,
        'documents',
        'sitePlan',
        upload('one-too-many.pdf'),
        undefined,
        origin,
      );
      expect(refused).toEqual({ ok: false, reason: 'too-many' });
      expect(await filesOf(filer, id)).toHaveLength(3);
      expect(await rows(id)).toBe(3);
    });

    it('lets only one of two uploads at once take the last place', async () => {
      const filer = await citizen();
      const id = await draftWithFiles(filer, 2);
      const results = await Promise.all(
        ['a.pdf', 'b.pdf'].map((name) =>
          attachments.upload(filer, id, 'documents', 'sitePlan', upload(name), undefined, origin),
        ),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: 'too-many' }]);
      expect(await filesOf(filer, id)).toHaveLength(3);
      expect(await rows(id)).toBe(3);
    });

    it('removes a file from the answers with its attachment', async () => {
      const filer = await citizen();
      const id = await draftWithFiles(filer, 2);
      const [first] = await filesOf(filer, id);
      const after = await attachments.removeFile(filer, id, 'documents', first.id, origin);
      expect((after.answers.sitePlan as FileAnswer[]).map((f) => f.id)).not.toContain(first.id);
      expect(await filesOf(filer, id)).toHaveLength(1);
      expect(await rows(id)).toBe(1);
    });

    it('refuses a file on an application that is not the person’s', async () => {
      const owner = await citizen();
      const id = await draftWithFiles(owner, 0);
      const stranger = await citizen();
      expect(
        await refusalOf(
          attachments.upload(
            stranger,
            id,
            'documents',
            'sitePlan',
            upload('x.pdf'),
            undefined,
            origin,
          ),
        ),
      ).toBe('not-found');
      expect(await rows(id)).toBe(0);
    });
  });
});
