import { DataSource } from 'typeorm';
import { ApplicationsService } from '../src/modules/applications/applications.service.js';
import { buildingPermitAnswers, fileBuildingPermit } from './support/applications.js';
import { createPerson } from './support/people.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { ApplicationsReadModel } from '../src/modules/applications/applications.read-model.js';

describe('applications: submission and the applicant side of the lifecycle', () => {
  let portal: TestApp;
  let db: DataSource;
  let service: ApplicationsService;
  const origin = { ip: '127.0.0.1', requestId: 'test' };

  beforeAll(async () => {
    portal = await startTestApp({}, { skipBootTasks: true });
    db = portal.app.get(DataSource);
    service = portal.app.get(ApplicationsService);
  });
  afterAll(() => portal.close());

  it('gives a submitted application its reference, transition, audit event and receipt email', async () => {
    const person = await createPerson(db);
    const application = await fileBuildingPermit(portal.app, db, {
      accountId: person.id,
      audience: 'citizen',
    });
    expect(application.status).toBe('submitted');
    expect(application.reference).toMatch(/^PC-\d{4}-\d{6}$/);
    const transitions = await portal.app.get(ApplicationsReadModel).transitions(application.id);
    expect(transitions.map((t) => `${t.from}→${t.to}`)).toEqual(['draft→submitted']);
    const [audit] = await db.query(
      `SELECT count(*)::int AS n FROM audit_event WHERE entity_id = $1 AND action = 'application.submitted'`,
      [application.id],
    );
    expect(audit.n).toBe(1);
    const [email] = await db.query(
      `SELECT recipient, payload FROM outbox_message WHERE kind = 'application-submitted' AND recipient = $1`,
      [person.email],
    );
    expect(email.payload.reference).toBe(application.reference);
  });

  it('submits once however many times it is asked, in parallel', async () => {
    const person = await createPerson(db);
    const applicant = {
      accountId: person.id,
      audience: 'citizen' as const,
      channel: 'web' as const,
    };
    const { application } = await service.startDraft(
      applicant,
      'building-permit',
      { ...buildingPermitAnswers('citizen') },
      origin,
    );
    // Without its site plan the draft is incomplete.
    expect(await service.submit(applicant, application.id, origin)).toEqual({
      ok: false,
      reason: 'incomplete',
    });
    const filed = await fileBuildingPermit(portal.app, db, applicant);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => service.submit(applicant, filed.id, origin)),
    );
    expect(results.every((r) => r.ok && r.alreadySubmitted)).toBe(true);
    const [count] = await db.query(
      `SELECT count(*)::int AS n FROM application_transition WHERE application_id = $1`,
      [filed.id],
    );
    expect(count.n).toBe(1);
  });

  it('hides an application from anyone who does not own it', async () => {
    const owner = await createPerson(db);
    const other = await createPerson(db);
    const filed = await fileBuildingPermit(portal.app, db, {
      accountId: owner.id,
      audience: 'citizen',
    });
    const stranger = { accountId: other.id, audience: 'citizen' as const, channel: 'web' as const };
    expect(await portal.app.get(ApplicationsReadModel).find(stranger, filed.id)).toBeUndefined();
    expect(await service.withdraw(stranger, filed.id, null, origin)).toEqual({
      ok: false,
      reason: 'not-found',
    });
  });
});
