import { Injectable } from '@nestjs/common';
import { JsonLogger } from '../../platform/logging/json-logger.js';
import { VirusScanner } from '../../platform/virus-scan/virus-scanner.js';
import { AttachmentsService } from '../applications/attachments.service.js';
import { FeedbackService } from '../feedback/feedback.service.js';
import { OwnershipService } from '../ownership/ownership.service.js';

/** What one run of the rescan did, per verdict. */
export interface RescanReport {
  clean: number;
  infected: number;
  pending: number;
  /** Files whose bytes could not be read (missing under ATTACHMENTS_DIR): logged, skipped. */
  unreadable: number;
  /** Why nothing was tried: scanning is off, or clamd does not answer. */
  skipped?: 'off' | 'unreachable';
}

type Outcome = 'none' | 'clean' | 'infected' | 'pending' | 'unreadable';

/** The most files one run scans in each table: a backlog is worked through over several runs. */
export const RESCAN_BATCH = 100;

/**
 * Scans the files kept while clamd was unreachable (`pending`) and those
 * stored while scanning was off (`unscanned`), once clamd answers again
 * (ADR 0028). Each table's owner does its own files (ADR 0021: one writer per
 * table): application attachments, feedback files, ownership evidence. Each
 * file is tried at most once per run and each run scans at most RESCAN_BATCH
 * files per table; a run stops at the first file clamd could not answer for.
 */
@Injectable()
export class ScanService {
  constructor(
    private readonly scanner: VirusScanner,
    private readonly attachments: AttachmentsService,
    private readonly feedback: FeedbackService,
    private readonly ownership: OwnershipService,
    private readonly logger: JsonLogger,
  ) {}

  async scanPending(): Promise<RescanReport> {
    const report: RescanReport = { clean: 0, infected: 0, pending: 0, unreadable: 0 };
    if (!this.scanner.enabled) return { ...report, skipped: 'off' };
    if ((await this.scanner.state({ fresh: true })) !== 'ok')
      return { ...report, skipped: 'unreachable' };
    const since = new Date();
    const tables: ((since: Date) => Promise<Outcome>)[] = [
      (at) => this.attachments.rescanNext(at),
      (at) => this.feedback.rescanNext(at),
      (at) => this.ownership.rescanNext(at),
    ];
    for (const next of tables) {
      for (let i = 0; i < RESCAN_BATCH; i++) {
        const outcome = await next(since);
        if (outcome === 'none') break;
        report[outcome]++;
        if (outcome === 'pending') return this.logged(report);
      }
    }
    return this.logged(report);
  }

  private logged(report: RescanReport): RescanReport {
    if (report.clean + report.infected + report.pending + report.unreadable > 0)
      this.logger.event(report.infected > 0 ? 'warn' : 'info', 'attachment.rescanned', {
        ...report,
      });
    return report;
  }
}
