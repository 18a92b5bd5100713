// `npm run seed:scale`: a million applications and ten million journey events in
// the database, to see how the staff queue and the insights hold up at a city's
// scale (measured by `npm run bench:queue` and `npm run bench:insights`).
//
// Where: DATABASE_URL when set; otherwise the embedded PostgreSQL of `npm start`
// (.data/, or DATA_DIR), started alone for the run when `npm start` is not running.
// It migrates, then:
//
// - makes (once) a pool of 5,000 people, 1,000 SMEs (each owned by one of them,
//   with a second member) and 8 clerks, all under @seed.guichet.example; nobody
//   can sign in as them (their password hash is not a hash); and two pilot
//   cohorts (100 of the SMEs, 300 residents) attached to the bulky-waste
//   pickup's plans;
// - inserts --count applications (default 1,000,000) in set-based batches of
//   --batch (default 50,000): the five services, both variants (40 % business),
//   submitted over the last two years (a few percent drafts; recent ones mostly
//   submitted or in review, older ones mostly decided), most of those being
//   processed assigned to one of the clerks, answers shaped like each service's
//   form. Their references come from each prefix's sequence for the year, as the
//   portal's (next_application_reference), so they never clash with real ones;
// - records the journeys of a share of them as journey events (the insights'
//   funnel, errors per field, time per step), about --events in all (default
//   10,000,000; 0: none): a web filing's draft started, each step shown and
//   completed (some refused once for errors on their first field), the answers
//   checked and the submission; a draft stopping on a step; an API or CSV
//   filing's submission; a withdrawal. They carry the stage `seed:scale`;
// - runs VACUUM ANALYZE application, journey_event, as autovacuum would after
//   so many inserts (its visibility map lets the insights read their indexes alone).
//
// Seeded applications carry the idempotency key `seed:<run>:<n>`. A second run adds
// another --count (and its events); --reset first deletes every seeded application
// and seeded journey event (--reset --count 0 only deletes). Transitions, messages,
// attachments, feedback, survey answers and audit events are not seeded.
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { fieldsFor, stepsFor } from '../src/modules/catalogue/form-engine.js';
import { loadServiceDocuments } from '../src/modules/catalogue/service-document-loader.js';
import type {
  AnswerValue,
  Answers,
  FieldDefinition,
  GroupItemField,
} from '../src/modules/catalogue/form-schema.js';
import type { ServiceDefinition } from '../src/modules/catalogue/service-definition.js';
import { createDataSource, migrate } from '../src/platform/database/database.js';
import type { Audience } from '../src/platform/flags/flag-context.js';
import {
  BenchRun,
  count,
  isEntryPoint,
  openScaleDatabase,
  parseOptions,
  progressBar,
  progressTo,
} from './bench-support.js';

const progress = progressTo('seed:scale');

export const SEED_DOMAIN = 'seed.guichet.example';
/** The marker of seeded applications (their idempotency key's prefix). */
export const SEED_KEY_PREFIX = 'seed:';
const PEOPLE = 5_000;
const SMES = 1_000;
const CLERKS = 8;
/** Seeded SMEs' NEQs: 66 and eight digits. */
const NEQ_PREFIX = '66';
/**
 * Seeded journey events' stage: no rollout stage is called so, and --reset
 * finds them by it. They have no cohort: the pilot evidence, which reads pilot
 * members' events, never counts them (a revision's figures do, as any).
 */
export const SEED_EVENT_STAGE = 'seed:scale';
/** The share of steps refused once for errors before being saved. */
const REFUSED_STEP_SHARE = 0.12;
/** The pool's pilot cohorts (the people after the SMEs' owners and members). */
const SEED_PILOTS = [
  { slug: 'seed-scale-pme', name: 'seed:scale – PME pilotes', audience: 'business', members: 100 },
  {
    slug: 'seed-scale-citoyens',
    name: 'seed:scale – citoyens testeurs',
    audience: 'citizen',
    members: 300,
  },
] as const;
/** Not an argon2 hash: verifyPassword answers false, so nobody signs in as a seeded person. */
const NO_PASSWORD = '!seeded: no password';

/** How often each service is asked for (cumulative thresholds follow from it). */
const SERVICE_SHARE: Record<string, number> = {
  'building-permit': 0.3,
  'sign-permit': 0.12,
  'public-domain-occupation': 0.13,
  'occupancy-certificate': 0.1,
  'bulky-waste-pickup': 0.35,
};
const BUSINESS_SHARE = 0.4;
const DRAFT_SHARE = 0.04;
/** Submitted in the last 90 days: mostly waiting or being processed. */
const RECENT_STATUSES: [string, number][] = [
  ['submitted', 0.45],
  ['in_review', 0.3],
  ['information_requested', 0.06],
  ['resubmitted', 0.03],
  ['approved', 0.12],
  ['rejected', 0.02],
  ['withdrawn', 0.02],
];
/** Older: mostly decided. */
const OLDER_STATUSES: [string, number][] = [
  ['approved', 0.72],
  ['rejected', 0.1],
  ['withdrawn', 0.05],
  ['in_review', 0.08],
  ['submitted', 0.02],
  ['information_requested', 0.02],
  ['resubmitted', 0.01],
];

/** The inner thresholds for width_bucket: shares [a, b, c] → [a, a+b]. */
function thresholds(shares: number[]): number[] {
  const cumulative: number[] = [];
  let sum = 0;
  for (const share of shares.slice(0, -1)) cumulative.push((sum += share));
  return cumulative;
}

// ---------------------------------------------------------------------------
// Answers shaped like each form (the queue never reads them; the rows' size matters).

const PATTERN_SAMPLES = ['1 234 567', '5678-1234-01', '1171234567', '722511'];

function sampleAnswer(field: FieldDefinition | GroupItemField): AnswerValue | undefined {
  switch (field.type) {
    case 'text': {
      if (!field.pattern) return field.name.includes('Name') ? 'Entreprise Exemple inc.' : 'Texte';
      const regex = new RegExp(field.pattern.regex);
      return PATTERN_SAMPLES.find((s) => regex.test(s)) ?? (field.optional ? undefined : '1');
    }
    case 'longText':
      return 'Travaux décrits en quelques phrases, comme les décrivent la plupart des demandeurs.';
    case 'number':
      return field.integer ? Math.max(field.min ?? 1, 2) : Math.max(field.min ?? 1, 2.5);
    case 'money':
      return Math.max(field.min ?? 0, 12_500);
    case 'date':
      return '2025-06-15';
    case 'yesNo':
      return 'no';
    case 'choice':
      return field.options[0]?.value;
    case 'multiChoice':
      return field.options.slice(0, 2).map((o) => o.value);
    case 'address':
      return {
        line1: '125, rue des Érables',
        line2: '',
        city: 'Val-des-Cèdres',
        postalCode: 'J8X 1A1',
      };
    case 'email':
      return 'personne@exemple.ca';
    case 'phone':
      return '819 555-0123';
    default:
      return undefined;
  }
}

export function templateAnswers(service: ServiceDefinition, variant: Audience): Answers {
  const answers: Answers = {};
  for (const step of stepsFor(service.form, variant)) {
    for (const field of fieldsFor(step.fields, variant)) {
      if (field.type === 'file') continue;
      if (field.type === 'group') {
        const item: Record<string, unknown> = {};
        for (const sub of fieldsFor(field.fields, variant)) item[sub.name] = sampleAnswer(sub);
        answers[field.name] = Array.from({ length: Math.max(1, field.minItems ?? 1) }, () => item);
        continue;
      }
      const value = sampleAnswer(field);
      if (value !== undefined) answers[field.name] = value;
    }
  }
  return answers;
}

// ---------------------------------------------------------------------------
// Journeys: the steps of each form, as the journey events name them.

/** A step of a form and its first field (what a refusal of the step names). */
interface JourneyStep {
  step: string;
  field: string | null;
}

/** Each service variant's steps, by `slug:variant`. */
function journeySteps(services: ServiceDefinition[]): Record<string, JourneyStep[]> {
  const forms: Record<string, JourneyStep[]> = {};
  for (const service of services)
    for (const variant of ['citizen', 'business'] as const)
      forms[`${service.slug}:${variant}`] = stepsFor(service.form, variant).map((step) => ({
        step: step.slug,
        field: fieldsFor(step.fields, variant).find((f) => f.type !== 'file')?.name ?? null,
      }));
  return forms;
}

/**
 * About how many events an application seeded brings, all taking a journey:
 * a web journey through S steps makes 2S + 3 (and its refusals), a draft
 * about S + 1, a filing through the API or a CSV file one.
 */
function expectedEvents(forms: Record<string, JourneyStep[]>): number {
  let expected = 0;
  for (const [key, steps] of Object.entries(forms)) {
    const [slug, variant] = key.split(':');
    const share =
      (SERVICE_SHARE[slug] ?? 0.1) * (variant === 'business' ? BUSINESS_SHARE : 1 - BUSINESS_SHARE);
    const web = variant === 'business' ? 0.8 : 1;
    const journey = 2 * steps.length + 3 + REFUSED_STEP_SHARE * steps.length;
    expected +=
      share *
      (web * ((1 - DRAFT_SHARE) * journey + DRAFT_SHARE * (steps.length + 1)) +
        (1 - web) * (1 - DRAFT_SHARE));
  }
  return expected;
}

// ---------------------------------------------------------------------------
// The pool: people, SMEs and clerks, made once and reused.

interface Pool {
  people: string[];
  smes: string[];
  owners: string[];
  clerks: string[];
}

async function ensurePool(db: DataSource): Promise<Pool> {
  await db.query(
    `INSERT INTO account (email, display_name, password_hash, preferred_locale, email_confirmed_at, created_at, updated_at)
     SELECT format('seed-person-%s@${SEED_DOMAIN}', lpad(i::text, 5, '0')),
            (ARRAY['Marie','Jean','Sophie','Luc','Isabelle','Marc','Julie','Pierre','Nathalie','François',
                   'Chantal','Daniel','Émilie','Louis','Catherine','Alexandre'])[1 + i % 16] || ' ' ||
            (ARRAY['Tremblay','Gagnon','Roy','Côté','Bouchard','Gauthier','Morin','Lavoie','Fortin',
                   'Gagné','Ouellet','Pelletier','Bélanger','Lévesque','Bergeron','Leblanc','Paquette'])[1 + (i / 16) % 17],
            $2, CASE WHEN i % 5 = 0 THEN 'en' ELSE 'fr' END,
            now() - interval '3 years', now() - interval '3 years', now() - interval '3 years'
       FROM generate_series(1, $1::int) AS i
     ON CONFLICT ((lower(email))) DO NOTHING`,
    [PEOPLE, NO_PASSWORD],
  );
  await db.query(
    `INSERT INTO account (email, display_name, password_hash, preferred_locale, email_confirmed_at)
     SELECT format('seed-clerk-%s@${SEED_DOMAIN}', i), format('Préposé·e %s', i), $2, 'fr', now()
       FROM generate_series(1, $1::int) AS i
     ON CONFLICT ((lower(email))) DO NOTHING`,
    [CLERKS, NO_PASSWORD],
  );
  await db.query(
    `INSERT INTO staff_member (account_id, role)
     SELECT id, 'clerk' FROM account WHERE email LIKE 'seed-clerk-%@${SEED_DOMAIN}'
     ON CONFLICT (account_id, role) DO NOTHING`,
  );
  await db.query(
    `INSERT INTO organization (legal_name, neq, street_address, city, postal_code, employee_count,
                               naics_code, contact_name, contact_email, contact_phone)
     SELECT (ARRAY['Boulangerie','Rénovations','Transport','Immeubles','Garage','Traiteur','Quincaillerie',
                   'Construction','Paysagement','Clinique'])[1 + i % 10] || ' ' ||
            (ARRAY['du Vieux-Moulin','Laurentides','des Cèdres','Boréal','du Lac','Saint-Laurent',
                   'Horizon','Mont-Royal','de la Rive'])[1 + (i / 10) % 9] || ' ' || i || ' inc.',
            '${NEQ_PREFIX}' || lpad(i::text, 8, '0'),
            format('%s, boulevard Principal', 10 + i), 'Val-des-Cèdres',
            'J' || (i % 10) || 'X ' || ((i / 10) % 10) || chr(65 + i % 26) || ((i / 3) % 10),
            1 + (i * 37) % 240, (ARRAY['23','44','72','54','81','31-33'])[1 + i % 6],
            'Contact ' || i, format('seed-person-%s@${SEED_DOMAIN}', lpad(i::text, 5, '0')),
            '819 555-' || lpad((i % 10000)::text, 4, '0')
       FROM generate_series(1, $1::int) AS i
     ON CONFLICT (neq) DO NOTHING`,
    [SMES],
  );
  // SME i: owned by person i, with person SMES + i as a member.
  await db.query(
    `INSERT INTO organization_membership (organization_id, account_id, role)
     SELECT o.id, a.id, CASE WHEN k = 0 THEN 'owner' ELSE 'member' END
       FROM generate_series(1, $1::int) AS i
       CROSS JOIN generate_series(0, 1) AS k
       JOIN organization o ON o.neq = '${NEQ_PREFIX}' || lpad(i::text, 8, '0')
       JOIN account a ON lower(a.email) = format('seed-person-%s@${SEED_DOMAIN}', lpad((i + k * $1)::text, 5, '0'))
     ON CONFLICT DO NOTHING`,
    [SMES],
  );
  await ensurePilots(db);
  const [people] = await db.query<{ ids: string[] }[]>(
    `SELECT array_agg(id ORDER BY email) AS ids FROM account
      WHERE email LIKE 'seed-person-%@${SEED_DOMAIN}'`,
  );
  const [smes] = await db.query<{ ids: string[]; owners: string[] }[]>(
    `SELECT array_agg(o.id ORDER BY o.neq) AS ids, array_agg(m.account_id ORDER BY o.neq) AS owners
       FROM organization o
       JOIN organization_membership m ON m.organization_id = o.id AND m.role = 'owner'
      WHERE o.neq LIKE '${NEQ_PREFIX}%' AND o.contact_email LIKE '%@${SEED_DOMAIN}'`,
  );
  const [clerks] = await db.query<{ ids: string[] }[]>(
    `SELECT array_agg(a.id ORDER BY a.email) AS ids FROM account a
       JOIN staff_member s ON s.account_id = a.id AND s.role = 'clerk'
      WHERE a.email LIKE 'seed-clerk-%@${SEED_DOMAIN}'`,
  );
  return {
    people: people.ids ?? [],
    smes: smes.ids ?? [],
    owners: smes.owners ?? [],
    clerks: clerks.ids ?? [],
  };
}

/**
 * Two pilot cohorts of the pool, attached to the bulky-waste pickup's plans
 * (where they exist: the portal makes them at boot), as the SME-first
 * comparison reads them: PILOT_SMES SMEs and PILOT_RESIDENTS residents.
 */
async function ensurePilots(db: DataSource): Promise<void> {
  for (const pilot of SEED_PILOTS) {
    await db.query(
      `INSERT INTO cohort (slug, name, description, audience)
       VALUES ($1, $2, 'seed:scale', $3) ON CONFLICT (slug) DO NOTHING`,
      [pilot.slug, pilot.name, pilot.audience],
    );
    await db.query(
      pilot.audience === 'business'
        ? `INSERT INTO cohort_member (cohort_id, organization_id, status, source, joined_at)
           SELECT c.id, o.id, 'active', 'staff', now() - interval '2 years'
             FROM cohort c, organization o
            WHERE c.slug = $1 AND o.neq IN (SELECT '${NEQ_PREFIX}' || lpad(i::text, 8, '0')
                                              FROM generate_series(1, $2::int) AS i)
           ON CONFLICT DO NOTHING`
        : `INSERT INTO cohort_member (cohort_id, account_id, status, source, joined_at)
           SELECT c.id, a.id, 'active', 'staff', now() - interval '2 years'
             FROM cohort c, account a
            WHERE c.slug = $1 AND lower(a.email) IN (
                    SELECT format('seed-person-%s@${SEED_DOMAIN}', lpad((${SMES * 2} + i)::text, 5, '0'))
                      FROM generate_series(1, $2::int) AS i)
           ON CONFLICT DO NOTHING`,
      [pilot.slug, pilot.members],
    );
    await db.query(
      `INSERT INTO rollout_plan_cohort (service_slug, variant, cohort_id)
       SELECT p.service_slug, p.variant, c.id FROM rollout_plan p, cohort c
        WHERE p.service_slug = 'bulky-waste-pickup' AND p.variant = $2 AND c.slug = $1
       ON CONFLICT DO NOTHING`,
      [pilot.slug, pilot.audience],
    );
  }
}

// ---------------------------------------------------------------------------
// One batch: one statement, from generate_series to the rows.

/**
 * Inserts applications `from`..`to` (of `total` in this run): a time `t` spread
 * over the last two years in the order of `n` (so references grow with time),
 * then service, variant, status, applicant and clerk drawn per row, then a
 * reference from its prefix's sequence for the year (`next_application_reference`),
 * taken in the order of time.
 */
const BATCH_SQL = `
WITH raw AS MATERIALIZED (
  SELECT n,
         now() - interval '730 days' + ((n + random()) / $3::float8) * interval '729 days' AS t,
         random() AS r_service, random() AS r_variant, random() AS r_status, random() AS r_draft,
         random() AS r_person, random() AS r_sme, random() AS r_clerk, random() AS r_assign,
         random() AS r_delay, random() AS r_channel
    FROM generate_series($1::int, $2::int) AS n
),
shaped AS MATERIALIZED (
  SELECT raw.*,
         width_bucket(r_service, $8::float8[]) + 1 AS svc,
         r_variant < $17::float8 AS business,
         1 + floor(r_sme * cardinality($10::uuid[]))::int AS sme,
         1 + floor(r_person * cardinality($9::uuid[]))::int AS person,
         CASE WHEN r_draft < $18::float8 THEN 'draft'
              WHEN t > now() - interval '90 days'
                THEN ($13::text[])[width_bucket(r_status, $14::float8[]) + 1]
              ELSE ($15::text[])[width_bucket(r_status, $16::float8[]) + 1] END AS status
    FROM raw
),
prepared AS MATERIALIZED (
  SELECT s.*, ($6::text[])[svc] AS prefix,
         CASE WHEN s.business THEN ($11::uuid[])[s.sme] ELSE ($9::uuid[])[s.person] END AS account_id,
         CASE WHEN s.business THEN ($10::uuid[])[s.sme] END AS organization_id,
         CASE WHEN s.status IN ('approved', 'rejected', 'withdrawn')
              THEN least(s.t + interval '1 day' + s.r_delay * interval '30 days', now()) END AS decided
    FROM shaped s
),
numbered AS MATERIALIZED (
  SELECT p.*,
         CASE WHEN p.status <> 'draft'
              THEN next_application_reference(p.prefix, extract(year FROM p.t AT TIME ZONE 'UTC')::int) END
           AS reference
    FROM prepared p
   ORDER BY p.t, p.n
),
inserted AS (
INSERT INTO application (reference, service_slug, service_revision, variant, account_id, organization_id, status, answers,
                         channel, idempotency_key, assigned_to, decision_note, version, created_at,
                         updated_at, submitted_at, decided_at)
SELECT p.reference, ($7::text[])[p.svc], 1,
       CASE WHEN p.business THEN 'business' ELSE 'citizen' END,
       p.account_id, p.organization_id, p.status,
       ($5::jsonb -> ((p.svc - 1) * 2 + CASE WHEN p.business THEN 1 ELSE 0 END))
         || jsonb_build_object('contactName', a.display_name, 'contactEmail', a.email),
       CASE WHEN p.business AND p.r_channel < 0.15 THEN 'api'
            WHEN p.business AND p.r_channel < 0.2 THEN 'csv' ELSE 'web' END,
       '${SEED_KEY_PREFIX}' || $4::text || ':' || p.n,
       CASE WHEN p.status = 'draft' OR (p.status = 'submitted' AND p.r_assign < 0.8) THEN NULL
            ELSE ($12::uuid[])[1 + floor(p.r_clerk * cardinality($12::uuid[]))::int] END,
       CASE WHEN p.status = 'rejected' THEN 'La demande ne respecte pas le règlement applicable.'
            WHEN p.status = 'approved' AND p.r_delay < 0.2 THEN 'Approuvée, sous réserve des conditions jointes.' END,
       CASE WHEN p.status = 'draft' THEN 1 + floor(p.r_delay * 4)::int
            WHEN p.decided IS NULL THEN 5 ELSE 7 END,
       CASE WHEN p.status = 'draft' THEN p.t ELSE p.t - p.r_delay * interval '3 days' END,
       least(coalesce(p.decided, p.t + p.r_delay * interval '2 hours'), now()),
       CASE WHEN p.status <> 'draft' THEN p.t END,
       p.decided
  FROM numbered p JOIN account a ON a.id = p.account_id
RETURNING service_slug, variant, channel, status, created_at, submitted_at, decided_at
),
-- The journeys of a share ($19) of them, through the steps of their form ($20).
journeys AS MATERIALIZED (
  SELECT i.*, form.steps, jsonb_array_length(form.steps) AS steps_count,
         CASE WHEN i.status = 'draft' THEN 1 + floor(random() * jsonb_array_length(form.steps))::int
         END AS reached
    FROM inserted i
   CROSS JOIN LATERAL (SELECT $20::jsonb -> (i.service_slug || ':' || i.variant) AS steps) AS form
   WHERE random() < $19::float8
),
-- Each event's place k in its journey of 2 × steps + 2: the web's whole
-- journey (a draft stops on the step it reached), or the API's and CSV's one
-- submission. A step refused (share $21) names its first field, with 1 or 2 errors.
events AS (
  SELECT j.*, 'draft_started' AS kind, NULL AS step, 0::float8 AS k, NULL AS field, 0 AS errors
    FROM journeys j WHERE j.channel = 'web'
  UNION ALL
  SELECT j.*, e.kind, st.value ->> 'step', 2 * st.ord + e.shift, NULL, 0
    FROM journeys j
   CROSS JOIN LATERAL jsonb_array_elements(j.steps) WITH ORDINALITY AS st (value, ord)
   CROSS JOIN (VALUES ('step_shown', -1), ('step_completed', 0)) AS e (kind, shift)
   WHERE j.channel = 'web' AND st.ord <= coalesce(j.reached, j.steps_count)
     AND NOT (e.kind = 'step_completed' AND st.ord = coalesce(j.reached, 0))
  UNION ALL
  SELECT j.*, 'validation_failed', st.value ->> 'step', 2 * st.ord - 0.5, st.value ->> 'field',
         1 + floor(random() * 2)::int
    FROM journeys j
   CROSS JOIN LATERAL jsonb_array_elements(j.steps) WITH ORDINALITY AS st (value, ord)
   WHERE j.channel = 'web' AND st.ord <= coalesce(j.reached, j.steps_count)
     AND st.value ->> 'field' IS NOT NULL AND random() < $21::float8
  UNION ALL
  SELECT j.*, e.kind, NULL, 2 * j.steps_count + e.shift, NULL, 0
    FROM journeys j
   CROSS JOIN (VALUES ('check_answers_shown', 1), ('submitted', 2)) AS e (kind, shift)
   WHERE j.status <> 'draft' AND (j.channel = 'web' OR e.kind = 'submitted')
  UNION ALL
  SELECT j.*, 'withdrawn', NULL, NULL, NULL, 0 FROM journeys j WHERE j.status = 'withdrawn'
)
INSERT INTO journey_event (occurred_at, kind, service_slug, variant, service_revision, channel,
                           stage, step, seconds, errors, field_errors)
SELECT CASE WHEN e.kind = 'withdrawn' THEN e.decided_at
            WHEN e.status = 'draft' THEN e.created_at + e.k * interval '2 minutes'
            ELSE e.created_at + (e.k / (2 * e.steps_count + 2)) * (e.submitted_at - e.created_at) END,
       e.kind, e.service_slug, e.variant, 1, e.channel, '${SEED_EVENT_STAGE}', e.step,
       CASE WHEN e.step IS NOT NULL AND e.kind <> 'step_shown' THEN 15 + floor(random() * 240)::int END,
       e.errors, CASE WHEN e.errors > 0 THEN jsonb_build_object(e.field, e.errors) END
  FROM events e`;

// ---------------------------------------------------------------------------

async function main(): Promise<number> {
  const options = parseOptions(
    process.argv.slice(2),
    [
      { name: 'count', fallback: 1_000_000, min: 0, max: 20_000_000 },
      { name: 'batch', fallback: 50_000, min: 1_000, max: 500_000 },
      { name: 'events', fallback: 10_000_000, min: 0, max: 200_000_000 },
    ],
    ['reset'],
  );
  run.limit(3600);
  const database = await openScaleDatabase(run, progress);
  progress(`database: ${database.where}`);
  const db = createDataSource({ url: database.url, poolSize: 2, applicationName: 'guichet-seed' });
  run.onStop('closing the database connections', async () => {
    if (db.isInitialized) await db.destroy();
  });
  await run.step(db.initialize());
  await run.step(migrate(db));

  if (options.reset) {
    const started = Date.now();
    progress('--reset: deleting the seeded applications');
    const deleted = await run.step(
      db.query(`DELETE FROM application WHERE idempotency_key LIKE '${SEED_KEY_PREFIX}%'`),
    );
    const rows = Array.isArray(deleted) ? Number(deleted[1] ?? 0) : 0;
    const events = await run.step(
      db.query(`DELETE FROM journey_event WHERE stage = '${SEED_EVENT_STAGE}'`),
    );
    const eventRows = Array.isArray(events) ? Number(events[1] ?? 0) : 0;
    progress(
      `deleted ${count(rows)} applications and ${count(eventRows)} journey events in ` +
        `${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }

  const total = options.count;
  if (total > 0) {
    const pool = await run.step(ensurePool(db));
    progress(
      `pool: ${count(pool.people.length)} people, ${count(pool.smes.length)} SMEs, ${pool.clerks.length} clerks`,
    );
    if (pool.people.length === 0 || pool.smes.length === 0 || pool.clerks.length === 0)
      throw new Error('the pool of people, SMEs and clerks is empty: cannot seed');

    // Revision 1 of each, as the first boot imports them (ADR 0031).
    const services = loadServiceDocuments();
    const templates = services.flatMap((s) => [
      templateAnswers(s, 'citizen'),
      templateAnswers(s, 'business'),
    ]);
    const forms = journeySteps(services);
    const journeyShare = Math.min(1, options.events / (total * expectedEvents(forms)));
    const runTag = randomBytes(4).toString('hex');
    const bar = progressBar('seeding', total);
    const started = Date.now();
    bar(0);
    for (let first = 0; first < total; first += options.batch) {
      const last = Math.min(total, first + options.batch) - 1;
      await run.step(
        db.query(BATCH_SQL, [
          first,
          last,
          total,
          runTag,
          JSON.stringify(templates),
          services.map((s) => s.referencePrefix),
          services.map((s) => s.slug),
          thresholds(services.map((s) => SERVICE_SHARE[s.slug] ?? 0.1)),
          pool.people,
          pool.smes,
          pool.owners,
          pool.clerks,
          RECENT_STATUSES.map(([s]) => s),
          thresholds(RECENT_STATUSES.map(([, share]) => share)),
          OLDER_STATUSES.map(([s]) => s),
          thresholds(OLDER_STATUSES.map(([, share]) => share)),
          BUSINESS_SHARE,
          DRAFT_SHARE,
          journeyShare,
          JSON.stringify(forms),
          REFUSED_STEP_SHARE,
        ]),
      );
      bar(last + 1);
    }
    const seconds = (Date.now() - started) / 1000;
    progress(
      `inserted ${count(total)} applications (run ${runTag}) in ${seconds.toFixed(1)} s ` +
        `(${count(Math.round(total / Math.max(seconds, 0.001)))}/s)`,
    );
  }

  const analyzing = Date.now();
  await run.step(db.query('VACUUM ANALYZE application, journey_event'));
  progress(`VACUUM ANALYZE: ${((Date.now() - analyzing) / 1000).toFixed(1)} s`);
  const [summary] = await run.step(
    db.query<
      { rows: string; seeded: string; size: string; events: string; seeded_events: string }[]
    >(
      `SELECT count(*) AS rows, count(*) FILTER (WHERE idempotency_key LIKE '${SEED_KEY_PREFIX}%') AS seeded,
              pg_size_pretty(pg_total_relation_size('application')) AS size,
              (SELECT count(*) FROM journey_event) AS events,
              (SELECT count(*) FROM journey_event WHERE stage = '${SEED_EVENT_STAGE}') AS seeded_events
         FROM application`,
    ),
  );
  process.stdout.write(
    `application: ${count(Number(summary.rows))} rows (${count(Number(summary.seeded))} seeded), ` +
      `${summary.size} with its indexes, in ${database.where}\n` +
      `journey_event: ${count(Number(summary.events))} rows ` +
      `(${count(Number(summary.seeded_events))} seeded)\n`,
  );
  return 0;
}

const run = new BenchRun(undefined, progress);
if (isEntryPoint(import.meta.url)) run.start(main);
