import { ZipFile } from 'yazl';

/** A file of the archive: its name and its content. */
export interface ZipEntry {
  name: string;
  content: string;
}

/** The files as one ZIP archive (deflated, each dated `at`), in memory. */
export function zipOf(entries: readonly ZipEntry[], at: Date): Promise<Buffer> {
  const zip = new ZipFile();
  for (const entry of entries)
    zip.addBuffer(Buffer.from(entry.content, 'utf8'), entry.name, { mtime: at });
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}
