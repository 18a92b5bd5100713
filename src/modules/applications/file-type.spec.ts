import { sniffContentType } from './file-type.js';

const bytes = (...values: number[]) => Buffer.from(values);

describe('sniffContentType', () => {
  it('recognizes a PDF by its %PDF- header', () => {
    expect(sniffContentType(Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj'))).toBe('application/pdf');
  });

  it('recognizes a JPEG by its SOI marker', () => {
    expect(sniffContentType(bytes(0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46))).toBe(
      'image/jpeg',
    );
  });

  it('recognizes a PNG by its 8-byte signature', () => {
    expect(
      sniffContentType(
        bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d),
      ),
    ).toBe('image/png');
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

  it('only looks at the start of the file', () => {
    expect(sniffContentType(Buffer.from(' %PDF-1.4'))).toBeUndefined();
  });
});
