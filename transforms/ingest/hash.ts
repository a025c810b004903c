import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** sha256 of a file's content: the ledger key, whatever the file is called. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * sha256 of what a file holds: of its decompressed content when it is gzip (.gz), so that a file
 * and a gzipped copy of it are known as the same delivery; else hashFile's.
 */
export async function hashContent(path: string): Promise<string> {
  if (!/\.gz$/i.test(path)) return hashFile(path);
  const hash = createHash('sha256');
  const stream: Readable = createReadStream(path).pipe(createGunzip());
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
