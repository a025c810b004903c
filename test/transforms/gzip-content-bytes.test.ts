// The run budget counts a gzip delivery by what it holds, read from its trailer. A trailer is
// only believed where the file is gzip and the size is one deflate can reach: what a truncated
// gzip, text named .gz or trailing bytes leave in the last four bytes is no size.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzipContentBytes } from '../../transforms/ingest/discover.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fangst-gz-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sizeOf = async (content: Buffer) => {
  const path = join(dir, 'x.csv.gz');
  await writeFile(path, content);
  return gzipContentBytes(path, content.length);
};

// a CSV-like text that compresses anywhere from hardly at all to a thousand times
const text = fc.tuple(fc.string({ minLength: 0, maxLength: 2000 }), fc.integer({ min: 1, max: 300 }))
  .map(([s, repeat]) => Buffer.from(`id;dato\n${s}\n`.repeat(repeat)));

describe('the content size of a gzip delivery', () => {
  it('is what a whole gzip file holds', async () => {
    await fc.assert(fc.asyncProperty(text, async (content) => {
      const gz = gzipSync(content);
      expect(await sizeOf(gz)).toBe(Math.max(gz.length, content.length));
    }), { numRuns: 50 });
  });

  it('is never more than deflate can make of the file, whatever its last four bytes say', async () => {
    await fc.assert(fc.asyncProperty(text, fc.integer({ min: 1, max: 200 }), fc.uint8Array({ minLength: 4, maxLength: 4 }), async (content, cut, tail) => {
      const gz = gzipSync(content);
      const truncated = gz.subarray(0, Math.max(18, gz.length - cut));
      for (const file of [truncated, Buffer.concat([gz, Buffer.from(tail)])]) {
        const n = await sizeOf(file);
        expect(n).toBeGreaterThanOrEqual(file.length);
        expect(n).toBeLessThanOrEqual(file.length * 1032);
      }
    }), { numRuns: 50 });
  });

  it('is the size on disk for text named .gz: its last four bytes are text', async () => {
    // 'ma;\n' is 171 MB read as a little-endian trailer
    const plain = Buffer.from('DiagnoseId;SORkode;Ydernr;PatientPseudo;Diagnosekode;Diagnoseart;Kontaktdato\n1;2;3;4;5;6;ma;\n');
    expect(await sizeOf(plain)).toBe(plain.length);
  });
});
