import type { INestApplication } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import {
  ApplicationsService,
  type Applicant,
  type Application,
} from '../../src/modules/applications/applications.service.js';
import { AttachmentsService } from '../../src/modules/applications/attachments.service.js';
import type { Answers } from '../../src/modules/catalogue/form-schema.js';

/** A date a month from now, as a building permit's start date. */
export function inAMonth(): string {
  return new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
}

/** Complete answers for a building permit (a renovation), without its required site plan. */
export function buildingPermitAnswers(audience: 'citizen' | 'business'): Answers {
  const answers: Answers = {
    propertyAddress: {
      line1: '12, rue des Érables',
      line2: '',
      city: 'Val-des-Cèdres',
      postalCode: 'J8X 1A1',
    },
    lotNumber: '1 234 567',
    applicantIsOwner: 'yes',
    workType: 'renovation',
    workDescription: 'Remplacement des fenêtres de la façade et isolation des murs.',
    estimatedCost: 18500,
    startDate: inAMonth(),
    durationWeeks: 6,
    treesCut: 'no',
    doneBy: 'contractor',
    contractorName: 'Rénovations Laurentides inc.',
    contractorRbq: '5678-1234-01',
    contactName: 'Marie Tremblay',
    contactEmail: 'marie@exemple.ca',
    contactPhone: '819 555-0123',
  };
  if (audience === 'business') {
    Object.assign(answers, {
      businessName: 'Boulangerie du Vieux-Moulin inc.',
      businessNeq: '1171234567',
      businessAddress: {
        line1: '45, boulevard Principal',
        line2: '',
        city: 'Val-des-Cèdres',
        postalCode: 'J8X 2B2',
      },
    });
  }
  return answers;
}

/**
 * A minimal well-formed PDF of at least `size` bytes (a comment pads it): the
 * content check reads its header, cross-reference table, startxref and %%EOF.
 */
export function pdfOfSize(size = 0): Buffer {
  const objects = [
    '1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n',
    '2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\n',
  ];
  const build = (padding: number) => {
    let body = `%PDF-1.4\n%${'x'.repeat(padding)}\n`;
    const offsets: number[] = [];
    for (const object of objects) {
      offsets.push(Buffer.byteLength(body, 'latin1'));
      body += object;
    }
    const xref = Buffer.byteLength(body, 'latin1');
    body += `xref\n0 3\n0000000000 65535 f \n`;
    body += offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
    body += `trailer<</Size 3/Root 1 0 R>>\nstartxref\n${xref}\n%%EOF\n`;
    return Buffer.from(body, 'latin1');
  };
  const smallest = build(0);
  if (smallest.length >= size) return smallest;
  // Offsets grow by a digit or so with the padding: adjust until the size is exact.
  let padding = size - smallest.length;
  let pdf = build(padding);
  while (pdf.length > size && padding > 0) pdf = build(--padding);
  return pdf;
}

/** A minimal well-formed PDF. */
export const PDF = pdfOfSize();

/** A real 1×1 PNG. */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/**
 * A building permit filed through ApplicationsService (the pages have their own
 * tests): a draft with complete answers and a site plan stored in PostgreSQL,
 * then submitted. Returns the submitted application.
 */
export async function fileBuildingPermit(
  app: INestApplication,
  db: DataSource,
  applicant: Omit<Applicant, 'channel'> & { channel?: Applicant['channel'] },
): Promise<Application> {
  const service = app.get(ApplicationsService);
  const who: Applicant = { channel: 'web', ...applicant };
  const origin = { ip: '127.0.0.1', requestId: 'test' };
  const { application } = await service.startDraft(
    who,
    'building-permit',
    buildingPermitAnswers(who.audience),
    origin,
  );
  const [file] = await db.query<{ id: string }[]>(
    `INSERT INTO application_attachment (application_id, field, filename, content_type, size_bytes, sha256, content, uploaded_by)
     VALUES ($1, 'sitePlan', 'plan.pdf', 'application/pdf', $2, 'test', $3, $4) RETURNING id`,
    [application.id, PDF.length, PDF, who.accountId],
  );
  const saved = await service.saveAnswers(
    who,
    application.id,
    {
      sitePlan: [
        { id: file.id, filename: 'plan.pdf', size: PDF.length, contentType: 'application/pdf' },
      ],
    },
    [],
    origin,
  );
  if (!saved.ok) throw new Error(`could not save the site plan: ${saved.reason}`);
  const submitted = await service.submit(who, application.id, origin);
  if (!submitted.ok) throw new Error(`could not submit: ${submitted.reason}`);
  return submitted.application;
}

/**
 * A building permit filed through ApplicationsService whose site plan (`content`)
 * went through AttachmentsService.store, so the virus scanner saw it as an upload
 * does. Returns the submitted application's id and the stored file's id.
 */
export async function fileBuildingPermitWithSitePlan(
  app: INestApplication,
  applicant: Omit<Applicant, 'channel'>,
  content: Buffer,
): Promise<{ applicationId: string; fileId: string }> {
  const service = app.get(ApplicationsService);
  const who: Applicant = { channel: 'web', ...applicant };
  const origin = { ip: '127.0.0.1', requestId: 'test' };
  const { application } = await service.startDraft(
    who,
    'building-permit',
    buildingPermitAnswers(who.audience),
    origin,
  );
  const upload = { originalname: 'plan.pdf', buffer: content, size: content.length };
  const stored = await app
    .get(AttachmentsService)
    .store(who, application.id, 'sitePlan', upload, origin);
  if (!stored.ok) throw new Error(`not stored: ${stored.reason}`);
  await service.saveAnswers(who, application.id, { sitePlan: [stored.file] }, [], origin);
  const submitted = await service.submit(who, application.id, origin);
  if (!submitted.ok) throw new Error(`not submitted: ${submitted.reason}`);
  return { applicationId: application.id, fileId: stored.file.id };
}

/**
 * Opens both variants of a service to everyone, as a rollout manager would
 * (its plans at sme-all and general; the reconciler makes the real Unleash
 * follow), and waits until this portal's client sees it.
 */
export async function releaseService(
  portal: { app: INestApplication },
  slug: string,
): Promise<void> {
  const { changePlan, eventually } = await import('./test-app.js');
  const { FlagsService } = await import('../../src/platform/flags/flags.service.js');
  // The SMEs first, then citizens: SME-first holds at every step (ADR 0034).
  await changePlan(portal, slug, 'business', { stage: 'sme-all', paused: false });
  await changePlan(portal, slug, 'citizen', { stage: 'general', paused: false });
  const flags = portal.app.get(FlagsService);
  const on = (audience: 'citizen' | 'business') =>
    flags.isEnabled(`${slug}.${audience}`, {
      userId: 'x',
      properties: { audience, staff: 'false' },
    });
  await eventually(async () => on('citizen') && on('business'), 5000);
}

/** Complete answers for a bulky item pickup, as an SME sends them in JSON. */
export function bulkyWastePickupAnswers(): Record<string, unknown> {
  return {
    businessName: 'Boulangerie du Vieux-Moulin inc.',
    businessNeq: '1171234567',
    businessAddress: {
      line1: '45, boulevard Principal',
      city: 'Val-des-Cèdres',
      postalCode: 'j8x2b2',
    },
    pickupAddress: {
      line1: '12, rue des Érables',
      line2: '',
      city: 'Val-des-Cèdres',
      postalCode: 'J8X 1A1',
    },
    preferredDate: inAMonth(),
    placement: 'curb',
    wasteKinds: ['furniture', 'mattresses'],
    approximateVolume: 2.5,
    contactName: 'Marie Tremblay',
    contactEmail: 'Marie@Exemple.ca',
    contactPhone: '8195550123',
  };
}
