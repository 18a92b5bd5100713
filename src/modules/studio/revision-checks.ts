import type { ServiceDefinition } from '../catalogue/service-definition.js';
import { locatedDefinitionProblems } from '../catalogue/service-definition.js';

/*
 * PROVISIONAL (replaced by the checks task list being written in parallel):
 * a revision passes when its definition has no problem and its prefix is free.
 */

export interface CheckProblem {
  pointer: string;
  message: { key: string; params?: Record<string, string | number> };
}

export interface RevisionCheck {
  id: string;
  passed: boolean;
  problems: CheckProblem[];
}

export function revisionChecks(input: {
  definition: ServiceDefinition;
  earlierRevisions: { number: number; definition: ServiceDefinition }[];
  prefixTakenBy?: string;
}): RevisionCheck[] {
  const problems: CheckProblem[] = locatedDefinitionProblems(input.definition).map((p) => ({
    pointer: p.pointer,
    message: { key: 'studio.checks.sound.problem', params: { detail: p.message } },
  }));
  if (input.prefixTakenBy)
    problems.push({
      pointer: '/referencePrefix',
      message: { key: 'studio.errors.prefixTaken', params: { service: input.prefixTakenBy } },
    });
  return [{ id: 'sound', passed: problems.length === 0, problems }];
}

export function allChecksPass(checks: RevisionCheck[]): boolean {
  return checks.every((c) => c.passed);
}
