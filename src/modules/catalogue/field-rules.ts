/**
 * The limits and patterns of the form engine's field types, in one place: the
 * engine validates answers with them (form-engine.ts) and the API's OpenAPI
 * document states them (applications/openapi.ts), so what the document
 * promises and what the server enforces cannot drift apart.
 *
 * Patterns are JSON Schema (ECMA-262) source strings, without flags.
 */

/** Text without a `maxLength` of its own. */
export const TEXT_MAX_LENGTH = 200;
export const LONG_TEXT_MAX_LENGTH = 5000;
export const EMAIL_MAX_LENGTH = 254;
/** An address's line1, line2 and city. */
export const ADDRESS_LINE_MAX_LENGTH = 200;
export const POSTAL_CODE_MAX_LENGTH = 7;

/** Years a date may have (earlier or later is a typing mistake). */
export const DATE_YEARS = { min: 1900, max: 2200 } as const;

/**
 * A Canadian postal code as stored, A1A 1A1 (the letters Canada Post uses);
 * answers are upper-cased and spaced before the check.
 */
export const POSTAL_CODE_PATTERN =
  '^[ABCEGHJ-NPRSTVXY]\\d[ABCEGHJ-NPRSTV-Z] ?\\d[ABCEGHJ-NPRSTV-Z]\\d$';

/** A phone number as stored: 819 555-0123 (answers are reformatted from their digits first). */
export const PHONE_PATTERN = '^\\d{3} \\d{3}-\\d{4}$';

/**
 * The phone numbers the API documents: ten digits, or eleven starting with 1,
 * in the usual ways of writing them. (The engine reads the digits of anything,
 * so every number matching this is accepted.)
 */
export const PHONE_INPUT_PATTERN = '^(\\+?1[ .-]?)?(\\(\\d{3}\\)|\\d{3})[ .-]?\\d{3}[ .-]?\\d{4}$';

/**
 * The email addresses the API documents: a common, strict subset of what the
 * engine's check (class-validator's IsEmail) accepts: a local part of at most
 * three dot-separated words, and a domain with a top-level domain of letters.
 * (`format: email` alone would promise addresses like `0@com`, which the
 * engine refuses.) form-engine.spec.ts proves every match is accepted.
 */
export const EMAIL_PATTERN =
  '^[A-Za-z0-9_+-]{1,20}(\\.[A-Za-z0-9_+-]{1,20}){0,2}@([A-Za-z0-9]([A-Za-z0-9-]{0,20}[A-Za-z0-9])?\\.){1,3}[A-Za-z]{2,12}$';

/** Today's date as the engine compares dates with `notBefore` / `notAfter`: in UTC. */
export function todayIso(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** A pattern's character classes made case-insensitive ([A-C] → [A-Ca-c]), for documents (no flags there). */
export function caseInsensitivePattern(pattern: string): string {
  return pattern.replace(/\[([A-Z0-9-]+)\]/g, (_, inner: string) =>
    inner.toLowerCase() === inner ? `[${inner}]` : `[${inner}${inner.toLowerCase()}]`,
  );
}
