// Writing CSV with csv-stringify: every export staff open in a spreadsheet
// (audit, cohort members, feedback) and the bulk-filing template.
import { stringify } from 'csv-stringify/sync';
import type { CsvDelimiter } from './read-csv.js';

/** A byte-order mark, so that spreadsheets read the accents as UTF-8. */
const BOM = '\uFEFF';

/**
 * Lines of a spreadsheet export: every cell quoted, quotes doubled, `,`
 * between cells, CRLF after each line, with a BOM first when `bom` is set
 * (a streamed export sets it on its first lines only). A cell that a
 * spreadsheet would take for a formula (it starts with = + - @, a tab or a
 * carriage return, or the full-width = + - @) is prefixed with a single quote
 * (OWASP's advice against CSV injection). Values that are not strings are
 * written as text first (null as empty, objects as JSON), so that a negative
 * number is defused like any other cell.
 */
export function exportCsv(
  records: readonly (readonly unknown[])[],
  options: { bom?: boolean } = {},
): string {
  if (records.length === 0) return options.bom ? BOM : '';
  const text = stringify(
    records.map((cells) => cells.map(cellText)),
    {
      quoted: true,
      quoted_empty: true,
      escape_formulas: true,
      record_delimiter: '\r\n',
    },
  );
  return options.bom ? `${BOM}${text}` : text;
}

/** One cell as exportCsv writes it (quoted, formula defused). */
export function csvCell(value: unknown): string {
  return exportCsv([[value]]).slice(0, -2);
}

/**
 * A file meant to be filled in and read back (the bulk-filing template): the
 * BOM, then cells quoted only where they need it, with the delimiter the
 * person's Excel uses. No formula guard: the cells are Guichet's own
 * examples, and a defused cell would not read back as written.
 */
export function templateCsv(
  records: readonly (readonly string[])[],
  delimiter: CsvDelimiter,
): string {
  return `${BOM}${stringify(
    records.map((cells) => [...cells]),
    { delimiter, record_delimiter: '\r\n' },
  )}`;
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
