import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../transforms/db/connection.ts';
import { BATCH_BYTES, stageAll } from '../../transforms/ingest/stage-all.ts';

// stageAll's plan: registers first, units of one layout up to BATCH_BYTES, the largest unit
// started first, and every file numbered in plan order whatever order the reads run in (the
// number orders a file's rows against another file's: the later row of a record wins).

interface File { name: string; layout: string | null; bytes: number; register?: boolean }

async function plan(files: File[], concurrency: number): Promise<{ started: string[]; seq: Map<string, number> }> {
  const db = await openDatabase(':memory:', { threads: 1 });
  const started: string[] = [];
  const seq = new Map<string, number>();
  try {
    await stageAll(db, files, {
      concurrency,
      isRegister: (f) => f.register === true,
      bytesOf: (f) => f.bytes,
      batch: {
        layoutOf: (f) => f.layout,
        stage: async (fs, _conn, seqs) => {
          started.push(fs.map((f) => f.name).join('+'));
          fs.forEach((f, i) => seq.set(f.name, seqs[i]!));
        },
      },
    }, async (f, _conn, s) => {
      started.push(f.name);
      seq.set(f.name, s);
    });
  } finally {
    db.close();
  }
  return { started, seq };
}

describe('stageAll', () => {
  const MB = 1 << 20;
  const files: File[] = [
    { name: 'a1', layout: 'A', bytes: 1 * MB }, { name: 'b1', layout: 'B', bytes: 40 * MB }, { name: 'a2', layout: 'A', bytes: 2 * MB },
    { name: 'reg', layout: null, bytes: 1, register: true }, { name: 'b2', layout: 'B', bytes: 40 * MB }, { name: 'odd', layout: null, bytes: 5 * MB },
  ];

  it('numbers the files in plan order: registers, then each unit of work as its first file comes (a file that does not fit the unit of its layout opens a new one)', async () => {
    const { seq } = await plan(files, 1);
    expect(Object.fromEntries(seq)).toEqual({ reg: 0, a1: 1, a2: 2, b1: 3, b2: 4, odd: 5 });
  });

  it('starts the register, then the largest unit of work first; the numbers stay those of the plan', async () => {
    const { started, seq } = await plan(files, 1);
    // b1 and b2 together pass BATCH_BYTES: each is a unit of its own
    expect(80 * MB).toBeGreaterThan(BATCH_BYTES);
    expect(started).toEqual(['reg', 'b1', 'b2', 'odd', 'a1+a2']);
    expect(seq.get('b2')).toBeGreaterThan(seq.get('b1')!);
    expect(seq.get('a2')).toBeLessThan(seq.get('b1')!);
  });
});
