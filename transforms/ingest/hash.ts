import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { isGzipPath } from './content-stream.ts';

/** sha256 of a file's content: the ledger key, whatever the file is called. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * A delivered file's sha256 (hashFile's) and, when it is gzip (.gz), the sha256 of its
 * decompressed content, from one read: a file and a gzipped copy of it are the same delivery.
 * content is null for a file that is not gzip, and for a .gz that does not decompress (staging
 * says what is wrong with it).
 */
export async function hashDelivery(path: string): Promise<{ hash: string; content: string | null }> {
  if (!isGzipPath(path)) return { hash: await hashFile(path), content: null };
  const raw = createHash('sha256');
  const content = createHash('sha256');
  try {
    await pipeline(
      createReadStream(path),
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          raw.update(chunk);
          yield chunk;
        }
      },
      createGunzip(),
      async (decompressed: AsyncIterable<Buffer>) => {
        for await (const chunk of decompressed) content.update(chunk);
      },
    );
  } catch {
    // not gzip, or cut short: the file's own hash (read whole again) keys it; a read error throws there
    return { hash: await hashFile(path), content: null };
  }
  return { hash: raw.digest('hex'), content: content.digest('hex') };
}
