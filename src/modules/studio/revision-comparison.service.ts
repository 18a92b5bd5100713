import { Injectable } from '@nestjs/common';
import { InvalidForm } from '../../platform/forms/form-page.js';
import type { FieldProblem } from '../../platform/forms/form.js';
import type { Localized } from '../catalogue/service-definition.js';
import type { StaffActor } from '../staff/staff-roles.guard.js';
import { compareRevisions, type RevisionComparison } from './revision-comparison.js';
import {
  ServiceRevisionsService,
  type RevisionState,
  type RevisionSummary,
} from './service-revisions.service.js';

/** A revision a designer may pick to compare. */
export interface RevisionChoice {
  number: number;
  state: RevisionState;
}

/** A service's revisions to choose from: what the comparison form offers. */
export interface ComparisonChoices {
  slug: string;
  /** The service's title in its newest revision. */
  title: Localized;
  /** Newest first. */
  revisions: RevisionChoice[];
}

/** Two revisions of a service and what changed from the first to the second. */
export interface ComparedRevisions extends ComparisonChoices {
  from: number;
  to: number;
  comparison: RevisionComparison;
}

/** The query of the comparison form (`?from=<n>&to=<n>`), as received. */
export interface ComparisonQuery {
  from?: unknown;
  to?: unknown;
}

const REVISION_NUMBER = /^[1-9]\d{0,8}$/;

/**
 * Comparing two revisions of a service (issue 14): any two of its revisions,
 * drafts and withdrawn ones included. Read-only, so every staff role may: the
 * rollout console's revision page links to what changed (ADR 0032).
 */
@Injectable()
export class RevisionComparisonService {
  constructor(private readonly revisions: ServiceRevisionsService) {}

  /** The service's revisions to choose from. 404 for an unknown service. */
  async choices(actor: StaffActor, slug: string): Promise<ComparisonChoices> {
    const summaries = await this.revisions.revisionsToRead(actor, slug);
    const newest = await this.revisions.revisionToRead(actor, slug, summaries[0].number);
    return { slug, title: newest.definition.title, revisions: summaries.map(choiceOf) };
  }

  /**
   * What changed from revision `from` to revision `to`. Without them: from the
   * revision the newest was based on (or the one before it) to the newest.
   * 422 (beside the field) for a value that is no revision number; 404 for an
   * unknown service, or a revision it does not have.
   */
  async compare(
    actor: StaffActor,
    slug: string,
    query: ComparisonQuery,
  ): Promise<ComparedRevisions> {
    const summaries = await this.revisions.revisionsToRead(actor, slug);
    const values = { from: queryText(query.from), to: queryText(query.to) };
    const problems: FieldProblem[] = [];
    const numberOf = (field: 'from' | 'to'): number | undefined => {
      if (query[field] === undefined || values[field] === '') return undefined;
      if (REVISION_NUMBER.test(values[field])) return Number(values[field]);
      problems.push({ field, message: 'studio.compare.page.errors.notARevision' });
      return undefined;
    };
    const chosen = { from: numberOf('from'), to: numberOf('to') };
    if (problems.length > 0) throw InvalidForm.of(problems, values);
    const to = chosen.to ?? summaries[0].number;
    const from = chosen.from ?? previousOf(summaries, to);
    const older = await this.revisions.revisionToRead(actor, slug, from);
    const newer = await this.revisions.revisionToRead(actor, slug, to);
    const newest =
      to === summaries[0].number
        ? newer
        : await this.revisions.revisionToRead(actor, slug, summaries[0].number);
    return {
      slug,
      title: newest.definition.title,
      revisions: summaries.map(choiceOf),
      from,
      to,
      comparison: compareRevisions(older.definition, newer.definition),
    };
  }
}

function choiceOf(summary: RevisionSummary): RevisionChoice {
  return { number: summary.number, state: summary.state };
}

/** A query parameter as text: a repeated or nested one is no revision number. */
function queryText(value: unknown): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value.trim() : '?';
}

/** The revision `to` was based on, else the newest one before it, else `to` itself. */
function previousOf(summaries: RevisionSummary[], to: number): number {
  const revision = summaries.find((s) => s.number === to);
  if (revision?.basedOn && summaries.some((s) => s.number === revision.basedOn))
    return revision.basedOn;
  return summaries.find((s) => s.number < to)?.number ?? to;
}
