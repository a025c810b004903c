import fc from 'fast-check';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isNotLatin1, transcodeWindows1252 } from '../../transforms/ingest/windows-1252.ts';
import { workspace } from '../helpers/inbox.ts';

// Windows-1252 at 0x80-0x9F, written out from the code page (Microsoft's cp1252 table, as the
// WHATWG Encoding Standard's index-windows-1252 lists it); the five unassigned bytes keep their
// C1 code point.
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];
/** What a byte means in Windows-1252, by the table above (Latin-1 everywhere else). */
const decodeByte = (b: number) => String.fromCodePoint(b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80]! : b);

describe('a Latin-1 file written by Windows, read as Windows-1252', () => {
  it('decodes every byte by the code page into UTF-8, keeping each line break where it was', async () => {
    const ws = await workspace();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), fc.boolean(), async (bytes, gz) => {
        const path = join(ws.root, gz ? 'x.csv.gz' : 'x.csv');
        await writeFile(path, gz ? gzipSync(bytes) : bytes);
        const copy = await transcodeWindows1252(path);
        try {
          const text = await readFile(copy.path, 'utf8');
          expect(text).toBe(Array.from(bytes, decodeByte).join(''));
          expect(text.split('\n').length).toBe(Array.from(bytes).filter((b) => b === 0x0a).length + 1);
          expect(copy.path.endsWith('.gz')).toBe(false);
        } finally {
          await copy.remove();
        }
        expect(existsSync(dirname(copy.path))).toBe(false);
      }),
      { numRuns: 60 },
    );
  });

  it('writes the copy for its owner only', async () => {
    const ws = await workspace();
    const path = join(ws.root, 'a.csv');
    await writeFile(path, Buffer.from([0x41, 0x96, 0x42, 0x0a]));
    const copy = await transcodeWindows1252(path);
    try {
      expect((await stat(copy.path)).mode & 0o077).toBe(0);
      expect((await stat(dirname(copy.path))).mode & 0o077).toBe(0);
      expect(await readFile(copy.path, 'utf8')).toBe('A\u2013B\n');
    } finally {
      await copy.remove();
    }
  });

  it('recognises DuckDB\'s message for such a file and nothing else', () => {
    expect(isNotLatin1(new Error('Invalid Input Error: File is not latin-1 encoded'))).toBe(true);
    expect(isNotLatin1(new Error('Invalid Input Error: Invalid unicode (byte sequence mismatch) detected'))).toBe(false);
    expect(isNotLatin1('not utf-8 encoded')).toBe(false);
  });
});
