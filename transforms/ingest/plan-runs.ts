import { basename } from 'node:path';

/** What the run planner needs of an inbox file. */
export interface PlannedFile {
  readonly file: string;
  readonly bytes: number;
  readonly isRegister: boolean;
}

/**
 * The delivery stamp in a file's name: its first date, yyyymm or yyyymmdd, with or without
 * dashes, as yyyymmdd (a month's day is 00, so the month sorts before its days). Every layout
 * in config/sources names its files so; a name without one sorts after every stamped file.
 */
export function deliveryStamp(file: string): string {
  const m = /(?:19|20)\d{2}-?(?:0[1-9]|1[0-2])(?:-?(?:0[1-9]|[12]\d|3[01]))?/.exec(basename(file));
  return m ? m[0].replace(/-/g, '').padEnd(8, '0') : '99999999';
}

/**
 * Splits a large inbox (a backfill) into consecutive runs of at most `budgetBytes` of input
 * each, in delivery order, so a run's memory and spill are those of a few nights, whatever the
 * size of the inbox. Each run is then a night of its own: corrections and re-sends in a later
 * run replace what an earlier one published, exactly as across nights, and because files go
 * in delivery order (stamp, then name) a later version of a record always lands in the same
 * run as, or a later run than, the earlier one. Registers go first, into the first run: every
 * run needs the clinics. The files of one month are never split, so a month larger than the
 * budget makes a run of its own.
 * null: one run, whatever the size, in the order given.
 */
export function planRuns<T extends PlannedFile>(files: readonly T[], budgetBytes: number | null): T[][] {
  if (files.length === 0) return [];
  if (budgetBytes === null) return [[...files]];
  const registers = files.filter((f) => f.isRegister);
  const deliveries = files
    .filter((f) => !f.isRegister)
    .map((f) => ({ f, stamp: deliveryStamp(f.file) }))
    .sort((a, b) => (a.stamp < b.stamp ? -1 : a.stamp > b.stamp ? 1 : a.f.file < b.f.file ? -1 : a.f.file > b.f.file ? 1 : 0))
    .map((x) => x.f);
  // Cut only between delivery months: a month's files of all systems go into the same run, or a
  // run would see some systems' month and not the others' (a false delivery gap).
  const runs: T[][] = [];
  let current: T[] = [...registers];
  let bytes = 0;
  let i = 0;
  while (i < deliveries.length) {
    const month = deliveryStamp(deliveries[i]!.file).slice(0, 6);
    let j = i;
    let groupBytes = 0;
    while (j < deliveries.length && deliveryStamp(deliveries[j]!.file).slice(0, 6) === month) groupBytes += deliveries[j++]!.bytes;
    if (bytes > 0 && bytes + groupBytes > budgetBytes) {
      runs.push(current);
      current = [];
      bytes = 0;
    }
    current.push(...deliveries.slice(i, j));
    bytes += groupBytes;
    i = j;
  }
  if (current.length) runs.push(current);
  return runs;
}
