import type { Locale } from './i18n.service.js';
import { intlLocale } from './intl-locale.js';

/** A byte limit as the pages say it, in megabytes (MiB): "10", "1,5" in French, "1.5" in English. */
export function megabytes(bytes: number, locale: Locale): string {
  return (bytes / (1024 * 1024)).toLocaleString(intlLocale(locale), {
    maximumFractionDigits: 1,
  });
}
