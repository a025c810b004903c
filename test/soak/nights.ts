// The nights of a soak: one generated delivery per day, made once and copied into an inbox the
// way a delivery service drops the night's files before the nightly starts.
import { existsSync } from 'node:fs';
import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fangst, firstLine } from './processes.ts';

export interface Night {
  readonly number: number;
  /** yyyy-mm-dd: the generator's --night. */
  readonly date: string;
  /** The night's deliveries, as the generator wrote them. */
  readonly folder: string;
}

const FIRST_NIGHT = Date.UTC(2026, 3, 1); // 2026-04-01: after the SOR switch, with lab results live

export function nightDates(count: number): string[] {
  return Array.from({ length: count }, (_, i) => new Date(FIRST_NIGHT + i * 86_400_000).toISOString().slice(0, 10));
}

/** Generates each night's deliveries under `cache` (once: the same seed gives the same files). */
export async function generateNights(cache: string, count: number, scale: string, seed: number): Promise<Night[]> {
  const nights: Night[] = [];
  for (const [i, date] of nightDates(count).entries()) {
    const folder = join(cache, `s${scale}-seed${seed}`, `night-${date}`);
    // A marker beside the folder, written last: a generation cut short is made again.
    const done = `${folder}.done`;
    if (!existsSync(done)) {
      const r = await fangst(['generate', '--scale', scale, '--seed', String(seed), '--night', date, '--out', folder,
        '--truth', join(folder, '..', `truth-${date}.parquet`)]);
      if (r.code !== 0) throw new Error(`generating night ${date} failed (exit ${r.code}): ${firstLine(r.stderr)}`);
      await writeFile(done, '');
    }
    nights.push({ number: i + 1, date, folder });
  }
  return nights;
}

/** Drops a night's files into the inbox (the register is delivered again each night, unchanged or not). */
export async function deliver(night: Night, inbox: string): Promise<void> {
  await cp(night.folder, inbox, { recursive: true, force: true });
}
