/** The kinds of file an application accepts as an attachment. */
export const ATTACHMENT_TYPES = ['application/pdf', 'image/jpeg', 'image/png'] as const;
export type AttachmentType = (typeof ATTACHMENT_TYPES)[number];

const SIGNATURES: { type: AttachmentType; bytes: number[] }[] = [
  // "%PDF-"
  { type: 'application/pdf', bytes: [0x25, 0x50, 0x44, 0x46, 0x2d] },
  // SOI marker followed by the first segment's marker byte.
  { type: 'image/jpeg', bytes: [0xff, 0xd8, 0xff] },
  // "\x89PNG\r\n\x1a\n"
  { type: 'image/png', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
];

/**
 * What a file really is, from its first bytes (its "magic number"), whatever
 * its name says: a text file renamed `plan.pdf` is not a PDF. Undefined for
 * anything that is not one of the accepted types.
 */
export function sniffContentType(buffer: Uint8Array): AttachmentType | undefined {
  return SIGNATURES.find(
    ({ bytes }) => buffer.length >= bytes.length && bytes.every((byte, i) => buffer[i] === byte),
  )?.type;
}
