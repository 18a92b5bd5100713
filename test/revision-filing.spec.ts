import request from 'supertest';
import { DataSource } from 'typeorm';
import { ApiKeysService } from '../src/modules/applications/api-keys.service.js';
import {
  ApplicationsService,
  type Filer,
} from '../src/modules/applications/applications.service.js';
import { Refusal } from '../src/platform/errors/refusal.js';
import { VariantAccessService } from '../src/modules/rollout/variant-access.service.js';
import { buildingPermitAnswers } from './support/applications.js';
import {
  buildingPermitCandidate,
  NEW_LOT_LABEL,
  NEW_PICKUP_QUESTION,
  NEW_QUESTION,
  rollBackCandidate,
  type CandidateWorld,
} from './support/candidate.js';
import { signedInAgent } from './support/people.js';
import { csrfFrom, startTestApp, type TestApp } from './support/test-app.js';

const origin = { ip: '127.0.0.1', requestId: 'test' };
const SLUG = 'building-permit';
const PICKUP = 'bulky-waste-pickup';

/** A one-row CSV for the bulky item pickup, in the columns of the SME's template (French: `;`). */
async function pilotCsv(agent: ReturnType<typeof request.agent>): Promise<string> {
  const template = await agent.get(`/services/${PICKUP}/business/bulk/template.csv`);
  const header = template.text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)[0]
    .split(';');
  const date = new Date(Date.now() + 14 * 86_400_000);
  const row: Record<string, string> = {
    'pickupAddress-line1': '12, rue des Érables',
    'pickupAddress-city': 'Val-des-Cèdres',
    'pickupAddress-postalCode': 'J8X 1A1',
    [NEW_PICKUP_QUESTION.name]: 'B-42',
    'preferredDate-day': String(date.getUTCDate()),
    'preferredDate-month': String(date.getUTCMonth() + 1),
    'preferredDate-year': String(date.getUTCFullYear()),
    placement: 'curb',
    wasteKinds: 'furniture',
    approximateVolume: '2',
  };
  return [header.join(';'), header.map((h) => row[h] ?? '').join(';')].join('\r\n');
}

/**
 * Issue 15, "filing": every way in gives a person the revision Unleash says
 * they get. The building permit's revision 2 is in SME pilot: the pilot SME
 * starts on it (pages, API, CSV), any other SME and every citizen on revision
 * 1; the API names the revision and its schema and refuses answers written
 * for another (409 revision_mismatch, with the revision expected); the
 * candidate's pages carry the "this form has changed" banner; a step posted
 * after a rollback moved its draft is shown again, nothing lost.
 */
describe('filing on the revision each person gets', () => {
  let portal: TestApp;
  let db: DataSource;
  let world: CandidateWorld;
  let keys: { pilot: string; other: string };

  const filerOf = (sme: CandidateWorld['pilotSme'], name: string): Filer => ({
    audience: 'business',
    accountId: sme.accountId,
    organization: { id: sme.organizationId, name, employeeCount: 12 },
    staff: false,
    channel: 'web',
  });

  async function keyFor(sme: CandidateWorld['pilotSme']) {
    const created = await portal.app
      .get(ApiKeysService)
      .create(
        sme.accountId,
        sme.organizationId,
        { name: 'Logiciel de chantier', scopes: ['applications:read', 'applications:write'] },
        origin,
      );
    if (!created.ok) throw new Error(created.problem);
    return created.token;
  }

  const api = (key: string) => ({
    get: (path: string) =>
      request(portal.url)
        .get(`/api/v1${path}`)
        .set('Authorization', `Bearer ${key}`)
        .set('Accept-Language', 'en'),
    post: (path: string, body?: object) => {
      const call = request(portal.url)
        .post(`/api/v1${path}`)
        .set('Authorization', `Bearer ${key}`)
        .set('Accept-Language', 'en');
      return body ? call.send(body) : call;
    },
  });

  /** Starts an application on the pages ("Start now"); returns its id and revision. */
  async function startOnThePages(agent: ReturnType<typeof request.agent>, variant: string) {
    const page = await agent.get(`/services/${SLUG}/${variant}`);
    expect(page.status).toBe(200);
    const res = await agent
      .post(`/services/${SLUG}/${variant}/start`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    expect(res.status).toBe(303);
    const id = /\/applications\/([0-9a-f-]{36})/.exec(res.headers.location)![1];
    const [row] = await db.query<{ service_revision: number }[]>(
      `SELECT service_revision FROM application WHERE id = $1`,
      [id],
    );
    return { id, revision: row.service_revision, page };
  }

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    world = await buildingPermitCandidate(portal);
    keys = { pilot: await keyFor(world.pilotSme), other: await keyFor(world.otherSme) };
  });
  afterAll(() => portal?.close());

  it('gives the pilot SME revision 2, another SME and a citizen revision 1 (Unleash decides)', () => {
    const access = portal.app.get(VariantAccessService);
    const applications = portal.app.get(ApplicationsService);
    const pilot = filerOf(world.pilotSme, 'Construction Pilote inc.');
    const other = filerOf(world.otherSme, 'Rénovations Autres inc.');
    expect(access.check(SLUG, 'business', pilot)).toEqual({ available: true, revision: 2 });
    expect(applications.revisionFor(pilot, SLUG, 'business').revision).toBe(2);
    expect(applications.revisionFor(other, SLUG, 'business').revision).toBe(1);
    const citizen = { audience: 'citizen' as const, accountId: world.citizen.id, staff: false };
    expect(applications.revisionFor(citizen, SLUG, 'citizen').revision).toBe(1);
  });

  it('starts each on its revision, and refuses answers written for another (the service)', async () => {
    const applications = portal.app.get(ApplicationsService);
    const pilot = filerOf(world.pilotSme, 'Construction Pilote inc.');
    const started = await applications.start(pilot, SLUG, 'business', {}, origin);
    expect(started.application.serviceRevision).toBe(2);
    const refused = await applications
      .start(pilot, SLUG, 'business', {}, origin, { revision: 1 })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(refused).toBeInstanceOf(Refusal);
    expect(refused).toMatchObject({ code: 'revision-mismatch', status: 409 });
    expect((refused as Refusal).details.body).toEqual({ expected: 2 });
    const other = filerOf(world.otherSme, 'Rénovations Autres inc.');
    const theirs = await applications.start(other, SLUG, 'business', {}, origin, { revision: 1 });
    expect(theirs.application.serviceRevision).toBe(1);
    const [audit] = await db.query(
      `SELECT after FROM audit_event WHERE action = 'application.draft_started' AND entity_id = $1`,
      [started.application.id],
    );
    expect(audit.after).toMatchObject({ serviceRevision: 2 });
  });

  it('starts on the pages on the revision each gets, the candidate with its banner', async () => {
    const pilot = await startOnThePages(world.pilotSme.agent, 'business');
    expect(pilot.revision).toBe(2);
    const banner = pilot.page.text;
    expect(banner).toContain('data-phase="candidate"');
    expect(banner).toContain('Ce formulaire a changé : dites-nous comment il fonctionne pour vous');
    expect(banner).toContain(`Nouvelle question : « ${NEW_QUESTION.label.fr} »`);
    expect(banner).toContain(`Question modifiée : « ${NEW_LOT_LABEL.fr} »`);
    expect(banner).toMatch(
      /id="phase-feedback" href="\/services\/building-permit\/business\/feedback\?/,
    );

    const other = await startOnThePages(world.otherSme.agent, 'business');
    expect(other.revision).toBe(1);
    expect(other.page.text).not.toContain('data-phase="candidate"');
    expect(other.page.text).not.toContain('Ce formulaire a changé');

    const citizenAgent = await signedInAgent(portal.url, world.citizen.email);
    const citizen = await startOnThePages(citizenAgent, 'citizen');
    expect(citizen.revision).toBe(1);
    expect(citizen.page.text).not.toContain('data-phase="candidate"');

    // The candidate's form pages carry the banner too, in English as well.
    const step = await world.pilotSme.agent
      .get(`/applications/${pilot.id}/steps/property`)
      .set('Cookie', 'guichet_lang=en');
    expect(step.status).toBe(200);
    expect(step.text).toContain('This form has changed: tell us how it works for you');
    expect(step.text).toContain(`New question: “${NEW_QUESTION.label.en}”`);
    expect(step.text).toContain(NEW_QUESTION.label.en);
    expect(step.text).toContain('name="_revision" value="2"');
    const otherStep = await world.otherSme.agent.get(`/applications/${other.id}/steps/property`);
    expect(otherStep.text).not.toContain('data-phase="candidate"');
    expect(otherStep.text).not.toContain(NEW_QUESTION.label.fr);
  });

  it('names in the API the revision the key’s SME gets, with its schema', async () => {
    const pilot = await api(keys.pilot).get(`/services/${SLUG}`);
    expect(pilot.status).toBe(200);
    expect(pilot.body).toMatchObject({ slug: SLUG, revision: 2, candidate: true });
    expect(pilot.body.answersSchema.properties).toHaveProperty(NEW_QUESTION.name);
    expect(JSON.stringify(pilot.body.form)).toContain(NEW_LOT_LABEL.en);
    const other = await api(keys.other).get(`/services/${SLUG}`);
    expect(other.body).toMatchObject({ slug: SLUG, revision: 1, candidate: false });
    expect(other.body.answersSchema.properties).not.toHaveProperty(NEW_QUESTION.name);
    const list = await api(keys.pilot).get('/services');
    expect(list.body.data.find((s: { slug: string }) => s.slug === SLUG)).toMatchObject({
      revision: 2,
      candidate: true,
    });
  });

  it('creates through the API on the SME’s revision, and answers a stale revision with 409 and the one expected', async () => {
    const answers = { ...buildingPermitAnswers('business'), [NEW_QUESTION.name]: 'yes' };
    const created = await api(keys.pilot).post('/applications', {
      service: SLUG,
      revision: 2,
      answers,
    });
    expect(created.status).toBe(201);
    expect(created.body.serviceRevision).toBe(2);
    expect(created.body.answers[NEW_QUESTION.name]).toBe('yes');

    const stale = await api(keys.pilot).post('/applications', {
      service: SLUG,
      revision: 1,
      answers: buildingPermitAnswers('business'),
    });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'revision_mismatch', expected: 2 });
    expect(stale.body.message).toContain('another revision');

    const ahead = await api(keys.other).post('/applications', {
      service: SLUG,
      revision: 2,
      answers: buildingPermitAnswers('business'),
    });
    expect(ahead.status).toBe(409);
    expect(ahead.body).toMatchObject({ code: 'revision_mismatch', expected: 1 });

    // Without a revision: the one the SME gets; the new question is not another SME's.
    const plain = await api(keys.other).post('/applications', {
      service: SLUG,
      answers: buildingPermitAnswers('business'),
    });
    expect(plain.status).toBe(201);
    expect(plain.body.serviceRevision).toBe(1);
    const unknown = await api(keys.other).post('/applications', { service: SLUG, answers });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toContainEqual(
      expect.objectContaining({ field: NEW_QUESTION.name, code: 'unknown_field' }),
    );

    const malformed = await api(keys.pilot).post('/applications', {
      service: SLUG,
      revision: 'two',
      answers,
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors).toContainEqual(expect.objectContaining({ field: 'revision' }));

    // Changing a draft: the revision it is on, or 409.
    const submitStale = await api(keys.pilot).post(
      `/applications/${created.body.id as string}/submit?revision=1`,
    );
    expect(submitStale.status).toBe(409);
    expect(submitStale.body).toMatchObject({ code: 'revision_mismatch', expected: 2 });
    const fileStale = await request(portal.url)
      .post(`/api/v1/applications/${created.body.id as string}/files`)
      .set('Authorization', `Bearer ${keys.pilot}`)
      .field('question', 'sitePlan')
      .field('revision', '1')
      .attach('file', Buffer.from('%PDF-1.4\n'), 'plan.pdf');
    expect(fileStale.status).toBe(409);
    expect(fileStale.body).toMatchObject({ code: 'revision_mismatch', expected: 2 });
  });

  it('says in the OpenAPI document that a key’s SME may get a candidate', async () => {
    const doc = (await request(portal.url).get('/api/docs/openapi.json')).body;
    expect(doc.info.description).toContain('revision_mismatch');
    const create = doc.components.schemas[`CreateApplication.${SLUG}`];
    expect(create.properties.revision).toMatchObject({ type: 'integer', const: 1 });
    expect(create.properties.revision.description).toContain(`GET /services/${SLUG}`);
    expect(doc.components.schemas.Error.properties.code.enum).toContain('revision_mismatch');
    expect(doc.paths['/applications'].post.responses['409']).toBeDefined();
    // It describes the current revisions: revision 1's answers.
    expect(doc.components.schemas[`Answers.${SLUG}`].properties).not.toHaveProperty(
      NEW_QUESTION.name,
    );
  });

  it('checks a CSV file on the SME’s revision: its template, its rules, and files it on it', async () => {
    const bulk = `/services/${PICKUP}/business/bulk`;
    const header = async (agent: ReturnType<typeof request.agent>) =>
      (await agent.get(`${bulk}/template.csv`)).text.replace(/^\uFEFF/, '').split(/\r?\n/)[0];
    expect(await header(world.pilotSme.agent)).toContain(NEW_PICKUP_QUESTION.name);
    expect(await header(world.otherSme.agent)).not.toContain(NEW_PICKUP_QUESTION.name);

    // The pilot SME's file, with the new column: checked on revision 2.
    const upload = async (agent: ReturnType<typeof request.agent>, csv: string) => {
      const page = await agent.get(bulk);
      return agent
        .post(bulk)
        .field('_csrf', csrfFrom(page.text))
        .attach('csvFile', Buffer.from(csv, 'utf8'), 'lot.csv');
    };
    const csv = await pilotCsv(world.pilotSme.agent);
    const checked = await upload(world.pilotSme.agent, csv);
    expect(checked.status).toBe(200);
    const elsewhere = await upload(world.otherSme.agent, csv);
    expect(elsewhere.status).toBe(422);
    expect(elsewhere.text).toContain(NEW_PICKUP_QUESTION.name);

    // Confirmed while the SME still gets revision 2: filed on it.
    const confirm = await world.pilotSme.agent
      .post(`${bulk}/confirm`)
      .type('form')
      .send({
        _csrf: csrfFrom(checked.text),
        batch: /name="batch" value="([^"]+)"/.exec(checked.text)![1],
        declaration: 'agreed',
      });
    expect(confirm.status).toBe(303);
    const filed = await db.query(
      `SELECT service_revision, answers FROM application WHERE channel = 'csv' AND service_slug = $1`,
      [PICKUP],
    );
    expect(filed).toHaveLength(1);
    expect(filed[0].service_revision).toBe(2);
    expect(filed[0].answers[NEW_PICKUP_QUESTION.name]).toBe('B-42');

    // Checked on revision 2, confirmed after a rollback: nothing filed, checked again.
    const again = await upload(world.pilotSme.agent, csv);
    expect(again.status).toBe(200);
    await rollBackCandidate(portal, world, PICKUP);
    const late = await world.pilotSme.agent
      .post(`${bulk}/confirm`)
      .type('form')
      .send({
        _csrf: csrfFrom(again.text),
        batch: /name="batch" value="([^"]+)"/.exec(again.text)![1],
        declaration: 'agreed',
      });
    expect(late.status).toBe(409);
    expect(late.text).toContain('Le formulaire de ce service a changé depuis la vérification');
    const [count] = await db.query(
      `SELECT count(*)::int AS n FROM application WHERE channel = 'csv' AND service_slug = $1`,
      [PICKUP],
    );
    expect(count.n).toBe(1);
  });

  it('starts a draft asked for while a rollback holds the service after the rollback: on the current revision', async () => {
    const applications = portal.app.get(ApplicationsService);
    const pilot = filerOf(world.pilotSme, 'Construction Pilote inc.');
    const [saved] = await db.query(`SELECT * FROM revision_rollout WHERE service_slug = $1`, [
      SLUG,
    ]);
    expect(saved).toMatchObject({ revision: 2 });
    // The first moves of a rollback: the service row locked (not updated), the candidate's row deleted.
    const rollback = db.createQueryRunner();
    await rollback.connect();
    try {
      await rollback.startTransaction();
      await rollback.query(`SELECT 1 FROM service WHERE slug = $1 FOR UPDATE`, [SLUG]);
      await rollback.query(`DELETE FROM revision_rollout WHERE service_slug = $1`, [SLUG]);
      const start = applications.start(pilot, SLUG, 'business', {}, origin, { revision: 2 });
      const [{ pid }] = await rollback.query(`SELECT pg_backend_pid() AS pid`);
      let waiting = false;
      for (let i = 0; i < 100 && !waiting; i++) {
        await new Promise((r) => setTimeout(r, 50));
        const [row] = await db.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE $1 = ANY(pg_blocking_pids(pid)) AND query LIKE '%FOR SHARE%'`,
          [pid],
        );
        waiting = row.n > 0;
      }
      expect(waiting).toBe(true);
      await rollback.commitTransaction();
      const started = await start;
      // Not on the candidate the rollback ended (it moved that one's drafts already).
      expect(started.application.serviceRevision).toBe(1);
    } finally {
      if (rollback.isTransactionActive) await rollback.rollbackTransaction();
      await rollback.release();
      await db.query(
        `INSERT INTO revision_rollout SELECT * FROM json_populate_record(NULL::revision_rollout, $1)
         ON CONFLICT DO NOTHING`,
        [JSON.stringify(saved)],
      );
    }
  });

  it('shows a step posted after a rollback moved its draft again (409), keeping what was typed', async () => {
    const { id } = await startOnThePages(world.pilotSme.agent, 'business');
    const page = await world.pilotSme.agent.get(`/applications/${id}/steps/property`);
    expect(page.text).toContain('name="_revision" value="2"');
    const body = { service: SLUG, revision: 2, answers: buildingPermitAnswers('business') };
    const sent = await api(keys.pilot)
      .post('/applications')
      .set('Idempotency-Key', 'chantier-0001')
      .send(body);
    expect(sent.status).toBe(201);
    await rollBackCandidate(portal, world, SLUG);
    const [row] = await db.query(`SELECT service_revision FROM application WHERE id = $1`, [id]);
    expect(row.service_revision).toBe(1);

    const res = await world.pilotSme.agent
      .post(`/applications/${id}/steps/property`)
      .type('form')
      .send({
        _csrf: csrfFrom(page.text),
        _revision: '2',
        'propertyAddress-line1': '12, rue des Érables',
        'propertyAddress-city': 'Val-des-Cèdres',
        'propertyAddress-postalCode': 'J8X 1A1',
        lotNumber: '1 234 567',
        [NEW_QUESTION.name]: 'yes',
        applicantIsOwner: 'yes',
      });
    expect(res.status).toBe(409);
    expect(res.text).toContain('data-revision-moved');
    expect(res.text).toContain('Ce formulaire a changé pendant que vous le remplissiez.');
    expect(res.text).toContain('value="1 234 567"');
    expect(res.text).toContain('name="_revision" value="1"');
    expect(res.text).not.toContain(NEW_QUESTION.label.fr);
    // Nothing was saved from the old page; the revision 1 banner is gone.
    expect(res.text).not.toContain('data-phase="candidate"');
    const [after] = await db.query(`SELECT answers FROM application WHERE id = $1`, [id]);
    expect(after.answers).not.toHaveProperty('lotNumber');

    // Posted again from that page, it is saved on revision 1.
    const again = await world.pilotSme.agent
      .post(`/applications/${id}/steps/property`)
      .type('form')
      .send({
        _csrf: csrfFrom(res.text),
        _revision: '1',
        'propertyAddress-line1': '12, rue des Érables',
        'propertyAddress-city': 'Val-des-Cèdres',
        'propertyAddress-postalCode': 'J8X 1A1',
        lotNumber: '1 234 567',
        applicantIsOwner: 'yes',
      });
    expect(again.status).toBe(303);
    const [saved] = await db.query(`SELECT answers FROM application WHERE id = $1`, [id]);
    expect(saved.answers.lotNumber).toBe('1 234 567');

    // A retry of a creation whose answer was lost gives back what it created, moved or not.
    const replay = await api(keys.pilot)
      .post('/applications')
      .set('Idempotency-Key', 'chantier-0001')
      .send(body);
    expect(replay.status).toBe(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toMatchObject({ id: sent.body.id, serviceRevision: 1 });
    const fresh = await api(keys.pilot)
      .post('/applications')
      .set('Idempotency-Key', 'chantier-0002')
      .send(body);
    expect(fresh.status).toBe(409);
    expect(fresh.body).toMatchObject({ code: 'revision_mismatch', expected: 1 });

    // After the rollback, everyone starts on revision 1 again.
    expect((await startOnThePages(world.pilotSme.agent, 'business')).revision).toBe(1);
    expect((await api(keys.pilot).get(`/services/${SLUG}`)).body).toMatchObject({
      revision: 1,
      candidate: false,
    });
  });
});
