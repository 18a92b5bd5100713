/**
 * CSV (RFC 4180) for spreadsheets: every cell quoted, quotes doubled, CRLF line
 * ends. A cell that a spreadsheet would take for a formula (it starts with
 * = + - @, or a tab or carriage return) is prefixed with a single quote (OWASP's
 * advice against CSV injection).
 */
export function csvCell(value: unknown): string {
  let text =
    value === null || value === undefined
      ? ''
      : typeof value === 'string'
        ? value
        : typeof value === 'object'
          ? JSON.stringify(value)
          : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

export function csvLine(cells: readonly unknown[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}
