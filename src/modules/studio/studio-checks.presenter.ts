import { Injectable } from '@nestjs/common';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import type { FieldError } from '../../platform/forms/form.js';
import type { ServiceDefinition } from '../catalogue/service-definition.js';
import type { CheckProblem } from './revision-checks.js';
import type { Readiness } from './service-revisions.service.js';

/** The checks page of a revision (`…/revisions/:n/checks`), in the page's language. */
@Injectable()
export class StudioChecksPresenter {
  constructor(private readonly i18n: I18nService) {}

  page(locale: Locale, readiness: Readiness, errors: FieldError[] = []) {
    const t = (key: string, values?: Record<string, unknown>) => this.i18n.t(locale, key, values);
    const { revision } = readiness;
    const base = `/staff/services/${revision.slug}/revisions/${revision.number}`;
    const checks = readiness.checks.map((check, i) => ({
      id: check.id,
      index: i,
      title: t(`studio.checks.${check.id}.title`),
      passed: check.passed,
      status: t(check.passed ? 'studioChecks.passed' : 'studioChecks.toFix', {
        count: check.problems.length,
      }),
      problems: check.problems.map((problem) => {
        // What the definition checks found is in English (the repo's own words):
        // shown apart, marked lang="en", after the message's own words.
        const detail = problem.message.params?.detail;
        return {
          pointer: problem.pointer,
          message:
            typeof detail === 'string'
              ? t(problem.message.key, { ...problem.message.params, detail: '' }).trimEnd()
              : t(problem.message.key, problem.message.params),
          detail: typeof detail === 'string' ? detail : undefined,
          href: fixHref(base, revision.definition, problem),
        };
      }),
    }));
    const failing = checks.filter((c) => !c.passed).length;
    const variants = (['citizen', 'business'] as const).filter(
      (v) => readiness.served[v] === revision.number,
    );
    const title = t('studioChecks.title', { number: revision.number });
    return {
      pageTitle: title,
      hasErrors: errors.length > 0,
      navActive: 'staff',
      staffNavActive: 'studio',
      title,
      serviceTitle: revision.definition.title?.[locale] || revision.slug,
      backHref: base,
      overviewHref: `/staff/services/${revision.slug}`,
      errors,
      checks,
      failing,
      draft: revision.state === 'draft',
      ready: revision.state === 'ready',
      withdrawn: revision.state === 'withdrawn',
      stateLabel: t(`studioChecks.state.${revision.state}`),
      allPass: failing === 0,
      summary:
        failing === 0
          ? t('studioChecks.allPass')
          : t('studioChecks.someFail', { count: failing, total: checks.length }),
      version: revision.version,
      readyAction: `${base}/ready`,
      servedBy: variants.map((v) => t(`studioChecks.variant.${v}`)).join(t('studioChecks.and')),
      notServed: revision.state === 'ready' && variants.length === 0,
    };
  }
}

/**
 * Where a problem is fixed: the field's editor, the step's page, the rules
 * page or the service's details, from the problem's JSON pointer.
 */
export function fixHref(
  base: string,
  definition: ServiceDefinition,
  problem: CheckProblem,
): string {
  const parts = problem.pointer.split('/').slice(1);
  if (parts[0] !== 'form') return `${base}/details`;
  if (parts[1] === 'rules') return `${base}/rules`;
  if (parts[1] !== 'steps' || parts[2] === undefined) return `${base}/steps`;
  const step = definition.form?.steps?.[Number(parts[2])];
  if (!step) return `${base}/steps`;
  const stepHref = `${base}/steps/${encodeURIComponent(step.slug)}`;
  if (parts[3] !== 'fields' || parts[4] === undefined) return stepHref;
  const field = step.fields?.[Number(parts[4])];
  return field ? `${stepHref}/fields/${encodeURIComponent(field.name)}` : stepHref;
}
