import type { DuckDBConnection } from '@duckdb/node-api';
import { KINDS, type PipelineConfig } from '../../config/load.ts';
import type { Database } from '../db/connection.ts';
import { writeReferenceTables } from '../reference/layouts.ts';
import { loadCatalogue } from '../reference/npu-catalogue.ts';
import { writeSpecialtyTable, type Specialty } from '../reference/specialties.ts';
import type { RunContext } from '../run-context.ts';
import type { InboxEntry } from './discover.ts';
import type { Candidate } from './find-new.ts';
import { stageAll } from './stage-all.ts';
import { createStagingTables, deliveryTarget, registerTarget, stageFile, stageFiles, type StageResult } from './stage.ts';

/** Told of each file once it is staged: a progress bar, say. */
export interface StageProgress {
  advance(bytes: number, label: string): void;
  stop(): void;
}

/**
 * Stages a run's files: registers first, then deliveries, a bounded number of files at once,
 * each on its own connection so DuckDB can read them in parallel. The reference tables the
 * transforms join against are written first. Returns each file's result by content hash.
 */
export async function stageRun(
  db: Database, conn: DuckDBConnection, config: PipelineConfig, candidates: readonly Candidate[],
  ctx: RunContext & { readonly specialties: readonly Specialty[]; readonly progress: StageProgress },
): Promise<Map<string, StageResult>> {
  const { runId, batchId, log, progress } = ctx;
  // Rejects of a run that never committed its batch (killed or failed while staging); a committed
  // batch keeps its rejects even when its run failed afterwards (e.g. while publishing).
  await conn.run(`delete from meta.rejects where batch_id is null or batch_id not in (select batch_id from meta.batches)`);
  await createStagingTables(conn, ['register', ...KINDS]);
  await writeReferenceTables(conn, config);
  await writeSpecialtyTable(conn, ctx.specialties);
  await loadCatalogue(conn, config);
  const staged = new Map<string, StageResult>();
  const targetOf = (c: Candidate) => (c.entry.role === 'register' ? registerTarget(config.register) : deliveryTarget(c.entry.delivery));
  const contextOf = (c: Candidate, seq: number) => ({
    runId, batchId, fileHash: c.hash, file: c.entry.file, path: c.entry.path, timeZone: config.timeZone, seq,
    seen: { bytes: c.entry.bytes, mtimeMs: c.entry.mtimeMs }, maxFileBytes: config.maxFileBytes, maxFileSize: config.maxFileSize,
  });
  const recordStaged = (c: Candidate, result: StageResult) => {
    staged.set(c.hash, result);
    ctx.reach('mid-staging');
    progress.advance(c.entry.bytes, c.entry.file);
    if (result.fileError) log.error({ file: c.entry.file, reason: result.fileError }, 'file rejected');
    for (const w of result.warnings) log.warn({ file: c.entry.file }, w);
  };
  const stageOne = async (c: Candidate, worker: DuckDBConnection, seq: number) => recordStaged(c, await stageFile(worker, targetOf(c), contextOf(c, seq)));
  // Files of one layout are staged together (one read for the clean ones: stageFiles).
  const batch = {
    layoutOf: (c: Candidate) => layoutKey(c.entry),
    stage: async (cs: Candidate[], worker: DuckDBConnection, seqs: number[]) => {
      const results = await stageFiles(worker, targetOf(cs[0]!), cs.map((c, i) => contextOf(c, seqs[i]!)));
      cs.forEach((c, i) => recordStaged(c, results[i]!));
    },
  };
  await stageAll(db, candidates, {
    concurrency: config.fileConcurrency, isRegister: (c) => c.entry.role === 'register', batch, bytesOf: (c) => c.entry.contentBytes,
  }, stageOne);
  progress.stop();
  return staged;
}

/** The layout a delivered file is read with (files of one layout are staged together); null for a register. */
export function layoutKey(entry: InboxEntry): string | null {
  return entry.role === 'delivery' ? `${entry.delivery.system}/${entry.delivery.kind}/${entry.delivery.files}` : null;
}
