import type { EntityManager } from 'typeorm';
import type { Audience } from '../../platform/flags/flag-context.js';
import type { RequestOrigin } from '../audit/request-origin.js';
import type { ServiceDefinition } from '../catalogue/service-definition.js';

/** One variant's drafts to move from a revision to another. */
export interface DraftMove {
  slug: string;
  variant: Audience;
  from: { number: number; definition: ServiceDefinition };
  to: { number: number; definition: ServiceDefinition };
}

/**
 * Where the rollout module moves the drafts a rolled-back candidate leaves
 * (the applications module provides it: the rollout module owns no
 * applications). Inside the caller's transaction; returns how many moved.
 */
export abstract class DraftMoves {
  abstract moveDrafts(
    manager: EntityManager,
    move: DraftMove,
    actor: { accountId: string },
    origin: RequestOrigin,
  ): Promise<number>;
}
