import type { Locale } from './i18n.service.js';

/**
 * The tag every `Intl` formatter of the portal is given for a page's language:
 * Canadian French and English, as the city writes them (the catalogs' ICU
 * messages use the same).
 */
export function intlLocale(locale: Locale): string {
  return locale === 'fr' ? 'fr-CA' : 'en-CA';
}

/** A number as people read it in the page's language: `1 280` / `1,280`. */
export function formatNumber(value: number, locale: Locale): string {
  return new Intl.NumberFormat(intlLocale(locale)).format(value);
}
