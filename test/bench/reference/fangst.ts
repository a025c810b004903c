// The reference workload through fangst's own ingest and DuckDB (see README.md).
import { readFile } from 'node:fs/promises';
import { loadConfig, type Delivery } from '../../../config/load.ts';
import type { InboxEntry } from '../../../transforms/ingest/discover.ts';
import { openDatabase, queryRows } from '../../../transforms/db/connection.ts';
import { discoverInbox } from '../../../transforms/ingest/discover.ts';
import { writeReferenceTables } from '../../../transforms/reference/layouts.ts';
import { createStagingTables, deliveryTarget, stageFile, stageFiles, type StageResult } from '../../../transforms/ingest/stage.ts';
import { stageAll } from '../../../transforms/ingest/stage-all.ts';
import { layoutKey } from '../../../transforms/ingest/stage-run.ts';
import type { ReferenceSpec } from '../spec.ts';
import { figuresSql } from './figures.ts';

const [specPath, inbox] = process.argv.slice(2);
const spec = JSON.parse(await readFile(specPath!, 'utf8')) as ReferenceSpec;
const config = await loadConfig('config/pipeline.yaml', { inbox });
const wanted = new Set(spec.files.map((f) => f.path));
const entries = (await discoverInbox(config)).filter((e) => e.role === 'delivery' && wanted.has(e.path));
const db = await openDatabase(':memory:', { memoryLimit: config.memoryLimit, threads: config.threads });
const conn = await db.connect();
await createStagingTables(conn, ['diagnoser', 'laboratoriesvar']);
await writeReferenceTables(conn, config);
const deliveryOf = (e: InboxEntry): Delivery => (e as Extract<InboxEntry, { role: 'delivery' }>).delivery;
const contextOf = (e: InboxEntry, seq: number) => ({ runId: 'bench', batchId: 'bench', fileHash: e.file, file: e.file, path: e.path, timeZone: config.timeZone, seq });
const check = (files: readonly InboxEntry[], results: readonly StageResult[]) => results.forEach((r, i) => {
  if (r.fileError) throw new Error(`${files[i]!.file}: ${r.fileError}`);
});
// Staged as the nightly job stages a run (transforms/ingest/stage-run.ts): a pool of
// connections, files of one layout read together in units of at most 64 MB, the largest first.
await stageAll(db, entries, {
  concurrency: config.fileConcurrency,
  isRegister: () => false,
  bytesOf: (e) => e.contentBytes,
  batch: {
    layoutOf: layoutKey,
    stage: async (files, worker, seqs) => check(files, await stageFiles(worker, deliveryTarget(deliveryOf(files[0]!)), files.map((e, i) => contextOf(e, seqs[i]!)))),
  },
}, async (e, worker, seq) => check([e], [await stageFile(worker, deliveryTarget(deliveryOf(e)), contextOf(e, seq))]));

const limits = spec.limits.map((l) => `(${JSON.stringify(l.code).replaceAll('"', "'")}, ${l.low ?? 'null'}, ${l.high ?? 'null'})`).join(', ');
const [row] = await queryRows<{ figures: string }>(conn, figuresSql({
  diagnoses: `select r.journal_system as system, r.contact_date__parsed as contact_date,
      coalesce(s.kind = 'A', false) as is_a
    from staging.raw_diagnoser r left join ref.kind_spellings s
      on s.journal_system = r.journal_system and s.spelling = upper(trim(r.kind))`,
  labs: `select r.journal_system as system, r.patient, r.analysis_code, r.value as value_raw,
      try_cast(case when r.decimal_sep = ',' then replace(replace(trim(r.value), '.', ''), ',', '.') else trim(r.value) end as double) as value_num,
      r.sampled_at, r.sampled_at__parsed
    from staging.raw_laboratoriesvar r`,
  // Staging keeps a time's text only where it did not parse: the parsed time stands for the text
  // otherwise (within a journal system, one text per instant). The pair is compared as it is: a
  // text made from every parsed time would cost more than the rest of the grouping.
  sampledKey: 'sampled_at, sampled_at__parsed',
  limits,
}));
process.stdout.write(`${row!.figures}\n`);
db.close();
