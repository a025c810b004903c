import { createReadStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

/** What one pass over a delivered file's content (decompressed when gzip) found. */
export interface FileScan {
  /** Why a gzip file cannot be trusted; null when it decompresses to its end (or is not gzip). */
  readonly problem: string | null;
  /** Whether the content holds a NUL byte anywhere. */
  readonly nul: boolean;
}

/** JSON's escape for a NUL character. */
const NUL_ESCAPE = Buffer.from('\\u0000');

/**
 * Reads a file once, as DuckDB will see it. A NUL byte is what a binary or UTF-16 file
 * looks like, and a text file without one cannot yield a value holding one (nor can JSON
 * without the escape \u0000, looked for with `jsonEscapes`): staging checks values for
 * NUL only in files where this found one.
 * DuckDB reads a truncated gzip up to the cut without an error, so a delivery
 * cut off in transfer would load as a shorter file; reading it through zlib
 * first turns that into a whole-file reject.
 */
export async function scanFile(path: string, opts: { jsonEscapes?: boolean } = {}): Promise<FileScan> {
  let nul = false;
  // The escape may straddle two chunks: the previous chunk's last bytes are kept.
  let tail = Buffer.alloc(0);
  const sink = new Writable({
    write: (chunk: Buffer, _e, done) => {
      if (!nul) {
        nul = chunk.includes(0) || (opts.jsonEscapes === true
          && (chunk.includes(NUL_ESCAPE) || Buffer.concat([tail, chunk.subarray(0, NUL_ESCAPE.length - 1)]).includes(NUL_ESCAPE)));
        if (opts.jsonEscapes) tail = Buffer.from(chunk.subarray(Math.max(0, chunk.length - (NUL_ESCAPE.length - 1))));
      }
      done();
    },
  });
  const gzip = path.endsWith('.gz');
  try {
    if (gzip) await pipeline(createReadStream(path), createGunzip(), sink);
    else await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), sink);
    return { problem: null, nul };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (!gzip) throw err;
    if (e.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(e.message)) return { problem: 'gzip file is truncated (cut off before its end)', nul };
    if (e.code?.startsWith('Z_')) return { problem: `gzip file is corrupt (${e.message})`, nul };
    throw err;
  }
}
