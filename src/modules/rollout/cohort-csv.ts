import { isEmail } from 'class-validator';
import { readCsvFile, type CsvFileProblem } from '../../platform/csv/read-csv.js';
import type { Audience } from '../../platform/flags/flag-context.js';
import { normalizeNeq } from '../organizations/dto/organization.dto.js';

/** The most members one file may add. */
export const MAX_IMPORT_ROWS = 1000;

/** The columns an import reads; any other column (those of an export, say) is ignored. */
export const IMPORT_COLUMNS = ['neq', 'email'] as const;
type ImportColumn = (typeof IMPORT_COLUMNS)[number];

/** What one valid row asks for. */
export type ImportEntry = { row: number; neq: string } | { row: number; email: string };

/** A problem with the file itself, shown beside the file input. */
export type ImportFileProblem =
  CsvFileProblem | { reason: 'empty' | 'too-many-rows' | 'no-column' };

/**
 * A problem in a row (1 = the first row under the header): a catalog key under
 * `cohorts.import.problems.` and its values.
 */
export interface ImportRowProblem {
  row: number;
  column?: ImportColumn;
  key: string;
  values?: Record<string, string | number>;
}

/** The rows read: the valid entries and the problems of the others (none, for a clean file). */
export type ImportReading =
  | { ok: false; fileProblem: ImportFileProblem }
  | { ok: true; entries: ImportEntry[]; problems: ImportRowProblem[]; rowCount: number };

/**
 * Reads a member list: a header row naming `neq` and/or `email` (in any case,
 * with other columns ignored), `;` or `,` separators, UTF-8 or Windows-1252.
 * Each row has a NEQ (10 digits; spaces allowed) or an address, not both; NEQs
 * only in a business cohort; a row repeating an earlier one is a problem too.
 * Whether each NEQ is registered is for the caller to check.
 */
export function readMemberCsv(
  file: { originalname: string; buffer: Buffer; size: number } | undefined,
  audience: Audience,
  maxBytes: number,
): ImportReading {
  const read = readCsvFile(file, maxBytes);
  if (!read.ok) return { ok: false, fileProblem: read.problem };
  const { header, rows } = read;
  const index = new Map<ImportColumn, number>();
  header.forEach((name, i) => {
    const column = name.trim().toLowerCase();
    if (
      (IMPORT_COLUMNS as readonly string[]).includes(column) &&
      !index.has(column as ImportColumn)
    )
      index.set(column as ImportColumn, i);
  });
  if (index.size === 0) return { ok: false, fileProblem: { reason: 'no-column' } };
  if (rows.length === 0) return { ok: false, fileProblem: { reason: 'empty' } };
  if (rows.length > MAX_IMPORT_ROWS) return { ok: false, fileProblem: { reason: 'too-many-rows' } };

  const problems: ImportRowProblem[] = [];
  const entries: ImportEntry[] = [];
  const seen = new Map<string, number>();
  for (const { row, cells } of rows) {
    const cell = (column: ImportColumn) => {
      const i = index.get(column);
      return i === undefined ? '' : (cells[i] ?? '').trim();
    };
    const neqCell = cell('neq');
    const emailCell = cell('email');
    if (neqCell && emailCell) {
      problems.push({ row, key: 'both' });
      continue;
    }
    if (!neqCell && !emailCell) {
      problems.push({ row, key: 'neither' });
      continue;
    }
    let entry: ImportEntry;
    let identity: string;
    if (neqCell) {
      if (audience !== 'business') {
        problems.push({ row, column: 'neq', key: 'neqInCitizenCohort' });
        continue;
      }
      const neq = normalizeNeq(neqCell);
      if (!neq) {
        problems.push({ row, column: 'neq', key: 'neqInvalid', values: { value: neqCell } });
        continue;
      }
      entry = { row, neq };
      identity = `neq:${neq}`;
    } else {
      if (emailCell.length > 254 || !isEmail(emailCell)) {
        problems.push({ row, column: 'email', key: 'emailInvalid', values: { value: emailCell } });
        continue;
      }
      entry = { row, email: emailCell };
      identity = `email:${emailCell.toLowerCase()}`;
    }
    const earlier = seen.get(identity);
    if (earlier !== undefined) {
      problems.push({
        row,
        column: 'neq' in entry ? 'neq' : 'email',
        key: 'duplicate',
        values: { row: earlier },
      });
      continue;
    }
    seen.set(identity, row);
    entries.push(entry);
  }
  return { ok: true, entries, problems, rowCount: rows.length };
}
