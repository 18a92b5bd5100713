import { Injectable } from '@nestjs/common';
import { ClamdClient, ClamdUnavailable, parseClamdUrl } from './clamd-client.js';

/**
 * What the scanner says about a file:
 * - `clean`: scanned, nothing found;
 * - `infected`: scanned, `signature` found: the file is refused;
 * - `pending`: scanning is on but the scanner could not answer (`reason`):
 *   the file is kept, hidden from staff, and scanned again later;
 * - `unscanned`: scanning is off (no CLAMAV_URL).
 */
export type ScanVerdict =
  | { verdict: 'clean' }
  | { verdict: 'infected'; signature: string }
  | { verdict: 'pending'; reason: string }
  | { verdict: 'unscanned' };

/** A stored file's scan status (column `scan_status` of every file table). */
export type ScanStatus = 'clean' | 'pending' | 'unscanned' | 'infected';

/** What /readyz says of the scanner. */
export type ScannerState = 'ok' | 'unreachable' | 'off';

/** The scan status a verdict is stored with (an infected file is never stored). */
export function statusOf(verdict: Exclude<ScanVerdict, { verdict: 'infected' }>): ScanStatus {
  return verdict.verdict;
}

/** Whether staff may see and download a file with this status: never before it is scanned clean, unless scanning is off. */
export function shownToStaff(status: ScanStatus): boolean {
  return status === 'clean' || status === 'unscanned';
}

/**
 * The virus scanner every upload goes through (application attachments,
 * feedback files, evidence of who owns an SME), after the size checks and
 * before anything is stored. ClamdScanner when CLAMAV_URL is set, NoScanner
 * otherwise. Never throws: a scanner that cannot answer says `pending`.
 */
export abstract class VirusScanner {
  /** Whether scanning is configured at all. */
  abstract readonly enabled: boolean;
  abstract scan(content: Buffer): Promise<ScanVerdict>;
  /** `ok`, `unreachable` or `off`; `fresh` asks clamd now instead of the last few seconds' answer. */
  abstract state(options?: { fresh?: boolean }): Promise<ScannerState>;
}

/** Scanning off: every file is stored `unscanned`, and staff are told so beside it. */
@Injectable()
export class NoScanner extends VirusScanner {
  readonly enabled = false;
  async scan(_content: Buffer): Promise<ScanVerdict> {
    return { verdict: 'unscanned' };
  }
  async state(): Promise<ScannerState> {
    return 'off';
  }
}

/** Scans with ClamAV's clamd over INSTREAM (ClamdClient). */
export class ClamdScanner extends VirusScanner {
  readonly enabled = true;
  private lastState: { at: number; state: ScannerState } | undefined;

  constructor(private readonly client: ClamdClient) {
    super();
  }

  async scan(content: Buffer): Promise<ScanVerdict> {
    try {
      const result = await this.client.scan(content);
      return result.infected
        ? { verdict: 'infected', signature: result.signature }
        : { verdict: 'clean' };
    } catch (error) {
      if (error instanceof ClamdUnavailable) return { verdict: 'pending', reason: error.message };
      throw error;
    }
  }

  /** Whether clamd answers PING; cached for 5 s so probes do not hammer it. */
  async state(options: { fresh?: boolean } = {}): Promise<ScannerState> {
    const now = Date.now();
    if (!options.fresh && this.lastState && now - this.lastState.at < 5000)
      return this.lastState.state;
    const state: ScannerState = await this.client.ping().then(
      () => 'ok',
      () => 'unreachable',
    );
    this.lastState = { at: now, state };
    return state;
  }
}

/** The scanner CLAMAV_URL asks for (validated at boot): off when it is empty. */
export function createVirusScanner(clamavUrl: string, timeoutMs?: number): VirusScanner {
  if (!clamavUrl) return new NoScanner();
  const address = parseClamdUrl(clamavUrl);
  if (!address) throw new Error(`CLAMAV_URL is not a tcp:// or unix:// address`);
  return new ClamdScanner(new ClamdClient(address, { timeoutMs }));
}
