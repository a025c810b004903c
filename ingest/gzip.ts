import { createReadStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

/**
 * Why a gzip file cannot be trusted, or null when it decompresses to its end.
 * DuckDB reads a truncated gzip up to the cut without an error, so a delivery
 * cut off in transfer would load as a shorter file; reading it through zlib
 * first turns that into a whole-file reject.
 */
export async function gzipProblem(path: string): Promise<string | null> {
  try {
    await pipeline(createReadStream(path), createGunzip(), new Writable({ write: (_c, _e, done) => done() }));
    return null;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(e.message)) return 'gzip file is truncated (cut off before its end)';
    if (e.code?.startsWith('Z_')) return `gzip file is corrupt (${e.message})`;
    throw err;
  }
}
