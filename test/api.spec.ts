import { createHash } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ApiKeysService } from '../src/modules/applications/api-keys.service.js';
import { ApplicationsService } from '../src/modules/applications/applications.service.js';
import { CatalogueService } from '../src/modules/catalogue/catalogue.service.js';
import { FlagsService } from '../src/platform/flags/flags.service.js';
import { buildingPermitAnswers, bulkyWastePickupAnswers, PDF } from './support/applications.js';
import { launchChromium } from './support/browser.js';
import { createPerson, PASSWORD, signedInAgent, smeMember } from './support/people.js';
import {
  csrfFrom,
  eventually,
  planAllows,
  startTestApp,
  type TestApp,
  unleashAdmin,
} from './support/test-app.js';

/** Business variants released to the first SME only (an organizationId constraint). */
const RELEASED = ['bulky-waste-pickup.business', 'building-permit.business'];
const TOKEN = /gk_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}/;
const origin = { ip: '127.0.0.1', requestId: 'test' };

describe('the JSON API for SMEs, with API keys', () => {
  const admin = unleashAdmin();
  let portal: TestApp;
  let db: DataSource;
  let owner: Awaited<ReturnType<typeof smeMember>>;
  let other: Awaited<ReturnType<typeof smeMember>>;
  /** The key the owner creates on the page (read and write). */
  let token = '';

  const api = () => request(portal.url);
  const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

  /** A key made directly through the service (the page has its own test). */
  async function keyFor(
    sme: { organizationId: string; accountId: string },
    scopes: ('applications:read' | 'applications:write')[],
  ): Promise<string> {
    const created = await portal.app
      .get(ApiKeysService)
      .create(sme.accountId, sme.organizationId, { name: 'Intégration', scopes }, origin);
    if (!created.ok) throw new Error(`could not create a key: ${created.problem}`);
    return created.token;
  }

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    owner = await smeMember(portal.url, db);
    other = await smeMember(portal.url, db, { legalName: 'Quincaillerie Létourneau inc.' });
    // The plans allow these variants; Unleash narrows them to the owner's SME.
    await planAllows(
      portal,
      RELEASED.map((flag) => flag.split('.')[0]),
    );
    for (const flag of RELEASED)
      await admin.replaceStrategies(flag, true, [
        {
          name: 'flexibleRollout',
          parameters: { rollout: '100', stickiness: 'default', groupId: flag },
          constraints: [
            { contextName: 'organizationId', operator: 'IN', values: [owner.organizationId] },
          ],
        },
      ]);
    // Earlier test files may have opened other variants: close them, then wait
    // until this portal's client sees exactly this configuration.
    const catalogue = portal.app.get(CatalogueService);
    for (const service of catalogue.all()) {
      const flag = `${service.slug}.business`;
      if (!RELEASED.includes(flag)) await admin.replaceStrategies(flag, false, []);
    }
    const flags = portal.app.get(FlagsService);
    const open = (flag: string, organizationId: string) =>
      flags.isEnabled(flag, {
        userId: organizationId,
        properties: { audience: 'business', organizationId, staff: 'false' },
      });
    await eventually(
      async () =>
        RELEASED.every((flag) => open(flag, owner.organizationId)) &&
        catalogue.all().every((s) => !open(`${s.slug}.business`, other.organizationId)),
      5000,
    );
  });
  afterAll(async () => {
    for (const flag of RELEASED) await admin.replaceStrategies(flag, false, []);
    await portal.close();
  });

  it('lets an owner create a key on the SME page, shows it once and stores only its hash', async () => {
    const sme = await owner.agent.get(`/organizations/${owner.organizationId}`);
    expect(sme.text).toContain(`href="/organizations/${owner.organizationId}/api-keys"`);
    const page = await owner.agent.get(`/organizations/${owner.organizationId}/api-keys`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Votre entreprise n’a encore aucune clé d’API.');
    const csrf = csrfFrom(page.text);

    const missing = await owner.agent
      .post(`/organizations/${owner.organizationId}/api-keys`)
      .type('form')
      .send(new URLSearchParams({ _csrf: csrf, name: '  ' }).toString());
    expect(missing.status).toBe(422);
    expect(missing.text).toContain('Il y a un problème');
    expect(missing.text).toContain('<a href="#name">Entrez un nom pour la clé</a>');
    expect(missing.text).toContain('<a href="#scopes">Cochez au moins une portée');

    const form = new URLSearchParams({ _csrf: csrf, name: 'Logiciel de chantier' });
    form.append('scopes', 'applications:read');
    form.append('scopes', 'applications:write');
    const created = await owner.agent
      .post(`/organizations/${owner.organizationId}/api-keys`)
      .type('form')
      .send(form.toString());
    expect(created.status).toBe(200);
    expect(created.headers['cache-control']).toBe('no-store');
    expect(created.text).toContain('elle ne sera plus jamais affichée');
    expect(created.text).toMatch(
      /Elle expire le \d{1,2} \S+ \d{4}\. Créez-en une autre avant cette date\./,
    );
    token = TOKEN.exec(created.text)![0];
    const [lifetime] = await db.query(
      `SELECT expires_at - created_at AS ttl FROM api_key WHERE organization_id = $1`,
      [owner.organizationId],
    );
    expect(lifetime.ttl).toEqual({ days: 365 });

    const rows = await db.query(
      `SELECT name, token_prefix, token_hash, scopes, created_by FROM api_key WHERE organization_id = $1`,
      [owner.organizationId],
    );
    expect(rows).toEqual([
      {
        name: 'Logiciel de chantier',
        token_prefix: token.slice(0, 11),
        token_hash: createHash('sha256').update(token).digest('hex'),
        scopes: ['applications:read', 'applications:write'],
        created_by: owner.accountId,
      },
    ]);
    const [audit] = await db.query(
      `SELECT actor_type, actor_id, after FROM audit_event WHERE action = 'api_key.created'`,
    );
    expect(audit).toMatchObject({ actor_type: 'person', actor_id: owner.accountId });
    expect(JSON.stringify(audit.after)).not.toContain(token.slice(12));

    const list = await owner.agent.get(`/organizations/${owner.organizationId}/api-keys`);
    expect(list.text).not.toContain(token);
    expect(list.text).toContain(`${token.slice(0, 11)}_…`);
    expect(list.text).toContain('Logiciel de chantier');
    expect(list.text).toContain('Jamais utilisée');
    expect(list.text).toContain('<th scope="col" class="govuk-table__header">Expiration</th>');
    expect(list.text).toContain('Une clé expire 365 jours après sa création');
  });

  it('asks an owner who signed in more than REAUTH_MINUTES ago to confirm their password before creating a key', async () => {
    const path = `/organizations/${other.organizationId}/api-keys`;
    await db.query(
      `UPDATE http_session SET sess = jsonb_set(sess::jsonb, '{signedInAt}', to_jsonb($2::text))::json
       WHERE sess->>'accountId' = $1`,
      [other.accountId, new Date(Date.now() - 16 * 60_000).toISOString()],
    );
    const page = await other.agent.get(path);
    expect(page.status).toBe(200);
    expect(page.text).toContain('id="confirm-password"');
    expect(page.text).not.toContain(`action="${path}"`);
    const form = new URLSearchParams({ _csrf: csrfFrom(page.text), name: 'Comptabilité' });
    form.append('scopes', 'applications:read');
    const refused = await other.agent.post(path).type('form').send(form.toString());
    expect(refused.status).toBe(303);
    expect(refused.headers.location).toBe(`/sign-in?again=1&return=${encodeURIComponent(path)}`);
    expect(
      await db.query(`SELECT 1 FROM api_key WHERE organization_id = $1`, [other.organizationId]),
    ).toEqual([]);

    const signIn = await other.agent.get(refused.headers.location);
    expect(signIn.text).toContain('confirmez votre mot de passe avant de continuer');
    const [account] = await db.query(`SELECT email FROM account WHERE id = $1`, [other.accountId]);
    const again = await other.agent
      .post('/sign-in')
      .type('form')
      .send({
        _csrf: csrfFrom(signIn.text),
        email: account.email,
        password: PASSWORD,
        return: path,
      });
    expect(again.status).toBe(303);
    expect(again.headers.location).toBe(path);
    const fresh = await other.agent.get(path);
    expect(fresh.text).not.toContain('id="confirm-password"');
    const created = await other.agent
      .post(path)
      .type('form')
      .send(
        new URLSearchParams([
          ['_csrf', csrfFrom(fresh.text)],
          ['name', 'Comptabilité'],
          ['scopes', 'applications:read'],
        ]).toString(),
      );
    expect(created.status).toBe(200);
    await db.query(`DELETE FROM api_key WHERE organization_id = $1`, [other.organizationId]);
  });

  it('refuses the keys page to members who are not owners, and to strangers', async () => {
    const member = await createPerson(db);
    await db.query(
      `INSERT INTO organization_membership (organization_id, account_id, role) VALUES ($1, $2, 'member')`,
      [owner.organizationId, member.id],
    );
    const agent = await signedInAgent(portal.url, member.email);
    const sme = await agent.get(`/organizations/${owner.organizationId}`);
    expect(sme.text).not.toContain('/api-keys');
    expect((await agent.get(`/organizations/${owner.organizationId}/api-keys`)).status).toBe(403);
    const post = await agent
      .post(`/organizations/${owner.organizationId}/api-keys`)
      .type('form')
      .send({ _csrf: csrfFrom(sme.text), name: 'Clé pirate', scopes: 'applications:write' });
    expect(post.status).toBe(403);
    const [{ n }] = await db.query(
      `SELECT count(*)::int AS n FROM api_key WHERE name = 'Clé pirate'`,
    );
    expect(n).toBe(0);

    const stranger = await other.agent.get(`/organizations/${owner.organizationId}/api-keys`);
    expect(stranger.status).toBe(404);
  });

  it('lists the services whose business variant is released to the SME, and marks the key used', async () => {
    await eventually(async () => {
      const res = await api().get('/api/v1/services').set(bearer(token));
      return res.status === 200 && res.body.data.length === 2;
    });
    const res = await api().get('/api/v1/services').set(bearer(token));
    expect(res.body.data.map((s: { slug: string }) => s.slug).sort()).toEqual([
      'building-permit',
      'bulky-waste-pickup',
    ]);
    const permit = res.body.data.find((s: { slug: string }) => s.slug === 'building-permit');
    expect(permit.apiFiling).toMatchObject({ possible: true, needsFiles: true });
    expect(res.headers['ratelimit-limit']).toBe('600');

    // Another SME sees none of them: the flags are the pages' flags.
    const elsewhere = await api()
      .get('/api/v1/services')
      .set(bearer(await keyFor(other, ['applications:read'])));
    expect(elsewhere.body.data).toEqual([]);

    const [key] = await db.query(`SELECT last_used_at FROM api_key WHERE token_prefix = $1`, [
      token.slice(0, 11),
    ]);
    expect(key.last_used_at).toBeInstanceOf(Date);
    // Written at most once a minute, not on every request.
    await api().get('/api/v1/services').set(bearer(token));
    const [again] = await db.query(`SELECT last_used_at FROM api_key WHERE token_prefix = $1`, [
      token.slice(0, 11),
    ]);
    expect(again.last_used_at).toEqual(key.last_used_at);
    const page = await owner.agent.get(`/organizations/${owner.organizationId}/api-keys`);
    expect(page.text).not.toContain('Jamais utilisée');
  });

  it('gives a service form, and 404s with a clear code for unknown or unreleased services', async () => {
    const form = await api().get('/api/v1/services/bulky-waste-pickup').set(bearer(token));
    expect(form.status).toBe(200);
    expect(form.body.form.steps.map((s: { slug: string }) => s.slug)).toEqual([
      'business',
      'pickup',
      'items',
      'contact',
    ]);
    expect(form.body.answersSchema.required).toContain('pickupAddress');

    const unreleased = await api().get('/api/v1/services/sign-permit').set(bearer(token));
    expect(unreleased.status).toBe(404);
    expect(unreleased.body).toEqual({
      code: 'service_not_available',
      message: 'Ce service n’est pas encore offert à votre entreprise.',
      requestId: expect.any(String),
    });
    const created = await api()
      .post('/api/v1/applications')
      .set(bearer(token))
      .send({ service: 'sign-permit', answers: {} });
    expect(created.status).toBe(404);
    expect(created.body.code).toBe('service_not_available');

    const unknown = await api().get('/api/v1/services/no-such-service').set(bearer(token));
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('service_not_found');
  });

  it('validates answers with the pages’ rules: 422 with every field’s error, in the asked language', async () => {
    const empty = await api()
      .post('/api/v1/applications')
      .set(bearer(token))
      .send({ service: 'bulky-waste-pickup', answers: {} });
    expect(empty.status).toBe(422);
    expect(empty.body.code).toBe('validation_failed');
    const fields = empty.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'businessName',
        'pickupAddress.line1',
        'preferredDate',
        'placement',
        'wasteKinds',
        'approximateVolume',
        'contactEmail',
      ]),
    );
    expect(empty.body.errors).toContainEqual({
      field: 'contactName',
      code: 'required',
      message: 'Remplissez le champ « Nom complet »',
    });

    const english = await api()
      .post('/api/v1/applications')
      .set(bearer(token))
      .set('Accept-Language', 'en-CA,en;q=0.9')
      .send({
        service: 'bulky-waste-pickup',
        answers: {
          ...bulkyWastePickupAnswers(),
          approximateVolume: 'beaucoup',
          wasteKinds: 'furniture',
          postalCode: 'J8X 1A1',
          businessNeq: '123',
        },
      });
    expect(english.status).toBe(422);
    expect(english.body.message).toBe(
      'Some answers are missing or invalid. See the list of errors.',
    );
    expect(english.body.errors).toEqual([
      {
        field: 'businessNeq',
        code: 'pattern',
        message: 'An NEQ has 10 digits, for example 1171234567',
      },
      {
        field: 'wasteKinds',
        code: 'wrong_type',
        message: '“wasteKinds” must be of type array of strings',
      },
      {
        field: 'approximateVolume',
        code: 'wrong_type',
        message: '“approximateVolume” must be of type number',
      },
      {
        field: 'postalCode',
        code: 'unknown_field',
        message: '“postalCode” is not a field of this form',
      },
    ]);

    // The building permit needs a site plan: submitted at once, it is refused (a draft takes it).
    const permit = await api()
      .post('/api/v1/applications')
      .set(bearer(token))
      .send({
        service: 'building-permit',
        answers: buildingPermitAnswers('business'),
        submit: true,
      });
    expect(permit.status).toBe(422);
    expect(permit.body.errors).toEqual([
      {
        field: 'sitePlan',
        code: 'file_required',
        message: expect.stringContaining('« Plan d’implantation » (sitePlan) exige un fichier'),
      },
    ]);
  });

  it('answers malformed requests with 400 or 415 JSON, never a 500', async () => {
    const badJson = await api()
      .post('/api/v1/applications')
      .set(bearer(token))
      .set('Content-Type', 'application/json')
      .send('{"service": "bulky-waste-pickup", ');
    expect(badJson.status).toBe(400);
    expect(badJson.body.code).toBe('bad_request');

    const notJson = await api()
      .post('/api/v1/applications')
      .set(bearer(token))
      .type('form')
      .send({ service: 'bulky-waste-pickup' });
    expect(notJson.status).toBe(415);
    expect(notJson.body.code).toBe('unsupported_media_type');

    for (const body of [
      [1, 2],
      { service: 42 },
      { service: 'bulky-waste-pickup', submit: 'yes' },
    ]) {
      const res = await api().post('/api/v1/applications').set(bearer(token)).send(body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('invalid_request');
    }
    const answers = await api()
      .post('/api/v1/applications')
      .set(bearer(token))
      .send({ service: 'bulky-waste-pickup', answers: 'tout' });
    expect(answers.status).toBe(400);
    expect(answers.body.errors).toEqual([
      { field: 'answers', code: 'invalid', message: expect.stringContaining('objet JSON') },
    ]);

    const huge = await api()
      .post('/api/v1/applications')
      .set(bearer(token))
      .send({ service: 'bulky-waste-pickup', answers: { notes: 'x'.repeat(2_000_000) } });
    expect(huge.status).toBe(413);
    expect(huge.body.code).toBe('payload_too_large');

    const page = await api().get('/api/v1/applications?limit=1000').set(bearer(token));
    expect(page.status).toBe(400);
    expect(page.body.errors[0].field).toBe('limit');
  });

  it('creates one application per Idempotency-Key, submits it with its reference and reads its status', async () => {
    const send = () =>
      api()
        .post('/api/v1/applications')
        .set(bearer(token))
        .set('Idempotency-Key', 'commande-4821')
        .send({ service: 'bulky-waste-pickup', answers: bulkyWastePickupAnswers() });
    const first = await send();
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      service: 'bulky-waste-pickup',
      status: 'draft',
      channel: 'api',
    });
    expect(first.headers.location).toBe(`/api/v1/applications/${first.body.id}`);
    const again = await send();
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const [{ n }] = await db.query(
      `SELECT count(*)::int AS n FROM application WHERE idempotency_key = 'commande-4821'`,
    );
    expect(n).toBe(1);

    const submitted = await api()
      .post(`/api/v1/applications/${first.body.id}/submit`)
      .set(bearer(token));
    expect(submitted.status).toBe(200);
    expect(submitted.body.status).toBe('submitted');
    expect(submitted.body.reference).toMatch(/^CV-\d{4}-\d{6}$/);
    const twice = await api()
      .post(`/api/v1/applications/${first.body.id}/submit`)
      .set(bearer(token));
    expect(twice.body.reference).toBe(submitted.body.reference);

    const read = await api().get(`/api/v1/applications/${first.body.id}`).set(bearer(token));
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      status: 'submitted',
      reference: submitted.body.reference,
      submittedAt: expect.any(String),
      answers: {
        contactPhone: '819 555-0123',
        contactEmail: 'marie@exemple.ca',
        businessAddress: { postalCode: 'J8X 2B2' },
      },
    });

    const [key] = await db.query(`SELECT id FROM api_key WHERE token_prefix = $1`, [
      token.slice(0, 11),
    ]);
    const events = await db.query(
      `SELECT actor_type, actor_id, action FROM audit_event WHERE entity_id = $1 ORDER BY id`,
      [first.body.id],
    );
    expect(events).toEqual([
      { actor_type: 'api-key', actor_id: key.id, action: 'application.draft_started' },
      { actor_type: 'api-key', actor_id: key.id, action: 'application.submitted' },
    ]);

    const direct = await api()
      .post('/api/v1/applications')
      .set(bearer(token))
      .send({ service: 'bulky-waste-pickup', answers: bulkyWastePickupAnswers(), submit: true });
    expect(direct.status).toBe(201);
    expect(direct.body.reference).toMatch(/^CV-\d{4}-\d{6}$/);
    // Created and submitted at once, it leaves the trail of a draft submitted
    // later: the same transition, audit events (in order), version and receipt.
    const trail = async (id: string) => ({
      row: (
        await db.query(
          `SELECT status, version, submitted_at = created_at AS "submittedWhenCreated",
                  updated_at = submitted_at AS "updatedWhenSubmitted"
             FROM application WHERE id = $1`,
          [id],
        )
      )[0],
      transitions: await db.query(
        `SELECT from_status, to_status, actor_id, actor_role, reason
           FROM application_transition WHERE application_id = $1 ORDER BY id`,
        [id],
      ),
      events: await db.query(
        `SELECT actor_type, actor_id, acting_as, action, before, after - 'serviceRevision' AS after
           FROM audit_event WHERE entity_id = $1 ORDER BY id`,
        [id],
      ),
      receipts: await db.query(
        `SELECT kind, recipient FROM outbox_message WHERE payload->>'reference' = $1`,
        [(await db.query(`SELECT reference FROM application WHERE id = $1`, [id]))[0].reference],
      ),
    });
    const [drafted, atOnce] = [await trail(first.body.id), await trail(direct.body.id)];
    expect(atOnce.transitions).toEqual([
      {
        from_status: 'draft',
        to_status: 'submitted',
        actor_id: owner.accountId,
        actor_role: 'applicant',
        reason: null,
      },
    ]);
    expect(atOnce.receipts).toHaveLength(1);
    expect(atOnce).toEqual({
      ...drafted,
      row: { ...drafted.row, submittedWhenCreated: true },
    });

    const firstPage = await api().get('/api/v1/applications?limit=1').set(bearer(token));
    expect(firstPage.body.data.map((a: { id: string }) => a.id)).toEqual([direct.body.id]);
    const secondPage = await api()
      .get(`/api/v1/applications?limit=1&after=${firstPage.body.next}`)
      .set(bearer(token));
    expect(secondPage.body.data.map((a: { id: string }) => a.id)).toEqual([first.body.id]);
    expect(secondPage.body.next).toBeNull();

    // Sent again with the same Idempotency-Key (a client's retry): the same
    // application, nothing written twice, and no reference number used up.
    const keyed = () =>
      api()
        .post('/api/v1/applications')
        .set(bearer(token))
        .set('Idempotency-Key', 'commande-4822')
        .send({ service: 'bulky-waste-pickup', answers: bulkyWastePickupAnswers(), submit: true });
    const once = await keyed();
    expect(once.status).toBe(201);
    const trailOnce = await trail(once.body.id);
    const replay = await keyed();
    expect(replay.status).toBe(200);
    expect(replay.body.id).toBe(once.body.id);
    expect(replay.body.reference).toBe(once.body.reference);
    expect(await trail(once.body.id)).toEqual(trailOnce);
    const next = await api()
      .post('/api/v1/applications')
      .set(bearer(token))
      .send({ service: 'bulky-waste-pickup', answers: bulkyWastePickupAnswers(), submit: true });
    const number = (reference: string) => Number(reference.split('-').pop());
    expect(number(next.body.reference)).toBe(number(once.body.reference) + 1);
  });

  it('gives concurrent submissions of a service distinct references, from its sequence for the year', async () => {
    const answers = await Promise.all(
      Array.from({ length: 12 }, () =>
        api().post('/api/v1/applications').set(bearer(token)).send({
          service: 'bulky-waste-pickup',
          answers: bulkyWastePickupAnswers(),
          submit: true,
        }),
      ),
    );
    expect(answers.map((res) => res.status)).toEqual(Array(12).fill(201));
    const references = answers.map((res) => res.body.reference as string);
    for (const reference of references) expect(reference).toMatch(/^CV-\d{4}-\d{6}$/);
    expect(new Set(references).size).toBe(12);
    const rows = await db.query<{ reference: string }[]>(
      `SELECT reference FROM application WHERE id = ANY($1::uuid[]) AND status = 'submitted'`,
      [answers.map((res) => res.body.id as string)],
    );
    expect(rows.map((r) => r.reference).sort()).toEqual([...references].sort());

    // A prefix's first filing of a year creates its sequence: transactions
    // racing to do so wait for the first one, then number after it.
    const pg = (await import('pg')).default;
    const clients = Array.from(
      { length: 4 },
      () => new pg.Client({ connectionString: portal.config.DATABASE_URL }),
    );
    try {
      for (const client of clients) await client.connect();
      for (const client of clients) await client.query('BEGIN');
      const take = (client: InstanceType<typeof pg.Client>) =>
        client
          .query<{ r: string }>(`SELECT next_application_reference('ZQ', 2999) AS r`)
          .then((result) => result.rows[0].r);
      const first = await take(clients[0]);
      const others = clients.slice(1).map(take);
      await eventually(async () => {
        const [{ n }] = await db.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND query LIKE '%next_application_reference(''ZQ''%'`,
        );
        return n === 3;
      });
      await clients[0].query('COMMIT');
      const taken = [first, ...(await Promise.all(others))];
      for (const client of clients.slice(1)) await client.query('COMMIT');
      expect(taken.sort()).toEqual([
        'ZQ-2999-000001',
        'ZQ-2999-000002',
        'ZQ-2999-000003',
        'ZQ-2999-000004',
      ]);
    } finally {
      await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
      await db.query(`DROP SEQUENCE IF EXISTS application_reference_zq_2999`);
    }
  });

  it('submits a building permit drafted on the website with its site plan: PC reference', async () => {
    const service = portal.app.get(ApplicationsService);
    const applicant = {
      accountId: owner.accountId,
      audience: 'business' as const,
      organizationId: owner.organizationId,
      channel: 'web' as const,
    };
    const { application } = await service.startDraft(
      applicant,
      'building-permit',
      buildingPermitAnswers('business'),
      origin,
    );
    const [file] = await db.query(
      `INSERT INTO application_attachment (application_id, field, filename, content_type, size_bytes, sha256, content, uploaded_by)
       VALUES ($1, 'sitePlan', 'plan.pdf', 'application/pdf', $2, 'test', $3, $4) RETURNING id`,
      [application.id, PDF.length, PDF, owner.accountId],
    );
    await service.saveAnswers(
      applicant,
      application.id,
      {
        sitePlan: [
          { id: file.id, filename: 'plan.pdf', size: PDF.length, contentType: 'application/pdf' },
        ],
      },
      [],
      origin,
    );
    const res = await api()
      .post(`/api/v1/applications/${application.id}/submit`)
      .set(bearer(token));
    expect(res.status).toBe(200);
    expect(res.body.reference).toMatch(/^PC-\d{4}-\d{6}$/);
    expect(res.body.channel).toBe('web');
  });

  it('hides an SME’s applications from another SME’s key', async () => {
    const [mine] = await db.query(`SELECT id FROM application WHERE organization_id = $1 LIMIT 1`, [
      owner.organizationId,
    ]);
    const theirs = await keyFor(other, ['applications:read', 'applications:write']);
    for (const res of [
      await api().get(`/api/v1/applications/${mine.id}`).set(bearer(theirs)),
      await api().post(`/api/v1/applications/${mine.id}/submit`).set(bearer(theirs)),
      await api().get('/api/v1/applications/not-a-uuid').set(bearer(theirs)),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('application_not_found');
    }
    const list = await api().get('/api/v1/applications').set(bearer(theirs));
    expect(list.body).toEqual({ data: [], next: null });
  });

  it('enforces scopes: a read-only key cannot write', async () => {
    const readOnly = await keyFor(owner, ['applications:read']);
    expect((await api().get('/api/v1/applications').set(bearer(readOnly))).status).toBe(200);
    const res = await api()
      .post('/api/v1/applications')
      .set(bearer(readOnly))
      .send({ service: 'bulky-waste-pickup', answers: bulkyWastePickupAnswers() });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('insufficient_scope');
    const writeOnly = await keyFor(owner, ['applications:write']);
    const read = await api().get('/api/v1/services').set(bearer(writeOnly));
    expect(read.status).toBe(403);
  });

  it('limits each key’s rate: 429 rate_limited with Retry-After', async () => {
    const limited = await keyFor(owner, ['applications:read']);
    const [key] = await db.query(`SELECT id FROM api_key WHERE token_prefix = $1`, [
      limited.slice(0, 11),
    ]);
    await db.query(
      `INSERT INTO rate_limit_hit (key, hits, window_ends_at) VALUES ($1, 600, now() + interval '30 seconds')`,
      [`api:key:${key.id}`],
    );
    const res = await api().get('/api/v1/services').set(bearer(limited));
    expect(res.status).toBe(429);
    expect(res.body.code).toBe('rate_limited');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    // Other keys are not affected.
    expect((await api().get('/api/v1/services').set(bearer(token))).status).toBe(200);
  });

  it('answers 401 invalid_api_key without a key, with an unknown one, and once revoked on the page', async () => {
    for (const headers of [{}, bearer('gk_abcdefgh_' + 'x'.repeat(43)), { Authorization: token }]) {
      const res = await api().get('/api/v1/services').set(headers);
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('invalid_api_key');
      expect(res.headers['www-authenticate']).toBe('Bearer realm="guichet"');
    }

    const [key] = await db.query(`SELECT id FROM api_key WHERE token_prefix = $1`, [
      token.slice(0, 11),
    ]);
    const page = await owner.agent.get(`/organizations/${owner.organizationId}/api-keys`);
    const revoked = await owner.agent
      .post(`/organizations/${owner.organizationId}/api-keys/${key.id}/revoke`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    expect(revoked.status).toBe(303);
    const after = await owner.agent.get(revoked.headers.location);
    expect(after.text).toContain('La clé a été révoquée');
    expect(after.text).toContain('Révoquée');

    const res = await api().get('/api/v1/services').set(bearer(token));
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('invalid_api_key');
    const [audit] = await db.query(
      `SELECT actor_id FROM audit_event WHERE action = 'api_key.revoked' AND entity_id = $1`,
      [key.id],
    );
    expect(audit.actor_id).toBe(owner.accountId);
  });

  it('stops a key once the owner who created it leaves the SME', async () => {
    const coOwner = await createPerson(db, { displayName: 'Luc Gagnon' });
    await db.query(
      `INSERT INTO organization_membership (organization_id, account_id, role) VALUES ($1, $2, 'owner')`,
      [owner.organizationId, coOwner.id],
    );
    const theirs = await keyFor({ organizationId: owner.organizationId, accountId: coOwner.id }, [
      'applications:read',
    ]);
    expect((await api().get('/api/v1/services').set(bearer(theirs))).status).toBe(200);
    await db.query(
      `DELETE FROM organization_membership WHERE organization_id = $1 AND account_id = $2`,
      [owner.organizationId, coOwner.id],
    );
    expect((await api().get('/api/v1/services').set(bearer(theirs))).status).toBe(401);
    const page = await owner.agent.get(`/organizations/${owner.organizationId}/api-keys`);
    expect(page.text).toContain('n’est plus propriétaire de l’entreprise');
  });

  it('stops a key once the owner who created it is made a plain member (401 JSON, checked at each request)', async () => {
    const coOwner = await createPerson(db, { displayName: 'Julie Gagnon' });
    await db.query(
      `INSERT INTO organization_membership (organization_id, account_id, role) VALUES ($1, $2, 'owner')`,
      [owner.organizationId, coOwner.id],
    );
    const theirs = await keyFor({ organizationId: owner.organizationId, accountId: coOwner.id }, [
      'applications:read',
    ]);
    expect((await api().get('/api/v1/services').set(bearer(theirs))).status).toBe(200);
    // The owner changes their role on the SME's page.
    const sme = await owner.agent.get(`/organizations/${owner.organizationId}`);
    const demoted = await owner.agent
      .post(`/organizations/${owner.organizationId}/members/${coOwner.id}/role`)
      .type('form')
      .send({ _csrf: csrfFrom(sme.text), role: 'member' });
    expect(demoted.status).toBe(303);
    const res = await api().get('/api/v1/services').set(bearer(theirs));
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({ code: 'invalid_api_key' });
    expect(res.body.message).toContain('n’est plus propriétaire de l’entreprise');
    const page = await owner.agent.get(`/organizations/${owner.organizationId}/api-keys`);
    expect(page.text).toContain(
      'n’est plus propriétaire de l’entreprise : elle ne fonctionne plus',
    );
  });

  it('stops a key once it expires (401 JSON), and says so on the keys page', async () => {
    const expiring = await keyFor(owner, ['applications:read']);
    expect((await api().get('/api/v1/services').set(bearer(expiring))).status).toBe(200);
    await db.query(
      `UPDATE api_key SET created_at = now() - interval '366 days', expires_at = now() - interval '1 day'
        WHERE token_prefix = $1`,
      [expiring.slice(0, 11)],
    );
    const res = await api()
      .get('/api/v1/services')
      .set(bearer(expiring))
      .set('Accept-Language', 'en');
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({ code: 'invalid_api_key' });
    expect(res.body.message).toContain('expired');
    const page = await owner.agent.get(`/organizations/${owner.organizationId}/api-keys`);
    expect(page.text).toContain('Elle a expiré : elle ne fonctionne plus.');
  });

  it('publishes an OpenAPI 3.1 document generated from the routes and the forms, and Swagger UI', async () => {
    const doc = await api().get('/api/docs/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(doc.body.servers).toEqual([{ url: '/api/v1' }]);
    expect(Object.keys(doc.body.paths).sort()).toEqual([
      '/applications',
      '/applications/{id}',
      '/applications/{id}/files',
      '/applications/{id}/submit',
      '/services',
      '/services/{slug}',
    ]);
    expect(doc.body.paths['/applications'].post['x-required-scope']).toBe('applications:write');
    expect(doc.body.components.securitySchemes.apiKey).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    const pickup = doc.body.components.schemas['Answers.bulky-waste-pickup'];
    expect(pickup.required).toEqual(expect.arrayContaining(['pickupAddress', 'wasteKinds']));
    expect(pickup.properties.placement.enum).toEqual(['curb', 'driveway', 'lane']);
    const permit = doc.body.components.schemas['Answers.building-permit'];
    expect(permit.properties.sitePlan['x-file']).toBe(true);
    // The files' operation: multipart, with the question and the file.
    const files = doc.body.paths['/applications/{id}/files'].post;
    expect(files['x-required-scope']).toBe('applications:write');
    expect(Object.keys(files.requestBody.content)).toEqual(['multipart/form-data']);
    expect(doc.body.components.schemas.FileUpload.required).toEqual(['question', 'file']);
    expect(Object.keys(files.responses)).toEqual(
      expect.arrayContaining(['201', '400', '404', '409', '413', '415', '422']),
    );
    const createPermit = doc.body.components.schemas['CreateApplication.building-permit'];
    expect(createPermit.properties.submit.const).toBe(false);
    expect(doc.body.components.schemas.Error.required).toEqual(['code', 'message', 'requestId']);

    const ui = await api().get('/api/docs');
    expect(ui.status).toBe(200);
    const script = /<script src="(\/assets\/v\/api-docs\.[0-9a-f]{10}\.js)"><\/script>/.exec(
      ui.text,
    );
    expect(script).not.toBeNull();
    expect(ui.text).not.toMatch(/<script>/);
    const csp = ui.headers['content-security-policy'];
    // The portal's strict policy: Swagger UI needs neither inline script nor inline style.
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("style-src 'self';");
    expect((await api().get('/api/docs/assets/swagger-ui-bundle.js')).status).toBe(200);
    expect((await api().get('/api/docs/assets/index.html')).status).toBe(404);
    expect((await api().get(script![1])).status).toBe(200);
    expect((await api().get('/assets/js/api-docs.js')).status).toBe(200);
  });

  it('shows the API in Swagger UI in a browser, within the page’s Content-Security-Policy', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const refused: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy|Refused to/i.test(message.text()))
          refused.push(message.text());
      });
      await page.goto(`${portal.url}/api/docs`);
      await page.waitForSelector('.opblock-summary-path', { timeout: 15_000 });
      const operations = await page.$$eval('.opblock-summary-path', (nodes) =>
        nodes.map((n) => n.textContent?.trim()),
      );
      expect(operations).toEqual(
        expect.arrayContaining(['/applications/{id}/submit', '/services']),
      );
      expect(await page.textContent('.info .title')).toContain('Guichet API');
      // Opening an operation renders its schemas and examples (highlighted code, styled inline).
      await page.click('[id$="-createApplication"] .opblock-summary-control');
      await page.waitForSelector('[id$="-createApplication"] .opblock-body .model-example');
      await page.click('[id$="-createApplication"] .try-out__btn');
      await page.waitForSelector('[id$="-createApplication"] textarea.body-param__text');
      await page.click('.models .json-schema-2020-12-accordion');
      await page.waitForSelector('.models .json-schema-2020-12-property');
      expect(refused).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
