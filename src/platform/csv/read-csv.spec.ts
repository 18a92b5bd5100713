import { parseCsv, readCsvFile } from './read-csv.js';

const file = (content: string | Buffer, originalname = 'liste.csv') => {
  const buffer = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
  return { originalname, buffer, size: buffer.length };
};

describe('reading CSV (RFC 4180)', () => {
  it('reads quoted fields, doubled quotes, line breaks in quotes, CRLF and a BOM, finding `;`', () => {
    const result = parseCsv('\uFEFFa;b;c\r\n"1;2";"dit ""oui""";"ligne\r\nsuivante"\r\nÉ;;\n');
    expect(result).toEqual({
      ok: true,
      delimiter: ';',
      records: [
        ['a', 'b', 'c'],
        ['1;2', 'dit "oui"', 'ligne\r\nsuivante'],
        ['É', '', ''],
      ],
    });
  });

  it('takes `,` when the header line has more commas than semicolons', () => {
    const result = parseCsv('a,b;c,d\n1,"2,5",3');
    expect(result).toEqual({
      ok: true,
      delimiter: ',',
      records: [
        ['a', 'b;c', 'd'],
        ['1', '2,5', '3'],
      ],
    });
  });

  it('says where a quote is never closed', () => {
    expect(parseCsv('a;b\n1;2\n3;"quatre\n5;6')).toEqual({
      ok: false,
      reason: 'unterminated-quote',
      line: 3,
    });
  });
});

describe('parseCsv', () => {
  it('keeps the delimiter, line breaks and doubled quotes inside quoted fields', () => {
    expect(parseCsv('nom,note\n"Côté, Hélène","dit ""oui""\r\npuis ""non"""\nX,"a\nb"\n')).toEqual({
      ok: true,
      delimiter: ',',
      records: [
        ['nom', 'note'],
        ['Côté, Hélène', 'dit "oui"\r\npuis "non"'],
        ['X', 'a\nb'],
      ],
    });
  });

  it('reads what French Excel writes: `;`, a BOM, CRLF, commas as decimal separators', () => {
    expect(parseCsv('\uFEFFneq;volume;note\r\n1234567890;2,5;"a;b"\r\n')).toEqual({
      ok: true,
      delimiter: ';',
      records: [
        ['neq', 'volume', 'note'],
        ['1234567890', '2,5', 'a;b'],
      ],
    });
  });

  it('takes mixed line ends, blank lines and rows of any length', () => {
    expect(parseCsv('a;b\r\n\n1;2;3\r4\n')).toEqual({
      ok: true,
      delimiter: ';',
      records: [['a', 'b'], [''], ['1', '2', '3'], ['4']],
    });
  });

  it('keeps a quote inside an unquoted field, or text after a closing quote, as typed', () => {
    expect(parseCsv('a;b\n12" écran;"Tour" A\n')).toEqual({
      ok: true,
      delimiter: ';',
      records: [
        ['a', 'b'],
        ['12" écran', '"Tour" A'],
      ],
    });
  });

  it('names the line a never-closed quote opened on, past line breaks inside earlier quotes', () => {
    expect(parseCsv('a;b\r\n"x\r\ny";"jamais\r\nfermé')).toEqual({
      ok: false,
      reason: 'unterminated-quote',
      line: 3,
    });
    expect(parseCsv('\uFEFF"ouvert')).toEqual({ ok: false, reason: 'unterminated-quote', line: 1 });
  });
});

describe('readCsvFile', () => {
  it('numbers rows from the first under the header, leaving out blank ones', () => {
    expect(readCsvFile(file('\uFEFFneq;email\r\n;\r\n1;\r\n\r\n;b@exemple.ca\r\n'), 1000)).toEqual({
      ok: true,
      header: ['neq', 'email'],
      rows: [
        { row: 2, cells: ['1', ''] },
        { row: 4, cells: ['', 'b@exemple.ca'] },
      ],
    });
  });

  it('refuses a missing, binary, misnamed, too large or malformed file with a reason', () => {
    expect(readCsvFile(undefined, 1000)).toEqual({ ok: false, problem: { reason: 'none' } });
    expect(readCsvFile(file('a;b', 'liste.xlsx'), 1000)).toEqual({
      ok: false,
      problem: { reason: 'not-csv' },
    });
    expect(readCsvFile(file(Buffer.from([0x61, 0x00, 0x62])), 1000)).toEqual({
      ok: false,
      problem: { reason: 'not-csv' },
    });
    expect(readCsvFile(file('a;b\n'.repeat(300)), 1000)).toEqual({
      ok: false,
      problem: { reason: 'too-large' },
    });
    expect(readCsvFile(file('a;b\n1;"2\n3;4\n'), 1000)).toEqual({
      ok: false,
      problem: { reason: 'malformed', line: 2 },
    });
  });

  it('reads Windows-1252 (Excel’s plain “CSV”) as well as UTF-8', () => {
    const latin1 = Buffer.from('nom;ville\nHélène;Québec\n', 'latin1');
    expect(readCsvFile(file(latin1), 1000)).toMatchObject({
      ok: true,
      rows: [{ row: 1, cells: ['Hélène', 'Québec'] }],
    });
  });
});
