import { Injectable } from '@nestjs/common';

/** A file about to be stored: its cleaned-up name, its sniffed type and its bytes. */
export interface ScannedFile {
  filename: string;
  contentType: string;
  content: Buffer;
}

export type ScanResult = { clean: true } | { clean: false; reason: string };

/**
 * The virus-scanning hook. AttachmentsService calls `scan` on every upload
 * after the size and type checks and before anything is stored: a file that
 * is not clean is refused (the applicant is told it was refused, never why)
 * and leaves no trace but a log line of the implementation's choosing.
 *
 * The portal ships with NoScanner. To scan with ClamAV, write a class that
 * extends this one, e.g. a `ClamdScanner` that opens a TCP connection to
 * clamd, sends `zINSTREAM\0`, the content in chunks (each prefixed with its
 * length as a 4-byte big-endian integer) and a zero-length chunk, then reads
 * the answer: `stream: OK` is clean, `stream: <signature> FOUND` is not.
 * Bind it in ApplicationsModule in place of NoScanner:
 *
 *   { provide: AttachmentScanner, useClass: ClamdScanner }
 *
 * Decide there what an unreachable scanner means: throwing makes the upload
 * fail (fail closed), answering clean lets it through (fail open).
 * See docs/operations.md, "Attachments and virus scanning".
 */
export abstract class AttachmentScanner {
  abstract scan(file: ScannedFile): Promise<ScanResult>;
}

/** The default: no scanning, every file is clean. Logs nothing. */
@Injectable()
export class NoScanner extends AttachmentScanner {
  async scan(_file: ScannedFile): Promise<ScanResult> {
    return { clean: true };
  }
}
