import type { FormPageRef } from '../forms/form-page.js';
import type { I18nService, Locale } from '../i18n/i18n.service.js';

/**
 * A refusal: a rule of a module said no. Each module declares its refusal codes
 * once, with their HTTP status and message (`defineRefusals`); services (or a
 * controller unwrapping a service's outcome) throw them; the one error filter
 * renders them, as JSON `{ code, message, requestId }` for the API and JSON
 * clients, and for pages either the form the handler declared with `@FormPage`
 * (the message beside its field, an error summary) or the error page.
 * See docs/architecture.md, "Errors and forms".
 */
export interface RefusalSpec {
  /** The HTTP status the refusal answers with. */
  status: number;
  /** Catalog key of the message (shown beside the field, or on the error page). */
  message: string;
  /** The form field the message belongs to, when the refusal is about one. */
  field?: string;
  /** Catalog key of the error page's title, when no form page shows the refusal. */
  title?: string;
  /**
   * The code JSON clients see, when it is not the table's key: two entries of
   * a table may answer with one public code and two messages (an API's
   * `rate_limited`, by key or by address), or keep a platform code (`not_found`).
   */
  code?: string;
}

/** Everything one module may refuse, each code with its status and message. */
export type RefusalTable<Code extends string> = { readonly [C in Code]: RefusalSpec };

export interface RefusalDetails {
  /** Values for the message's placeholders. */
  params?: Record<string, string | number>;
  /**
   * Placeholders whose values are catalog keys, translated in the reader's
   * language (a status's label, for example).
   */
  paramKeys?: Record<string, string>;
  /** Overrides the table's field for this refusal (a code used by several forms). */
  field?: string;
  /** Extra members of the JSON body (an API's field errors, for example). */
  body?: Record<string, unknown>;
  /** Response headers (Retry-After, for example). */
  headers?: Record<string, string>;
}

export class Refusal<Code extends string = string> extends Error {
  /** The form page the handler declared (`@FormPage`), set on the way out. */
  formPage?: FormPageRef;

  constructor(
    /** The module that refused, e.g. 'cohorts' (for logs and the docs). */
    readonly module: string,
    readonly code: Code,
    readonly spec: RefusalSpec,
    readonly details: RefusalDetails = {},
  ) {
    super(`${module}.${code}`);
    this.name = 'Refusal';
  }

  get status(): number {
    return this.spec.status;
  }

  /** The form field the message goes beside, if any. */
  get field(): string | undefined {
    return this.details.field ?? this.spec.field;
  }

  /** The code JSON clients see (the table's key unless its entry names another). */
  get publicCode(): string {
    return this.spec.code ?? this.code;
  }

  /** The message in `locale`, its placeholders filled (`params`, and `paramKeys` translated). */
  translated(i18n: I18nService, locale: Locale): string {
    const labels = Object.entries(this.details.paramKeys ?? {}).map(
      ([name, key]) => [name, i18n.t(locale, key)] as const,
    );
    return i18n.t(locale, this.spec.message, {
      ...this.details.params,
      ...Object.fromEntries(labels),
    });
  }
}

/** A module's refusals: builds them by code, and unwraps a service's `{ ok }` outcome. */
export interface Refusals<Code extends string> {
  readonly module: string;
  readonly table: RefusalTable<Code>;
  /** The refusal for `code`, to throw. */
  of(code: Code, details?: RefusalDetails): Refusal<Code>;
  /** The outcome itself when it is ok; otherwise throws the refusal of its `problem`. */
  unwrap<T extends { ok: boolean }>(outcome: T, details?: RefusalDetails): Extract<T, { ok: true }>;
}

/**
 * Declares a module's refusal codes in one place. The table's type makes it
 * exhaustive: a code without its status and message fails the type-check.
 */
export function defineRefusals<Code extends string>(
  module: string,
  table: RefusalTable<Code>,
): Refusals<Code> {
  const of = (code: Code, details?: RefusalDetails) =>
    new Refusal(module, code, table[code], details);
  return {
    module,
    table,
    of,
    unwrap<T extends { ok: boolean }>(outcome: T, details?: RefusalDetails) {
      if (outcome.ok) return outcome as Extract<T, { ok: true }>;
      const problem = (outcome as unknown as { problem?: unknown }).problem;
      if (typeof problem !== 'string' || !(problem in table))
        throw new Error(`${module}: an outcome without a known problem: ${String(problem)}`);
      throw of(problem as Code, details);
    },
  };
}
