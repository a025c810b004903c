import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { contentStream, isGzipPath } from '../../transforms/ingest/content-stream.ts';

async function readAll(path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of contentStream(path, 4096)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('contentStream: what a delivered file holds', () => {
  it('decompresses a .gz in any case, and reads any other name as it is', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fangst-content-'));
    const text = Buffer.from('DiagnoseId;SORkode\n'.repeat(10_000));
    for (const name of ['a.csv.gz', 'B.CSV.GZ', 'c.ndjson.Gz']) {
      await writeFile(join(dir, name), gzipSync(text));
      expect(isGzipPath(name)).toBe(true);
      expect((await readAll(join(dir, name))).equals(text), name).toBe(true);
    }
    await writeFile(join(dir, 'gz.csv'), gzipSync(text));
    expect(isGzipPath('gz.csv')).toBe(false);
    expect((await readAll(join(dir, 'gz.csv'))).equals(gzipSync(text))).toBe(true);
  });

  it('gives a read error to the reader instead of waiting for a gzip stream that never ends', async () => {
    await expect(readAll(join(tmpdir(), 'fangst-no-such-file.csv.gz'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it.runIf(existsSync('/proc/self/fd'))('closes the file when a reader stops early (no descriptor left open)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fangst-content-'));
    const file = join(dir, 'big.csv.gz');
    await writeFile(file, gzipSync(Buffer.alloc(8 << 20, 'x')));
    const open = () => readdirSync('/proc/self/fd').length;
    const before = open();
    for (let i = 0; i < 20; i++) {
      const stream = contentStream(file, 4096);
      for await (const _ of stream) break; // the first chunk is enough (a header)
      if (!stream.closed) await once(stream, 'close');
    }
    // the file streams close on the next turns of the event loop
    for (let waited = 0; open() > before && waited < 200; waited++) await new Promise((r) => setImmediate(r));
    expect(open()).toBeLessThanOrEqual(before);
  });
});
