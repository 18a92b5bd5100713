import { Injectable } from '@nestjs/common';
import type { Audience } from '../../platform/flags/flag-context.js';
import {
  fieldsFor,
  filesOf,
  rawFromAnswers,
  stepsFor,
  StepValidator,
  type FormProblem,
  type RawValues,
  type StepResult,
} from './form-engine.js';
import type { AddressAnswer, Answers, FileAnswer, StepDefinition } from './form-schema.js';
import type { ServiceDefinition } from './service-definition.js';

export type StepStatus = 'completed' | 'in-progress' | 'not-started';

/** What a form can be prefilled from: who is filing. */
export interface PrefillContext {
  account: { name: string; email: string };
  organization?: {
    legalName: string;
    neq: string;
    address: AddressAnswer;
    contactName: string;
    contactEmail: string;
    contactPhone: string;
  };
}

/**
 * The service forms at work: one class-validator validator per revision,
 * variant and step (built when first used, kept with the revision's
 * definition: a released revision never changes), step statuses, completeness
 * and prefilling. A studio draft's definition is a new object at each read, so
 * its preview never sees stale validators.
 */
@Injectable()
export class FormService {
  private readonly validators = new WeakMap<ServiceDefinition, Map<string, StepValidator>>();

  steps(service: ServiceDefinition, audience: Audience): StepDefinition[] {
    return stepsFor(service.form, audience);
  }

  step(service: ServiceDefinition, audience: Audience, slug: string): StepDefinition | undefined {
    return this.steps(service, audience).find((s) => s.slug === slug);
  }

  /** More than four steps: the applicant gets a task list (GOV.UK pattern). */
  hasTaskList(service: ServiceDefinition, audience: Audience): boolean {
    return this.steps(service, audience).length > 4;
  }

  /** Validates a step's input against the other saved answers. */
  parse(
    service: ServiceDefinition,
    audience: Audience,
    step: StepDefinition,
    raw: RawValues,
    answers: Answers,
  ): StepResult {
    return this.validator(service, audience, step).parse(raw, answers, filesOf(step, answers));
  }

  /** Re-validates a step from saved answers. */
  check(service: ServiceDefinition, audience: Audience, step: StepDefinition, answers: Answers) {
    return this.parse(service, audience, step, rawFromAnswers(step, audience, answers), answers);
  }

  status(
    service: ServiceDefinition,
    audience: Audience,
    step: StepDefinition,
    answers: Answers,
  ): StepStatus {
    const started = fieldsFor(step.fields, audience).some((f) => answers[f.name] !== undefined);
    if (!started) return 'not-started';
    return this.check(service, audience, step, answers).problems.length === 0
      ? 'completed'
      : 'in-progress';
  }

  /** Every step's problems; empty when the application may be submitted. */
  problems(
    service: ServiceDefinition,
    audience: Audience,
    answers: Answers,
  ): { step: StepDefinition; problems: FormProblem[] }[] {
    return this.steps(service, audience)
      .map((step) => ({ step, problems: this.check(service, audience, step, answers).problems }))
      .filter((s) => s.problems.length > 0);
  }

  /** The first step that is not complete, if any. */
  firstIncomplete(
    service: ServiceDefinition,
    audience: Audience,
    answers: Answers,
  ): StepDefinition | undefined {
    return this.problems(service, audience, answers)[0]?.step;
  }

  /** Answers to prefill for the fields of a step that have none yet. */
  prefill(
    step: StepDefinition,
    audience: Audience,
    answers: Answers,
    context: PrefillContext,
  ): Answers {
    const filled: Answers = {};
    for (const field of fieldsFor(step.fields, audience)) {
      if (!field.prefill || answers[field.name] !== undefined) continue;
      const value = prefillValue(field.prefill, context);
      if (value !== undefined) filled[field.name] = value;
    }
    return filled;
  }

  /** Answers whose files are now these attachments (kept in order of upload). */
  withFiles(answers: Answers, field: string, files: FileAnswer[]): Answers {
    return { ...answers, [field]: files };
  }

  private validator(service: ServiceDefinition, audience: Audience, step: StepDefinition) {
    let byStep = this.validators.get(service);
    if (!byStep) this.validators.set(service, (byStep = new Map()));
    const key = `${audience}/${step.slug}`;
    let validator = byStep.get(key);
    if (!validator) byStep.set(key, (validator = new StepValidator(step, audience, service.form)));
    return validator;
  }
}

function prefillValue(
  source: NonNullable<StepDefinition['fields'][number]['prefill']>,
  context: PrefillContext,
): string | AddressAnswer | undefined {
  const org = context.organization;
  switch (source) {
    case 'account.name':
      return context.account.name;
    case 'account.email':
      return context.account.email;
    case 'organization.legalName':
      return org?.legalName;
    case 'organization.neq':
      return org?.neq;
    case 'organization.address':
      return org?.address;
    case 'organization.contactName':
      return org?.contactName;
    case 'organization.contactEmail':
      return org?.contactEmail;
    case 'organization.contactPhone':
      return org?.contactPhone;
  }
}
