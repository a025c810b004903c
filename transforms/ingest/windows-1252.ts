// Latin-1 as Windows writes it. A file a layout declares Latin-1 (ISO 8859-1) may hold bytes
// 0x80-0x9F: in Windows-1252 they are the en and em dash, curly quotes, the euro sign and the
// like, typed in any Windows program; in ISO 8859-1 they are C1 control codes, and DuckDB's
// latin-1 reader turns the whole file down ("File is not latin-1 encoded"). The WHATWG Encoding
// Standard reads every "latin1" and "iso-8859-1" label as windows-1252 for that reason, and so
// does staging: a file DuckDB turns down is decoded as Windows-1252 into a UTF-8 copy and read
// from that. Both decodings agree on every other byte, so a file without such bytes reads the
// same either way.
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Transform } from 'node:stream';
import { isUtf8 } from 'node:buffer';
import { pipeline } from 'node:stream/promises';
import { contentStream } from './content-stream.ts';
import { withoutBom } from './header.ts';

/** DuckDB's message for a Latin-1 file with a byte that ISO 8859-1 does not define as text. */
export function isNotLatin1(err: unknown): boolean {
  return /not latin-1 encoded/i.test(err instanceof Error ? err.message : String(err));
}

export interface Transcoded {
  /** The UTF-8 copy, named like the original without .gz, in a folder only this user can read. */
  readonly path: string;
  /** Removes the copy and its folder. */
  remove(): Promise<void>;
}

/**
 * Decodes `path` (plain, or gzip when it ends in .gz) as Windows-1252 into a UTF-8 copy. Every
 * byte decodes to a character (the five Windows-1252 leaves unassigned, to their C1 code point),
 * and line breaks stay where they were, so the copy has the original's lines and line numbers.
 */
export async function transcodeWindows1252(path: string): Promise<Transcoded> {
  const decoder = new TextDecoder('windows-1252');
  const decode = new Transform({
    transform(chunk: Buffer, _enc, done) {
      done(null, decoder.decode(chunk, { stream: true }));
    },
    flush(done) {
      done(null, decoder.decode());
    },
  });
  return writeCopy(path, decode, await copyPlace(path, 'fangst-1252-'));
}

/**
 * Like transcodeWindows1252, but line by line: a line that is valid UTF-8 is kept as it is, any
 * other is decoded as Windows-1252 (a Latin-1 file that another program appended UTF-8 lines to,
 * utf8-check.ts). Line breaks stay where they were. The copy's folder goes into `dir` when given.
 */
export async function transcodeMixed(path: string, dir?: string): Promise<Transcoded> {
  const decoder = new TextDecoder('windows-1252');
  let carry = Buffer.alloc(0);
  // decoded as a stream: Node 20's one-shot windows-1252 decode drops the bytes 0x80-0x9F (its
  // dashes, quotes and euro sign); a single-byte decoding carries nothing from line to line
  const line = (bytes: Buffer) => (isUtf8(bytes) ? bytes : Buffer.from(decoder.decode(bytes, { stream: true }), 'utf8'));
  const decode = new Transform({
    transform(chunk: Buffer, _enc, done) {
      const bytes = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      const out: Buffer[] = [];
      let from = 0;
      for (let nl = bytes.indexOf(10); nl >= 0; nl = bytes.indexOf(10, from)) {
        out.push(line(bytes.subarray(from, nl + 1)));
        from = nl + 1;
      }
      carry = Buffer.from(bytes.subarray(from));
      done(null, Buffer.concat(out));
    },
    flush(done) {
      done(null, carry.length ? line(carry) : Buffer.alloc(0));
    },
  });
  return writeCopy(path, decode, await copyPlace(path, 'fangst-mixed-', dir));
}

/**
 * Where a copy of `path` goes: a folder of its own (in `dir`, else the temporary folder), so that
 * two files of one name in two folders get two copies; the name without .gz.
 */
export async function copyPlace(path: string, prefix: string, dir?: string): Promise<Transcoded> {
  const own = await mkdtemp(join(dir ?? tmpdir(), prefix));
  return { path: join(own, basename(path).replace(/\.gz$/i, '')), remove: () => rm(own, { recursive: true, force: true }) };
}

/**
 * Streams `path` (gunzipped when .gz) through `decode` into the copy, which is removed again if
 * that fails. A UTF-8 byte order mark before the text is left out: Windows programs write one
 * before Windows-1252 text too, and decoded with the rest it would be three letters (`ï»¿`)
 * in front of the header's first column name.
 */
async function writeCopy(path: string, decode: Transform, copy: Transcoded): Promise<Transcoded> {
  let first = true;
  const dropBom = new Transform({
    transform(chunk: Buffer, _enc, done) {
      done(null, first ? withoutBom(chunk) : chunk);
      first = false;
    },
  });
  try {
    await pipeline(contentStream(path), dropBom, decode, createWriteStream(copy.path, { mode: 0o600 }));
  } catch (err) {
    await copy.remove();
    throw err;
  }
  return copy;
}
