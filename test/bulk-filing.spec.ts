import type TestAgent from 'supertest/lib/agent.js';
import { DataSource } from 'typeorm';
import { releaseService } from './support/applications.js';
import { createPerson, signedInAgent, smeMember } from './support/people.js';
import { csrfFrom, startTestApp, type TestApp } from './support/test-app.js';

type Agent = InstanceType<typeof TestAgent>;

const BULK = '/services/bulky-waste-pickup/business/bulk';
const LEGAL_NAME = 'Gestion immobilière Côté-Saint-Luc inc.';

/** A date two weeks from now, as day, month and year cells. */
const inTwoWeeks = () => {
  const date = new Date(Date.now() + 14 * 86_400_000);
  return {
    'preferredDate-day': String(date.getUTCDate()),
    'preferredDate-month': String(date.getUTCMonth() + 1),
    'preferredDate-year': String(date.getUTCFullYear()),
  };
};

/** A CSV with `;`, as Excel in French Québec writes it (quoting only what needs it). */
function csv(header: string[], rows: Record<string, string>[]): string {
  const cell = (v: string) => (/[;"\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return [header, ...rows.map((r) => header.map((h) => r[h] ?? ''))]
    .map((cells) => cells.map(cell).join(';'))
    .join('\r\n');
}

/** The problems table of a report: [row, columns, message]. */
function problemsOf(html: string): string[][] {
  const start = html.indexOf('id="problems"');
  const table = html.slice(start, html.indexOf('</table>', start));
  return [
    ...table.matchAll(
      /<th scope="row" class="govuk-table__header">(.*?)<\/th>\s*<td class="govuk-table__cell">(.*?)<\/td>\s*<td class="govuk-table__cell">(.*?)<\/td>/gs,
    ),
  ].map((m) => [m[1], m[2].replace(/<[^>]+>/g, ''), m[3]]);
}

const decodeHtml = (text: string) =>
  text
    .replace(/&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&#x3D;/g, '=')
    .replace(/&amp;/g, '&');

async function upload(agent: Agent, content: string | Buffer, filename = 'collectes.csv') {
  const page = await agent.get(BULK);
  return agent
    .post(BULK)
    .field('_csrf', csrfFrom(page.text))
    .attach('csvFile', Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'), filename);
}

describe('filing many applications from a CSV file (SMEs)', () => {
  let portal: TestApp;
  let db: DataSource;
  let sme: Awaited<ReturnType<typeof smeMember>>;
  let agent: Agent;
  let header: string[];
  let email: string;
  let batchResult: string;
  let references: string[];

  const countFiled = async () =>
    Number(
      (
        await db.query(`SELECT count(*) AS n FROM application WHERE organization_id = $1`, [
          sme.organizationId,
        ])
      )[0].n,
    );

  const goodRows = (): Record<string, string>[] => [
    {
      'pickupAddress-line1': '12, rue des Érables',
      'pickupAddress-city': 'Val-des-Cèdres',
      'pickupAddress-postalCode': 'j8x1a1',
      siteReference: 'Immeuble A',
      ...inTwoWeeks(),
      placement: 'curb',
      wasteKinds: 'furniture|mattresses',
      approximateVolume: '2,5',
      notes: 'Accès par la ruelle; sonner au 3',
    },
    {
      'pickupAddress-line1': '45, boulevard Saint-Joseph',
      'pickupAddress-line2': 'Logement 4',
      'pickupAddress-city': 'Val-des-Cèdres',
      'pickupAddress-postalCode': 'J8Y 3B4',
      siteReference: 'Immeuble B',
      ...inTwoWeeks(),
      placement: 'driveway',
      wasteKinds: 'debris',
      approximateVolume: '4',
      debrisVolume: '3',
      containerNeeded: 'Oui',
      notes: 'Le "gros" divan du 2e',
    },
    {
      'pickupAddress-line1': '7, place de l’Église',
      'pickupAddress-city': 'Val-des-Cèdres',
      'pickupAddress-postalCode': 'J8X 2C2',
      ...inTwoWeeks(),
      placement: 'lane',
      wasteKinds: 'branches',
      approximateVolume: '1',
      contactName: 'Hélène Côté',
      contactEmail: 'helene.cote@exemple.ca',
      contactPhone: '819 555 0199',
    },
  ];

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    await releaseService(portal, 'bulky-waste-pickup');
    sme = await smeMember(portal.url, db, { legalName: LEGAL_NAME });
    agent = sme.agent as unknown as Agent;
    [{ email }] = await db.query(`SELECT email FROM account WHERE id = $1`, [sme.accountId]);
  });
  afterAll(() => portal.close());

  it('is linked from the business start page', async () => {
    const page = await agent.get('/services/bulky-waste-pickup/business');
    expect(page.status).toBe(200);
    expect(page.text).toContain(`href="${BULK}"`);
    const other = await agent.get('/services/building-permit/business');
    expect(other.text).not.toContain('/business/bulk');
  });

  it('offers a template: every input of the business variant, and an example row that passes', async () => {
    const page = await agent.get(BULK);
    expect(page.status).toBe(200);
    expect(page.text).toContain('enctype="multipart/form-data"');
    expect(page.text).toMatch(/<form[^>]*>\s*<input type="hidden" name="_csrf"/);
    expect(page.text).toContain('aucune demande n’est déposée');

    const template = await agent
      .get(`${BULK}/template.csv`)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks).toString('utf8')));
      });
    expect(template.status).toBe(200);
    expect(template.headers['content-type']).toMatch(/^text\/csv/);
    expect(template.headers['content-disposition']).toContain('bulky-waste-pickup-modele.csv');
    const text = template.body as string;
    expect(text.startsWith('\uFEFF')).toBe(true);
    const lines = text.slice(1).split('\r\n');
    header = lines[0].split(';');
    expect(header).toEqual([
      'businessName',
      'businessNeq',
      'businessAddress-line1',
      'businessAddress-line2',
      'businessAddress-city',
      'businessAddress-postalCode',
      'businessRbq',
      'pickupAddress-line1',
      'pickupAddress-line2',
      'pickupAddress-city',
      'pickupAddress-postalCode',
      'siteReference',
      'preferredDate-day',
      'preferredDate-month',
      'preferredDate-year',
      'placement',
      'wasteKinds',
      'approximateVolume',
      'debrisVolume',
      'containerNeeded',
      'notes',
      'contactName',
      'contactEmail',
      'contactPhone',
    ]);
    expect(lines[1]).toContain('furniture|appliances');

    // The example row, uploaded as it is, passes (the SME's columns prefilled).
    const check = await upload(agent, text, 'modele.csv');
    expect(check.status).toBe(200);
    expect(check.text).toContain('Vérifiez la demande avant de la déposer');
    expect(await countFiled()).toBe(0);
  });

  it('answers 422 with a field message when the file is missing, not CSV, empty or too large', async () => {
    const page = await agent.get(BULK);
    const none = await agent.post(BULK).field('_csrf', csrfFrom(page.text));
    expect(none.status).toBe(422);
    expect(none.text).toContain('Choisissez un fichier CSV');
    expect(none.text).toContain('href="#csvFile"');

    const pdf = await upload(agent, Buffer.from('%PDF-1.4\n\0\0binaire'), 'collectes.pdf');
    expect(pdf.status).toBe(422);
    expect(pdf.text).toContain('Le fichier choisi doit être un fichier CSV (.csv)');

    const empty = await upload(agent, Buffer.alloc(0));
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('Le fichier choisi ne contient aucune demande');

    const headerOnly = await upload(agent, `${header.join(';')}\r\n;;;\r\n`);
    expect(headerOnly.status).toBe(422);
    expect(headerOnly.text).toContain('Le fichier choisi ne contient aucune demande');

    const big = await upload(agent, `${header.join(';')}\r\n${'x'.repeat(1024 * 1024)}`);
    expect(big.status).toBe(422);
    expect(big.text).toContain('Le fichier choisi doit faire 1 Mo ou moins');
  });

  it('reports unknown and missing columns once, not row by row', async () => {
    const renamed = header.map((h) => (h === 'placement' ? 'emplacement' : h));
    const res = await upload(
      agent,
      csv(
        renamed.filter((h) => h !== 'notes'),
        goodRows(),
      ),
    );
    expect(res.status).toBe(422);
    expect(problemsOf(decodeHtml(res.text))).toEqual([
      ['En-tête', 'emplacement', 'Colonne inconnue : vérifiez son nom dans le modèle'],
      ['En-tête', 'placement', 'Colonne manquante : ajoutez-la, même vide'],
      ['En-tête', 'notes', 'Colonne manquante : ajoutez-la, même vide'],
    ]);
  });

  it('reports bad rows by row and column, in French, and files nothing', async () => {
    const rows = goodRows();
    rows[1]['pickupAddress-postalCode'] = 'XYZ 123';
    rows[2].placement = 'trottoir';
    rows[2].wasteKinds = 'branches|meubles';
    rows[2]['preferredDate-day'] = '31';
    rows[2]['preferredDate-month'] = '2';
    const res = await upload(agent, csv(header, rows));
    expect(res.status).toBe(422);
    expect(res.text).toContain('<title>Erreur');
    expect(res.text).toContain('govuk-error-summary');
    expect(res.text).toContain('href="#problems"');
    expect(res.text).toContain('4 erreurs dans 2 lignes sur 3 : aucune demande n’a été déposée');
    expect(problemsOf(decodeHtml(res.text))).toEqual([
      ['2', 'pickupAddress-postalCode', 'Indiquez un code postal canadien, par exemple J8X 1A1'],
      [
        '3',
        'preferredDate-day, preferredDate-month, preferredDate-year',
        '« Date de collecte souhaitée » doit être une date réelle, par exemple 15 6 2027',
      ],
      ['3', 'placement', 'Choisissez une réponse : « Où les objets seront-ils déposés ? »'],
      ['3', 'wasteKinds', 'Choisissez au moins une réponse : « Types d’objets »'],
    ]);
    expect(await countFiled()).toBe(0);
  });

  it('names the line of a quote never closed, in the person’s language (422, not a 500)', async () => {
    const rows = csv(header, goodRows().slice(0, 2));
    const broken = `${rows}\r\n"12, rue du Pont;Val-des-Cèdres\r\n`;
    const fr = await upload(agent, broken);
    expect(fr.status).toBe(422);
    expect(fr.text).toContain('href="#csvFile"');
    expect(fr.text).toContain(
      'Le fichier choisi n’est pas un CSV valide : le guillemet ouvert à la ligne 4 n’est jamais fermé',
    );
    const page = await agent.get(BULK);
    const en = await agent
      .post(BULK)
      .set('Cookie', 'guichet_lang=en')
      .field('_csrf', csrfFrom(page.text))
      .attach('csvFile', Buffer.from(broken, 'utf8'), 'collectes.csv');
    expect(en.status).toBe(422);
    expect(en.text).toContain(
      'The selected file is not valid CSV: the quote opened on line 4 is never closed',
    );
    expect(await countFiled()).toBe(0);
  });

  it('reads a `,` file with a BOM and quoted cells holding commas, line breaks and quotes', async () => {
    const rows = goodRows().slice(0, 2);
    rows[0].notes = 'Accès par la ruelle, sonner au 3\r\nDeuxième ligne';
    const quoted = (v: string) => `"${v.replace(/"/g, '""')}"`;
    const text = [header, ...rows.map((r) => header.map((h) => r[h] ?? ''))]
      .map((cells) => cells.map(quoted).join(','))
      .join('\r\n');
    const res = await upload(agent, `\uFEFF${text}\r\n`);
    // Every cell in its column: a line break or quote read wrongly would shift them.
    expect(res.status).toBe(200);
    expect(res.text).toContain('Vérifiez les 2 demandes avant de les déposer');
    expect(res.text).toContain('12, rue des Érables, Val-des-Cèdres J8X 1A1');
    expect(res.text).toContain('45, boulevard Saint-Joseph');
  });

  it('reads a Windows-1252 file (Excel’s plain “CSV”) as well as UTF-8', async () => {
    const latin1 = Buffer.from(csv(header, goodRows().slice(0, 1)), 'latin1');
    const res = await upload(agent, latin1);
    expect(res.status).toBe(200);
    expect(res.text).toContain('12, rue des Érables');
  });

  it('checks a good file, then files one application per row with channel csv and a reference', async () => {
    const check = await upload(agent, csv(header, goodRows()));
    expect(check.status).toBe(200);
    expect(check.text).toContain('Vérifiez les 3 demandes avant de les déposer');
    expect(check.text).toContain('12, rue des Érables, Val-des-Cèdres J8X 1A1');
    expect(check.text).toContain('Déposer les 3 demandes');
    expect(check.text).toContain('les demandes déjà déposées le restent');
    expect(await countFiled()).toBe(0);
    const batch = /name="batch" value="([0-9a-f-]{36})"/.exec(check.text)![1];
    const csrf = csrfFrom(check.text);

    const undeclared = await agent
      .post(`${BULK}/confirm`)
      .type('form')
      .send({ _csrf: csrf, batch });
    expect(undeclared.status).toBe(422);
    expect(undeclared.text).toContain('Cochez la déclaration pour déposer les demandes');
    expect(await countFiled()).toBe(0);

    const filed = await agent
      .post(`${BULK}/confirm`)
      .type('form')
      .send({ _csrf: csrf, batch, declaration: 'agreed' });
    expect(filed.status).toBe(303);
    batchResult = filed.headers.location as string;
    expect(batchResult).toBe(`${BULK}/batches/${batch}`);

    const rows = await db.query(
      `SELECT id, reference, status, channel, variant, account_id, answers FROM application
        WHERE organization_id = $1 ORDER BY reference`,
      [sme.organizationId],
    );
    expect(rows).toHaveLength(3);
    references = rows.map((r: { reference: string }) => r.reference);
    for (const row of rows) {
      expect(row.reference).toMatch(/^CV-\d{4}-\d{6}$/);
      expect(row).toMatchObject({
        status: 'submitted',
        channel: 'csv',
        variant: 'business',
        account_id: sme.accountId,
      });
      // The business step, left empty, comes from the SME's record.
      expect(row.answers.businessName).toBe(LEGAL_NAME);
      expect(row.answers.businessAddress.city).toBe('Val-des-Cèdres');
    }
    const [first, second, third] = rows.map((r: { answers: Record<string, unknown> }) => r.answers);
    expect(first).toMatchObject({
      pickupAddress: { line1: '12, rue des Érables', postalCode: 'J8X 1A1' },
      wasteKinds: ['furniture', 'mattresses'],
      approximateVolume: 2.5,
      notes: 'Accès par la ruelle; sonner au 3',
      contactEmail: email,
      contactPhone: '418 555-0123',
    });
    expect(second).toMatchObject({
      debrisVolume: 3,
      containerNeeded: 'yes',
      notes: 'Le "gros" divan du 2e',
    });
    expect(third).toMatchObject({
      contactName: 'Hélène Côté',
      contactEmail: 'helene.cote@exemple.ca',
      contactPhone: '819 555-0199',
    });

    const page = await agent.get(batchResult);
    expect(page.status).toBe(200);
    expect(page.text).toContain('3 demandes déposées');
    for (const row of rows)
      expect(page.text).toContain(
        `<a class="govuk-link" href="/applications/${row.id}">${row.reference}</a>`,
      );

    const audit = await db.query(
      `SELECT actor_id, entity_id, after FROM audit_event WHERE action = 'applications.bulk_filed'`,
    );
    expect(audit).toHaveLength(1);
    expect(audit[0].actor_id).toBe(sme.accountId);
    expect(audit[0].entity_id).toBe(sme.organizationId);
    expect(audit[0].after).toMatchObject({ count: 3, batch });
    expect([...audit[0].after.references].sort()).toEqual(references);
  });

  it('files nothing more when the confirmation is posted again', async () => {
    const page = await agent.get(batchResult);
    const batch = batchResult.split('/').pop();
    const again = await agent
      .post(`${BULK}/confirm`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), batch, declaration: 'agreed' });
    expect(again.status).toBe(303);
    expect(again.headers.location).toBe(batchResult);
    expect(await countFiled()).toBe(3);
    const audit = await db.query(
      `SELECT count(*) AS n FROM audit_event WHERE action = 'applications.bulk_filed'`,
    );
    expect(Number(audit[0].n)).toBe(1);
  });

  it('shares the applications with the SME’s other members', async () => {
    const colleague = await createPerson(db, { displayName: 'Luc Bérubé' });
    await db.query(
      `INSERT INTO organization_membership (organization_id, account_id, role) VALUES ($1, $2, 'member')`,
      [sme.organizationId, colleague.id],
    );
    const other = await signedInAgent(portal.url, colleague.email);
    const actingAs = await other.get('/acting-as');
    await other
      .post('/acting-as')
      .type('form')
      .send({ _csrf: csrfFrom(actingAs.text), actingAs: sme.organizationId, return: '/' });
    const list = await other.get('/applications');
    expect(list.status).toBe(200);
    for (const reference of references) expect(list.text).toContain(reference);
  });

  it('is not found for a person acting for themselves, nor on a service without bulk filing', async () => {
    const citizen = await createPerson(db);
    const person = await signedInAgent(portal.url, citizen.email);
    expect((await person.get(BULK)).status).toBe(404);
    expect((await person.get(`${BULK}/template.csv`)).status).toBe(404);
    expect((await agent.get('/services/building-permit/business/bulk')).status).toBe(404);
    expect((await agent.get('/services/building-permit/business/bulk/template.csv')).status).toBe(
      404,
    );
  });
});
