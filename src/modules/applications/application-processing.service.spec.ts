import { DataSource } from 'typeorm';
import { buildingPermitAnswers, fileBuildingPermit } from '../../../test/support/applications.js';
import { createPerson } from '../../../test/support/people.js';
import { startTestApp, type TestApp } from '../../../test/support/test-app.js';
import {
  ApplicationProcessingService,
  MAX_NOTE_LENGTH,
  type StaffActor,
} from './application-processing.service.js';
import { ApplicationsService } from './applications.service.js';
import { processingRefusal } from './staff-applications.refusals.js';

/**
 * ApplicationProcessingService against the real PostgreSQL: the lifecycle of
 * the clerks' actions, the texts they require, and separation of duties
 * (ADR 0018), tested where the rules live. The pages have their own tests
 * (test/staff-applications.spec.ts).
 */
describe('ApplicationProcessingService (medium: the real database)', () => {
  let portal: TestApp;
  let db: DataSource;
  let processing: ApplicationProcessingService;
  let clerk: StaffActor;
  const origin = { ip: '192.0.2.10', requestId: 'medium' };

  async function citizenApplication() {
    const person = await createPerson(db, { displayName: 'Jeanne Demandeuse' });
    return fileBuildingPermit(portal.app, db, { accountId: person.id, audience: 'citizen' });
  }

  async function row(id: string) {
    const [application] = await db.query(
      `SELECT status, assigned_to, decision_note FROM application WHERE id = $1`,
      [id],
    );
    return application as { status: string; assigned_to: string | null; decision_note: string };
  }

  async function audit(id: string) {
    return db.query<{ action: string; actor_id: string; after: Record<string, unknown> }[]>(
      `SELECT action, actor_id, after FROM audit_event
        WHERE entity_type = 'application' AND entity_id = $1 AND actor_type = 'staff' ORDER BY id`,
      [id],
    );
  }

  beforeAll(async () => {
    portal = await startTestApp({}, { skipBootTasks: true });
    db = portal.app.get(DataSource);
    processing = portal.app.get(ApplicationProcessingService);
    const person = await createPerson(db, { displayName: 'Agent clerk' });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'clerk')`, [person.id]);
    clerk = { accountId: person.id };
  });

  afterAll(async () => {
    await portal?.close();
  });

  it('assign, then decide: each step moves the status, records who, and stops once decided', async () => {
    const application = await citizenApplication();
    const assigned = await processing.assignToMe(clerk, application.id, origin);
    expect(assigned).toMatchObject({ ok: true, changed: true });
    expect(await row(application.id)).toMatchObject({
      status: 'in_review',
      assigned_to: clerk.accountId,
    });
    // Taking it again changes nothing.
    expect(await processing.assignToMe(clerk, application.id, origin)).toMatchObject({
      ok: true,
      changed: false,
    });

    const approved = await processing.approve(
      clerk,
      application.id,
      '  Travaux avant mai.  ',
      origin,
    );
    expect(approved).toMatchObject({ ok: true, changed: true });
    expect(await row(application.id)).toMatchObject({
      status: 'approved',
      decision_note: 'Travaux avant mai.',
    });
    expect(await processing.statusOf(application.id)).toBe('approved');

    // Decided: no other decision, no taking it, no asking for information.
    for (const refused of [
      await processing.reject(clerk, application.id, 'Non conforme', origin),
      await processing.requestInformation(clerk, application.id, 'Le plan ?', origin),
      await processing.assignToMe(clerk, application.id, origin),
    ])
      expect(refused).toEqual({ ok: false, reason: 'not-allowed' });
    expect((await audit(application.id)).map((a) => a.action)).toEqual([
      'application.in_review',
      'application.approved',
    ]);
  });

  it('requires a reason to reject or ask for information and a text to write, each at most 5,000 characters; conditions are optional', async () => {
    const application = await citizenApplication();
    const long = 'x'.repeat(MAX_NOTE_LENGTH + 1);
    expect(await processing.reject(clerk, application.id, '   ', origin)).toEqual({
      ok: false,
      reason: 'invalid',
      problem: 'required',
    });
    expect(await processing.requestInformation(clerk, application.id, '', origin)).toEqual({
      ok: false,
      reason: 'invalid',
      problem: 'required',
    });
    expect(await processing.postMessage(clerk, application.id, ' ', origin)).toEqual({
      ok: false,
      reason: 'invalid',
      problem: 'required',
    });
    for (const refused of [
      await processing.reject(clerk, application.id, long, origin),
      await processing.approve(clerk, application.id, long, origin),
      await processing.postMessage(clerk, application.id, long, origin),
    ])
      expect(refused).toEqual({ ok: false, reason: 'invalid', problem: 'too-long' });
    expect((await row(application.id)).status).toBe('submitted');

    expect(await processing.approve(clerk, application.id, null, origin)).toMatchObject({
      ok: true,
    });
    expect(await row(application.id)).toMatchObject({ status: 'approved', decision_note: null });
  });

  it('checks separation of duties first: nobody processes their own application, even with an empty reason; the refusal is audited', async () => {
    const application = await fileBuildingPermit(portal.app, db, {
      accountId: clerk.accountId,
      audience: 'citizen',
    });
    for (const refused of [
      await processing.assignToMe(clerk, application.id, origin),
      await processing.approve(clerk, application.id, null, origin),
      await processing.reject(clerk, application.id, '', origin),
      await processing.requestInformation(clerk, application.id, '', origin),
      await processing.postMessage(clerk, application.id, '', origin),
    ])
      expect(refused).toEqual({
        ok: false,
        reason: 'conflict-of-interest',
        conflict: 'own-application',
      });
    expect(await row(application.id)).toMatchObject({ status: 'submitted', assigned_to: null });
    const refusals = await audit(application.id);
    expect(refusals.map((a) => [a.action, a.after.attempted, a.after.reason])).toEqual([
      ['application.processing_refused', 'assign', 'own-application'],
      ['application.processing_refused', 'approved', 'own-application'],
      ['application.processing_refused', 'rejected', 'own-application'],
      ['application.processing_refused', 'information_requested', 'own-application'],
      ['application.processing_refused', 'message', 'own-application'],
    ]);
    const view = await processing.view(clerk, application.id);
    expect(view?.conflict).toBe('own-application');
  });

  it('nor one filed for an SME they belong to, in any role', async () => {
    const owner = await createPerson(db, { displayName: 'Propriétaire' });
    const [org] = await db.query(
      `INSERT INTO organization (legal_name, neq, street_address, city, postal_code, employee_count, naics_code,
         contact_name, contact_email, contact_phone)
       VALUES ('Atelier Gagnon inc.', '1188776655', '12 rue Principale', 'Val-des-Cèdres', 'J0A 1B0', 8,
         '31-33', 'Propriétaire', 'proprio@exemple.ca', '418 555-0123')
       RETURNING id`,
    );
    await db.query(
      `INSERT INTO organization_membership (organization_id, account_id, role)
       VALUES ($1, $2, 'owner'), ($1, $3, 'member')`,
      [org.id, owner.id, clerk.accountId],
    );
    const application = await fileBuildingPermit(portal.app, db, {
      accountId: owner.id,
      audience: 'business',
      organizationId: org.id as string,
    });
    expect(await processing.assignToMe(clerk, application.id, origin)).toEqual({
      ok: false,
      reason: 'conflict-of-interest',
      conflict: 'own-organization',
    });
    expect((await processing.view(clerk, application.id))?.conflict).toBe('own-organization');
    // A colleague outside the SME may.
    const colleague = await createPerson(db, { displayName: 'Agente collègue' });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'clerk')`, [
      colleague.id,
    ]);
    expect(
      await processing.assignToMe({ accountId: colleague.id }, application.id, origin),
    ).toMatchObject({ ok: true, changed: true });
  });

  it('does not see drafts or ids that are not applications', async () => {
    const person = await createPerson(db);
    const { application: draft } = await portal.app
      .get(ApplicationsService)
      .startDraft(
        { accountId: person.id, audience: 'citizen', channel: 'web' },
        'building-permit',
        buildingPermitAnswers('citizen'),
        origin,
      );
    for (const id of [draft.id, 'not-a-uuid', '00000000-0000-4000-8000-000000000000']) {
      expect(await processing.assignToMe(clerk, id, origin)).toEqual({
        ok: false,
        reason: 'not-found',
      });
      expect(await processing.view(clerk, id)).toBeUndefined();
    }
  });

  it('lists the clerks and admins who process applications, not the other staff', async () => {
    const analyst = await createPerson(db, { displayName: 'Analyste' });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'analyst')`, [
      analyst.id,
    ]);
    const ids = (await processing.clerks()).map((c) => c.accountId);
    expect(ids).toContain(clerk.accountId);
    expect(ids).not.toContain(analyst.id);
  });
});

describe('processingRefusal: every refused action has one status and message', () => {
  it('maps each outcome to its refusal', () => {
    const notAllowed = processingRefusal(
      { ok: false, reason: 'not-allowed' },
      'conditions',
      'approved',
    );
    expect([notAllowed.code, notAllowed.status, notAllowed.field]).toEqual([
      'not-allowed',
      409,
      'actions',
    ]);
    expect(notAllowed.details.paramKeys).toEqual({ status: 'applicationStatus.approved' });
    // Gone meanwhile: not found.
    expect(
      processingRefusal({ ok: false, reason: 'not-allowed' }, undefined, undefined).status,
    ).toBe(404);
    const conflict = processingRefusal(
      { ok: false, reason: 'conflict-of-interest', conflict: 'own-organization' },
      'message',
      undefined,
    );
    expect([conflict.code, conflict.status, conflict.field, conflict.spec.message]).toEqual([
      'own-organization',
      403,
      'actions',
      'staffApplications.conflict.own-organization',
    ]);
    const invalid = processingRefusal(
      { ok: false, reason: 'invalid', problem: 'too-long' },
      'rejectionReason',
      undefined,
    );
    expect([invalid.status, invalid.field, invalid.spec.message]).toEqual([
      422,
      'rejectionReason',
      'staffApplications.errors.rejectionReason.too-long',
    ]);
  });
});
