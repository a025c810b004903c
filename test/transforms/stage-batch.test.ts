import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { writeFile } from 'node:fs/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KINDS, loadConfig } from '../../config/load.ts';
import { openDatabase, queryRows } from '../../transforms/db/connection.ts';
import { createStagingTables, deliveryTarget, stageFile, stageFiles, type StageContext, type StageResult } from '../../transforms/ingest/stage.ts';
import { MAX_LINE_BYTES, scanFile } from '../../transforms/ingest/scan-file.ts';
import { workspace } from '../helpers/inbox.ts';

// stageFiles reads clean files of one layout with one statement; whatever it stages,
// rejects and reports per file must be exactly what stageFile gives file by file.

const SOR = '61741000016007';
const H = 'DiagnoseId;SORkode;Ydernr;PatientPseudo;Diagnosekode;Diagnoseart;Kontaktdato';
const row = (id: string, date = '03-01-2025') => `${id};${SOR};;PT${id};DH353;A;${date}`;

async function stageBoth(files: Record<string, string | Buffer>): Promise<{ one: unknown; batch: unknown }> {
  const ws = await workspace();
  const paths: string[] = [];
  for (const [name, content] of Object.entries(files)) {
    const path = join(ws.inbox, name);
    if (Buffer.isBuffer(content)) await writeFile(path, content);
    else await ws.put(name, content, 'latin-1');
    paths.push(path);
  }
  const config = await loadConfig('config/pipeline.yaml', { inbox: ws.inbox });
  const delivery = config.deliveries.find((d) => d.system === 'NOVAX' && d.kind === 'diagnoser')!;
  const ctxs: StageContext[] = Object.keys(files).map((file, seq) => ({
    runId: 'r', batchId: 'b', fileHash: `h${seq}`, file, path: paths[seq]!, timeZone: config.timeZone, seq,
  }));
  const snapshot = async (how: 'one' | 'batch') => {
    const db = await openDatabase(':memory:', { memoryLimit: '1GB', threads: 2, preserveInsertionOrder: true });
    try {
      const conn = await db.connect();
      await createStagingTables(conn, ['register', ...KINDS]);
      const results: StageResult[] = how === 'batch'
        ? await stageFiles(conn, deliveryTarget(delivery), ctxs)
        : await Promise.all(ctxs.map((c) => stageFile(conn, deliveryTarget(delivery), c)));
      const staged = await queryRows(conn, `select file_hash, source_file, source_line, record_id, contact_date__parsed::varchar as d
        from staging.raw_diagnoser order by all`);
      const rejects = await queryRows(conn, `select file_hash, source_file, source_line, column_name, reason from meta.rejects order by all`);
      return { results, staged, rejects };
    } finally {
      db.close();
    }
  };
  return { one: await snapshot('one'), batch: await snapshot('batch') };
}

describe('stageFiles', () => {
  it('stages clean files of one layout with their own hashes and line numbers', async () => {
    const { one, batch } = await stageBoth({
      'novax/2025-01_diagnoser_a.csv': [H, row('a1'), row('a2'), row('a3')].join('\n') + '\n',
      'novax/2025-01_diagnoser_b.csv': [H].join('\n') + '\n',
      'novax/2025-01_diagnoser_c.csv.gz': [H, row('c1'), row('c2', '31-02-2025')].join('\n') + '\n',
      'novax/2025-01_diagnoser_d.csv': `${[H, row('d1')].join('\r\n')}\r\n`,
    });
    expect(batch).toEqual(one);
    const staged = (batch as { staged: Array<{ source_file: string; source_line: bigint }> }).staged;
    expect(staged.map((r) => `${r.source_file}:${r.source_line}`)).toEqual([
      'novax/2025-01_diagnoser_a.csv:2', 'novax/2025-01_diagnoser_a.csv:3', 'novax/2025-01_diagnoser_a.csv:4',
      'novax/2025-01_diagnoser_c.csv.gz:2', 'novax/2025-01_diagnoser_c.csv.gz:3', 'novax/2025-01_diagnoser_d.csv:2',
    ]);
  });

  it('falls back to file-by-file reads for malformed, binary, truncated and differently headed files', async () => {
    const gz = gzipSync(Buffer.from([H, ...Array.from({ length: 500 }, (_, i) => row(`t${i}`))].join('\n') + '\n'));
    const { one, batch } = await stageBoth({
      'novax/2025-01_diagnoser_a.csv': [H, row('a1'), row('a2')].join('\n') + '\n',
      'novax/2025-01_diagnoser_ragged.csv': [H, row('r1'), `r2;${SOR};;PTr2;DH353`, row('r3'), `r4;${SOR};;PTr4;DH353;A;03-01-2025;extra`].join('\n') + '\n',
      'novax/2025-01_diagnoser_quote.csv': [H, row('q1'), `q2;${SOR};;"PTq2;DH353;A;03-01-2025`].join('\n') + '\n',
      'novax/2025-01_diagnoser_nul.csv': Buffer.from(`${H}\n${row('n\u00001')}\n${row('n2')}\n`, 'latin1'),
      'novax/2025-01_diagnoser_trunc.csv.gz': gz.subarray(0, Math.floor(gz.length / 2)),
      'novax/2025-01_diagnoser_extra.csv': [`${H};Bemaerkning`, `${row('x1')};hej`].join('\n') + '\n',
      'novax/2025-01_diagnoser_nodate.csv': [H.replace(';Kontaktdato', ''), 'y1;1;;P;DH353;A'].join('\n') + '\n',
      'novax/2025-01_diagnoser_empty.csv': '',
      'novax/2025-01_diagnoser_b.csv': [H, row('b1')].join('\n') + '\n',
    });
    expect(batch).toEqual(one);
    const { results, rejects } = batch as { results: StageResult[]; rejects: unknown[] };
    expect(results.map((r) => [r.rowsStaged, r.rowsRejected, r.fileError ?? null])).toEqual([
      // a quote never closed on the last line: that record rejected (no line after it to lose; a
      // quote that takes lines after it rejects the file whole, test/jobs/robust-bad-input.test.ts)
      [2, 0, null], [2, 2, null], [1, 1, null], [1, 1, null],
      [0, 0, 'gzip file is truncated (cut off before its end)'], [1, 0, null],
      [0, 0, expect.stringContaining('required column missing')], [0, 0, 'empty file: no header line'], [1, 0, null],
    ]);
    expect(rejects.length).toBeGreaterThan(4);
  });

  it('reads a date with spaces or a tab around it as that date, and no date from one that is not a date', async () => {
    const { one, batch } = await stageBoth({
      'novax/2025-01_diagnoser_a.csv': [H, row('a1', ' 03-01-2025'), row('a2', '03-01-2025  '), row('a3', '\t03-01-2025 '), row('a4', '3-1-2025'),
        row('a5', ' 31-02-2025 '), row('a6', '   ')].join('\n') + '\n',
      'novax/2025-01_diagnoser_b.csv': [H, row('b1')].join('\n') + '\n',
    });
    expect(batch).toEqual(one);
    const { staged } = batch as { staged: Array<{ record_id: string; d: string | null }> };
    expect(staged.map((r) => [r.record_id, r.d])).toEqual([
      ['a1', '2025-01-03'], ['a2', '2025-01-03'], ['a3', '2025-01-03'], ['a4', '2025-01-03'], ['a5', null], ['a6', null], ['b1', '2025-01-03'],
    ]);
  });
});

describe('stageFiles counts records from the scan when no quote can hide a line break', () => {
  // A file as another system writes it: LF or CR LF, blank lines, no final line break, and
  // now and then a quote or a CR alone (then the lines do not say how many records there are).
  const line = fc.record({
    id: fc.stringMatching(/^[a-z0-9]{1,6}$/),
    blankBefore: fc.boolean(),
    odd: fc.constantFrom('', '', '', '"', '\r'),
  });
  const file = fc.record({
    lines: fc.array(line, { maxLength: 6 }),
    eol: fc.constantFrom('\n', '\r\n'),
    finalEol: fc.boolean(),
  });
  const render = (f: { lines: { id: string; blankBefore: boolean; odd: string }[]; eol: string; finalEol: boolean }, prefix: string) =>
    [H, ...f.lines.flatMap((l, i) => [...(l.blankBefore ? [''] : []), row(`${prefix}${i}${l.id}${l.odd}`)])].join(f.eol) + (f.finalEol ? f.eol : '');

  it('stages every group exactly as file by file (lines, rejects, results)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(file, { minLength: 2, maxLength: 3 }), async (files) => {
      const named = Object.fromEntries(files.map((f, i) => [`novax/2025-01_diagnoser_${i}.csv`, render(f, `f${i}`)]));
      const { one, batch } = await stageBoth(named);
      expect(batch).toEqual(one);
    }), { numRuns: 25 });
  });

  it('counts as DuckDB reads: the non-empty lines after the header', async () => {
    const ws = await workspace();
    const db = await openDatabase(':memory:');
    try {
      const conn = await db.connect();
      await fc.assert(fc.asyncProperty(file, async (f) => {
        const text = render(f, 'x');
        const path = join(ws.inbox, 'count.csv');
        await writeFile(path, text, 'latin1');
        const scan = await scanFile(path, { maxLineBytes: MAX_LINE_BYTES });
        if (/["]/.test(text) || /\r(?!\n)/.test(text)) {
          expect(scan.records).toBeNull();
          return;
        }
        const [r] = await queryRows<{ n: bigint }>(conn, `select count(*) as n from read_csv('${path}', header = true, auto_detect = false,
          columns = {${H.split(';').map((c) => `'${c}': 'VARCHAR'`).join(', ')}}, delim = ';', quote = '"', escape = '"')`);
        expect(scan.records).toBe(Number(r!.n));
      }), { numRuns: 100 });
    } finally {
      db.close();
    }
  });
});

describe('line numbers of files that DuckDB reads on several threads', () => {
  // Files of 10-15 MB, which DuckDB parses on both threads; a read without row_number() then
  // appends them with row ids in file order (numberByRowId). Every record names its own line
  // here, so a record that got another's number shows.
  const numbered = (prefix: string, records: number) =>
    [H, ...Array.from({ length: records }, (_, i) => row(`${prefix}${i + 2}`))].join('\n') + '\n';

  async function stageLarge(files: Record<string, number>, opts: { batch: boolean; preserveInsertionOrder: boolean }) {
    const ws = await workspace();
    const config = await loadConfig('config/pipeline.yaml', { inbox: ws.inbox });
    const delivery = config.deliveries.find((d) => d.system === 'NOVAX' && d.kind === 'diagnoser')!;
    const ctxs: StageContext[] = [];
    for (const [seq, [name, records]] of Object.entries(files).entries()) {
      const path = await ws.put(name, numbered(`f${seq}-`, records), 'latin-1');
      ctxs.push({ runId: 'r', batchId: 'b', fileHash: `h${seq}`, file: name, path, timeZone: config.timeZone, seq });
    }
    const db = await openDatabase(':memory:', { memoryLimit: '1GB', threads: 2, preserveInsertionOrder: opts.preserveInsertionOrder });
    try {
      const conn = await db.connect();
      await createStagingTables(conn, ['register', ...KINDS]);
      const results = opts.batch
        ? await stageFiles(conn, deliveryTarget(delivery), ctxs)
        : await Promise.all(ctxs.map((c) => stageFile(conn, deliveryTarget(delivery), c)));
      const [check] = await queryRows<{ rows: bigint; misnumbered: bigint }>(conn, `select count(*) as rows,
        count(*) filter (where record_id is distinct from 'f' || (file_hash[2:]) || '-' || source_line) as misnumbered
        from staging.raw_diagnoser`);
      return { staged: results.map((r) => r.rowsStaged), rows: Number(check!.rows), misnumbered: Number(check!.misnumbered) };
    } finally {
      db.close();
    }
  }

  const files = { 'novax/2025-01_diagnoser_a.csv': 300_000, 'novax/2025-01_diagnoser_b.csv': 5, 'novax/2025-01_diagnoser_c.csv': 200_000 };
  for (const batch of [false, true]) {
    for (const preserveInsertionOrder of [true, false]) {
      it(`${batch ? 'read together' : 'file by file'}, insertion order ${preserveInsertionOrder ? 'kept' : 'not kept'}: every record has its own line`, async () => {
        const result = await stageLarge(files, { batch, preserveInsertionOrder });
        expect(result).toEqual({ staged: [300_000, 5, 200_000], rows: 500_005, misnumbered: 0 });
      });
    }
  }
});

describe('NDJSON line numbers', () => {
  // A line of an NDJSON export as other systems write them: records, and now and then a blank
  // line, a line of spaces, an array, a cut-off object or a bare string. A file whose every line
  // is a record is read once and numbered by row id; any other is read line by line as before.
  const lineOf = fc.oneof(
    { weight: 6, arbitrary: fc.constant('record') },
    { weight: 1, arbitrary: fc.constantFrom('', '   ', ' \t ', '[1, 2]', '{"recordId": "cut', '"text"') },
  );
  const file = fc.record({ lines: fc.array(lineOf, { minLength: 1, maxLength: 12 }), eol: fc.constantFrom('\n', '\r\n'), finalEol: fc.boolean() });

  it('numbers records and rejects by their line in the file, whatever else the file holds', async () => {
    const ws = await workspace();
    const config = await loadConfig('config/pipeline.yaml', { inbox: ws.inbox });
    const delivery = config.deliveries.find((d) => d.system === 'MultiMed Web' && d.kind === 'diagnoser')!;
    const db = await openDatabase(':memory:', { memoryLimit: '1GB', threads: 2, preserveInsertionOrder: true });
    try {
      const conn = await db.connect();
      await createStagingTables(conn, ['register', ...KINDS]);
      let seq = 0;
      await fc.assert(fc.asyncProperty(file, async (f) => {
        const text = f.lines.map((l, i) => (l === 'record'
          ? JSON.stringify({ recordId: `line${i + 1}`, sorCode: SOR, patientPseudonym: 'P1', code: 'DH353', type: 'A', contactDate: '2025-01-03' })
          : l)).join(f.eol) + (f.finalEol ? f.eol : '');
        const name = `multimed/2025-01-${++seq}.diagnoses.ndjson`;
        const path = await ws.put(name, text);
        const ctx: StageContext = { runId: 'r', batchId: 'b', fileHash: `h${seq}`, file: name, path, timeZone: config.timeZone, seq };
        const result = await stageFile(conn, deliveryTarget(delivery), ctx);
        const staged = await queryRows<{ source_line: bigint; record_id: string }>(conn,
          `select source_line, record_id from staging.raw_diagnoser where file_hash = 'h${seq}' order by source_line`);
        const rejected = await queryRows<{ source_line: bigint }>(conn,
          `select source_line from meta.rejects where file_hash = 'h${seq}' order by source_line`);
        // Expected from the text itself: line i holds the record line<i>; a line that is neither
        // a record nor blank (empty, or JSON's whitespace only) is a reject at its line.
        const expectedLines = f.lines.map((l, i) => ({ l, n: i + 1 }));
        expect(staged.map((r) => [Number(r.source_line), r.record_id])).toEqual(
          expectedLines.filter((x) => x.l === 'record').map((x) => [x.n, `line${x.n}`]));
        expect(rejected.map((r) => Number(r.source_line))).toEqual(
          expectedLines.filter((x) => x.l !== 'record' && x.l.trim() !== '').map((x) => x.n));
        expect(result.rowsStaged).toBe(staged.length);
      }), { numRuns: 60 });
    } finally {
      db.close();
    }
  });
});
