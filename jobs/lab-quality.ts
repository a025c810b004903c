// `fangst lab-quality EXTRACT... [--mapping FILE] [--out DIR]`: how much of a lab extract is
// usable and exactly what is wrong, by analysis, unit, clinic and journal system. The extract is
// read with the nightly pipeline's own ingest and transforms into a DuckDB file of its own in
// --out (the same tables as the nightly database, so `fangst score --db` works on it), the lab
// layer and the lab checks run over it, and the analyst report and the flagged rows are written
// beside it.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { DuckDBConnection } from '@duckdb/node-api';
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import { ConfigError, UsageError } from '../config/errors.ts';
import { KINDS, loadConfig, sizeInBytes, type Delivery } from '../config/load.ts';
import { queryRows, sqlString } from '../transforms/db/connection.ts';
import { isGzipPath } from '../transforms/ingest/content-stream.ts';
import { hashDelivery } from '../transforms/ingest/hash.ts';
import { loadCatalogue } from '../transforms/reference/npu-catalogue.ts';
import { writeReferenceTables } from '../transforms/reference/layouts.ts';
import { stageAll } from '../transforms/ingest/stage-all.ts';
import { createStagingTables, replaceWithView, stageFile, type StageResult } from '../transforms/ingest/stage.ts';
import { FHIR_SYSTEM, loadFhirMacros, setApartOlderAcrossFiles, stageFhirFile } from '../transforms/ingest/fhir.ts';
import { loadMapping, resolveInputs, type LabInput } from '../quality/reports/lab-quality/inputs.ts';
import { LAB_MAX_RECORD_BYTES, prepareMappedInputs } from '../quality/reports/lab-quality/prepare.ts';
import { setApartCancelled } from '../quality/reports/lab-quality/statuses.ts';
import { checkMapping, mappingText } from '../quality/reports/lab-quality/check-mapping.ts';
import { applicableChecks, deliveredAtOf, evaluationOf, evaluationOnlyChecks } from '../quality/reports/lab-quality/evaluation.ts';
import { parseInstant } from '../quality/reports/lab-quality/mapping.ts';
import type { LabOutputs } from '../quality/reports/lab-quality/write.ts';
import type { LabFile } from '../quality/reports/lab-quality/protect.ts';
import { createLogger } from './log.ts';
import { acceptRun } from '../transforms/publish/accept.ts';
import { loadChecks, runChecks } from '../quality/engine.ts';
import { loadMacros } from '../transforms/macros.ts';
import { runLayer, scratchTable } from '../transforms/run.ts';
import { recordParseRejects, recordPipelineFindings, replaceClinics } from '../transforms/transform-run.ts';
import { EXIT } from './exit-codes.ts';
import { openForWriting } from './open-database.ts';
import { acquireRunLock } from './run-lock.ts';

export interface LabQualityOptions {
  /** Files or folders: the nine layouts, a mapped foreign layout, FHIR Observation NDJSON. */
  readonly extracts: readonly string[];
  readonly mapping?: string;
  /** Output folder (default ./lab-quality-out). */
  readonly out?: string;
  readonly config?: string;
  /** For tests: the time the run pretends it is ('in the future' is judged against it). */
  readonly now?: Date;
  /** "Now" for every time check (overrides the mapping's as_of). */
  readonly asOf?: Date;
  /** When the extract was delivered (overrides the mapping's delivered_at); never the files' mtimes when as-of is given. */
  readonly deliveredAt?: Date;
  /** Dates were shifted by de-identification: only the order of times is judged. */
  readonly datesShifted?: boolean;
  /** flagged-rows.csv for Danish Excel: `;`, decimal comma, BOM. */
  readonly danishCsv?: boolean;
  /** Also flagged-rows.json (Parquet and CSV are always written). */
  readonly flaggedJson?: boolean;
  /** Also report-own.html and summary-own.json, every count shown (1-4 included): the analyst's own, not for sharing. */
  readonly ownReport?: boolean;
  /** Also keep lab-quality.duckdb, every table of the evaluation (for further SQL, `fangst score`). */
  readonly keepDatabase?: boolean;
  readonly logger?: Logger;
}

export interface LabQualityResult {
  readonly exitCode: number;
  readonly outputs: LabOutputs;
  readonly files: readonly LabFile[];
  readonly ignored: readonly { file: string; reason: string }[];
}

/** The DuckDB file lab-quality writes into its output folder with --keep-database. */
export const LAB_DB_FILE = 'lab-quality.duckdb';

/**
 * Without --keep-database an evaluation's tables live in memory when the extract is small enough
 * for them: ~40 bytes of tables per byte of a delivered CSV, so under a 50th of memory_limit.
 * Larger ones go to a database file in the temporary folder, which writes its tables compressed
 * and frees their memory, where an in-memory database would spill them uncompressed.
 */
const IN_MEMORY_SHARE = 50;

/** DuckDB's row group: the rows one thread scans as one task (its default row_group_size). */
const DUCKDB_ROW_GROUP_ROWS = 122_880;

export async function runLabQuality(opts: LabQualityOptions): Promise<LabQualityResult> {
  const log = opts.logger ?? createLogger();
  const config = await loadConfig(opts.config);
  const labMapping = opts.mapping ? await loadMapping(opts.mapping) : null;
  const mapping: Delivery[] = [...(labMapping?.deliveries ?? [])];
  const resolved = await resolveInputs(opts.extracts, config, mapping);
  const recognised = resolved.filter((i) => i.role !== 'unrecognised');
  const ignored = resolved.flatMap((i) => (i.role === 'unrecognised' ? [{ file: i.file, reason: i.reason }] : []));
  if (!recognised.some((i) => i.role !== 'register')) {
    // what was found and why it is not read (a name holding a CPR number, no layout claims it)
    const shown = ignored.slice(0, 10).map((i) => `${i.file} (${i.reason})`);
    const more = ignored.length > shown.length ? `; and ${ignored.length - shown.length} more` : '';
    const notRead = shown.length ? `; not read: ${shown.join('; ')}${more}` : '';
    throw new UsageError('EXTRACT', opts.extracts, `lab files in one of the layouts of config/sources, a layout of --mapping, or FHIR Observation NDJSON${notRead}`);
  }
  const outDir = resolve(opts.out ?? 'lab-quality-out');
  const dbFile = join(outDir, LAB_DB_FILE);
  // Two evaluations into one folder would remove each other's file: the second is turned away (75).
  const lock = await acquireRunLock(dbFile, 'lab-quality');
  try {
    return await evaluate(opts, { config, mapping, labMapping, recognised, ignored, outDir, dbFile }, log);
  } finally {
    await lock.release();
  }
}

interface Evaluation {
  readonly config: Awaited<ReturnType<typeof loadConfig>>;
  readonly mapping: Delivery[];
  readonly labMapping: Awaited<ReturnType<typeof loadMapping>> | null;
  readonly recognised: LabInput[];
  readonly ignored: { file: string; reason: string }[];
  readonly outDir: string;
  readonly dbFile: string;
}

/** What the evaluation says about how it read the files, beside the time frame's notes. */
function notesOf(inputs: readonly LabInput[], foreignSystems: readonly string[]): string[] {
  return [
    ...(foreignSystems.length ? [`Patient identifiers of ${foreignSystems.join(', ')} are the extract's own: not judged by the journal systems' pseudonym format.`] : []),
    ...inputs.flatMap((i) => ((i.role === 'delivery' || i.role === 'fhir') && i.readAs ? [`${i.file}: ${i.readAs}.`] : [])),
  ];
}

async function evaluate(opts: LabQualityOptions, e: Evaluation, log: Logger): Promise<LabQualityResult> {
  const { config, mapping, labMapping, recognised, ignored, outDir, dbFile } = e;
  // Each evaluation starts from nothing: the file describes this extract only.
  await rm(dbFile, { force: true });
  await rm(`${dbFile}.wal`, { force: true });
  const now = opts.now ?? new Date();
  const evaluation = evaluationOf({ clock: now, asOf: opts.asOf, deliveredAt: opts.deliveredAt, datesShifted: opts.datesShifted, timeZone: config.timeZone }, labMapping);
  const tmpDir = await mkdtemp(join(tmpdir(), 'fangst-lab-'));
  const readable = await prepareMappedInputs(recognised, tmpDir, config.timeZone).catch(async (err: unknown) => {
    await rm(tmpDir, { recursive: true, force: true });
    throw err;
  });
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const runId = `l${stamp}-${randomBytes(3).toString('hex')}`;
  const batchId = `lab-${stamp}`;
  // The database is an output only when asked for: the outputs are otherwise as large as the
  // findings, and a small extract is evaluated without writing its tables to disk at all.
  const inputBytes = readable.reduce((sum, i) => sum + i.bytes, 0);
  const inMemory = !opts.keepDatabase && inputBytes * IN_MEMORY_SHARE <= (sizeInBytes(config.memoryLimit) ?? 0);
  const where = opts.keepDatabase ? dbFile : inMemory ? ':memory:' : join(tmpDir, LAB_DB_FILE);
  const db = await openForWriting(where, { memoryLimit: config.memoryLimit, threads: config.threads, ...(inMemory ? { tempDirectory: tmpDir } : {}) }).catch(async (err: unknown) => {
    await rm(tmpDir, { recursive: true, force: true });
    throw err;
  });
  try {
    const conn = await db.connect();
    await loadMacros(conn);
    await loadFhirMacros(conn);
    // the NPU catalogue (and the official NPU export, when configured) into ref.npu_*
    await loadCatalogue(conn, config);
    await conn.run(`insert into meta.runs (run_id, job, started_at, status) values (${sqlString(runId)}, 'lab-quality', ${sqlString(now.toISOString())}, 'running')`);

    // Stage: the register first, then every lab file, each on a connection of its own.
    const limit = pLimit(config.fileConcurrency);
    const everyFile = await Promise.all(readable.map((i) => limit(async () => ({
      input: i, ...(await hashDelivery(i.path)),
      mtime: (await stat(i.path)).mtime,
    }))));
    // A file with the same content as one before it (gzipped or not) is read once, as the nightly
    // loads a file delivered twice in a run once: every table of the evaluation knows a file by
    // its hash, and its rows would be each other's duplicates.
    const firstOf = new Map<string, string>();
    const hashed = everyFile.filter(({ input, hash, content }) => {
      const key = content ?? hash;
      const first = firstOf.get(key);
      if (first === undefined) firstOf.set(key, input.file);
      else ignored.push({ file: input.file, reason: `same content as ${first} (SHA-256${isGzipPath(input.file) || isGzipPath(first) ? ' of the decompressed content' : ''}): read once` });
      return first === undefined;
    });
    if (hashed.length < everyFile.length) log.warn({ files: everyFile.length - hashed.length }, 'files with the same content as another were read once');
    await createStagingTables(conn, ['register', ...KINDS]);
    await writeReferenceTables(conn, { ...config, deliveries: [...config.deliveries, ...mapping] });
    await conn.run(`insert into ref.layouts values (${sqlString(FHIR_SYSTEM)}, 'laboratoriesvar', 'fhir-ndjson', 'utf-8', '.',
      'FHIR date (yyyy-mm-dd)', 'FHIR dateTime to the day at least (yyyy-mm-dd or yyyy-mm-ddThh:mm:ss+zz:zz: a month or a year alone dates no result)', null, 'FHIR R4 Observation')`);
    await conn.run(`create schema if not exists lab; create or replace table lab.inputs (file_hash varchar, source_file varchar, role varchar,
      journal_system varchar, layout varchar, bytes bigint, delivered_at timestamptz)`);
    const delivered = (input: LabInput, mtime: Date) => {
      const at = deliveredAtOf(evaluation, input.role === 'delivery' ? input.deliveredAt : undefined, mtime);
      return at === null ? 'null' : sqlString(at.toISOString());
    };
    for (const { input, hash, mtime } of hashed) {
      const system = input.role === 'delivery' ? input.system : input.role === 'fhir' ? FHIR_SYSTEM : null;
      const layout = input.role === 'delivery' ? input.layout : input.role;
      await conn.run(`insert into lab.inputs values (${sqlString(hash)}, ${sqlString(input.file)}, ${sqlString(input.role)},
        ${system === null ? 'null' : sqlString(system)}, ${sqlString(layout)}, ${input.bytes}, ${delivered(input, mtime)})`);
    }
    const results = new Map<string, StageResult>();
    const stageOne = async (h: (typeof hashed)[number], worker: DuckDBConnection, seq: number) => {
      const { input, hash } = h;
      const ctx = {
        runId, batchId, fileHash: hash, file: input.file, path: input.path, timeZone: (input.role === 'delivery' && input.timeZone) || config.timeZone, seq,
        maxRecordBytes: LAB_MAX_RECORD_BYTES,
      };
      const staged = input.role === 'fhir'
        ? await stageFhirFile(worker, ctx, input)
        : await stageFile(worker, (input as Extract<LabInput, { target: unknown }>).target, ctx);
      const readAs = input.role === 'delivery' || input.role === 'fhir' ? input.readAs : undefined;
      const result = readAs ? { ...staged, warnings: [...staged.warnings, readAs] } : staged;
      results.set(hash, result);
      if (result.fileError) log.error({ file: input.file, reason: result.fileError }, 'file rejected');
      for (const w of result.warnings) log.warn({ file: input.file }, w);
    };
    await stageAll(db, hashed, { concurrency: config.fileConcurrency, isRegister: (h) => h.input.role === 'register', bytesOf: (h) => h.input.bytes }, stageOne);
    if (hashed.filter((h) => h.input.role === 'fhir').length > 1) {
      for (const [hash, lost] of await setApartOlderAcrossFiles(conn)) {
        const r = results.get(hash)!;
        results.set(hash, { ...r, rowsRead: r.rowsRead - lost.results, rowsStaged: r.rowsStaged - lost.results, rowsSetApart: (r.rowsSetApart ?? 0) + lost.observations });
        log.warn({ file: hashed.find((h) => h.hash === hash)!.input.file, observations: lost.observations }, 'older versions of Observations another file holds newer set apart: not counted');
      }
    }
    // A delimited file's cancelled results are no results, as FHIR's are not (statuses.ts).
    for (const [hash, n] of await setApartCancelled(conn, labMapping?.statuses ?? null)) {
      const r = results.get(hash)!;
      results.set(hash, { ...r, rowsRead: r.rowsRead - n, rowsStaged: r.rowsStaged - n, rowsSetApart: (r.rowsSetApart ?? 0) + n });
      log.warn({ file: hashed.find((h) => h.hash === hash)!.input.file, results: n }, 'cancelled results set apart: not counted');
    }

    // DuckDB divides a table's work among its threads by row groups: an extract that fits in one
    // gives a second thread nothing to scan, while waking and scheduling it costs on every
    // statement (and on a shared machine waits for a core).
    const stagedRows = [...results.values()].reduce((sum, r) => sum + r.rowsStaged, 0);
    if (stagedRows <= DUCKDB_ROW_GROUP_ROWS) await conn.run('set threads = 1');
    // The outputs' module (the report's ECharts most of all) is compiled on this thread while
    // DuckDB's transforms and checks run, instead of before the first file is read. A failure to
    // load it is reported where it is used.
    const writer = import('../quality/reports/lab-quality/write.ts');
    writer.catch(() => undefined);

    // Transform and check exactly as the nightly job does, then the lab layer and its checks.
    // DuckDB's variables belong to a connection: the one that writes the flagged rows sets them too
    const variables = `set variable run_id = ${sqlString(runId)}; set variable batch_id = ${sqlString(batchId)};
      set variable lab_now = ${sqlString(evaluation.now.toISOString())}::timestamptz;
      set variable lab_dates_shifted = ${evaluation.datesShifted}; set variable lab_no_clinic = ${evaluation.noClinic}; set variable lab_value_missing = true; set variable lab_ref_from_text = true;
      set variable lab_unit_from_value = true; set variable lab_patient_optional = true;
      set variable lab_profiles = true; set variable shown_time_zone = ${sqlString(evaluation.shownZone)};
      set variable local_time_zone = ${sqlString(evaluation.shownZone)};
      set variable lab_pending_statuses = [${(labMapping?.statuses.pending ?? []).map(sqlString).join(', ')}]::varchar[]`;
    await conn.run(variables);
    await runLayer(conn, 'staging');
    await recordParseRejects(conn);
    // the core models resolve clinics against ref.clinics: the register given, else none
    await replaceClinics(conn);
    await runLayer(conn, 'core');
    // Without a clinic register no clinic can resolve: clinics are then named as delivered, and
    // not being in a register that was not given is no finding.
    const registerGiven = hashed.some((h) => h.input.role === 'register');
    if (!registerGiven) log.warn('no clinic register among the inputs: clinics are named as delivered and not checked against the register');
    await recordPipelineFindings(conn, { registerGiven });
    await runLayer(conn, 'lab');
    // Without a register a row's sor_code (the register's) is never set: a check of it would pass
    // on no row and be listed as passed.
    const declared = (await loadChecks(config.checksDir)).filter((c) => c.kind === 'laboratoriesvar'
      && (registerGiven || (c.params.to !== 'ref.clinics' && c.params.column !== 'sor_code')));
    const staged = hashed.filter((h) => h.input.role !== 'register');
    const foreignOf = (i: LabInput) => (i.role === 'fhir' ? FHIR_SYSTEM : i.role === 'delivery' && i.mapped ? i.system : null);
    const foreignSystems = [...new Set(staged.map((h) => foreignOf(h.input)).filter((s) => s !== null))];
    const untimedOf = (i: LabInput) => (i.role === 'delivery' && i.mapped && !('sampled_at' in i.mapped.sources) ? i.system : null);
    const untimed = [...new Set(staged.map((h) => untimedOf(h.input)).filter((s) => s !== null))];
    const checks = applicableChecks([...declared, ...evaluationOnlyChecks(declared)], evaluation, foreignSystems,
      staged.every((h) => foreignOf(h.input) !== null), { systems: untimed, only: staged.every((h) => untimedOf(h.input) !== null) });
    await runChecks(conn, { runId, batchId, checks, now: evaluation.now, sksFile: null });
    // Accept fills core.laboratoriesvar and core.quarantine, which no output of the evaluation
    // reads (they read the lab tables and meta.rejects): only a kept database gets them, for
    // further SQL and fangst score, since writing every row into core costs more than any
    // statement but the lab models.
    if (opts.keepDatabase) {
      if (!registerGiven) {
        // core.laboratoriesvar needs a clinic: the one the lab layer named (as delivered). A view:
        // accept reads it twice, which costs less than a copy of every row.
        await replaceWithView(conn, 'work.laboratoriesvar', `(select w.* replace (coalesce(w.sor_code, r.clinic) as sor_code)
          from ${scratchTable('work', 'laboratoriesvar')} as w left join lab.results as r using (row_id))`);
      }
      await acceptRun(conn, { runId, batchId, heldBack: new Map() });
    }

    // rows rejected while reading or by the staging transforms (a time that does not parse)
    const rejectedLines = new Map((await queryRows<{ file_hash: string; n: bigint }>(conn, `select file_hash, count(distinct source_line) as n
      from meta.rejects where run_id = ${sqlString(runId)} and source_line is not null group by file_hash`)).map((r) => [r.file_hash, Number(r.n)]));
    const files: LabFile[] = hashed.map(({ input, hash }) => {
      const r = results.get(hash);
      return {
        file: input.file, role: input.role, system: input.role === 'delivery' ? input.system : input.role === 'fhir' ? FHIR_SYSTEM : null,
        read: r?.rowsRead ?? 0, rejected: rejectedLines.get(hash) ?? 0, error: r?.fileError ?? null,
        // a FHIR file's Observations that are no lab result, another file's cancelled records (not among its records read)
        ...(input.role === 'fhir' || r?.rowsSetApart ? { setApart: r?.rowsSetApart ?? 0 } : {}),
      };
    });
    const flaggedOn = await db.connect();
    await flaggedOn.run(variables);
    const { writeLabOutputs } = await writer;
    const outputs = await writeLabOutputs(conn, { outDir, dbFile: opts.keepDatabase ? dbFile : null, runId, now, files, ignored, mappingFile: opts.mapping ?? null, registerGiven, notes: [...evaluation.notes, ...notesOf(hashed.map((h) => h.input), foreignSystems)], noClinic: evaluation.noClinic, shownZone: evaluation.shownZone, danishCsv: opts.danishCsv, flaggedJson: opts.flaggedJson, ownReport: opts.ownReport }, flaggedOn);
    // evaluated, but not usable as it stands (a file rejected whole, nothing usable): the command fails
    const exitCode = outputs.problems.length ? EXIT.failed : EXIT.ok;
    await conn.run(`update meta.runs set finished_at = ${sqlString(new Date().toISOString())}, status = 'succeeded', exit_code = ${exitCode},
      batch_id = ${sqlString(batchId)} where run_id = ${sqlString(runId)}`);
    if (opts.keepDatabase) await conn.run('checkpoint');
    return { exitCode, outputs, files, ignored };
  } finally {
    db.close();
    await rm(tmpDir, { recursive: true, force: true });
  }
}

/**
 * `--check-mapping`: what each canonical column of the mapped files reads from, with ten sample
 * values, and nothing evaluated. Exit 0 when every file fits; a file that does not (a column it
 * lacks) throws a ConfigError (2), and so does a mapping that claims no file among the EXTRACTs.
 */
export async function runCheckMapping(opts: { extracts: readonly string[]; mapping?: string; config?: string }): Promise<{ exitCode: number; text: string }> {
  if (!opts.mapping) throw new UsageError('--check-mapping', true, 'a --mapping FILE to check');
  const config = await loadConfig(opts.config);
  const labMapping = await loadMapping(opts.mapping);
  const inputs = await resolveInputs(opts.extracts, config, labMapping.deliveries);
  const files = await checkMapping(inputs);
  if (files.length === 0) {
    throw new ConfigError(opts.mapping, 'deliveries', opts.extracts.join(' '), 'a files pattern that matches a file among the EXTRACTs');
  }
  return { exitCode: EXIT.ok, text: mappingText(labMapping, files) };
}

export function register(program: Command, exit: (code: number) => void): void {
  program
    .command('lab-quality')
    .description('evaluate a lab extract: usable share, findings per row, per-clinic unit mix-ups, analyst report')
    .argument('<extract...>', 'lab files or folders: the journal systems\' layouts, a --mapping layout, FHIR Observation NDJSON')
    .option('--mapping <file>', 'layout of a foreign extract (a source layout YAML as in config/sources)')
    .option('--out <dir>', 'output folder: report, summary, flagged rows', 'lab-quality-out')
    .option('--config <file>', 'pipeline configuration (layouts, register, NPU reference)', 'config/pipeline.yaml')
    .option('--as-of <date>', 'judge every time against this date (YYYY-MM-DD or YYYY-MM-DDThh:mm, UTC) instead of the clock')
    .option('--delivered-at <date>', 'when the extract was delivered (result times after it are findings)')
    .option('--dates-shifted', 'dates were shifted by de-identification: judge only the order of times, nothing is "in the future"')
    .option('--danish-csv', 'flagged-rows.csv for Danish Excel: ; separator, decimal comma, BOM')
    .option('--flagged-json', 'also write the flagged rows as flagged-rows.json (Parquet and CSV are always written)')
    .option('--keep-database', `also keep ${LAB_DB_FILE} in the output folder: every table of the evaluation, for further SQL or fangst score`)
    .option('--own-report', 'also write report-own.html and summary-own.json with every count, 1-4 included: the analyst\'s own, not for sharing (report.html stays the shareable one)')
    .option('--check-mapping', 'only print what each column of the --mapping reads from, with ten sample values (exit 0 fits, 2 does not)')
    .action(async (extracts: string[], o: { mapping?: string; out: string; config: string; asOf?: string; deliveredAt?: string; datesShifted?: boolean; checkMapping?: boolean; danishCsv?: boolean; flaggedJson?: boolean; keepDatabase?: boolean; ownReport?: boolean }) => {
      if (o.checkMapping) {
        const checked = await runCheckMapping({ extracts, mapping: o.mapping, config: o.config });
        process.stdout.write(checked.text);
        exit(checked.exitCode);
        return;
      }
      const log = createLogger();
      const instant = (flag: string, v: string | undefined) => {
        if (v === undefined) return undefined;
        const d = parseInstant(v);
        if (!d) throw new UsageError(flag, v, 'a date (YYYY-MM-DD) or date-time (YYYY-MM-DDThh:mm, UTC unless an offset is given)');
        return d;
      };
      const { outputs, ignored, exitCode } = await runLabQuality({
        extracts, mapping: o.mapping, out: o.out, config: o.config, logger: log,
        asOf: instant('--as-of', o.asOf), deliveredAt: instant('--delivered-at', o.deliveredAt), ...(o.datesShifted ? { datesShifted: true } : {}),
        danishCsv: o.danishCsv, flaggedJson: o.flaggedJson, keepDatabase: o.keepDatabase, ownReport: o.ownReport,
      });
      if (ignored.length) log.info({ files: ignored.length }, 'files were not read (listed with the reason in the report)');
      process.stdout.write(outputs.text);
      exit(exitCode);
    });
}
