// The reference workload through fangst's own ingest and DuckDB (see README.md).
import { readFile } from 'node:fs/promises';
import pLimit from 'p-limit';
import { loadConfig, type Delivery } from '../../../config/load.ts';
import { openDatabase, queryRows } from '../../../transforms/db/connection.ts';
import { discoverInbox } from '../../../transforms/ingest/discover.ts';
import { writeReferenceTables } from '../../../transforms/reference/layouts.ts';
import { createStagingTables, deliveryTarget, stageFiles } from '../../../transforms/ingest/stage.ts';
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
// As stageAll does for the nightly job: the scratch database is thrown away, and without this it
// checkpoints every 16 MB appended, each checkpoint walking the staging table.
await conn.run(`set checkpoint_threshold = '1TB'`);
const pool = await Promise.all(Array.from({ length: config.fileConcurrency }, () => db.connect()));
const limit = pLimit(config.fileConcurrency);
// Files of one layout staged together, as the nightly job does (stageFiles: one read for the clean ones).
const layouts = new Map<Delivery, typeof entries>();
for (const e of entries) if (e.role === 'delivery') layouts.set(e.delivery, [...(layouts.get(e.delivery) ?? []), e]);
let seq = 0;
await Promise.all([...layouts].map(([delivery, files]) => limit(async () => {
  const worker = pool.pop()!;
  try {
    const results = await stageFiles(worker, deliveryTarget(delivery), files.map((e) => ({
      runId: 'bench', batchId: 'bench', fileHash: e.file, file: e.file, path: e.path, timeZone: config.timeZone, seq: seq++,
    })));
    results.forEach((r, i) => {
      if (r.fileError) throw new Error(`${files[i]!.file}: ${r.fileError}`);
    });
  } finally {
    pool.push(worker);
  }
})));
const limits = spec.limits.map((l) => `(${JSON.stringify(l.code).replaceAll('"', "'")}, ${l.low ?? 'null'}, ${l.high ?? 'null'})`).join(', ');
const [row] = await queryRows<{ figures: string }>(conn, figuresSql({
  diagnoses: `select r.journal_system as system, r.contact_date__parsed as contact_date,
      coalesce(s.kind = 'A', false) as is_a
    from staging.raw_diagnoser r left join ref.kind_spellings s
      on s.journal_system = r.journal_system and s.spelling = upper(trim(r.kind))`,
  labs: `select r.journal_system as system, r.patient, r.analysis_code, r.value as value_raw,
      try_cast(case when r.decimal_sep = ',' then replace(replace(trim(r.value), '.', ''), ',', '.') else trim(r.value) end as double) as value_num,
      -- staging keeps a time's text only where it did not parse: the parsed time stands for the
      -- text otherwise (within a journal system, one text per instant)
      coalesce(r.sampled_at, cast(r.sampled_at__parsed as varchar)) as sampled_at
    from staging.raw_laboratoriesvar r`,
  limits,
}));
process.stdout.write(`${row!.figures}\n`);
db.close();
