import { plainToInstance, Transform } from 'class-transformer';
import { Matches, validate } from 'class-validator';
import type { I18nService, Locale } from '../i18n/i18n.service.js';

export interface FieldError {
  /** The field's name, also the id of its input (the summary links to it). */
  field: string;
  message: string;
}

export interface FormResult<T> {
  value: T;
  errors: FieldError[];
}

/** A string from a form body: trimmed, or '' when absent or not text. */
export function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

/** A field's problem before translation: its message is a catalog key. */
export interface FieldProblem {
  field: string;
  /** Catalog key of the message. */
  message: string;
  /** Values for the message's placeholders. */
  params?: Record<string, string | number>;
}

/**
 * Reads a form body into a DTO class and checks its class-validator rules,
 * without translating: the problems' messages stay catalog keys, so that a
 * service can check a form it is given (see `InvalidForm.of`). Every field is
 * a string afterwards. Problems come in the order of `fields`, one per field.
 */
export async function checkForm<T extends object>(
  dto: new () => T,
  body: unknown,
  fields: readonly (keyof T & string)[],
): Promise<{ value: T; problems: FieldProblem[] }> {
  const plain: Record<string, unknown> = {};
  const source = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  // Form fields are text: anything else (a number, an array, an object sent as
  // JSON or as repeated fields) counts as empty and gets the field's message.
  for (const field of fields) plain[field] = typeof source[field] === 'string' ? source[field] : '';
  const value = plainToInstance(dto, plain);
  const found = await validate(value, { forbidUnknownValues: false, stopAtFirstError: true });
  const problems = fields.flatMap((field) => {
    const error = found.find((e) => e.property === field);
    const key = error && Object.values(error.constraints ?? {})[0];
    return key ? [{ field, message: key }] : [];
  });
  return { value, problems };
}

/**
 * Validates a form body against a DTO class whose class-validator messages are
 * catalog keys. Every field is a string afterwards. Errors come back translated, in the order of `fields` (the order
 * the form shows them), one per field.
 */
export async function validateForm<T extends object>(
  dto: new () => T,
  body: unknown,
  fields: readonly (keyof T & string)[],
  locale: Locale,
  i18n: I18nService,
): Promise<FormResult<T>> {
  const { value, problems } = await checkForm(dto, body, fields);
  return { value, errors: translateProblems(problems, locale, i18n) };
}

/** The problems' messages in the user's language. */
export function translateProblems(
  problems: readonly FieldProblem[],
  locale: Locale,
  i18n: I18nService,
): FieldError[] {
  return problems.map(({ field, message, params }) => ({
    field,
    message: i18n.t(locale, message, params),
  }));
}

/** `{ field: message }` for the templates' field-level messages. */
export function errorsByField(errors: FieldError[]): Record<string, string> {
  return Object.fromEntries(errors.map((e) => [e.field, e.message]));
}

/** Trims a text field before it is validated (never use it on passwords). */
export const Trim = () =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

/**
 * One line of text: no line break, no other control character, no
 * bidirectional override. For names, which reach emails and other people's
 * screens (a line break there could forge a line of the message).
 */
export const OneLine = (message: string) =>
  Matches(/^[^\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]*$/u, { message });
