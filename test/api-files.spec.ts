import request from 'supertest';
import { DataSource } from 'typeorm';
import { ApiKeysService } from '../src/modules/applications/api-keys.service.js';
import { CatalogueService } from '../src/modules/catalogue/catalogue.service.js';
import { findFreePort } from '../src/platform/embedded/free-port.js';
import { FlagsService } from '../src/platform/flags/flags.service.js';
import { buildingPermitAnswers, PNG, pdfOfSize } from './support/applications.js';
import { EICAR } from './support/eicar.js';
import { createPerson, signedInAgent, smeMember } from './support/people.js';
import {
  eventually,
  planAllows,
  startTestApp,
  type TestApp,
  unleashAdmin,
} from './support/test-app.js';

const origin = { ip: '127.0.0.1', requestId: 'api-files' };
/** Small limits, so that the size and quota refusals need small files. */
const LIMITS = { UPLOAD_STEP_MAX_BYTES: '20000', APPLICATION_ATTACHMENTS_MAX_BYTES: '40000' };

describe('files through the API (ADR 0030)', () => {
  const admin = unleashAdmin();
  let portal: TestApp;
  let db: DataSource;
  let owner: Awaited<ReturnType<typeof smeMember>>;
  let other: Awaited<ReturnType<typeof smeMember>>;
  let token = '';
  let flags: string[] = [];

  const api = () => request(portal.url);
  const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

  async function keyFor(sme: { organizationId: string; accountId: string }) {
    const created = await portal.app
      .get(ApiKeysService)
      .create(
        sme.accountId,
        sme.organizationId,
        { name: 'Fichiers', scopes: ['applications:read', 'applications:write'] },
        origin,
      );
    if (!created.ok) throw new Error(`could not create a key: ${created.problem}`);
    return created.token;
  }

  /** A building permit draft of the owner's SME, through the API. */
  async function draft(): Promise<string> {
    const res = await api()
      .post('/api/v1/applications')
      .set(bearer(token))
      .send({ service: 'building-permit', answers: buildingPermitAnswers('business') });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('draft');
    return res.body.id as string;
  }

  function upload(id: string, question: string | undefined, file?: Buffer, name = 'plan.pdf') {
    const call = api()
      .post(`/api/v1/applications/${id}/files`)
      .set(bearer(token))
      .set('Accept-Language', 'en');
    if (question !== undefined) call.field('question', question);
    if (file) call.attach('file', file, name);
    return call;
  }

  beforeAll(async () => {
    portal = await startTestApp(LIMITS);
    db = portal.app.get(DataSource);
    owner = await smeMember(portal.url, db);
    other = await smeMember(portal.url, db, { legalName: 'Quincaillerie Létourneau inc.' });
    const catalogue = portal.app.get(CatalogueService);
    flags = catalogue.all().map((s) => `${s.slug}.business`);
    // The plans allow every variant; Unleash narrows each to the owner's SME.
    await planAllows(
      portal,
      catalogue.all().map((s) => s.slug),
    );
    for (const flag of flags)
      await admin.replaceStrategies(flag, true, [
        {
          name: 'flexibleRollout',
          parameters: { rollout: '100', stickiness: 'default', groupId: flag },
          constraints: [
            {
              contextName: 'organizationId',
              operator: 'IN',
              values: [owner.organizationId, other.organizationId],
            },
          ],
        },
      ]);
    const client = portal.app.get(FlagsService);
    await eventually(
      async () =>
        flags.every((flag) =>
          client.isEnabled(flag, {
            userId: owner.organizationId,
            properties: {
              audience: 'business',
              organizationId: owner.organizationId,
              staff: 'false',
            },
          }),
        ),
      5000,
    );
    token = await keyFor(owner);
  });
  afterAll(async () => {
    for (const flag of flags) await admin.replaceStrategies(flag, false, []);
    await portal.close();
  });

  it('files a building permit with its site plan: draft, upload, submit; staff see the file', async () => {
    // Submitting at once without the file says what to do.
    const atOnce = await api()
      .post('/api/v1/applications')
      .set(bearer(token))
      .set('Accept-Language', 'en')
      .send({
        service: 'building-permit',
        answers: buildingPermitAnswers('business'),
        submit: true,
      });
    expect(atOnce.status).toBe(422);
    expect(atOnce.body.errors).toEqual([
      {
        field: 'sitePlan',
        code: 'file_required',
        message: expect.stringContaining('POST /api/v1/applications/<id>/files'),
      },
    ]);

    const service = await api().get('/api/v1/services/building-permit').set(bearer(token));
    expect(service.body.apiFiling).toMatchObject({
      possible: true,
      needsFiles: true,
      fileFields: expect.arrayContaining([{ name: 'sitePlan', required: true, maxFiles: 3 }]),
    });

    const id = await draft();
    const plan = pdfOfSize(1500);
    const uploaded = await upload(id, 'sitePlan', plan, 'C:\\plans\\site plan.hta');
    expect(uploaded.status).toBe(201);
    expect(uploaded.body.file).toMatchObject({
      filename: 'site plan.pdf',
      size: plan.length,
      contentType: 'application/pdf',
    });
    expect(uploaded.body.application.answers.sitePlan).toEqual([uploaded.body.file]);

    const submitted = await api().post(`/api/v1/applications/${id}/submit`).set(bearer(token));
    expect(submitted.status).toBe(200);
    expect(submitted.body.reference).toMatch(/^PC-\d{4}-\d{6}$/);
    expect(submitted.body.channel).toBe('api');

    const [added] = await db.query(
      `SELECT actor_type, after FROM audit_event
        WHERE action = 'application.attachment_added' AND entity_id = $1`,
      [id],
    );
    expect(added.after).toMatchObject({ field: 'sitePlan', filename: 'site plan.pdf' });

    // A clerk opens the file the API sent (scanned clean by the suite's clamd).
    const clerk = await createPerson(db, { displayName: 'Greffière API' });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'clerk')`, [clerk.id]);
    const agent = await signedInAgent(portal.url, clerk.email);
    const page = await agent.get(`/staff/applications/${id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('site plan.pdf');
    const file = await agent.get(`/staff/applications/${id}/files/${uploaded.body.file.id}`);
    expect(file.status).toBe(200);
    expect(Buffer.from(file.body as Buffer).equals(plan)).toBe(true);

    // Submitted: its files no longer change.
    const late = await upload(id, 'workPlans', pdfOfSize(1200));
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('application_not_editable');
  });

  it('refuses EICAR with file_infected, keeps nothing and audits attachment.infected', async () => {
    const id = await draft();
    const res = await upload(id, 'sitePlan', EICAR, 'eicar.pdf');
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'file_infected', requestId: expect.any(String) });
    const [event] = await db.query(
      `SELECT actor_type, after FROM audit_event WHERE action = 'attachment.infected' AND entity_id = $1`,
      [id],
    );
    expect(event.after).toMatchObject({ kind: 'application', field: 'sitePlan' });
    const [{ count }] = await db.query(
      `SELECT count(*)::int AS count FROM application_attachment WHERE application_id = $1`,
      [id],
    );
    expect(count).toBe(0);
  });

  it('refuses each wrong file with its own code, in the key owner’s language', async () => {
    const id = await draft();
    const refused = async (res: request.Response, status: number, code: string) => {
      expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
      expect(res.body.message).toEqual(expect.any(String));
      expect(res.body.requestId).toEqual(expect.any(String));
    };
    await refused(await upload(id, 'sitePlan', pdfOfSize(25_000)), 413, 'file_too_large');
    await refused(
      await upload(id, 'sitePlan', Buffer.from('not a pdf at all'), 'plan.pdf'),
      415,
      'file_type_not_accepted',
    );
    await refused(await upload(id, 'nope', pdfOfSize(1100)), 422, 'unknown_question');
    await refused(await upload(id, 'contactName', pdfOfSize(1100)), 422, 'not_a_file_question');
    await refused(await upload(id, undefined, pdfOfSize(1100)), 400, 'invalid_request');
    await refused(await upload(id, 'sitePlan'), 400, 'invalid_request');
    const json = await api()
      .post(`/api/v1/applications/${id}/files`)
      .set(bearer(token))
      .send({ question: 'sitePlan' });
    await refused(json, 400, 'invalid_request');
    await refused(
      await upload('00000000-0000-4000-8000-000000000000', 'sitePlan', pdfOfSize(1100)),
      404,
      'application_not_found',
    );
    await refused(
      await upload('not-a-uuid', 'sitePlan', pdfOfSize(1100)),
      404,
      'application_not_found',
    );

    // Three site plans at most (maxFiles), then too_many_files.
    for (const size of [12_000, 12_000, 1_000])
      expect((await upload(id, 'sitePlan', pdfOfSize(size))).status).toBe(201);
    await refused(await upload(id, 'sitePlan', PNG, 'plan.png'), 422, 'too_many_files');
    // 25 000 bytes kept: one more of 16 000 goes over the application's 40 000.
    await refused(
      await upload(id, 'workPlans', pdfOfSize(16_000)),
      413,
      'attachments_quota_exceeded',
    );

    // French by default, from Accept-Language.
    const french = await api()
      .post(`/api/v1/applications/${id}/files`)
      .set(bearer(token))
      .field('question', 'nope')
      .attach('file', pdfOfSize(1100), 'plan.pdf');
    expect(french.headers['content-language']).toBe('fr');
    expect(french.body.message).toContain('Ce formulaire n’a pas cette question');
  });

  it('never lets another SME’s key add a file to an application', async () => {
    const id = await draft();
    const res = await api()
      .post(`/api/v1/applications/${id}/files`)
      .set(bearer(await keyFor(other)))
      .field('question', 'sitePlan')
      .attach('file', pdfOfSize(1100), 'plan.pdf');
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('application_not_found');
  });

  it('refuses a read-only key before reading the file', async () => {
    const created = await portal.app
      .get(ApiKeysService)
      .create(
        owner.accountId,
        owner.organizationId,
        { name: 'Lecture', scopes: ['applications:read'] },
        origin,
      );
    if (!created.ok) throw new Error('no key');
    const res = await api()
      .post(`/api/v1/applications/00000000-0000-4000-8000-000000000000/files`)
      .set(bearer(created.token))
      .field('question', 'sitePlan')
      .attach('file', pdfOfSize(1100), 'plan.pdf');
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('insufficient_scope');
  });
});

describe('files through the API while clamd is unreachable', () => {
  const admin = unleashAdmin();
  const flag = 'building-permit.business';
  let portal: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    // Nothing listens on this port: every scan fails, as when clamd is down.
    portal = await startTestApp({
      CLAMAV_URL: `tcp://127.0.0.1:${await findFreePort()}`,
      CLAMAV_TIMEOUT_MS: '2000',
    });
    db = portal.app.get(DataSource);
  });
  afterAll(async () => {
    await admin.replaceStrategies(flag, false, []);
    await portal.close();
  });

  it('keeps the file pending, as on the web: the draft is submitted, staff do not get the file yet', async () => {
    const sme = await smeMember(portal.url, db);
    await planAllows(portal, [flag.split('.')[0]]);
    await admin.replaceStrategies(flag, true, [
      {
        name: 'flexibleRollout',
        parameters: { rollout: '100', stickiness: 'default', groupId: flag },
        constraints: [
          { contextName: 'organizationId', operator: 'IN', values: [sme.organizationId] },
        ],
      },
    ]);
    const client = portal.app.get(FlagsService);
    await eventually(
      async () =>
        client.isEnabled(flag, {
          userId: sme.organizationId,
          properties: { audience: 'business', organizationId: sme.organizationId, staff: 'false' },
        }),
      5000,
    );
    const created = await portal.app
      .get(ApiKeysService)
      .create(
        sme.accountId,
        sme.organizationId,
        { name: 'Fichiers', scopes: ['applications:read', 'applications:write'] },
        origin,
      );
    if (!created.ok) throw new Error('no key');
    const auth = { Authorization: `Bearer ${created.token}` };
    const draft = await request(portal.url)
      .post('/api/v1/applications')
      .set(auth)
      .send({ service: 'building-permit', answers: buildingPermitAnswers('business') });
    expect(draft.status).toBe(201);
    const uploaded = await request(portal.url)
      .post(`/api/v1/applications/${draft.body.id}/files`)
      .set(auth)
      .field('question', 'sitePlan')
      .attach('file', pdfOfSize(1500), 'plan.pdf');
    expect(uploaded.status).toBe(201);
    const [row] = await db.query(`SELECT scan_status FROM application_attachment WHERE id = $1`, [
      uploaded.body.file.id,
    ]);
    expect(row.scan_status).toBe('pending');
    const submitted = await request(portal.url)
      .post(`/api/v1/applications/${draft.body.id}/submit`)
      .set(auth);
    expect(submitted.status).toBe(200);
    expect(submitted.body.status).toBe('submitted');
    const clerk = await createPerson(db, { displayName: 'Greffier API' });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'clerk')`, [clerk.id]);
    const staff = await signedInAgent(portal.url, clerk.email);
    const file = await staff.get(
      `/staff/applications/${draft.body.id}/files/${uploaded.body.file.id}`,
    );
    expect(file.status).toBe(404);
  });
});
