import type TestAgent from 'supertest/lib/agent.js';
import { DataSource } from 'typeorm';
import { PDF } from './support/applications.js';
import { createPerson, signedInAgent, smeMember, uniqueEmail } from './support/people.js';
import { csrfFrom, eventually, mailFor, startTestApp, type TestApp } from './support/test-app.js';

type Agent = InstanceType<typeof TestAgent>;

/** The hrefs of the error summary, in order. */
const summaryFields = (html: string) => {
  const start = html.indexOf('govuk-error-summary__list');
  if (start < 0) return [];
  const summary = html.slice(start, html.indexOf('</ul>', start));
  return [...summary.matchAll(/href="#([\w-]+)"/g)].map((m) => m[1]);
};

let neqSeq = 0;
const freshNeq = () =>
  `33${String(Date.now() % 1e6).padStart(6, '0')}${String(neqSeq++ % 100).padStart(2, '0')}`;

/**
 * Issue 11, finding 3: nobody verified who owns a business, so the first
 * person to type an NEQ received the City's pilot invitations sent by NEQ.
 * Now an SME registered by NEQ is unverified until an admin accepts its
 * owner's evidence; invitations by NEQ wait for that; a second claimant asks
 * for a review; admins verify, reject, transfer and revoke, audited and emailed.
 */
describe('who owns an SME (ADR 0014)', () => {
  let portal: TestApp;
  let db: DataSource;
  let admin: Agent;
  let adminId = '';
  let manager: Agent;

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    const a = await createPerson(db, { email: uniqueEmail('admin'), displayName: 'Ada Admin' });
    adminId = a.id;
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'admin')`, [a.id]);
    admin = await signedInAgent(portal.url, a.email);
    const m = await createPerson(db, { email: uniqueEmail('manager') });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'rollout-manager')`, [
      m.id,
    ]);
    manager = await signedInAgent(portal.url, m.email);
  });
  afterAll(() => portal.close());

  async function post(agent: Agent, path: string, fields: Record<string, string>, from = path) {
    const page = await agent.get(from);
    return agent
      .post(path)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), ...fields });
  }

  /** A multipart post with the agent's CSRF token first, and `file` as `evidence`. */
  async function upload(
    agent: Agent,
    path: string,
    fields: Record<string, string>,
    file?: { content: Buffer; name: string },
    from = path,
  ) {
    const page = await agent.get(from);
    const req = agent.post(path).field('_csrf', csrfFrom(page.text));
    for (const [name, value] of Object.entries(fields)) req.field(name, value);
    if (file) req.attach('evidence', file.content, file.name);
    return req;
  }

  /** Registers an SME through the real form; returns its id, NEQ and owner. */
  async function register(legalName: string) {
    const owner = await createPerson(db, {
      email: uniqueEmail('owner'),
      displayName: 'Olivier Proprio',
    });
    const agent = await signedInAgent(portal.url, owner.email);
    const neq = freshNeq();
    const res = await post(agent, '/organizations/new', {
      legalName,
      neq,
      streetAddress: '1 rue du Marché',
      city: 'Val-des-Cèdres',
      postalCode: 'J0A 1B0',
      employeeCount: '4',
      naicsCode: '72',
      contactName: 'Olivier Proprio',
      contactEmail: owner.email,
      contactPhone: '418 555-0100',
    });
    expect(res.status).toBe(303);
    const id = /\/organizations\/([0-9a-f-]{36})$/.exec(res.headers.location)![1];
    return { id, neq, owner, agent };
  }

  const organization = async (id: string) =>
    (await db.query(`SELECT verified_at, verified_by FROM organization WHERE id = $1`, [id]))[0];

  const audit = async (id: string) =>
    (await db.query(
      `SELECT action, actor_id, before, after FROM audit_event
          WHERE entity_type = 'organization' AND entity_id = $1 ORDER BY id`,
      [id],
    )) as { action: string; actor_id: string; before: unknown; after: Record<string, unknown> }[];

  const pendingClaim = async (organizationId: string) =>
    (
      await db.query(
        `SELECT id, kind, account_id FROM organization_claim WHERE organization_id = $1 AND status = 'pending'`,
        [organizationId],
      )
    )[0] as { id: string; kind: string; account_id: string } | undefined;

  async function createCohort(name: string): Promise<string> {
    const res = await post(manager, '/staff/cohorts/new', {
      name,
      slug: '',
      description: '',
      audience: 'business',
    });
    expect(res.status).toBe(303);
    return /([0-9a-f-]{36})$/.exec(res.headers.location)![1];
  }

  it('registers an SME by NEQ as unverified, and its owner sends evidence checked like an attachment', async () => {
    const sme = await register('Fromagerie des Cèdres inc.');
    expect((await organization(sme.id)).verified_at).toBeNull();
    const page = await sme.agent.get(`/organizations/${sme.id}`);
    expect(page.text).toContain('Propriété non vérifiée');
    expect(page.text).toContain(`href="/organizations/${sme.id}/verification"`);
    expect((await audit(sme.id))[0]).toMatchObject({
      action: 'organization.registered',
      after: expect.objectContaining({ verified: false }),
    });

    const path = `/organizations/${sme.id}/verification`;
    const noFile = await upload(sme.agent, path, { note: '' });
    expect(noFile.status).toBe(422);
    expect(summaryFields(noFile.text)).toEqual(['evidence']);
    expect(noFile.text).toContain('Choisissez le fichier de votre preuve');
    const notPdf = await upload(
      sme.agent,
      path,
      { note: '' },
      {
        content: Buffer.from('MZ this is a program'),
        name: 'registre.pdf',
      },
    );
    expect(notPdf.status).toBe(422);
    expect(notPdf.text).toContain('Le fichier doit être un PDF, un JPEG ou un PNG');
    expect(await pendingClaim(sme.id)).toBeUndefined();

    const sent = await upload(
      sme.agent,
      path,
      { note: 'Je suis président.' },
      {
        content: PDF,
        name: 'état-de-renseignements.pdf',
      },
    );
    expect(sent.status).toBe(303);
    expect(await pendingClaim(sme.id)).toMatchObject({ kind: 'owner', account_id: sme.owner.id });
    expect((await audit(sme.id)).map((e) => e.action)).toContain('organization.evidence_submitted');
    expect((await sme.agent.get(`${path}?sent=1`)).text).toContain('attend la vérification');

    // A member who is not an owner may not send evidence for the SME (403); a stranger sees nothing (404).
    const employee = await createPerson(db, { email: uniqueEmail('employee') });
    await db.query(
      `INSERT INTO organization_membership (organization_id, account_id, role) VALUES ($1, $2, 'member')`,
      [sme.id, employee.id],
    );
    const employeeAgent = await signedInAgent(portal.url, employee.email);
    expect((await employeeAgent.get(path)).status).toBe(403);
    const stranger = await signedInAgent(portal.url, (await createPerson(db)).email);
    expect((await stranger.get(path)).status).toBe(404);
  });

  it('keeps one pending proof per person (a new one replaces it), and at most 10 files an hour (429)', async () => {
    const sme = await register('Imprimerie Insistante inc.');
    const path = `/organizations/${sme.id}/verification`;
    for (let i = 0; i < 10; i++) {
      const sent = await upload(
        sme.agent,
        path,
        { note: `Essai ${i}` },
        {
          content: PDF,
          name: `preuve-${i}.pdf`,
        },
      );
      expect(sent.status).toBe(303);
    }
    expect(
      await db.query(`SELECT note FROM organization_claim WHERE organization_id = $1`, [sme.id]),
    ).toEqual([{ note: 'Essai 9' }]);
    const over = await upload(sme.agent, path, { note: 'Encore' }, { content: PDF, name: 'x.pdf' });
    expect(over.status).toBe(429);
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    expect(over.text).toContain('Vous avez envoyé trop de fichiers');
  });

  it('holds an invitation by NEQ to an unverified SME, and sends it when an admin verifies the SME', async () => {
    const sme = await register('Boulangerie Attente inc.');
    const cohortId = await createCohort('Pilote vérification');
    const invited = await post(
      manager,
      `/staff/cohorts/${cohortId}/invitations/neq`,
      { neq: sme.neq },
      `/staff/cohorts/${cohortId}`,
    );
    expect(invited.status).toBe(303);
    const cohortPage = await manager.get(`/staff/cohorts/${cohortId}`);
    expect(cohortPage.text).toContain('sera envoyée quand le personnel aura vérifié');
    expect(cohortPage.text).toContain('En attente de vérification');
    const [held] = await db.query(
      `SELECT status, awaiting_verification_since FROM cohort_member WHERE cohort_id = $1 AND organization_id = $2`,
      [cohortId, sme.id],
    );
    expect(held.status).toBe('invited');
    expect(held.awaiting_verification_since).not.toBeNull();
    // Nothing was written to the owner (the outbox holds every email the portal sends).
    expect(
      await db.query(`SELECT kind FROM outbox_message WHERE lower(recipient) = lower($1)`, [
        sme.owner.email,
      ]),
    ).toEqual([]);
    const [invitedEvent] = await db.query(
      `SELECT after FROM audit_event WHERE action = 'cohort.invited' AND entity_id = $1`,
      [cohortId],
    );
    expect(invitedEvent.after).toMatchObject({ awaitingVerification: true, recipients: [] });

    await upload(
      sme.agent,
      `/organizations/${sme.id}/verification`,
      { note: '' },
      {
        content: PDF,
        name: 'registre.pdf',
      },
    );
    const claim = (await pendingClaim(sme.id))!;
    const queue = await admin.get('/staff/verification');
    expect(queue.status).toBe(200);
    expect(queue.text).toContain('Boulangerie Attente inc.');
    expect(queue.text).toContain('Preuve du propriétaire');
    const file = await admin.get(`/staff/verification/${sme.id}`);
    expect(file.text).toContain(`/staff/verification/claims/${claim.id}/evidence`);
    const evidence = await admin.get(`/staff/verification/claims/${claim.id}/evidence`);
    expect(evidence.status).toBe(200);
    expect(evidence.headers['content-type']).toBe('application/pdf');
    expect(evidence.headers['content-disposition']).toMatch(/^attachment; filename="registre.pdf"/);

    const verified = await post(
      admin,
      `/staff/verification/claims/${claim.id}/verify`,
      {},
      `/staff/verification/${sme.id}`,
    );
    expect(verified.status).toBe(303);
    expect((await organization(sme.id)).verified_by).toBe(adminId);
    const events = await audit(sme.id);
    expect(events.at(-1)).toMatchObject({
      action: 'organization.verified',
      actor_id: adminId,
      after: expect.objectContaining({ verified: true, claimId: claim.id }),
    });
    const [released] = await db.query(
      `SELECT actor_id, after FROM audit_event WHERE action = 'cohort.invitation_released' AND entity_id = $1`,
      [cohortId],
    );
    expect(released.actor_id).toBe(adminId);
    expect(released.after.recipients).toContain(sme.owner.email);

    // The owner now gets both emails, and the invitation's link works.
    let link = '';
    await eventually(async () => {
      const mail = await mailFor(sme.owner.email);
      const invitation = mail.find((m) => m.subject.includes('Pilote vérification'));
      const match =
        invitation && /https?:\/\/\S+?(\/pilot\/invitations\/[A-Za-z0-9_-]+)/.exec(invitation.text);
      if (match) link = match[1];
      return Boolean(match) && mail.some((m) => m.subject.includes('est vérifiée'));
    }, 10_000);
    expect((await sme.agent.get(link)).text).toContain('Boulangerie Attente inc.');
    const [after] = await db.query(
      `SELECT awaiting_verification_since, token_expires_at > now() AS open FROM cohort_member
        WHERE cohort_id = $1 AND organization_id = $2`,
      [cohortId, sme.id],
    );
    expect(after).toEqual({ awaiting_verification_since: null, open: true });
    expect((await sme.agent.get(`/organizations/${sme.id}`)).text).toContain('Propriété vérifiée');
    // A decision taken twice is refused the second time.
    const again = await post(
      admin,
      `/staff/verification/claims/${claim.id}/verify`,
      {},
      `/staff/verification/${sme.id}`,
    );
    expect(again.status).toBe(409);
    expect(again.text).toContain('Cette demande a déjà été traitée');
  });

  it('sends an invitation by NEQ to a verified SME at once', async () => {
    const owner = await smeMember(portal.url, db, { legalName: 'Atelier Vérifié inc.' });
    const [{ neq, email }] = await db.query(
      `SELECT organization.neq, account.email FROM organization, account WHERE organization.id = $1 AND account.id = $2`,
      [owner.organizationId, owner.accountId],
    );
    const cohortId = await createCohort('Pilote immédiat');
    await post(
      manager,
      `/staff/cohorts/${cohortId}/invitations/neq`,
      { neq },
      `/staff/cohorts/${cohortId}`,
    );
    await eventually(
      async () => (await mailFor(email)).some((m) => m.subject.includes('Pilote immédiat')),
      10_000,
    );
  });

  it('does not add an unverified SME listed by NEQ in an import: its invitation waits too', async () => {
    const sme = await register('Traiteur Importé inc.');
    const cohortId = await createCohort('Pilote importé');
    const page = await manager.get(`/staff/cohorts/${cohortId}`);
    const res = await manager
      .post(`/staff/cohorts/${cohortId}/import`)
      .field('_csrf', csrfFrom(page.text))
      .attach('membersFile', Buffer.from(`neq\n${sme.neq}\n`), 'membres.csv');
    expect(res.status).toBe(303);
    const shown = await manager.get(`/staff/cohorts/${cohortId}`);
    expect(shown.text).toContain(
      'Importation terminée : 0 entreprise ajoutée, 0 invitation envoyée, 1 en attente de la vérification de l’entreprise, 0 déjà membre.',
    );
    const [row] = await db.query(
      `SELECT status, source, awaiting_verification_since IS NOT NULL AS awaiting FROM cohort_member
        WHERE cohort_id = $1 AND organization_id = $2`,
      [cohortId, sme.id],
    );
    expect(row).toEqual({ status: 'invited', source: 'import', awaiting: true });
    expect(
      await db.query(`SELECT kind FROM outbox_message WHERE lower(recipient) = lower($1)`, [
        sme.owner.email,
      ]),
    ).toEqual([]);
  });

  it('rejects evidence with a reason the owner reads; a reason is required', async () => {
    const sme = await register('Quincaillerie Refus inc.');
    await upload(
      sme.agent,
      `/organizations/${sme.id}/verification`,
      { note: '' },
      {
        content: PDF,
        name: 'flou.pdf',
      },
    );
    const claim = (await pendingClaim(sme.id))!;
    const from = `/staff/verification/${sme.id}`;
    const empty = await post(admin, `/staff/verification/claims/${claim.id}/reject`, {}, from);
    expect(empty.status).toBe(422);
    expect(summaryFields(empty.text)).toEqual([`reason-${claim.id}`]);
    expect(empty.text).toContain('Entrez la raison de la décision');
    const rejected = await post(
      admin,
      `/staff/verification/claims/${claim.id}/reject`,
      { [`reason-${claim.id}`]: 'Le document est illisible.' },
      from,
    );
    expect(rejected.status).toBe(303);
    expect((await organization(sme.id)).verified_at).toBeNull();
    expect((await audit(sme.id)).at(-1)).toMatchObject({
      action: 'organization.claim_rejected',
      actor_id: adminId,
      before: expect.objectContaining({ claimId: claim.id, kind: 'owner' }),
      after: { status: 'rejected', reason: 'Le document est illisible.' },
    });
    await eventually(async () =>
      (await mailFor(sme.owner.email)).some((m) => m.text.includes('Le document est illisible.')),
    );
    expect((await sme.agent.get(`/organizations/${sme.id}/verification`)).text).toContain(
      'Le document est illisible.',
    );
  });

  it('revokes an unverified claim: every member loses the SME, the owner is told why', async () => {
    const sme = await register('Garage Usurpé inc.');
    const from = `/staff/verification/${sme.id}`;
    const empty = await post(admin, `/staff/verification/${sme.id}/revoke`, {}, from);
    expect(empty.status).toBe(422);
    expect(summaryFields(empty.text)).toEqual(['revoke-reason']);
    const revoked = await post(
      admin,
      `/staff/verification/${sme.id}/revoke`,
      { 'revoke-reason': 'Le NEQ appartient à une autre personne.' },
      from,
    );
    expect(revoked.status).toBe(303);
    expect(
      await db.query(`SELECT 1 FROM organization_membership WHERE organization_id = $1`, [sme.id]),
    ).toEqual([]);
    expect((await audit(sme.id)).at(-1)).toMatchObject({
      action: 'organization.claim_revoked',
      actor_id: adminId,
      before: { members: [{ accountId: sme.owner.id, role: 'owner' }] },
      after: { members: [], reason: 'Le NEQ appartient à une autre personne.' },
    });
    expect((await sme.agent.get(`/organizations/${sme.id}`)).status).toBe(404);
    await eventually(async () =>
      (await mailFor(sme.owner.email)).some(
        (m) => m.subject.includes('Garage Usurpé inc.') && m.text.includes('autre personne'),
      ),
    );
    // A verified SME cannot be revoked.
    const verified = await smeMember(portal.url, db, { legalName: 'Vérifiée inc.' });
    const refused = await post(
      admin,
      `/staff/verification/${verified.organizationId}/revoke`,
      { 'revoke-reason': 'Essai' },
      `/staff/verification/${verified.organizationId}`,
    );
    expect(refused.status).toBe(409);
  });

  it('lets a second claimant ask for a review, which staff see and can grant by transferring the SME', async () => {
    const sme = await register('Pâtisserie Convoitée inc.');
    const claimant = await createPerson(db, {
      email: uniqueEmail('claimant'),
      displayName: 'Véritable Propriétaire',
      locale: 'en',
    });
    const claimantAgent = await signedInAgent(portal.url, claimant.email);

    // Registering the same NEQ is refused, with the way out.
    const taken = await post(claimantAgent, '/organizations/new', {
      legalName: 'Pâtisserie Convoitée inc.',
      neq: sme.neq,
      streetAddress: '1 rue du Marché',
      city: 'Val-des-Cèdres',
      postalCode: 'J0A 1B0',
      employeeCount: '4',
      naicsCode: '72',
      contactName: 'V. P.',
      contactEmail: claimant.email,
      contactPhone: '418 555-0100',
    });
    expect(taken.status).toBe(422);
    // (Handlebars writes `=` as `&#x3D;` in attributes.)
    expect(taken.text.replaceAll('&#x3D;', '=')).toContain(
      `href="/organizations/claims/new?neq=${sme.neq}"`,
    );

    const form = `/organizations/claims/new?neq=${sme.neq}`;
    expect((await claimantAgent.get(form)).text).toContain(`value="${sme.neq}"`);
    const missing = await upload(
      claimantAgent,
      '/organizations/claims/new',
      { neq: sme.neq, note: '' },
      undefined,
      form,
    );
    expect(missing.status).toBe(422);
    expect(summaryFields(missing.text)).toEqual(['note', 'evidence']);
    const unknown = await upload(
      claimantAgent,
      '/organizations/claims/new',
      { neq: '9999999999', note: 'La mienne.' },
      { content: PDF, name: 'preuve.pdf' },
      form,
    );
    expect(unknown.status).toBe(422);
    expect(summaryFields(unknown.text)).toEqual(['neq']);
    const ownRequest = await upload(
      sme.agent,
      '/organizations/claims/new',
      { neq: sme.neq, note: 'La mienne.' },
      { content: PDF, name: 'preuve.pdf' },
      form,
    );
    expect(ownRequest.status).toBe(422);

    const sent = await upload(
      claimantAgent,
      '/organizations/claims/new',
      { neq: sme.neq, note: 'I founded it in 2019.' },
      { content: PDF, name: 'statement.pdf' },
      form,
    );
    expect(sent.status).toBe(303);
    expect(sent.headers.location).toBe('/organizations/claims/sent');
    const claim = (await pendingClaim(sme.id))!;
    expect(claim).toMatchObject({ kind: 'review', account_id: claimant.id });
    expect((await audit(sme.id)).at(-1)).toMatchObject({
      action: 'organization.review_requested',
      actor_id: claimant.id,
    });

    const queue = await admin.get('/staff/verification');
    expect(queue.text).toContain('Demande de révision par une autre personne');
    expect(queue.text).toContain('Véritable Propriétaire');
    const file = await admin.get(`/staff/verification/${sme.id}`);
    expect(file.text).toContain('I founded it in 2019.');

    const from = `/staff/verification/${sme.id}`;
    const noReason = await post(admin, `/staff/verification/claims/${claim.id}/transfer`, {}, from);
    expect(noReason.status).toBe(422);
    expect(summaryFields(noReason.text)).toEqual([`transfer-${claim.id}`]);
    const transferred = await post(
      admin,
      `/staff/verification/claims/${claim.id}/transfer`,
      { [`transfer-${claim.id}`]: 'Le registre nomme Véritable Propriétaire.' },
      from,
    );
    expect(transferred.status).toBe(303);
    expect(
      await db.query(
        `SELECT account_id, role FROM organization_membership WHERE organization_id = $1`,
        [sme.id],
      ),
    ).toEqual([{ account_id: claimant.id, role: 'owner' }]);
    expect((await organization(sme.id)).verified_by).toBe(adminId);
    expect((await audit(sme.id)).at(-1)).toMatchObject({
      action: 'organization.transferred',
      actor_id: adminId,
      before: { members: [{ accountId: sme.owner.id, role: 'owner' }], verified: false },
      after: expect.objectContaining({ owner: claimant.id, claimId: claim.id, verified: true }),
    });
    expect((await sme.agent.get(`/organizations/${sme.id}`)).status).toBe(404);
    expect((await claimantAgent.get(`/organizations/${sme.id}`)).status).toBe(200);
    await eventually(async () =>
      (await mailFor(claimant.email)).some(
        (m) => m.subject === 'You own Pâtisserie Convoitée inc. – Guichet',
      ),
    );
    await eventually(async () =>
      (await mailFor(sme.owner.email)).some((m) => m.text.includes('Le registre nomme')),
    );
  });

  it('shows the verification pages to admins only', async () => {
    const got: Record<string, number> = {};
    for (const role of ['rollout-manager', 'clerk', 'analyst'] as const) {
      const person = await createPerson(db, { email: uniqueEmail(role) });
      await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, $2)`, [
        person.id,
        role,
      ]);
      got[role] = (
        await (await signedInAgent(portal.url, person.email)).get('/staff/verification')
      ).status;
    }
    got.admin = (await admin.get('/staff/verification')).status;
    expect(got).toEqual({ 'rollout-manager': 403, clerk: 403, analyst: 403, admin: 200 });
  });
});
