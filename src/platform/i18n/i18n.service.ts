import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import IntlMessageFormat from 'intl-messageformat';
import { projectPath } from '../project-path.js';
import { intlLocale } from './intl-locale.js';

export const LOCALES = ['fr', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'fr';

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

type Catalog = { [key: string]: string | Catalog };

/** How a message uses one of its arguments: `{name}`, or `{name, plural, …}` and the like. */
export type ArgumentKind = 'plain' | 'number' | 'date' | 'time' | 'select' | 'plural';

/** One catalog message: its text, and once it has been used, its compiled form. */
interface Message {
  /** The catalog text, ICU MessageFormat. */
  source: string;
  /** The catalog file it comes from, to name it when it does not parse. */
  file: string;
  compiled?: Compiled;
}

interface Compiled {
  format: IntlMessageFormat;
  /** Every argument the message reads, nested ones included. */
  arguments: ReadonlyMap<string, ArgumentKind>;
  /**
   * A message that reads no argument always says the same: formatted the first
   * time, then given as is (most of a page's strings; ADR 0037).
   */
  text?: string;
}

/**
 * Translates keys from the catalogs in `locales/<locale>/*.json` (one file per
 * feature, merged). Messages are ICU MessageFormat, formatted by
 * intl-messageformat: `{name}` fills in a value as text, `{count, plural, one
 * {# fichier} other {# fichiers}}` picks the words for a number in the page's
 * language (French `one` is 0 and 1), `{kind, select, …}` picks by a word
 * ([ADR 0027](../../../docs/adr/0027-icu-messages.md)). A message is compiled the
 * first time it is used, then kept (per language and key); the catalog test
 * compiles them all, so a message that does not parse fails the tests.
 *
 * A key missing from a catalog is a bug: the catalog test checks both languages
 * have the same keys, and at run time the key itself is shown rather than text
 * in the wrong language. A value the caller did not give is a bug too, but never
 * a 500: a `{name}` stays visible as `{name}` (the HTML check of the browser
 * tests refuses such a page), and a message whose plural, select, number or date
 * lacks its value is shown as its catalog text.
 */
export class I18nService {
  private readonly catalogs: Record<Locale, Map<string, Message>>;

  constructor(dir = projectPath('locales')) {
    this.catalogs = {
      fr: loadCatalog(join(dir, 'fr')),
      en: loadCatalog(join(dir, 'en')),
    };
  }

  /** The message `key` in `locale`, with `vars` filled in (see the class comment). */
  t(locale: Locale, key: string, vars: Record<string, unknown> = {}): string {
    const message = this.catalogs[locale].get(key);
    if (message === undefined) return key;
    let compiled: Compiled;
    try {
      compiled = compiledOf(message, locale, key);
    } catch {
      return message.source;
    }
    if (compiled.text !== undefined) return compiled.text;
    const values: Record<string, string | number | Date> = {};
    for (const [name, kind] of compiled.arguments) {
      const value = vars[name];
      if (value === undefined || value === null) {
        if (kind !== 'plain') return message.source;
        values[name] = `{${name}}`;
      } else if (kind === 'plain') {
        // As text, as the catalogs always did: a number is not grouped ("2026",
        // not "2 026"); `{n, number}` asks for the language's number format.
        values[name] = String(value);
      } else if (typeof value === 'number' || value instanceof Date) {
        values[name] = value;
      } else {
        values[name] = kind === 'select' ? String(value) : Number(value);
      }
    }
    try {
      const text = String(compiled.format.format(values));
      if (compiled.arguments.size === 0) compiled.text = text;
      return text;
    } catch {
      return message.source;
    }
  }

  /** The catalog text of a message (ICU MessageFormat), or undefined. */
  source(locale: Locale, key: string): string | undefined {
    return this.catalogs[locale].get(key)?.source;
  }

  /**
   * The arguments a message reads, by name, with how it reads each; throws,
   * naming the key and its file, for a message that is not ICU MessageFormat.
   */
  argumentsOf(locale: Locale, key: string): ReadonlyMap<string, ArgumentKind> | undefined {
    const message = this.catalogs[locale].get(key);
    return message && compiledOf(message, locale, key).arguments;
  }

  has(locale: Locale, key: string): boolean {
    return this.catalogs[locale].has(key);
  }

  keys(locale: Locale): string[] {
    return [...this.catalogs[locale].keys()];
  }

  /**
   * The language for a request: an explicit choice (cookie) first, then the best
   * match in Accept-Language, then French.
   */
  static resolve(cookieValue: unknown, acceptLanguage: string | undefined): Locale {
    if (isLocale(cookieValue)) return cookieValue;
    if (acceptLanguage) {
      const ranked = acceptLanguage
        .split(',')
        .map((part) => {
          const [tag, ...params] = part.trim().split(';');
          const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
          return { lang: tag.trim().slice(0, 2).toLowerCase(), q: q ? Number(q.slice(2)) : 1 };
        })
        .filter((entry) => !Number.isNaN(entry.q) && entry.q > 0)
        .sort((a, b) => b.q - a.q);
      const match = ranked.find((entry) => isLocale(entry.lang));
      if (match) return match.lang as Locale;
    }
    return DEFAULT_LOCALE;
  }
}

function loadCatalog(dir: string): Map<string, Message> {
  const merged = new Map<string, Message>();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    for (const [key, source] of flatten(
      JSON.parse(readFileSync(join(dir, file), 'utf8')) as Catalog,
    )) {
      if (merged.has(key))
        throw new Error(`Catalog key ${key} is defined twice (again in ${dir}/${file})`);
      merged.set(key, { source, file: `${dir}/${file}` });
    }
  }
  return merged;
}

function compiledOf(message: Message, locale: Locale, key: string): Compiled {
  if (message.compiled) return message.compiled;
  let format: IntlMessageFormat;
  try {
    // ignoreTag: a `<` in a message is text, not one of ICU's rich-text tags.
    format = new IntlMessageFormat(message.source, intlLocale(locale), undefined, {
      ignoreTag: true,
    });
  } catch (error) {
    throw new Error(
      `Catalog key ${key} in ${message.file} is not ICU MessageFormat: ${String(error)}`,
      { cause: error },
    );
  }
  message.compiled = { format, arguments: argumentsIn(format.getAst()) };
  return message.compiled;
}

type Element = ReturnType<IntlMessageFormat['getAst']>[number];

/** The element types of @formatjs/icu-messageformat-parser (its `TYPE` enum). */
const KIND_OF_TYPE: Partial<Record<number, ArgumentKind>> = {
  1: 'plain',
  2: 'number',
  3: 'date',
  4: 'time',
  5: 'select',
  6: 'plural',
};

function argumentsIn(elements: Element[], out = new Map<string, ArgumentKind>()) {
  for (const element of elements) {
    const kind = KIND_OF_TYPE[element.type];
    // `{count}` inside `{count, plural, …}`'s branches: the value is the number.
    if (kind && 'value' in element && (out.get(element.value) ?? 'plain') === 'plain') {
      out.set(element.value, kind);
    }
    if ('options' in element) {
      for (const option of Object.values(element.options)) argumentsIn(option.value, out);
    }
    if ('children' in element) argumentsIn(element.children, out);
  }
  return out;
}

function flatten(catalog: Catalog, prefix = '', out = new Map<string, string>()) {
  for (const [key, value] of Object.entries(catalog)) {
    const full = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(full, value);
    else flatten(value, full, out);
  }
  return out;
}
