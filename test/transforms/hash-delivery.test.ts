import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashDelivery } from '../../transforms/ingest/hash.ts';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('hashDelivery: the ledger key of a delivered file', () => {
  it('gives a gzip file its bytes\' hash and its content\'s, the content\'s equal to the plain file\'s hash at any level and size', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fangst-hash-'));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.uint8Array({ maxLength: 2000 }), fc.string({ maxLength: 3000 }).map((s) => new TextEncoder().encode(s.repeat(40)))),
        fc.integer({ min: 0, max: 9 }),
        async (bytes, level) => {
          const plain = Buffer.from(bytes);
          const gz = gzipSync(plain, { level });
          await writeFile(join(dir, 'a.csv'), plain);
          await writeFile(join(dir, 'a.csv.gz'), gz);
          expect(await hashDelivery(join(dir, 'a.csv'))).toEqual({ hash: sha256(plain), content: null });
          expect(await hashDelivery(join(dir, 'a.csv.gz'))).toEqual({ hash: sha256(gz), content: sha256(plain) });
        },
      ),
      { numRuns: 40 },
    );
  });

  it('keys a .gz that does not decompress (not gzip, cut short) by its bytes alone, and a missing file throws', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fangst-hash-'));
    const whole = gzipSync(Buffer.from('DiagnoseId;SORkode\n'.repeat(5000)));
    const cut = whole.subarray(0, whole.length - 10);
    for (const [name, bytes] of [['plain-text.csv.gz', Buffer.from('DiagnoseId;SORkode\nn1;1\n')], ['cut.csv.gz', cut], ['empty.csv.gz', Buffer.alloc(0)]] as const) {
      await writeFile(join(dir, name), bytes);
      expect(await hashDelivery(join(dir, name)), name).toEqual({ hash: sha256(bytes), content: null });
    }
    await expect(hashDelivery(join(dir, 'gone.csv.gz'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
