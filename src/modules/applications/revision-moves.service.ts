import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Audience } from '../../platform/flags/flag-context.js';
import { AuditService } from '../audit/audit.service.js';
import type { RequestOrigin } from '../audit/request-origin.js';
import { fieldsFor, stepsFor } from '../catalogue/form-engine.js';
import type { Answers } from '../catalogue/form-schema.js';
import type { ServiceDefinition } from '../catalogue/service-definition.js';
import { canonicalJson } from '../catalogue/canonical-json.js';
import { DraftMoves, type DraftMove } from '../rollout/draft-moves.js';

/** Where a draft moved when its revision was withdrawn: the steps to check again. */
export interface RevisionNotice {
  from: number;
  to: number;
  steps: string[];
}

export type { DraftMove };

/**
 * Moves draft applications off a withdrawn revision (ADR 0031) or a
 * rolled-back candidate (ADR 0032), inside the caller's transaction: each keeps every answer whose question the new
 * revision still asks its variant, and remembers which steps its applicant
 * should look at again (`revision_notice`). Submitted applications never move:
 * they are read through the revision they were filed on.
 */
@Injectable()
export class RevisionMovesService extends DraftMoves {
  constructor(private readonly audit: AuditService) {
    super();
  }

  /** Moves the drafts; returns how many moved. */
  async moveDrafts(
    manager: EntityManager,
    move: DraftMove,
    actor: { accountId: string },
    origin: RequestOrigin,
  ): Promise<number> {
    const drafts = await manager.query<{ id: string; answers: Answers }[]>(
      `SELECT application.id, application.answers FROM application
        WHERE application.service_slug = $1 AND application.service_revision = $2
          AND application.variant = $3 AND application.status = 'draft'
        FOR UPDATE`,
      [move.slug, move.from.number, move.variant],
    );
    if (drafts.length === 0) return 0;
    const asked = new Set(
      stepsFor(move.to.definition.form, move.variant).flatMap((s) =>
        fieldsFor(s.fields, move.variant).map((f) => f.name),
      ),
    );
    const notice: RevisionNotice = {
      from: move.from.number,
      to: move.to.number,
      steps: stepsToCheck(move.from.definition, move.to.definition, move.variant),
    };
    for (const draft of drafts) {
      const answers = Object.fromEntries(
        Object.entries(draft.answers).filter(([name]) => asked.has(name)),
      );
      const dropped = Object.keys(draft.answers).filter((name) => !asked.has(name));
      await manager.query(
        `UPDATE application SET service_revision = $2, answers = $3, revision_notice = $4,
                updated_at = now(), version = version + 1
          WHERE application.id = $1`,
        [draft.id, move.to.number, JSON.stringify(answers), JSON.stringify(notice)],
      );
      await this.audit.record(manager, {
        actor: { type: 'staff', id: actor.accountId },
        ip: origin.ip,
        requestId: origin.requestId,
        action: 'application.revision_moved',
        entity: { type: 'application', id: draft.id },
        before: { serviceRevision: move.from.number },
        after: {
          serviceRevision: move.to.number,
          droppedAnswers: dropped,
          stepsToCheck: notice.steps,
        },
      });
    }
    return drafts.length;
  }
}

/**
 * The steps of `after` a person moved from `before` should look at again:
 * those with a question that is new or asked differently (its label, hint,
 * options or rules changed) for their variant.
 */
export function stepsToCheck(
  before: ServiceDefinition,
  after: ServiceDefinition,
  variant: Audience,
): string[] {
  const old = new Map(
    stepsFor(before.form, variant).flatMap((s) =>
      fieldsFor(s.fields, variant).map((f) => [f.name, canonicalJson(f)] as const),
    ),
  );
  return stepsFor(after.form, variant)
    .filter((step) =>
      fieldsFor(step.fields, variant).some((f) => old.get(f.name) !== canonicalJson(f)),
    )
    .map((step) => step.slug);
}
