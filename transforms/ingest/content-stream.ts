// What a delivered file holds, for every reader of its bytes (header, encoding and line surveys,
// copies, hashes): its bytes as stored, or decompressed when its name ends in .gz in any case
// (a Windows system writes LAB.CSV.GZ). DuckDB decides by the name too, but only by a lower-case
// .gz: it reads such a file through a link named in lower case (literal-path.ts).
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** Whether a delivered file is read as gzip: its name ends in .gz, in any case. */
export function isGzipPath(path: string): boolean {
  return /\.gz$/i.test(path);
}

/**
 * The file's content as a stream, decompressed when isGzipPath. A read error reaches the reader,
 * and destroying the stream (a reader that stops early) closes the file as well.
 */
export function contentStream(path: string, chunkBytes = 1 << 20): Readable {
  const file = createReadStream(path, { highWaterMark: chunkBytes });
  if (!isGzipPath(path)) return file;
  const gunzip = createGunzip();
  file.on('error', (err) => gunzip.destroy(err));
  gunzip.on('close', () => file.destroy());
  return file.pipe(gunzip);
}
