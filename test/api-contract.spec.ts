import fc from 'fast-check';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ApiKeysService } from '../src/modules/applications/api-keys.service.js';
import { CatalogueService } from '../src/modules/catalogue/catalogue.service.js';
import { FlagsService } from '../src/platform/flags/flags.service.js';
import { pdfOfSize } from './support/applications.js';
import {
  ContractValidator,
  mutations,
  operations,
  valid,
  type JsonSchema,
  type OpenApiDocument,
  type Operation,
} from './support/openapi-contract.js';
import { smeMember } from './support/people.js';
import {
  eventually,
  planAllows,
  startTestApp,
  type TestApp,
  unleashAdmin,
} from './support/test-app.js';

/** Deterministic runs: the same requests every time (change it to explore). */
const SEED = 20261206;
/** Generated requests per operation (per service for creation). */
const RUNS = 50;
const origin = { ip: '127.0.0.1', requestId: 'contract' };

/**
 * Refusals the document declares for a state of the data rather than for the
 * request's shape: a schema-valid id may name no application of this SME, and
 * a draft may still lack a file.
 */
const STATE_REFUSALS: Record<string, number[]> = {
  getApplication: [404],
  submitApplication: [404, 422],
};

interface Sent {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: unknown;
}

describe('the API contract: requests generated from the served OpenAPI document', () => {
  const admin = unleashAdmin();
  let portal: TestApp;
  let db: DataSource;
  let doc: OpenApiDocument;
  let validator: ContractValidator;
  let flags: string[] = [];
  let keys: () => Promise<string>;

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    const sme = await smeMember(portal.url, db);
    // Every business variant open to this SME only, as a pilot would have them.
    const catalogue = portal.app.get(CatalogueService);
    flags = catalogue.all().map((s) => `${s.slug}.business`);
    // The plans allow every variant; Unleash narrows each to this SME.
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
            { contextName: 'organizationId', operator: 'IN', values: [sme.organizationId] },
          ],
        },
      ]);
    const client = portal.app.get(FlagsService);
    await eventually(
      async () =>
        flags.every((flag) =>
          client.isEnabled(flag, {
            userId: sme.organizationId,
            properties: {
              audience: 'business',
              organizationId: sme.organizationId,
              staff: 'false',
            },
          }),
        ),
      5000,
    );
    // A fresh key every 300 requests: the per-key rate limit is not under test here.
    let key = '';
    let used = 0;
    keys = async () => {
      if (key === '' || used++ >= 300) {
        const created = await portal.app
          .get(ApiKeysService)
          .create(
            sme.accountId,
            sme.organizationId,
            { name: 'Contrat', scopes: ['applications:read', 'applications:write'] },
            origin,
          );
        if (!created.ok) throw new Error(`could not create a key: ${created.problem}`);
        key = created.token;
        used = 1;
      }
      return key;
    };
    const served = await request(portal.url).get('/api/docs/openapi.json');
    expect(served.status).toBe(200);
    doc = served.body as OpenApiDocument;
    validator = new ContractValidator(doc);
  });
  afterAll(async () => {
    for (const flag of flags) await admin.replaceStrategies(flag, false, []);
    await portal.close();
  });

  async function send(sent: Sent) {
    const url = `/api/v1${sent.path}`;
    const agent = request(portal.url);
    const call = (sent.method === 'post' ? agent.post(url) : agent.get(url))
      .query(sent.query)
      .set('Authorization', `Bearer ${await keys()}`)
      .set('Accept-Language', 'en');
    for (const [name, value] of Object.entries(sent.headers)) call.set(name, value);
    return sent.body === undefined ? call : call.send(sent.body as object);
  }

  /** A multipart upload to a draft: the question part, then the file part (either left out if undefined). */
  async function sendFile(id: string, parts: { question?: string; file?: Buffer }) {
    const call = request(portal.url)
      .post(`/api/v1/applications/${id}/files`)
      .set('Authorization', `Bearer ${await keys()}`)
      .set('Accept-Language', 'en');
    if (parts.question !== undefined) call.field('question', parts.question);
    if (parts.file) call.attach('file', parts.file, 'plan.pdf');
    return call;
  }

  /** The file questions a draft's answers require, from the service's apiFiling. */
  const filing = new Map<
    string,
    { name: string; required: boolean; condition?: { field: string; equals: string | string[] } }[]
  >();
  async function requiredFiles(slug: string, answers: Record<string, unknown>): Promise<string[]> {
    if (!filing.has(slug)) {
      const res = await request(portal.url)
        .get(`/api/v1/services/${slug}`)
        .set('Authorization', `Bearer ${await keys()}`);
      filing.set(slug, res.body.apiFiling.fileFields);
    }
    return filing
      .get(slug)!
      .filter((f) => f.required)
      .filter((f) => {
        if (!f.condition) return true;
        const wanted = [f.condition.equals].flat();
        const answer = answers[f.condition.field];
        return Array.isArray(answer)
          ? answer.some((a) => wanted.includes(a as string))
          : wanted.includes(answer as string);
      })
      .map((f) => f.name);
  }

  /** Problems of a response against what the operation declares. */
  function responseProblems(op: Operation, status: number, body: unknown, type?: string) {
    const declared = op.responses[String(status)];
    if (!declared) return [`status ${status} is not declared`];
    const schema = declared.content?.['application/json'].schema;
    if (!schema) return [];
    if (!type?.startsWith('application/json')) return [`content-type ${type} is not JSON`];
    return validator.problems(schema, body);
  }

  /** Requests for an operation: its parameters, and a body from one schema. */
  function requests(op: Operation, body?: JsonSchema): fc.Arbitrary<Sent> {
    const parameters = Object.fromEntries(
      op.parameters.map((p) => {
        const value = valid(validator, p.schema).map((v) => String(v));
        return [`${p.in}:${p.name}`, p.required ? value : fc.option(value, { nil: undefined })];
      }),
    );
    return fc
      .tuple(fc.record(parameters), body ? valid(validator, body) : fc.constant(undefined))
      .map(([params, payload]) => {
        const sent: Sent = { method: op.method, path: op.path, query: {}, headers: {} };
        for (const [key, value] of Object.entries(params)) {
          if (value === undefined) continue;
          const [where, name] = key.split(':');
          if (where === 'path')
            sent.path = sent.path.replace(`{${name}}`, encodeURIComponent(value));
          else if (where === 'query') sent.query[name] = value;
          else sent.headers[name] = value;
        }
        if (payload !== undefined) sent.body = payload;
        return sent;
      });
  }

  /** The creation request's schema for each service (the branches of its oneOf). */
  const creationBodies = () => {
    const create = operations(doc).find((op) => op.operationId === 'createApplication')!;
    return validator.resolve(create.body!).oneOf!;
  };

  it('states the rules the server enforces: no blank text, postal codes, email, dates, Idempotency-Key', () => {
    const answers = (slug: string) => ({ $ref: `#/components/schemas/Answers.${slug}` });
    const property = (slug: string, name: string) =>
      validator.resolve(doc.components.schemas[`Answers.${slug}`].properties![name]);
    expect(validator.problems(property('building-permit', 'contactName'), '')).not.toEqual([]);
    expect(validator.problems(property('building-permit', 'contactName'), '   ')).not.toEqual([]);
    expect(validator.problems(property('building-permit', 'contactEmail'), '0@com')).not.toEqual(
      [],
    );
    const address = property('building-permit', 'propertyAddress');
    const place = { line1: '25 rue Laurier', city: 'Gatineau' };
    expect(validator.problems(address, { ...place, postalCode: '12345' })).not.toEqual([]);
    expect(validator.problems(address, { ...place, postalCode: 'j8x 1a1' })).toEqual([]);
    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    expect(validator.problems(property('building-permit', 'startDate'), today)).toEqual([]);
    expect(validator.problems(property('building-permit', 'startDate'), yesterday)).not.toEqual([]);
    const create = operations(doc).find((op) => op.operationId === 'createApplication')!;
    const key = create.parameters.find((p) => p.name === 'Idempotency-Key')!.schema;
    expect(validator.problems(key, '')).not.toEqual([]);
    expect(validator.problems(key, 'a b')).not.toEqual([]);
    expect(validator.problems(key, 'x'.repeat(201))).not.toEqual([]);
    expect(validator.problems(key, 'cle-0001')).toEqual([]);
    expect(validator.problems(answers('building-permit'), {})).not.toEqual([]);
    // Every service can be filed; one that needs a file is created as a draft (submit false).
    const bodies = creationBodies().map((b) => validator.resolve(b));
    expect(bodies.map((b) => b.properties!.service.const)).toEqual(
      expect.arrayContaining(['bulky-waste-pickup', 'building-permit']),
    );
    const permit = bodies.find((b) => b.properties!.service.const === 'building-permit')!;
    expect(validator.problems(permit.properties!.submit, true)).not.toEqual([]);
    expect(validator.problems(permit.properties!.submit, false)).toEqual([]);
  });

  it('accepts every schema-valid request of every operation, answering as the document says and never with a 5xx', async () => {
    const failures: string[] = [];
    let created = 0;
    const drafts: string[] = [];
    for (const op of operations(doc)) {
      // Files are sent to the drafts this loop creates, below.
      if (op.multipart) continue;
      const bodies = op.body ? creationBodies() : [undefined];
      for (const body of bodies) {
        const samples = fc.sample(requests(op, body), { seed: SEED, numRuns: RUNS });
        for (const sent of samples) {
          // The generator itself keeps to the document.
          if (body) {
            const invalid = validator.problems(op.body!, sent.body);
            if (invalid.length > 0) {
              failures.push(`${op.operationId}: generated an invalid body: ${invalid.join('; ')}`);
              continue;
            }
          }
          // One key space per service: a key generated twice gives back the first
          // application, and a draft still waiting for its files cannot be submitted.
          const idempotencyKey = sent.headers['Idempotency-Key'];
          if (body && idempotencyKey !== undefined)
            sent.headers['Idempotency-Key'] =
              `${String((sent.body as { service: string }).service)}:${idempotencyKey}`.slice(
                0,
                200,
              );
          const res = await send(sent);
          const label = `${op.operationId} ${JSON.stringify(sent)} → ${res.status} ${JSON.stringify(res.body)}`;
          if (res.status >= 500) failures.push(`5xx: ${label}`);
          else if (
            res.status >= 400 &&
            !(STATE_REFUSALS[op.operationId] ?? []).includes(res.status)
          )
            failures.push(`refused: ${label}`);
          const problems = responseProblems(op, res.status, res.body, res.headers['content-type']);
          if (problems.length > 0) failures.push(`answer ${problems.join('; ')}: ${label}`);
          if (op.operationId === 'createApplication' && res.status === 201) {
            created++;
            if (res.body.status === 'draft') drafts.push(res.body.id as string);
          }
        }
      }
    }
    // The drafts created from schema-valid answers are complete once the files their
    // answers require are uploaded (a PDF each, as the document says): each is submitted.
    const submit = operations(doc).find((op) => op.operationId === 'submitApplication')!;
    const uploadOp = operations(doc).find((op) => op.operationId === 'uploadFile')!;
    let uploads = 0;
    for (const draft of drafts) {
      const [row] = await db.query(`SELECT service_slug, answers FROM application WHERE id = $1`, [
        draft,
      ]);
      for (const question of await requiredFiles(row.service_slug, row.answers)) {
        const res = await sendFile(draft, { question, file: pdfOfSize(1200) });
        uploads++;
        const label = `upload ${question} to ${draft} → ${res.status} ${JSON.stringify(res.body)}`;
        if (res.status !== 201) failures.push(`refused: ${label}`);
        const problems = responseProblems(
          uploadOp,
          res.status,
          res.body,
          res.headers['content-type'],
        );
        if (problems.length > 0) failures.push(`answer ${problems.join('; ')}: ${label}`);
      }
    }
    for (const draft of drafts) {
      const res = await send({
        method: 'post',
        path: `/applications/${draft}/submit`,
        query: {},
        headers: {},
      });
      const label = `submit ${draft} → ${res.status} ${JSON.stringify(res.body)}`;
      if (res.status !== 200 || res.body.status !== 'submitted') failures.push(`refused: ${label}`);
      const problems = responseProblems(submit, res.status, res.body, res.headers['content-type']);
      if (problems.length > 0) failures.push(`answer ${problems.join('; ')}: ${label}`);
    }
    expect(failures.slice(0, 10)).toEqual([]);
    // Generated Idempotency-Keys may repeat (a replay answers 200): most requests create.
    expect(created).toBeGreaterThan((creationBodies().length * RUNS) / 2);
    const [{ count }] = await db.query(
      `SELECT count(*)::int AS count FROM application WHERE channel = 'api'`,
    );
    expect(count).toBe(created);
    // Every business variant was filed through the API, the four with files included.
    expect(uploads).toBeGreaterThan(0);
    const filed = await db.query(
      `SELECT DISTINCT service_slug FROM application WHERE channel = 'api' AND status = 'submitted'`,
    );
    expect(filed.map((r: { service_slug: string }) => r.service_slug).sort()).toEqual(
      portal.app
        .get(CatalogueService)
        .all()
        .map((s) => s.slug)
        .sort(),
    );
  });

  it('refuses every one-rule-broken file upload with its declared 4xx {code, message}, never a 5xx', async () => {
    const op = operations(doc).find((o) => o.operationId === 'uploadFile')!;
    const schema = validator.resolve(op.multipart!);
    const created = await send({
      method: 'post',
      path: '/applications',
      query: {},
      headers: {},
      body: fc.sample(
        valid(
          validator,
          creationBodies().find(
            (b) => validator.resolve(b).properties!.service.const === 'building-permit',
          )!,
        ),
        { seed: SEED, numRuns: 1 },
      )[0],
    });
    expect(created.status).toBe(201);
    const good = { question: 'sitePlan', file: pdfOfSize(1200) as Buffer | undefined };
    const cases: [string, Record<string, unknown>][] = [
      ...(schema.required ?? []).map(
        (part) =>
          [`without ${part}`, { ...good, [part]: undefined }] as [string, Record<string, unknown>],
      ),
      ['an empty question', { ...good, question: '' }],
      ['an unknown question', { ...good, question: 'noSuchQuestion' }],
      ['a question without files', { ...good, question: 'contactName' }],
      ['a file that is no PDF, JPEG or PNG', { ...good, file: Buffer.from('plain text') }],
    ];
    const failures: string[] = [];
    for (const [what, parts] of cases) {
      const res = await sendFile(created.body.id as string, parts as typeof good);
      const label = `${what} → ${res.status} ${JSON.stringify(res.body)}`;
      if (res.status < 400 || res.status >= 500) failures.push(label);
      else if (typeof res.body.code !== 'string' || typeof res.body.message !== 'string')
        failures.push(`not {code, message}: ${label}`);
      const problems = responseProblems(op, res.status, res.body, res.headers['content-type']);
      if (problems.length > 0) failures.push(`answer ${problems.join('; ')}: ${label}`);
    }
    expect(failures).toEqual([]);
    // The good request itself is accepted.
    expect((await sendFile(created.body.id as string, good)).status).toBe(201);
  });

  it('refuses every schema-invalid mutation of a valid request with a 4xx {code, message}, never a 5xx', async () => {
    const failures: string[] = [];
    const create = operations(doc).find((op) => op.operationId === 'createApplication')!;
    let tried = 0;
    for (const body of creationBodies()) {
      const base = fc.sample(valid(validator, body), { seed: SEED, numRuns: 1 })[0] as Record<
        string,
        unknown
      >;
      const answersSchema = validator.resolve(validator.resolve(body).properties!.answers);
      const answers = shownOnly(answersSchema, base.answers as Record<string, unknown>);
      const cases = [
        ...mutations(validator, body, { ...base, answers }),
        ...mutations(validator, answersSchema, answers, 'answers.').map((m) => ({
          what: m.what,
          value: { ...base, answers: m.value },
        })),
      ];
      for (const mutation of cases) {
        // Only what the document refuses (an unknown top-level property, say, it allows).
        if (validator.problems(body, mutation.value).length === 0) continue;
        tried++;
        const res = await send({
          method: 'post',
          path: '/applications',
          query: {},
          headers: {},
          body: mutation.value,
        });
        const label = `${String(base.service)} ${mutation.what} → ${res.status} ${JSON.stringify(res.body)}`;
        if (res.status < 400 || res.status >= 500) failures.push(label);
        else if (typeof res.body.code !== 'string' || typeof res.body.message !== 'string')
          failures.push(`not {code, message}: ${label}`);
        else {
          const problems = responseProblems(
            create,
            res.status,
            res.body,
            res.headers['content-type'],
          );
          if (problems.length > 0) failures.push(`answer ${problems.join('; ')}: ${label}`);
        }
      }
    }
    expect(failures.slice(0, 10)).toEqual([]);
    expect(tried).toBeGreaterThan(100);
  });

  it('refuses malformed headers, queries and paths of every operation with a 4xx {code, message}', async () => {
    const failures: string[] = [];
    let tried = 0;
    for (const op of operations(doc)) {
      const base = fc.sample(requests(op, op.body ? creationBodies()[0] : undefined), {
        seed: SEED,
        numRuns: 1,
      })[0];
      for (const parameter of op.parameters) {
        const schema = validator.resolve(parameter.schema);
        const bad = ['', ' ', 'é', '0', '-1', '101', 'not-a-uuid', 'x'.repeat(201)].filter(
          (v) =>
            validator.problems(schema, schema.type === 'integer' ? Number(v) || v : v).length > 0,
        );
        for (const value of bad) {
          tried++;
          const sent: Sent = structuredClone(base);
          if (parameter.in === 'header') sent.headers[parameter.name] = value;
          else if (parameter.in === 'query') sent.query[parameter.name] = value;
          else
            sent.path = op.path.replace(`{${parameter.name}}`, encodeURIComponent(value) || '%20');
          if (parameter.in === 'header' && /[^\x20-\x7e]/.test(value)) continue;
          const res = await send(sent);
          const label = `${op.operationId} ${parameter.name}=${JSON.stringify(value)} → ${res.status} ${JSON.stringify(res.body)}`;
          if (res.status < 400 || res.status >= 500) failures.push(label);
          else if (typeof res.body.code !== 'string' || typeof res.body.message !== 'string')
            failures.push(`not {code, message}: ${label}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(tried).toBeGreaterThan(10);
  });

  it('states a rule between two answers (x-compare) and refuses answers that break it: 422, code rule', async () => {
    const body = creationBodies().find(
      (b) => validator.resolve(b).properties!.service.const === 'public-domain-occupation',
    )!;
    const answersSchema = validator.resolve(validator.resolve(body).properties!.answers);
    expect(answersSchema.properties!.endDate['x-compare']).toEqual([
      { must: 'onOrAfter', other: 'startDate' },
    ]);
    const [base] = fc.sample(valid(validator, body), { seed: SEED, numRuns: 1 }) as {
      answers: Record<string, unknown>;
    }[];
    const [start, end] = [base.answers.startDate, base.answers.endDate] as string[];
    expect(end >= start).toBe(true);
    // The same two dates, the other way round (equal dates would keep the rule).
    const swapped = {
      ...base.answers,
      startDate: end > start ? end : '2199-12-31',
      endDate: start,
    };
    const res = await send({
      method: 'post',
      path: '/applications',
      query: {},
      headers: {},
      body: { ...base, answers: shownOnly(answersSchema, swapped) },
    });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([
      {
        field: 'endDate',
        code: 'rule',
        message: 'The end date must be the same as or after the start date',
      },
    ]);
  });

  it('refuses an empty Idempotency-Key with 400 invalid_request, as the document says', async () => {
    const [body] = fc.sample(
      valid(
        validator,
        creationBodies().find(
          (b) => validator.resolve(b).properties!.service.const === 'bulky-waste-pickup',
        )!,
      ),
      { seed: SEED, numRuns: 1 },
    );
    const res = await send({
      method: 'post',
      path: '/applications',
      query: {},
      headers: { 'Idempotency-Key': '' },
      body,
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      code: 'invalid_request',
      errors: [{ field: 'Idempotency-Key', code: 'invalid' }],
    });
    expect(res.body.message).toEqual(expect.any(String));
  });
});

/** The answers without the fields their condition hides (the server ignores those, unchecked). */
function shownOnly(schema: JsonSchema, answers: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(answers)) {
    const condition = (
      schema.properties?.[name] as { 'x-show-if'?: { field: string; equals: string | string[] } }
    )?.['x-show-if'];
    if (condition) {
      const wanted = [condition.equals].flat();
      const answer = answers[condition.field];
      const holds = Array.isArray(answer)
        ? answer.some((a) => wanted.includes(a as string))
        : wanted.includes(answer as string);
      if (!holds) continue;
    }
    kept[name] = value;
  }
  return kept;
}
