// Reading CSV (RFC 4180) with csv-parse: shared by the SMEs' bulk filing and
// the staff's cohort import. What stays Guichet's own: the choice of `;` or
// `,` (Excel in French Québec writes `;`), the Windows-1252 fallback and the
// line a never-closed quote opened on, which the error message names.
import { CsvError, parse } from 'csv-parse/sync';

export type CsvDelimiter = ';' | ',';

export type CsvResult =
  | { ok: true; delimiter: CsvDelimiter; records: string[][] }
  | { ok: false; reason: 'unterminated-quote'; line: number };

/** CRLF, LF or CR, mixed in one file if need be (csv-parse would otherwise keep the first it meets). */
const RECORD_DELIMITERS = ['\r\n', '\n', '\r'];

/**
 * Reads CSV text: quoted fields (with the delimiter, line breaks or doubled
 * quotes inside), CRLF, LF or CR line ends, a leading UTF-8 BOM. The delimiter
 * is `;` or `,`, whichever the header line has more of outside quotes. Lenient
 * where Excel is: a quote inside an unquoted field, or text after a closing
 * quote, is kept as typed; rows may have more or fewer cells than the header.
 * A blank line is a record of one empty cell, so record numbers are line
 * numbers for files without line breaks in quotes.
 */
export function parseCsv(input: string): CsvResult {
  const text = input.startsWith('\uFEFF') ? input.slice(1) : input;
  const delimiter = detectDelimiter(text);
  const buffer = Buffer.from(text, 'utf8');
  // Where the last complete record ended, in bytes: an unclosed quote is after it.
  let parsedBytes = 0;
  try {
    const records = parse(buffer, {
      delimiter,
      record_delimiter: RECORD_DELIMITERS,
      relax_quotes: true,
      relax_column_count: true,
      on_record: (record: string[], info) => {
        parsedBytes = info.bytes;
        return record;
      },
    });
    return { ok: true, delimiter, records };
  } catch (error) {
    if (!(error instanceof CsvError) || error.code !== 'CSV_QUOTE_NOT_CLOSED') throw error;
    const line = unclosedQuoteLine(
      buffer.subarray(0, parsedBytes).toString('utf8'),
      buffer.subarray(parsedBytes).toString('utf8'),
      delimiter,
    );
    return { ok: false, reason: 'unterminated-quote', line };
  }
}

/**
 * The line (1 = the first) where the quote left open at the end of `rest`
 * began: after the lines of the complete records (`before`), and after those
 * of the fields that come before it in its own record, read by closing it.
 */
function unclosedQuoteLine(before: string, rest: string, delimiter: CsvDelimiter): number {
  let earlier = '';
  try {
    const [fields = []] = parse(`${rest}"`, {
      delimiter,
      record_delimiter: RECORD_DELIMITERS,
      relax_quotes: true,
      relax_column_count: true,
    });
    earlier = fields.slice(0, -1).join('');
  } catch {
    // Not expected (closing the quote ends the record); the record's first line then.
  }
  return 1 + lineBreaks(before) + lineBreaks(earlier);
}

function lineBreaks(text: string): number {
  return text.match(/\r\n|\r|\n/g)?.length ?? 0;
}

/** `;` when the header line has more of them than commas outside quotes, else `,`. */
function detectDelimiter(text: string): CsvDelimiter {
  let semicolons = 0;
  let commas = 0;
  let inQuotes = false;
  for (const c of text) {
    if (c === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (c === '\n' || c === '\r')) break;
    else if (!inQuotes && c === ';') semicolons++;
    else if (!inQuotes && c === ',') commas++;
  }
  return semicolons > commas ? ';' : ',';
}

/** UTF-8 (BOM or not), else Windows-1252 (what Excel writes for "CSV" without "UTF-8"). */
export function decodeCsv(buffer: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buffer);
  } catch {
    return new TextDecoder('windows-1252').decode(buffer);
  }
}

/** What is wrong with an uploaded file before its content is read. */
export type CsvFileProblem =
  { reason: 'none' | 'not-csv' | 'too-large' } | { reason: 'malformed'; line: number };

/** An uploaded CSV file, read: its header and its non-blank rows (1 = the first under the header). */
export interface CsvFile {
  header: string[];
  rows: { row: number; cells: string[] }[];
}

/**
 * Reads an uploaded CSV file: refused when missing, not named `.csv` or
 * binary (a NUL byte), over `maxBytes`, or with a quote never closed. Rows
 * whose cells are all blank are left out but keep their number, so the
 * numbers the person sees are those of their spreadsheet.
 */
export function readCsvFile(
  file: { originalname: string; buffer: Buffer; size: number } | undefined,
  maxBytes: number,
): { ok: false; problem: CsvFileProblem } | ({ ok: true } & CsvFile) {
  if (!file) return { ok: false, problem: { reason: 'none' } };
  if (!/\.csv$/i.test(file.originalname) || file.buffer.includes(0))
    return { ok: false, problem: { reason: 'not-csv' } };
  if (file.size > maxBytes || file.buffer.length > maxBytes)
    return { ok: false, problem: { reason: 'too-large' } };
  const parsed = parseCsv(decodeCsv(file.buffer));
  if (!parsed.ok) return { ok: false, problem: { reason: 'malformed', line: parsed.line } };
  const [header = [], ...records] = parsed.records;
  const rows = records
    .map((cells, i) => ({ row: i + 1, cells }))
    .filter((r) => r.cells.some((c) => c.trim() !== ''));
  return { ok: true, header, rows };
}
