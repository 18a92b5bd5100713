import { parseCsv } from './read-csv.js';
import { exportCsv, templateCsv } from './write-csv.js';

describe('exportCsv', () => {
  it('quotes every cell, doubles quotes, ends lines with CRLF, and starts with a BOM when asked', () => {
    expect(
      exportCsv(
        [
          ['nom', 'note', 'vide'],
          ['Côté, "Hélène"', 'a\nb', null],
        ],
        { bom: true },
      ),
    ).toBe('\uFEFF"nom","note","vide"\r\n"Côté, ""Hélène""","a\nb",""\r\n');
    expect(exportCsv([[1, true, { a: 1 }]])).toBe('"1","true","{""a"":1}"\r\n');
    expect(exportCsv([], { bom: true })).toBe('\uFEFF');
  });

  it('defuses every cell a spreadsheet would run as a formula', () => {
    const cells = ['=1+1', '+33 1 23', '-5', -5, '@SUM(A1)', '\tx', '\rx', '＝1+1', 'a=b', ''];
    expect(exportCsv([cells])).toBe(
      `"'=1+1","'+33 1 23","'-5","'-5","'@SUM(A1)","'\tx","'\rx","'＝1+1","a=b",""\r\n`,
    );
  });

  it('reads back as written', () => {
    const rows = [
      ['neq', 'email', 'name'],
      ['1234567890', '', 'Deuxième, "la bonne"; inc.\r\nSuite'],
    ];
    const parsed = parseCsv(exportCsv(rows, { bom: true }));
    expect(parsed).toEqual({ ok: true, delimiter: ',', records: rows });
  });
});

describe('templateCsv', () => {
  it('writes a BOM, the delimiter asked for, and quotes only the cells that need it', () => {
    expect(
      templateCsv(
        [
          ['a', 'b', 'c', 'd'],
          ['2,5', '12, rue; Principale', 'dit "oui"', '-5'],
        ],
        ';',
      ),
    ).toBe('\uFEFFa;b;c;d\r\n2,5;"12, rue; Principale";"dit ""oui""";-5\r\n');
    expect(templateCsv([['x,y', 'z']], ',')).toBe('\uFEFF"x,y",z\r\n');
  });
});
