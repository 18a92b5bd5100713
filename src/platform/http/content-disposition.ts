/**
 * `Content-Disposition: attachment` for a file the portal sends back, with a
 * name no browser can misread (RFC 6266): the UTF-8 name in `filename*`, and an
 * ASCII fallback in `filename` for the clients that ignore it; never a quote, a
 * backslash, a line break, a control or bidirectional character, or a path.
 */
export function attachmentDisposition(filename: string): string {
  const name =
    (filename.split(/[/\\]/).pop() ?? '')
      .normalize('NFC')
      .replace(/[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu, '')
      .trim() || 'document';
  const ascii = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]|["\\%;]/g, '_');
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
