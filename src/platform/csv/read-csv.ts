// CSV (RFC 4180) reading, without a dependency: shared by the SMEs' bulk filing
// and the staff's cohort import.

export type CsvResult =
  | { ok: true; delimiter: ';' | ','; records: string[][] }
  | { ok: false; reason: 'unterminated-quote'; line: number };

/**
 * Reads CSV text: quoted fields (with the delimiter, line breaks or doubled
 * quotes inside), CRLF, LF or CR line ends, a leading UTF-8 BOM. The delimiter
 * is `;` or `,`, whichever the header line has more of outside quotes (Excel in
 * French Québec writes `;`). Lenient where Excel is: text after a closing quote
 * is kept, a quote inside an unquoted field is literal.
 */
export function parseCsv(input: string): CsvResult {
  const text = input.startsWith('\uFEFF') ? input.slice(1) : input;
  const delimiter = detectDelimiter(text);
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let fieldStart = true;
  let inQuotes = false;
  let line = 1;
  let quoteLine = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else {
        if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) line++;
        field += c;
      }
      continue;
    }
    if (c === '"' && fieldStart) {
      inQuotes = true;
      fieldStart = false;
      quoteLine = line;
    } else if (c === delimiter) {
      record.push(field);
      field = '';
      fieldStart = true;
    } else if (c === '\r' || c === '\n') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      fieldStart = true;
      line++;
    } else {
      field += c;
      fieldStart = false;
    }
  }
  if (inQuotes) return { ok: false, reason: 'unterminated-quote', line: quoteLine };
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return { ok: true, delimiter, records };
}

function detectDelimiter(text: string): ';' | ',' {
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
