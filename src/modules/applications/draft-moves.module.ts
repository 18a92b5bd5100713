import { Global, Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { DraftMoves } from '../rollout/draft-moves.js';
import { RevisionMovesService } from './revision-moves.service.js';

/**
 * Moving drafts between revisions (ADR 0031, 0032). Global, because the
 * rollout module (which the applications module builds on) moves them too,
 * through its DraftMoves port, and the studio moves them when it withdraws.
 */
@Global()
@Module({
  imports: [AuditModule],
  providers: [RevisionMovesService, { provide: DraftMoves, useExisting: RevisionMovesService }],
  exports: [RevisionMovesService, DraftMoves],
})
export class DraftMovesModule {}
