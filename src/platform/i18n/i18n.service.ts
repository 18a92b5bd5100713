import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectPath } from '../project-path.js';

export const LOCALES = ['fr', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'fr';

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

type Catalog = { [key: string]: string | Catalog };

/**
 * Translates keys from the catalogs in `locales/<locale>/*.json` (one file per
 * feature, merged). A key missing from a catalog is a bug: the catalog test
 * checks both languages have the same keys, and at run time the key itself is
 * shown rather than text in the wrong language.
 */
export class I18nService {
  private readonly catalogs: Record<Locale, Map<string, string>>;

  constructor(dir = projectPath('locales')) {
    this.catalogs = { fr: loadCatalog(join(dir, 'fr')), en: loadCatalog(join(dir, 'en')) };
  }

  t(locale: Locale, key: string, vars: Record<string, unknown> = {}): string {
    const template = this.catalogs[locale].get(key);
    if (template === undefined) return key;
    return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
      vars[name] === undefined ? whole : String(vars[name]),
    );
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

function loadCatalog(dir: string): Map<string, string> {
  const merged = new Map<string, string>();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    for (const [key, value] of flatten(
      JSON.parse(readFileSync(join(dir, file), 'utf8')) as Catalog,
    )) {
      if (merged.has(key))
        throw new Error(`Catalog key ${key} is defined twice (again in ${dir}/${file})`);
      merged.set(key, value);
    }
  }
  return merged;
}

function flatten(catalog: Catalog, prefix = '', out = new Map<string, string>()) {
  for (const [key, value] of Object.entries(catalog)) {
    const full = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(full, value);
    else flatten(value, full, out);
  }
  return out;
}
