import {
  createParamDecorator,
  Injectable,
  SetMetadata,
  type ArgumentMetadata,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
  type PipeTransform,
  type Type,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { getMetadataStorage } from 'class-validator';
import type { Request, Response } from 'express';
import { catchError, throwError, type Observable } from 'rxjs';
import { I18nService, type Locale } from '../i18n/i18n.service.js';
import { Refusal } from '../errors/refusal.js';
import { translateProblems, validateForm, type FieldError, type FieldProblem } from './form.js';

/** What a form page shows again after a failed post: what was typed, and why it failed. */
export interface FormState {
  values: Record<string, string>;
  errors: FieldError[];
  /**
   * The refusal shown, when it is one (not an invalid form): for a page that
   * answers some refusals with a page of their own (an invitation gone: 410).
   */
  refusal?: Refusal;
}

/**
 * A page that shows a form: renders it again, with `status`, what was typed and
 * the errors (the summary at the top, each message beside its field). A
 * presenter's job: it reads what else the page needs from the request's
 * parameters.
 */
export interface FormPageRenderer {
  /**
   * `form.refusal`: the refusal being shown, if any, for a page whose message
   * or look depends on the refusal's code (or on data it reads again).
   */
  render(req: Request, res: Response, status: number, form: FormState): Promise<void> | void;
}

export interface FormPageRef {
  page: Type<FormPageRenderer>;
  /** The field a refusal's message goes beside when its code names none. */
  field?: string;
}

const FORM_PAGE = Symbol('formPage');

/**
 * Declares the page a handler's form lives on: when the body is invalid
 * (`@FormBody`) or a service refuses (`Refusal`), the error filter renders this
 * page again (422, or the refusal's status) instead of the error page.
 */
export const FormPage = (page: Type<FormPageRenderer>, options: { field?: string } = {}) =>
  SetMetadata(FORM_PAGE, { page, field: options.field } satisfies FormPageRef);

/** A form body that failed its DTO's rules: shown again with 422. */
export class InvalidForm extends Error {
  formPage?: FormPageRef;
  /** Untranslated problems (`InvalidForm.of`), translated by the error filter. */
  problems?: readonly FieldProblem[];

  constructor(
    readonly errors: FieldError[],
    readonly values: Record<string, string>,
  ) {
    super('invalid form');
    this.name = 'InvalidForm';
  }

  /**
   * A form a service checked itself (`checkForm`) and refuses: the problems'
   * messages are catalog keys, translated into the user's language by the error
   * filter. For the rules that must run inside the service (e.g. a limit that
   * counts invalid posts too), where `@FormBody` would refuse before it.
   */
  static of(problems: readonly FieldProblem[], values: Record<string, string>): InvalidForm {
    const invalid = new InvalidForm([], values);
    invalid.problems = problems;
    return invalid;
  }

  /** The errors in the user's language. */
  errorsIn(locale: Locale, i18n: I18nService): FieldError[] {
    return this.problems ? translateProblems(this.problems, locale, i18n) : this.errors;
  }
}

/** What each request's form held once trimmed, for the page shown again after a refusal. */
const typedValues = new WeakMap<Request, Record<string, string>>();

export function formValuesOf(req: Request): Record<string, string> {
  return typedValues.get(req) ?? {};
}

/**
 * Records what a form held, for a handler that reads its body without
 * `@FormBody` (e.g. fields named after a record, `reason-<id>`): a refusal
 * thrown afterwards shows these values again.
 */
export function rememberFormValues(req: Request, values: Record<string, string>): void {
  typedValues.set(req, values);
}

/** The DTO's fields in the order they are declared (the order the form shows them). */
export function formFields<T extends object>(dto: Type<T>): (keyof T & string)[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
  return [...new Set(metadata.map((m) => m.propertyName))] as (keyof T & string)[];
}

@Injectable()
export class FormBodyPipe implements PipeTransform<Request, Promise<object>> {
  constructor(private readonly i18n: I18nService) {}

  async transform(req: Request, metadata: ArgumentMetadata): Promise<object> {
    const { dto, fields } = metadata.data as unknown as { dto: Type<object>; fields?: string[] };
    const names = (fields ?? formFields(dto)) as (keyof object & string)[];
    const locale = (req.res as Response).locals.locale as Locale;
    const form = await validateForm(dto, req.body, names, locale, this.i18n);
    const values = Object.fromEntries(
      names.map((name) => [name, String((form.value as Record<string, unknown>)[name] ?? '')]),
    );
    typedValues.set(req, values);
    if (form.errors.length > 0) throw new InvalidForm(form.errors, values);
    return form.value;
  }
}

const requestOf = createParamDecorator((_: unknown, ctx: ExecutionContext) =>
  ctx.switchToHttp().getRequest<Request>(),
);

/**
 * The request's form body, validated against `dto` (class-validator rules whose
 * messages are catalog keys; every field is text). Invalid → `InvalidForm`,
 * which the error filter shows on the handler's `@FormPage` with 422.
 * `fields` gives the order of the error summary when it is not the DTO's.
 */
export const FormBody = <T extends object>(dto: Type<T>, fields?: readonly (keyof T & string)[]) =>
  requestOf({ dto, fields }, FormBodyPipe);

/** Marks the refusals and invalid forms a handler throws with the page they go back to. */
@Injectable()
export class FormPageInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const ref = this.reflector.get<FormPageRef | undefined>(FORM_PAGE, context.getHandler());
    if (!ref) return next.handle();
    return next.handle().pipe(
      catchError((error: unknown) => {
        if ((error instanceof InvalidForm || error instanceof Refusal) && !error.formPage)
          error.formPage = ref;
        return throwError(() => error);
      }),
    );
  }
}
