import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { I18nService, LOCALES, type Locale } from './i18n.service.js';

/** How the catalogs were filled in before ICU MessageFormat: `{name}` replaced, nothing else. */
function simpleReplacement(template: string, vars: Record<string, unknown>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    vars[name] === undefined ? whole : String(vars[name]),
  );
}

/** A catalog directory holding `messages` in both languages (tests of edge cases). */
function catalogOf(messages: Record<string, string>): { i18n: I18nService; cleanUp: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'guichet-i18n-'));
  for (const locale of LOCALES) {
    mkdirSync(join(dir, locale));
    writeFileSync(join(dir, locale, 'test.json'), JSON.stringify(messages));
  }
  const cleanUp = () => rmSync(dir, { recursive: true });
  try {
    return { i18n: new I18nService(dir), cleanUp };
  } catch (error) {
    cleanUp();
    throw error;
  }
}

describe('I18nService', () => {
  const i18n = new I18nService();

  it('has the same keys in the French and English catalogs', () => {
    expect(i18n.keys('en').sort()).toEqual(i18n.keys('fr').sort());
  });

  it('names every email the portal sends for the failed emails page, in both languages', () => {
    const kinds = new Set(
      i18n.keys('fr').flatMap((key) => /^emails\.([^.]+)\.subject$/.exec(key)?.[1] ?? []),
    );
    expect(kinds.size).toBeGreaterThan(20);
    for (const kind of kinds) {
      expect(i18n.has('fr', `staff.emails.kinds.${kind}`)).toBe(true);
      expect(i18n.has('en', `staff.emails.kinds.${kind}`)).toBe(true);
    }
  });

  it('has no empty string in either catalog', () => {
    for (const locale of ['fr', 'en'] as const) {
      for (const key of i18n.keys(locale)) expect(i18n.t(locale, key).trim()).not.toBe('');
    }
  });

  it('reads every message of both catalogs as ICU MessageFormat, with the same arguments in both languages', () => {
    // argumentsOf compiles the message, and throws for one that does not parse;
    // a key whose French and English texts read different values is listed.
    const differing = i18n.keys('fr').flatMap((key) => {
      // Names only: one language may need a plural where the other does not
      // ("{passed} passed" / "{passed, plural, one {# réussi} other {# réussis}}").
      const fr = [...(i18n.argumentsOf('fr', key)?.keys() ?? [])].sort();
      const en = [...(i18n.argumentsOf('en', key)?.keys() ?? [])].sort();
      return JSON.stringify(fr) === JSON.stringify(en) ? [] : [{ key, fr, en }];
    });
    expect(differing).toEqual([]);
  });

  it('renders every message without plural or select exactly as the simple replacement did, filled or not', () => {
    // ICU gives meaning to an ASCII apostrophe before a brace ('{ starts quoted
    // text) and to `#` inside a plural: the catalogs write ’ (U+2019). A message
    // this finds changed is one ICU reads differently: write ’ there.
    const changed: { locale: Locale; key: string; before: string; now: string }[] = [];
    let compared = 0;
    for (const locale of LOCALES) {
      for (const key of i18n.keys(locale)) {
        const args = i18n.argumentsOf(locale, key)!;
        if ([...args.values()].some((kind) => kind !== 'plain')) continue;
        const samples = Object.fromEntries(
          [...args.keys()].map((name, i) => [name, i % 2 ? 1234 : `‹${name}›`]),
        );
        const source = i18n.source(locale, key)!;
        for (const vars of [samples, {}]) {
          const before = simpleReplacement(source, vars);
          const now = i18n.t(locale, key, vars);
          if (now !== before) changed.push({ locale, key, before, now });
        }
        compared += 1;
      }
    }
    expect(changed).toEqual([]);
    expect(compared).toBeGreaterThan(1000);
  });

  it('would catch a message that ICU reads differently from the simple replacement', () => {
    const { i18n: edge, cleanUp } = catalogOf({
      quoted: "l'{name}' de 'X'",
      plain: "l'adresse de {name}",
    });
    try {
      expect(edge.t('fr', 'quoted', { name: 'Ana' })).not.toBe(
        simpleReplacement(edge.source('fr', 'quoted')!, { name: 'Ana' }),
      );
      // An apostrophe before a letter is just an apostrophe.
      expect(edge.t('fr', 'plain', { name: 'Ana' })).toBe("l'adresse de Ana");
    } finally {
      cleanUp();
    }
  });

  it('fills in named values', () => {
    expect(i18n.t('fr', 'common.portalName', { municipality: 'Val-des-Cèdres' })).toBe(
      'Guichet – Ville de Val-des-Cèdres',
    );
    expect(i18n.t('en', 'common.portalName', { municipality: 'Val-des-Cèdres' })).toBe(
      'Guichet – City of Val-des-Cèdres',
    );
  });

  it('fills a plain value in as text, as before: a number is not grouped, a value is never read as ICU', () => {
    const { i18n: edge, cleanUp } = catalogOf({ year: 'En {year}', grouped: '{n, number} lignes' });
    try {
      expect(edge.t('fr', 'year', { year: 2026 })).toBe('En 2026');
      expect(edge.t('fr', 'year', { year: "{x, plural, other {#}} l'{y}" })).toBe(
        "En {x, plural, other {#}} l'{y}",
      );
      expect(edge.t('fr', 'grouped', { n: 12345 })).toBe('12\u00a0345 lignes');
      expect(edge.t('en', 'grouped', { n: 12345 })).toBe('12,345 lignes');
    } finally {
      cleanUp();
    }
  });

  it('picks the plural form of the language: French one is 0 and 1, English one is 1', () => {
    const { i18n: edge, cleanUp } = catalogOf({
      files: '{count, plural, one {# fichier} other {# fichiers}}',
      exact: '{count, plural, =1 {le fichier} other {les # fichiers}}',
    });
    try {
      expect([0, 1, 2, 1500].map((count) => edge.t('fr', 'files', { count }))).toEqual([
        '0 fichier',
        '1 fichier',
        '2 fichiers',
        '1\u00a0500 fichiers',
      ]);
      expect([0, 1, 2].map((count) => edge.t('en', 'files', { count }))).toEqual([
        '0 fichiers',
        '1 fichier',
        '2 fichiers',
      ]);
      expect([0, 1, 2].map((count) => edge.t('fr', 'exact', { count }))).toEqual([
        'les 0 fichiers',
        'le fichier',
        'les 2 fichiers',
      ]);
      // A count from a form or a Handlebars hash may come as text.
      expect(edge.t('fr', 'files', { count: '3' })).toBe('3 fichiers');
    } finally {
      cleanUp();
    }
  });

  it('says the counts of the catalogs in the words of each language, with no choice left to the code', () => {
    const t = (locale: Locale, key: string, vars: Record<string, unknown>) =>
      i18n.t(locale, key, vars);
    expect([1, 3].map((count) => t('fr', 'bulk.check.title', { count }))).toEqual([
      'Vérifiez la demande avant de la déposer',
      'Vérifiez les 3 demandes avant de les déposer',
    ]);
    expect([1, 3].map((count) => t('en', 'bulk.check.submit', { count }))).toEqual([
      'File the application',
      'File the 3 applications',
    ]);
    expect(
      [0, 1, 2].map((count) => t('fr', 'acceptance.checklist.notice.changed', { count })),
    ).toEqual([
      'Vos résultats n’ont pas changé.',
      '1 résultat a été enregistré.',
      '2 résultats ont été enregistrés.',
    ]);
    expect(
      [0, 1, 2].map((count) => t('en', 'acceptance.checklist.notice.changed', { count })),
    ).toEqual(['Your results have not changed.', '1 result was saved.', '2 results were saved.']);
    expect(t('en', 'acceptance.checklist.notice.feedback', { count: 2 })).toMatch(
      /^2 pieces of feedback/,
    );
    expect(t('fr', 'acceptance.staff.variant.counts', { passed: 0, failed: 1, blocked: 2 })).toBe(
      '0 réussi, 1 échoué, 2 bloqués',
    );
    expect(t('en', 'acceptance.staff.variant.counts', { passed: 0, failed: 1, blocked: 2 })).toBe(
      '0 passed, 1 failed, 2 blocked',
    );
    expect(t('fr', 'bulk.report.summary', { count: 1, rows: 1, total: 3 })).toBe(
      '1 erreur dans 1 ligne sur 3 : aucune demande n’a été déposée',
    );
    expect(t('en', 'bulk.report.summary', { count: 4, rows: 2, total: 1 })).toBe(
      '4 errors in 2 of 1 row: no application was filed',
    );
    expect(t('fr', 'bulk.filed.title', { count: 1 })).toBe('1 demande déposée');
    expect([1, 15].map((minutes) => t('fr', 'accounts.errors.tooMany', { minutes }))).toEqual([
      'Trop de tentatives. Réessayez dans 1 minute',
      'Trop de tentatives. Réessayez dans 15 minutes',
    ]);
    expect(t('en', 'form.errors.groupMin', { min: 1, label: 'Lots' })).toBe(
      'Add at least 1 item: “Lots”',
    );
    expect(t('fr', 'form.errors.tooManyFiles', { max: 3, label: 'Plans' })).toBe(
      'Joignez au plus 3 fichiers : « Plans »',
    );
    expect(t('en', 'applications.taskList.progress', { done: 0, count: 1 })).toBe(
      'You have completed 0 of 1 section.',
    );
    // A count(*) from PostgreSQL comes as text.
    expect(t('fr', 'rollout.cohorts.members', { count: '1' })).toBe('1 membre actif');
    expect(
      t('en', 'cohorts.notices.imported', { joined: 1, invited: 2, awaiting: 0, unchanged: 1 }),
    ).toBe(
      'Import done: 1 business added, 2 invitations sent, 0 waiting for the business’s verification, 1 already a member.',
    );
  });

  it('never throws for a value the caller forgot: the placeholder stays visible', () => {
    const { i18n: edge, cleanUp } = catalogOf({
      plain: 'Bonjour {name}, voici {thing}',
      plural: 'Il reste {count, plural, one {# place} other {# places}} pour {name}',
    });
    try {
      expect(edge.t('fr', 'plain', { name: 'Ana' })).toBe('Bonjour Ana, voici {thing}');
      expect(edge.t('fr', 'plain', { name: null })).toBe('Bonjour {name}, voici {thing}');
      expect(edge.t('fr', 'plural', { name: 'Ana' })).toBe(
        'Il reste {count, plural, one {# place} other {# places}} pour {name}',
      );
      expect(edge.t('fr', 'missing.key')).toBe('missing.key');
    } finally {
      cleanUp();
    }
  });

  it('names the key of a catalog message that is not ICU MessageFormat, and still shows a page', () => {
    const { i18n: edge, cleanUp } = catalogOf({ broken: 'Il reste {count, plural, one {# place}' });
    try {
      expect(() => edge.argumentsOf('fr', 'broken')).toThrow(
        /Catalog key broken in .*test\.json is not ICU MessageFormat/,
      );
      expect(edge.t('fr', 'broken', { count: 2 })).toBe('Il reste {count, plural, one {# place}');
    } finally {
      cleanUp();
    }
  });

  it('picks the language: the remembered choice, then Accept-Language, then French', () => {
    expect(I18nService.resolve('en', 'fr-CA')).toBe('en');
    expect(I18nService.resolve(undefined, 'en-CA,en;q=0.9,fr;q=0.5')).toBe('en');
    expect(I18nService.resolve(undefined, 'de-DE, fr;q=0.4, en;q=0.6')).toBe('en');
    expect(I18nService.resolve(undefined, 'de-DE,es;q=0.8')).toBe('fr');
    expect(I18nService.resolve('xx', undefined)).toBe('fr');
    expect(I18nService.resolve(undefined, 'en;q=0, fr;q=0.1')).toBe('fr');
  });

  it('gives a message without arguments the same text every time, ICU quotes applied', () => {
    const { i18n: quoted, cleanUp } = catalogOf({
      plain: "L''accueil '{'x'}'",
      named: 'Bonjour {name}',
    });
    try {
      expect(quoted.t('fr', 'plain')).toBe("L'accueil {x}");
      expect(quoted.t('fr', 'plain', { ignored: 'x' })).toBe("L'accueil {x}");
      expect(quoted.t('fr', 'named', { name: 'Ana' })).toBe('Bonjour Ana');
      expect(quoted.t('fr', 'named', { name: 'Luc' })).toBe('Bonjour Luc');
    } finally {
      cleanUp();
    }
  });
});
