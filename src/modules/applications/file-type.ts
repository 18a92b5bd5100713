import { crc32 } from 'node:zlib';

/** The kinds of file an application accepts as an attachment. */
export const ATTACHMENT_TYPES = ['application/pdf', 'image/jpeg', 'image/png'] as const;
export type AttachmentType = (typeof ATTACHMENT_TYPES)[number];

/**
 * The largest file whose structure is checked: bigger ones are refused outright
 * (every upload route's limit is well under it), so the check's work is bounded.
 */
export const MAX_CHECKED_BYTES = 64 * 1024 * 1024;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * What a file really is, from its bytes, whatever its name says: a text file
 * renamed `plan.pdf` is not a PDF. Not only the first bytes: the whole file
 * must have the structure of its type (a PDF's header, cross-reference and
 * `%%EOF` trailer; every chunk of a PNG up to IEND, CRCs included; a JPEG's
 * markers from SOI to EOI), so a PDF header on anything else is refused.
 * Undefined for anything that is not a well-formed file of an accepted type.
 * Linear in the file's size.
 */
export function sniffContentType(buffer: Uint8Array): AttachmentType | undefined {
  if (buffer.length === 0 || buffer.length > MAX_CHECKED_BYTES) return undefined;
  const bytes = Buffer.from(buffer.buffer, buffer.byteOffset, buffer.length);
  if (bytes.subarray(0, 5).toString('latin1') === '%PDF-')
    return isWellFormedPdf(bytes) ? 'application/pdf' : undefined;
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(PNG_SIGNATURE))
    return isWellFormedPng(bytes) ? 'image/png' : undefined;
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff)
    return isWellFormedJpeg(bytes) ? 'image/jpeg' : undefined;
  return undefined;
}

/**
 * A PDF: `%PDF-1.x` or `%PDF-2.x` header; at its end (after the last
 * `startxref`) the byte offset of the last cross-reference section, then
 * `%%EOF`; that offset lies inside the file, before `startxref`, and points at
 * a cross-reference table (`xref`, followed later by `trailer`) or a
 * cross-reference stream (`N G obj`).
 */
export function isWellFormedPdf(bytes: Buffer): boolean {
  if (!/^%PDF-[12]\.\d/.test(bytes.subarray(0, 8).toString('latin1'))) return false;
  const tailStart = Math.max(0, bytes.length - 1024);
  const tail = bytes.subarray(tailStart).toString('latin1');
  const end = /startxref[\r\n\t ]+(\d{1,10})[\r\n\t ]+%%EOF[\r\n\t \0]*$/.exec(tail);
  if (!end) return false;
  const startxref = tailStart + end.index;
  const offset = Number(end[1]);
  if (offset < 8 || offset >= startxref) return false;
  const at = bytes.subarray(offset, Math.min(offset + 64, startxref)).toString('latin1');
  if (/^xref[\r\n\t ]/.test(at)) return bytes.indexOf('trailer', offset, 'latin1') !== -1;
  return /^\d{1,10}[\r\n\t ]+\d{1,5}[\r\n\t ]+obj\b/.test(at);
}

/**
 * A PNG: its signature, then chunks (length, ASCII type, data, CRC-32 of type
 * and data) each inside the file and with the right CRC, IHDR first (13 bytes,
 * width and height not 0), at least one IDAT, and IEND last, nothing after it.
 */
export function isWellFormedPng(bytes: Buffer): boolean {
  let at = PNG_SIGNATURE.length;
  let first = true;
  let sawData = false;
  while (at + 12 <= bytes.length) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.subarray(at + 4, at + 8);
    if (length > 0x7fffffff || at + 12 + length > bytes.length) return false;
    if (!type.every((b) => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a))) return false;
    const name = type.toString('latin1');
    const crc = bytes.readUInt32BE(at + 8 + length);
    if (crc32(bytes.subarray(at + 4, at + 8 + length)) !== crc) return false;
    if (first) {
      if (name !== 'IHDR' || length !== 13) return false;
      if (bytes.readUInt32BE(at + 8) === 0 || bytes.readUInt32BE(at + 12) === 0) return false;
      first = false;
    }
    if (name === 'IDAT') sawData = true;
    at += 12 + length;
    if (name === 'IEND') return length === 0 && sawData && at === bytes.length;
  }
  return false;
}

/**
 * A JPEG: SOI, then marker segments (each length inside the file), a frame
 * header (SOFn) before the first scan (SOS), entropy-coded data read up to the
 * next marker, and EOI at the end (only zero padding may follow it).
 */
export function isWellFormedJpeg(bytes: Buffer): boolean {
  let at = 2;
  let sawFrame = false;
  let sawScan = false;
  while (at < bytes.length) {
    if (bytes[at] !== 0xff) return false;
    // Fill bytes before a marker.
    while (at < bytes.length && bytes[at] === 0xff) at += 1;
    if (at >= bytes.length) return false;
    const marker = bytes[at];
    at += 1;
    if (marker === 0xd9) {
      if (!sawFrame || !sawScan) return false;
      return bytes.subarray(at).every((b) => b === 0);
    }
    if (marker === 0x00 || marker === 0xd8) return false;
    // Standalone markers: RSTn, TEM.
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue;
    if (at + 2 > bytes.length) return false;
    const length = bytes.readUInt16BE(at);
    if (length < 2 || at + length > bytes.length) return false;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
      sawFrame = true;
    at += length;
    if (marker === 0xda) {
      if (!sawFrame) return false;
      sawScan = true;
      // Entropy-coded data: up to the next marker that is not stuffing (FF 00) or a restart.
      while (at < bytes.length) {
        if (bytes[at] !== 0xff) {
          at += 1;
          continue;
        }
        const next = bytes[at + 1];
        if (next === 0x00 || (next !== undefined && next >= 0xd0 && next <= 0xd7)) at += 2;
        else if (next === 0xff) at += 1;
        else break;
      }
    }
  }
  return false;
}
