import { inflateSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ApiKeysService } from '../src/modules/applications/api-keys.service.js';
import { ApplicationsService } from '../src/modules/applications/applications.service.js';
import type { TextField, YesNoField } from '../src/modules/catalogue/form-schema.js';
import { ServiceRevisionsService } from '../src/modules/studio/service-revisions.service.js';
import type { StaffActor } from '../src/modules/staff/staff-roles.guard.js';
import {
  buildingPermitAnswers,
  fileBuildingPermit,
  PDF,
  releaseService,
} from './support/applications.js';
import { createPerson, signedInAgent, smeMember } from './support/people.js';
import { csrfFrom, startTestApp, type TestApp } from './support/test-app.js';

const origin = { ip: '127.0.0.1', requestId: 'test' };
const NEW_LABEL = { fr: 'Numéro de lot cadastral', en: 'Cadastral lot number' };
const NEW_FIELD: YesNoField = {
  name: 'heritageBuilding',
  type: 'yesNo',
  optional: true,
  label: { fr: 'L’immeuble est-il patrimonial ?', en: 'Is the building a heritage building?' },
};

/** The text of a compressed pdfkit PDF (its Flate streams inflated, TJ hex strings decoded). */
function pdfText(pdf: Buffer): string {
  const raw = pdf.toString('latin1');
  const streams = [...raw.matchAll(/stream\r?\n([\s\S]*?)\r?\nendstream/g)].map(([, body]) => {
    try {
      return inflateSync(Buffer.from(body, 'latin1')).toString('latin1');
    } catch {
      return body;
    }
  });
  return streams
    .flatMap((s) => [...s.matchAll(/\[([^\]]*)\] TJ/g)])
    .map(([, array]) =>
      [...array.matchAll(/<([0-9a-f]*)>/gi)]
        .map(([, hex]) => Buffer.from(hex, 'hex').toString('latin1'))
        .join(''),
    )
    .join('\n');
}

/**
 * Applications through their own revision (issue 14): a clerk, the receipt
 * and the API show an application with the labels of the revision it was
 * filed on, after a revision 2 changed a label and added a question; a draft
 * whose revision is withdrawn moves to the served one, keeps its answers and
 * tells its applicant which pages to check again.
 */
describe('applications through their own revision', () => {
  let portal: TestApp;
  let db: DataSource;
  let designer: StaffActor;
  let clerkEmail: string;
  let citizen: { id: string; email: string };
  let sme: Awaited<ReturnType<typeof smeMember>>;
  let filed: { resident: string; business: string };
  let draft: string;

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    const person = await createPerson(db, { displayName: 'Élise Conception' });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'service-designer')`, [
      person.id,
    ]);
    designer = { accountId: person.id, roles: ['service-designer'] };
    const clerk = await createPerson(db, { displayName: 'Paul Commis' });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'clerk')`, [clerk.id]);
    clerkEmail = clerk.email;
    citizen = await createPerson(db, { displayName: 'Marie Tremblay' });
    sme = await smeMember(portal.url, db);

    // Revision 1: a resident and an SME file; the resident also leaves a draft.
    const resident = { accountId: citizen.id, audience: 'citizen' as const };
    filed = {
      resident: (await fileBuildingPermit(portal.app, db, resident)).id,
      business: (
        await fileBuildingPermit(portal.app, db, {
          accountId: sme.accountId,
          audience: 'business',
          organizationId: sme.organizationId,
        })
      ).id,
    };
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

    // Revision 2: the lot number's label changes and a question is added to the same step.
    const revisions = portal.app.get(ServiceRevisionsService);
    const started = await revisions.startDraft(designer, 'building-permit', origin);
    const changed = await revisions.changeDraft(
      designer,
      'building-permit',
      started.number,
      started.version,
      (d) => {
        const property = d.form.steps.find((s) => s.slug === 'property')!;
        (property.fields.find((f) => f.name === 'lotNumber') as TextField).label = NEW_LABEL;
        property.fields.splice(2, 0, NEW_FIELD);
        return d;
      },
      'label lotNumber, field heritageBuilding',
      origin,
    );
    expect(changed.number).toBe(2);
    // Marked ready while the service is not open yet, it serves both variants at once.
    await revisions.markReady(designer, 'building-permit', 2, changed.version, origin);
    await releaseService(portal, 'building-permit');
  });
  afterAll(() => portal?.close());

  const lang = (agent: ReturnType<typeof request.agent>, path: string) =>
    agent.get(path).set('Cookie', 'guichet_lang=en');

  it('shows the clerk an application with the labels of its own revision, and a new one with the new', async () => {
    const agent = await signedInAgent(portal.url, clerkEmail, 'en');
    const old = await lang(agent, `/staff/applications/${filed.resident}`);
    expect(old.status).toBe(200);
    expect(old.text).toContain('data-service-revision="1"');
    expect(old.text).toContain('revision 1');
    expect(old.text).toContain('Lot number');
    expect(old.text).not.toContain(NEW_LABEL.en);
    expect(old.text).not.toContain(NEW_FIELD.label.en);
    const fr = await agent
      .get(`/staff/applications/${filed.resident}`)
      .set('Cookie', 'guichet_lang=fr');
    expect(fr.text).toMatch(/Formulaire<\/dt>\s*<dd class="govuk-summary-list__value">révision 1/);

    const newer = await fileBuildingPermit(portal.app, db, {
      accountId: citizen.id,
      audience: 'citizen',
    });
    expect(newer.serviceRevision).toBe(2);
    const page = await lang(agent, `/staff/applications/${newer.id}`);
    expect(page.text).toContain('data-service-revision="2"');
    expect(page.text).toContain(NEW_LABEL.en);

    // The queue says which revision each application was filed on, too.
    const queue = await lang(agent, '/staff/applications?service=building-permit');
    expect(queue.status).toBe(200);
    const revisionIn = (id: string) =>
      new RegExp(`data-application-id="${id}"[^]*?data-service-revision="(\\d+)"`).exec(
        queue.text,
      )?.[1];
    expect(revisionIn(filed.resident)).toBe('1');
    expect(revisionIn(newer.id)).toBe('2');
    expect(queue.text).toContain('Resident · revision 2');

    // While revision 2 is a candidate in rollout, its applications say so to the clerk.
    await db.query(
      `INSERT INTO revision_rollout (service_slug, revision, stage, business_stage)
       VALUES ('building-permit', 2, 'sme-pilot', 'sme-pilot')`,
    );
    try {
      const candidate = await lang(agent, `/staff/applications/${newer.id}`);
      expect(candidate.text).toMatch(
        /revision 2 <strong[^>]*data-candidate-revision>candidate, in rollout/,
      );
      expect((await lang(agent, `/staff/applications/${filed.resident}`)).text).not.toContain(
        'data-candidate-revision',
      );
    } finally {
      await db.query(`DELETE FROM revision_rollout WHERE service_slug = 'building-permit'`);
    }
    expect((await lang(agent, `/staff/applications/${newer.id}`)).text).not.toContain(
      'data-candidate-revision',
    );
  });

  it('gives the applicant a receipt (page and PDF) in the words of its revision', async () => {
    const agent = await signedInAgent(portal.url, citizen.email, 'en');
    const receipt = await lang(agent, `/applications/${filed.resident}/receipt`);
    expect(receipt.status).toBe(200);
    expect(receipt.text).toContain('Lot number');
    expect(receipt.text).not.toContain(NEW_LABEL.en);
    const pdf = await lang(agent, `/applications/${filed.resident}/receipt.pdf`).buffer(true);
    expect(pdf.status).toBe(200);
    const text = pdfText(pdf.body as Buffer);
    expect(text).toContain('Lot number');
    expect(text).not.toContain('Cadastral');
  });

  it('states the revision in the API resource', async () => {
    const created = await portal.app
      .get(ApiKeysService)
      .create(
        sme.accountId,
        sme.organizationId,
        { name: 'Intégration', scopes: ['applications:read'] },
        origin,
      );
    if (!created.ok) throw new Error(created.problem);
    const res = await request(portal.url)
      .get(`/api/v1/applications/${filed.business}`)
      .set('Authorization', `Bearer ${created.token}`);
    expect(res.status).toBe(200);
    expect(res.body.serviceRevision).toBe(1);
  });

  it('exports the queue as CSV: each application with its revision and its own answers', async () => {
    const agent = await signedInAgent(portal.url, clerkEmail, 'en');
    const res = await agent
      .get('/staff/applications/export.csv?service=building-permit&sort=oldest')
      .buffer(true)
      .parse((response, done) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => done(null, body));
      });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="applications-/);
    const text = res.body as string;
    expect(text.startsWith('\uFEFF')).toBe(true);
    const [header, ...rows] = parse(text.slice(1)) as string[][];
    expect(header).toEqual([
      'reference',
      'service',
      'serviceRevision',
      'variant',
      'channel',
      'status',
      'submittedAt',
      'decidedAt',
      'answers',
    ]);
    const references = await db.query(
      `SELECT reference, service_revision FROM application
        WHERE service_slug = 'building-permit' AND status <> 'draft' ORDER BY submitted_at, id`,
    );
    expect(rows.map((r) => [r[0], Number(r[2])])).toEqual(
      references.map((r: { reference: string; service_revision: number }) => [
        r.reference,
        r.service_revision,
      ]),
    );
    const first = rows[0];
    expect(first.slice(1, 6)).toEqual(['building-permit', '1', 'citizen', 'web', 'submitted']);
    expect(new Date(first[6]).toISOString()).toBe(first[6]);
    expect(first[7]).toBe('');
    const answers = JSON.parse(first[8]) as Record<string, unknown>;
    expect(answers.lotNumber).toBe('1 234 567');
    expect(answers).not.toHaveProperty('heritageBuilding');
    // The export is audited, with its filters and how many rows went out.
    const [event] = await db.query(
      `SELECT after FROM audit_event WHERE action = 'staff.exported' ORDER BY occurred_at DESC LIMIT 1`,
    );
    expect(event.after).toMatchObject({
      export: 'applications',
      rows: rows.length,
      filters: { service: 'building-permit', sort: 'oldest' },
    });
    // The queue links to it with its filters; a wrong filter is refused.
    const queue = await agent.get('/staff/applications?service=building-permit');
    expect(queue.text).toContain(
      'href="/staff/applications/export.csv?service&#x3D;building-permit"',
    );
    const wrong = await agent.get('/staff/applications/export.csv?status=nonsense');
    expect(wrong.status).toBe(422);
    expect(wrong.text).toContain('status: ');
  });

  it('moves a draft to the served revision when its own is withdrawn, and says which pages to check', async () => {
    const moved = await portal.app
      .get(ServiceRevisionsService)
      .withdraw(designer, 'building-permit', 1, origin);
    expect(moved.movedDrafts).toBeGreaterThanOrEqual(1);
    const [row] = await db.query(
      `SELECT service_revision, answers, revision_notice FROM application WHERE id = $1`,
      [draft],
    );
    expect(row.service_revision).toBe(2);
    expect(row.answers).toEqual(
      expect.objectContaining({ lotNumber: '1 234 567', workType: 'renovation' }),
    );
    expect(row.revision_notice).toEqual({ from: 1, to: 2, steps: ['property'] });

    // The applicant's first page (the task list: five steps) says so, with a link to the step.
    for (const [locale, heading] of [
      ['fr', 'Le formulaire de ce service a changé.'],
      ['en', 'The form of this service changed.'],
    ] as const) {
      const agent = await signedInAgent(portal.url, citizen.email, locale);
      const page = await agent
        .get(`/applications/${draft}`)
        .set('Cookie', `guichet_lang=${locale}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain('data-revision-notice');
      expect(page.text).toContain(heading);
      expect(page.text).toContain(`href="/applications/${draft}/steps/property"`);
    }
    // Filed applications say nothing of it.
    const agent = await signedInAgent(portal.url, citizen.email, 'en');
    expect((await agent.get(`/applications/${filed.resident}`)).text).not.toContain(
      'data-revision-notice',
    );

    // Saving the step again checks it: the banner goes.
    const step = await lang(agent, `/applications/${draft}/steps/property`);
    expect(step.text).toContain('data-revision-notice');
    expect(step.text).toContain(NEW_FIELD.label.en);
    const saved = await agent
      .post(`/applications/${draft}/steps/property`)
      .type('form')
      .send({
        _csrf: csrfFrom(step.text),
        'propertyAddress-line1': '12, rue des Érables',
        'propertyAddress-city': 'Val-des-Cèdres',
        'propertyAddress-postalCode': 'J8X 1A1',
        lotNumber: '1 234 567',
        applicantIsOwner: 'yes',
        heritageBuilding: 'no',
      });
    expect(saved.status).toBe(303);
    const [after] = await db.query(`SELECT revision_notice FROM application WHERE id = $1`, [
      draft,
    ]);
    expect(after.revision_notice).toBeNull();
    expect((await agent.get(`/applications/${draft}`)).text).not.toContain('data-revision-notice');
  });

  it('forgets the notice once the application is submitted', async () => {
    const applications = portal.app.get(ApplicationsService);
    const applicant = {
      accountId: citizen.id,
      audience: 'citizen' as const,
      channel: 'web' as const,
    };
    await db.query(`UPDATE application SET revision_notice = $2 WHERE id = $1`, [
      draft,
      JSON.stringify({ from: 1, to: 2, steps: ['work'] }),
    ]);
    const [file] = await db.query<{ id: string }[]>(
      `INSERT INTO application_attachment (application_id, field, filename, content_type, size_bytes, sha256, content, uploaded_by)
       VALUES ($1, 'sitePlan', 'plan.pdf', 'application/pdf', $2, 'test', $3, $4) RETURNING id`,
      [draft, PDF.length, PDF, citizen.id],
    );
    const plan = {
      id: file.id,
      filename: 'plan.pdf',
      size: PDF.length,
      contentType: 'application/pdf',
    };
    const saved = await applications.saveAnswers(
      applicant,
      draft,
      { sitePlan: [plan] },
      [],
      origin,
    );
    expect(saved.ok).toBe(true);
    // Saving another page than the one listed keeps the notice.
    const [kept] = await db.query(`SELECT revision_notice FROM application WHERE id = $1`, [draft]);
    expect(kept.revision_notice).toEqual({ from: 1, to: 2, steps: ['work'] });
    const submitted = await applications.submit(applicant, draft, origin);
    expect(submitted.ok).toBe(true);
    const [row] = await db.query(
      `SELECT status, service_revision, revision_notice FROM application WHERE id = $1`,
      [draft],
    );
    expect(row).toEqual({ status: 'submitted', service_revision: 2, revision_notice: null });
  });
});
