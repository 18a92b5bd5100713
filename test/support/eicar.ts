import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pdfOfSize } from './applications.js';

/**
 * The EICAR test file (68 bytes), built from parts so that no file in the
 * repository is itself EICAR (a scanner on a developer's machine would flag it).
 */
export const EICAR = Buffer.from(
  ['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-', 'TEST-FILE!$H+H*'].join(''),
  'latin1',
);

/**
 * A well-formed PDF with EICAR in its padding comment: it passes the type
 * check, and a clamd with `eicarAnywhere` signatures finds it (the suite's
 * one-line `eicar.hdb` matches only the 68-byte file itself).
 */
export function pdfWithEicar(): Buffer {
  const pdf = Buffer.from(pdfOfSize(600));
  const padding = pdf.indexOf('%xxxx');
  EICAR.copy(pdf, padding + 1);
  return pdf;
}

/**
 * A signature directory for a clamd of a test's own: the suite's EICAR hash
 * and a body signature that finds EICAR anywhere in a file (written at run
 * time, as hex, into the test data directory).
 */
export function eicarAnywhereSignatures(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    resolve(dir, 'eicar.hdb'),
    '44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature\n',
  );
  writeFileSync(resolve(dir, 'eicar.ndb'), `Eicar-Anywhere:0:*:${EICAR.toString('hex')}\n`);
  return dir;
}
