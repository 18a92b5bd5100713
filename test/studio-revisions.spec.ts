import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  ApplicationsService,
  type Applicant,
} from '../src/modules/applications/applications.service.js';
import { CatalogueService } from '../src/modules/catalogue/catalogue.service.js';
import type { ServiceDefinition } from '../src/modules/catalogue/service-definition.js';
import { loadServiceDocuments } from '../src/modules/catalogue/service-document-loader.js';
import { variantFlag } from '../src/modules/rollout/variant-access.service.js';
import {
  MAX_DRAFT_BYTES,
  ServiceRevisionsService,
} from '../src/modules/studio/service-revisions.service.js';
import type { StaffActor } from '../src/modules/staff/staff-roles.guard.js';
import { createPerson } from './support/people.js';
import { startTestApp, unleashAdmin, type TestApp } from './support/test-app.js';

const ORIGIN = { ip: '127.0.0.1', requestId: 'test' };

/** Puts a variant at a stage, as the rollout console would have. */
async function setStage(db: DataSource, slug: string, variant: string, stage: string) {
  await db.query(
    `INSERT INTO rollout_plan (service_slug, variant, stage) VALUES ($1, $2, $3)
     ON CONFLICT (service_slug, variant) DO UPDATE SET stage = EXCLUDED.stage`,
    [slug, variant, stage],
  );
}

/** A slug no other test file uses (the Unleash server is shared). */
const uniqueSlug = (base: string) => `${base}-${randomBytes(3).toString('hex')}`;

const bulkyWaste = () =>
  structuredClone(loadServiceDocuments().find((d) => d.slug === 'bulky-waste-pickup')!);

/** A complete, sound service to release: bulky-waste pickup under another name. */
function soundCopy(slug: string, prefix: string): ServiceDefinition {
  return { ...bulkyWaste(), slug, referencePrefix: prefix };
}

/** Services and their revisions in PostgreSQL (issue 14, ADR 0031). */
describe('service revisions', () => {
  let portal: TestApp;
  let db: DataSource;
  let revisions: ServiceRevisionsService;
  let catalogue: CatalogueService;
  let applications: ApplicationsService;
  let designer: StaffActor;
  let citizen: Applicant;

  const auditActions = async (entityId: string) =>
    (
      await db.query<{ action: string }[]>(
        `SELECT action FROM audit_event WHERE entity_id = $1 ORDER BY id`,
        [entityId],
      )
    ).map((r) => r.action);

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    revisions = portal.app.get(ServiceRevisionsService);
    catalogue = portal.app.get(CatalogueService);
    applications = portal.app.get(ApplicationsService);
    const person = await createPerson(db, { displayName: 'Élise Conception' });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'service-designer')`, [
      person.id,
    ]);
    designer = { accountId: person.id, roles: ['service-designer'] };
    const resident = await createPerson(db, { displayName: 'Jeanne Résidente' });
    citizen = { accountId: resident.id, audience: 'citizen', channel: 'web' };
  });
  afterAll(() => portal?.close());

  it('imports the repo’s five services as their revision 1, ready and served on both variants', async () => {
    const rows = await db.query<{ slug: string; state: string; document: ServiceDefinition }[]>(
      `SELECT service.slug, r.state, r.document, service.citizen_revision, service.business_revision
         FROM service JOIN service_revision r ON r.service_slug = service.slug
        ORDER BY service.position`,
    );
    const documents = loadServiceDocuments();
    expect(rows.map((r) => r.slug)).toEqual(documents.map((d) => d.slug));
    rows.forEach((row, i) => {
      expect(row).toMatchObject({ state: 'ready', citizen_revision: 1, business_revision: 1 });
      expect(row.document).toEqual(documents[i]);
    });
    expect(catalogue.served('building-permit', 'business')).toEqual({
      revision: 1,
      definition: documents[0],
    });
  });

  it('creates a service: a draft revision 1, two closed plans and two Unleash flags, off', async () => {
    const slug = uniqueSlug('pool');
    const draft = await revisions.create(
      designer,
      {
        slug,
        referencePrefix: 'PI',
        title: { fr: 'Permis de piscine', en: 'Pool permit' },
        department: { fr: 'Urbanisme', en: 'Urban planning' },
      },
      ORIGIN,
    );
    expect(draft).toMatchObject({ number: 1, state: 'draft', version: 1 });
    expect(draft.definition.title.en).toBe('Pool permit');
    const plans = await db.query<{ variant: string; stage: string }[]>(
      `SELECT variant, stage FROM rollout_plan WHERE service_slug = $1 ORDER BY variant`,
      [slug],
    );
    expect(plans).toEqual([
      { variant: 'business', stage: 'closed' },
      { variant: 'citizen', stage: 'closed' },
    ]);
    const admin = unleashAdmin();
    for (const variant of ['citizen', 'business'] as const) {
      const flag = variantFlag(slug, variant);
      expect(await admin.flagExists(flag)).toBe(true);
      expect((await admin.getEnvironmentState(flag)).enabled).toBe(false);
    }
    // Not served, not listed, until a revision is ready.
    expect(catalogue.find(slug)).toBeUndefined();
    expect(catalogue.served(slug, 'citizen')).toBeUndefined();
    expect(await auditActions(slug)).toEqual(['service.created']);
  });

  it('refuses a slug or a reference prefix another service has', async () => {
    const input = {
      title: { fr: 'Doublon', en: 'Duplicate' },
      department: { fr: 'Urbanisme', en: 'Urban planning' },
    };
    await expect(
      revisions.create(designer, { ...input, slug: 'sign-permit', referencePrefix: 'ZZ' }, ORIGIN),
    ).rejects.toMatchObject({ code: 'slug-taken', status: 422 });
    await expect(
      revisions.create(
        designer,
        { ...input, slug: uniqueSlug('x'), referencePrefix: 'PC' },
        ORIGIN,
      ),
    ).rejects.toMatchObject({ code: 'prefix-taken', status: 422 });
  });

  it('creates one service when two designers create the same slug at once; the other gets a 422', async () => {
    const slug = uniqueSlug('twin');
    const create = (prefix: string) =>
      revisions.create(
        designer,
        {
          slug,
          referencePrefix: prefix,
          title: { fr: 'Jumeau', en: 'Twin' },
          department: { fr: 'Urbanisme', en: 'Urban planning' },
        },
        ORIGIN,
      );
    const outcomes = await Promise.allSettled([create('TWA'), create('TWB')]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.find((o) => o.status === 'rejected')).toMatchObject({
      reason: { code: 'slug-taken', status: 422 },
    });
  });

  it('saves a draft under optimistic concurrency: a save from an older version is a 409', async () => {
    const slug = uniqueSlug('patio');
    await revisions.create(
      designer,
      {
        slug,
        referencePrefix: 'TE',
        title: { fr: 'Terrasse', en: 'Patio' },
        department: { fr: 'Urbanisme', en: 'Urban planning' },
      },
      ORIGIN,
    );
    const first = await revisions.changeDraft(
      designer,
      slug,
      1,
      1,
      (d) => ({ ...d, fees: { fr: 'Gratuit', en: 'Free' } }),
      'details',
      ORIGIN,
    );
    expect(first.version).toBe(2);
    // A colleague who opened the draft at version 1 saves: refused, nothing written.
    await expect(
      revisions.changeDraft(
        designer,
        slug,
        1,
        1,
        (d) => ({ ...d, fees: { fr: '10 $', en: '$10' } }),
        'details',
        ORIGIN,
      ),
    ).rejects.toMatchObject({ code: 'stale-draft', status: 409 });
    const saved = await revisions.revision(designer, slug, 1);
    expect(saved.definition.fees).toEqual({ fr: 'Gratuit', en: 'Free' });
    expect(saved.version).toBe(2);
    expect(await auditActions(`${slug}@1`)).toEqual(['service.draft_changed']);
  });

  it('refuses a change that would make a draft larger than an import may be (422), keeping the draft as it was', async () => {
    const slug = uniqueSlug('huge');
    await revisions.create(
      designer,
      {
        slug,
        referencePrefix: 'HG',
        title: { fr: 'Énorme', en: 'Huge' },
        department: { fr: 'Urbanisme', en: 'Urban planning' },
      },
      ORIGIN,
    );
    const padded = 'x'.repeat(MAX_DRAFT_BYTES);
    await expect(
      revisions.changeDraft(
        designer,
        slug,
        1,
        1,
        (d) => ({ ...d, fees: { fr: padded, en: padded } }),
        'details',
        ORIGIN,
      ),
    ).rejects.toMatchObject({ code: 'draft-too-large', status: 422 });
    expect((await revisions.revision(designer, slug, 1)).version).toBe(1);
  });

  it('never marks a broken revision ready, and serves a sound one on closed and internal variants', async () => {
    const slug = uniqueSlug('pool');
    await revisions.create(
      designer,
      {
        slug,
        referencePrefix: 'PJ',
        title: { fr: 'Piscine', en: 'Pool' },
        department: { fr: 'Urbanisme', en: 'Urban planning' },
      },
      ORIGIN,
    );
    // The new service's draft has no steps and blank texts.
    await expect(revisions.markReady(designer, slug, 1, 1, ORIGIN)).rejects.toMatchObject({
      code: 'checks-failed',
      status: 409,
    });
    await revisions.changeDraft(designer, slug, 1, 1, () => soundCopy(slug, 'PJ'), 'all', ORIGIN);
    await expect(revisions.markReady(designer, slug, 1, 1, ORIGIN)).rejects.toMatchObject({
      code: 'stale-draft',
    });
    expect(await revisions.markReady(designer, slug, 1, 2, ORIGIN)).toEqual([
      'citizen',
      'business',
    ]);
    expect(catalogue.served(slug, 'citizen')?.revision).toBe(1);
    expect(catalogue.find(slug)?.title.en).toBe('Bulky item pickup');
    // A ready revision never changes again.
    await expect(
      revisions.changeDraft(designer, slug, 1, 3, (d) => d, 'details', ORIGIN),
    ).rejects.toMatchObject({ code: 'not-a-draft', status: 409 });
    expect(await auditActions(`${slug}@1`)).toEqual([
      'service.draft_changed',
      'service.revision_ready',
    ]);
  });

  it('keeps an application on its own revision; a variant open to SMEs keeps serving the one it had', async () => {
    const slug = 'bulky-waste-pickup';
    const onRevision1 = await applications.startDraft(citizen, slug, {}, ORIGIN);
    expect(onRevision1.application.serviceRevision).toBe(1);
    await setStage(db, slug, 'business', 'sme-pilot');
    await setStage(db, slug, 'citizen', 'internal');
    const draft = await revisions.startDraft(designer, slug, ORIGIN);
    expect(draft).toMatchObject({ number: 2, basedOn: 1, state: 'draft' });
    await expect(revisions.startDraft(designer, slug, ORIGIN)).rejects.toMatchObject({
      code: 'draft-exists',
      status: 409,
    });
    await revisions.changeDraft(
      designer,
      slug,
      2,
      1,
      (d) => {
        const contact = d.form.steps.find((s) => s.slug === 'contact')!;
        contact.fields[0].label = { fr: 'Nom de la personne à joindre', en: 'Name of the contact' };
        contact.fields.push({
          type: 'text',
          name: 'contactRole',
          label: { fr: 'Rôle', en: 'Role' },
          optional: true,
        });
        return d;
      },
      'contact step',
      ORIGIN,
    );
    expect(await revisions.markReady(designer, slug, 2, 2, ORIGIN)).toEqual(['citizen']);
    expect(catalogue.served(slug, 'citizen')?.revision).toBe(2);
    expect(catalogue.served(slug, 'business')?.revision).toBe(1);
    const onRevision2 = await applications.startDraft(citizen, slug, {}, ORIGIN);
    expect(onRevision2.application.serviceRevision).toBe(2);
    const [stored] = await db.query<{ service_revision: number }[]>(
      `SELECT service_revision FROM application WHERE id = $1`,
      [onRevision1.application.id],
    );
    expect(stored.service_revision).toBe(1);
    // Revision 1 is as it was: its applications keep their labels.
    expect(catalogue.revision(slug, 1)?.form.steps.at(-1)?.fields[0].label.en).toBe('Full name');
    expect(catalogue.revision(slug, 2)?.form.steps.at(-1)?.fields[0].label.en).toBe(
      'Name of the contact',
    );
  });

  it('withdraws a revision: its drafts move to the served one, keeping the answers whose question remains', async () => {
    const slug = 'occupancy-certificate';
    const definition = catalogue.revision(slug, 1)!;
    const step = definition.form.steps.find((s) => s.slug === 'contact')!;
    const kept = step.fields.find((f) => f.name === 'contactName')!;
    const dropped = step.fields.find((f) => f.name === 'contactPhone')!;
    const started = await applications.startDraft(
      citizen,
      slug,
      { [kept.name]: 'Jeanne Résidente', [dropped.name]: '819 555-0123' },
      ORIGIN,
    );
    // Revision 2 removes a question and explains another; then revision 1 is withdrawn.
    await revisions.startDraft(designer, slug, ORIGIN);
    await revisions.changeDraft(
      designer,
      slug,
      2,
      1,
      (d) => {
        const s = d.form.steps.find((x) => x.slug === step.slug)!;
        s.fields = s.fields.filter((f) => f.name !== dropped.name);
        s.fields.find((f) => f.name === kept.name)!.hint = {
          fr: 'Comme sur votre bail',
          en: 'As on your lease',
        };
        return d;
      },
      'remove a question, explain another',
      ORIGIN,
    );
    await revisions.markReady(designer, slug, 2, 2, ORIGIN);
    // The citizen variant is closed here: revision 2 serves it now; the draft stays on 1.
    expect(catalogue.served(slug, 'citizen')?.revision).toBe(2);
    expect(await revisions.withdraw(designer, slug, 1, ORIGIN)).toEqual({ movedDrafts: 1 });
    const [moved] = await db.query<
      { service_revision: number; answers: Record<string, string>; revision_notice: unknown }[]
    >(`SELECT service_revision, answers, revision_notice FROM application WHERE id = $1`, [
      started.application.id,
    ]);
    expect(moved.service_revision).toBe(2);
    expect(moved.answers).toEqual({ [kept.name]: 'Jeanne Résidente' });
    expect(moved.revision_notice).toEqual({ from: 1, to: 2, steps: [step.slug] });
    expect(await auditActions(started.application.id)).toContain('application.revision_moved');
    expect(catalogue.served(slug, 'business')?.revision).toBe(2);
    // Withdrawn: no longer served, still readable for the applications filed through it.
    expect(catalogue.revision(slug, 1)).toBeDefined();
    await expect(revisions.withdraw(designer, slug, 2, ORIGIN)).rejects.toMatchObject({
      code: 'last-revision',
      status: 409,
    });
    await expect(revisions.withdraw(designer, slug, 1, ORIGIN)).rejects.toMatchObject({
      code: 'not-ready',
    });
  });

  it('lets only designers and admins change services', async () => {
    for (const role of ['clerk', 'analyst', 'rollout-manager'] as const) {
      const actor = { accountId: designer.accountId, roles: [role] };
      await expect(revisions.services(actor)).rejects.toMatchObject({ status: 403 });
      await expect(revisions.startDraft(actor, 'sign-permit', ORIGIN)).rejects.toMatchObject({
        status: 403,
      });
    }
  });
});
