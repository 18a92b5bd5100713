import { crc32 } from 'node:zlib';
import { I18nService } from '../../platform/i18n/i18n.service.js';
import { MAX_CHECKED_BYTES, sniffContentType } from './file-type.js';
import { ReceiptService } from './receipt.service.js';

const bytes = (...values: number[]) => Buffer.from(values);

/** A PDF with a classic cross-reference table, its offsets right. */
function pdf({ padding = 0, offsetShift = 0 } = {}): Buffer {
  const objects = [
    '1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n',
    '2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\n',
  ];
  let body = `%PDF-1.4\n%${'x'.repeat(padding)}\n`;
  const offsets: number[] = [];
  for (const object of objects) {
    offsets.push(Buffer.byteLength(body, 'latin1'));
    body += object;
  }
  const xref = Buffer.byteLength(body, 'latin1');
  body += `xref\n0 3\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer<</Size 3/Root 1 0 R>>\nstartxref\n${xref + offsetShift}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

/** A real 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
  return Buffer.concat([head, data, crc]);
}

/** A JPEG's skeleton: SOI, APP0, SOF0, SOS, entropy-coded data (stuffing, a restart), EOI. */
const JPEG = bytes(
  0xff, 0xd8,
  0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
  0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0x11, 0x00,
  0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00,
  0x12, 0x34, 0xff, 0x00, 0x56, 0xff, 0xd0, 0x78,
  0xff, 0xd9,
); // prettier-ignore

describe('sniffContentType', () => {
  it('recognizes a well-formed PDF: header, cross-reference, startxref and %%EOF', () => {
    expect(sniffContentType(pdf())).toBe('application/pdf');
  });

  it('recognizes the PDF receipts the portal makes (pdfkit)', async () => {
    const receipt = await new ReceiptService(new I18nService()).pdf({
      locale: 'fr',
      municipality: 'Val-des-Cèdres',
      serviceTitle: 'Permis de construction',
      reference: 'VDC-2026-000001',
      submittedAt: new Date('2026-03-02T15:04:00Z'),
      filedBy: 'Julie Gagnon',
      sections: [{ title: 'Travaux', rows: [{ label: 'Nature', value: 'Rénovation' }] }],
    });
    expect(sniffContentType(receipt)).toBe('application/pdf');
  });

  it('refuses a PDF header on anything else, whatever follows it', () => {
    expect(sniffContentType(Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj'))).toBeUndefined();
    expect(
      sniffContentType(Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.from('<html>…</html>')])),
    ).toBeUndefined();
    // %%EOF but no startxref, as the old fixtures had.
    expect(
      sniffContentType(Buffer.from('%PDF-1.4\ntrailer<</Root 1 0 R>>\n%%EOF\n')),
    ).toBeUndefined();
    // Something appended after %%EOF (a polyglot).
    expect(
      sniffContentType(Buffer.concat([pdf(), Buffer.from('<script>alert(1)</script>')])),
    ).toBeUndefined();
  });

  it('refuses a PDF whose startxref points nowhere sane', () => {
    expect(sniffContentType(pdf({ offsetShift: 7 }))).toBeUndefined();
    expect(sniffContentType(pdf({ offsetShift: 100_000 }))).toBeUndefined();
    const noTrailer = Buffer.from(pdf().toString('latin1').replace('trailer', 'nothing'), 'latin1');
    expect(sniffContentType(noTrailer)).toBeUndefined();
  });

  it('recognizes a PNG whose chunks, CRCs included, run from IHDR to IEND', () => {
    expect(sniffContentType(PNG)).toBe('image/png');
  });

  it('refuses a PNG signature on anything else, a bad CRC, a cut file or data after IEND', () => {
    const signature = PNG.subarray(0, 8);
    expect(sniffContentType(Buffer.concat([signature, Buffer.from('MZ…')]))).toBeUndefined();
    const badCrc = Buffer.from(PNG);
    badCrc[40] ^= 0xff; // inside IDAT's data
    expect(sniffContentType(badCrc)).toBeUndefined();
    expect(sniffContentType(PNG.subarray(0, PNG.length - 12))).toBeUndefined();
    expect(sniffContentType(Buffer.concat([PNG, Buffer.from('PK\x03\x04')]))).toBeUndefined();
    // IEND straight after IHDR: no image data.
    const ihdr = PNG.subarray(8, 8 + 25);
    expect(
      sniffContentType(Buffer.concat([signature, ihdr, chunk('IEND', Buffer.alloc(0))])),
    ).toBeUndefined();
    // A chunk whose length runs past the end.
    const long = chunk('tEXt', Buffer.from('a'));
    long.writeUInt32BE(0x7ffffff0, 0);
    expect(sniffContentType(Buffer.concat([signature, ihdr, long]))).toBeUndefined();
  });

  it('recognizes a JPEG whose markers run from SOI to EOI', () => {
    expect(sniffContentType(JPEG)).toBe('image/jpeg');
    expect(sniffContentType(Buffer.concat([JPEG, Buffer.alloc(16)]))).toBe('image/jpeg');
  });

  it('refuses a JPEG start on anything else, a cut file or data after EOI', () => {
    expect(sniffContentType(bytes(0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46))).toBeUndefined();
    expect(sniffContentType(JPEG.subarray(0, JPEG.length - 2))).toBeUndefined();
    expect(sniffContentType(Buffer.concat([JPEG, Buffer.from('<?php ?>')]))).toBeUndefined();
    // EOI without a frame or a scan.
    expect(sniffContentType(bytes(0xff, 0xd8, 0xff, 0xd9))).toBeUndefined();
    // A segment whose length runs past the end.
    expect(sniffContentType(bytes(0xff, 0xd8, 0xff, 0xe1, 0x7f, 0xff, 0x00))).toBeUndefined();
  });

  it('refuses a text file, whatever it is named', () => {
    // The name (plan.pdf) is never looked at: only the bytes are.
    expect(sniffContentType(Buffer.from('Ceci est un plan, promis.\n'))).toBeUndefined();
  });

  it('refuses other formats, truncated signatures and empty files', () => {
    expect(sniffContentType(Buffer.from('GIF89a'))).toBeUndefined();
    expect(sniffContentType(bytes(0x50, 0x4b, 0x03, 0x04))).toBeUndefined(); // ZIP / DOCX
    expect(sniffContentType(bytes(0x89, 0x50, 0x4e, 0x47))).toBeUndefined();
    expect(sniffContentType(Buffer.from('%PDF'))).toBeUndefined();
    expect(sniffContentType(bytes(0xff, 0xd8))).toBeUndefined();
    expect(sniffContentType(Buffer.alloc(0))).toBeUndefined();
  });

  it('only looks for the signature at the start of the file', () => {
    expect(sniffContentType(Buffer.concat([Buffer.from(' '), pdf()]))).toBeUndefined();
  });

  it('does not check a file over its size bound', () => {
    const huge = pdf({ padding: MAX_CHECKED_BYTES });
    expect(huge.length).toBeGreaterThan(MAX_CHECKED_BYTES);
    expect(sniffContentType(huge)).toBeUndefined();
  });
});
