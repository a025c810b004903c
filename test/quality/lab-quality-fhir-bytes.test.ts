// lab-quality on FHIR files whose bytes are not what FHIR asks for, written the way other tools
// write them: a line in Latin-1 among UTF-8 ones, the whole file in UTF-16 (with a byte order
// mark, or big-endian without one), one Observation with a note of 41 MB, and a file that holds
// its Observations only in Bundles, one to a line.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { runLabQuality } from '../../jobs/lab-quality.ts';
import { queryRows, withDatabase } from '../../transforms/db/connection.ts';
import { workspace } from '../helpers/inbox.ts';

const now = new Date('2026-01-01T00:00:00Z');
const silent = pino({ level: 'silent' });
const potassium = (id: string, text: string, extra: Record<string, unknown> = {}) => JSON.stringify({
  resourceType: 'Observation', id, status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '2823-3' }], text },
  subject: { reference: 'Patient/p1' }, effectiveDateTime: '2025-03-04T08:15:00+01:00', valueQuantity: { value: 4.1, unit: 'mmol/L' }, ...extra,
});

describe('a FHIR line written in Latin-1 among UTF-8 lines', () => {
  it('reads it as Latin-1 with its letters intact, keeps the other lines, and says which line it was', async () => {
    const ws = await workspace();
    const bytes = Buffer.concat([
      Buffer.from(`${potassium('k1', 'P-Kalium, blød prøve')}\n`, 'utf8'),
      Buffer.from(`${potassium('k2', 'P-Kalium, hæmolyse – gentaget')}\n`, 'latin1'),
      Buffer.from(`${potassium('k3', 'P-Kalium')}\n`, 'utf8'),
    ]);
    // Buffer's latin1 keeps the low byte of the en dash (0x13): Windows-1252 writes it 0x96, a byte
    // ISO 8859-1 leaves to a control code
    bytes[bytes.indexOf(Buffer.from(' \u0013 ', 'latin1'))! + 1] = 0x96;
    const file = join(ws.inbox, 'Observation.ndjson');
    await writeFile(file, bytes);
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true, extracts: [file], out, now, logger: silent });
    expect(result.files).toEqual([{ file: 'Observation.ndjson', role: 'fhir', system: 'FHIR', read: 3, rejected: 0, error: null, setApart: 0 }]);
    expect(result.exitCode).toBe(0);
    const names = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<{ record_id: string; analysis_name: string }>(conn,
      `select record_id, analysis_name from lab.results order by record_id`));
    expect(names).toEqual([
      { record_id: 'k1', analysis_name: 'P-Kalium, blød prøve' },
      { record_id: 'k2', analysis_name: 'P-Kalium, hæmolyse – gentaget' },
      { record_id: 'k3', analysis_name: 'P-Kalium' },
    ]);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as { notes: string[] };
    expect(summary.notes).toContain('Observation.ndjson: line 2 is not UTF-8, as FHIR requires: read as Latin-1 (Windows-1252).');
  });
});

describe('a FHIR file in UTF-16', () => {
  it('is rejected whole, saying it is UTF-16 and that FHIR is UTF-8, with or without a byte order mark', async () => {
    const ws = await workspace();
    const text = `${potassium('k1', 'P-Kalium')}\n${potassium('k2', 'P-Kalium')}\n`;
    const le = await ws.put('le/Observation.ndjson', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    const be = await ws.put('be/Observation.ndjson', Buffer.from(text, 'utf16le').swap16());
    for (const [file, by] of [[le, 'byte order mark FF FE'], [be, 'a NUL byte beside every character']] as const) {
      const result = await runLabQuality({ extracts: [file], out: join(ws.root, `out-${by.length}`), now, logger: silent });
      expect(result.exitCode).toBe(1);
      expect(result.files).toEqual([{ file: 'Observation.ndjson', role: 'fhir', system: 'FHIR', read: 0, rejected: 0, setApart: 0,
        error: `the file is UTF-16 (${by}), not UTF-8 text as FHIR requires: save it as UTF-8` }]);
    }
  });
});

describe('a FHIR line too long to read', () => {
  it('rejects that line alone with its number and size, masked, and reads the lines around it', async () => {
    const ws = await workspace();
    // the patient's reference holds a CPR number: the reject quotes the line's start, masked
    const long = potassium('k2', 'P-Kalium', { subject: { reference: 'Patient/150385-1037' }, note: [{ text: 'Hæmolyseret prøve. '.repeat(2_200_000) }] });
    expect(Buffer.byteLength(long)).toBeGreaterThan(41 * 1024 * 1024);
    const file = await ws.put('Observation.ndjson', `${potassium('k1', 'P-Kalium')}\n${long}\n${potassium('k3', 'P-Kalium')}\n`);
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ extracts: [file], out, now, logger: silent });
    expect(result.files).toEqual([{ file: 'Observation.ndjson', role: 'fhir', system: 'FHIR', read: 3, rejected: 1, error: null, setApart: 0 }]);
    const csv = await readFile(join(out, 'flagged-rows.csv'), 'utf8');
    const size = (Buffer.byteLength(long) + 1) / 1024 / 1024;
    expect(csv).toContain(`Observation.ndjson,2,`);
    expect(csv).toContain(`line is ${size.toFixed(1)} MB, longer than the 40.0 MB a line may be to be read within the memory limit: rejected on its own`);
    expect(csv).not.toMatch(/150385.?1037/);
  });
});

describe('a FHIR NDJSON file of Bundles only', () => {
  it('reads the Observations in every Bundle and sets the other resources apart', async () => {
    const ws = await workspace();
    const bundle = (n: number) => JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [
      { resource: { resourceType: 'Patient', id: `p${n}` } },
      { resource: JSON.parse(potassium(`a${n}`, 'P-Kalium')) },
      { resource: JSON.parse(potassium(`b${n}`, 'P-Kalium')) },
    ] });
    const file = await ws.put('export.ndjson', `${bundle(1)}\n${bundle(2)}\n`);
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true, extracts: [file], out, now, logger: silent });
    expect(result.files).toEqual([{ file: 'export.ndjson', role: 'fhir', system: 'FHIR', read: 4, rejected: 0, error: null, setApart: 2 }]);
    const rows = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<{ source_file: string; source_line: number }>(conn,
      `select source_file, source_line::int as source_line from lab.results order by source_line, source_file`));
    expect(rows).toEqual([
      { source_file: 'export.ndjson#entry[1]', source_line: 1 }, { source_file: 'export.ndjson#entry[2]', source_line: 1 },
      { source_file: 'export.ndjson#entry[1]', source_line: 2 }, { source_file: 'export.ndjson#entry[2]', source_line: 2 },
    ]);
  });
});

// One Observation each, as other vendors write single elements: the answer an analyst reads in
// the outputs, worked out from the element itself.
describe('FHIR elements written the way other systems write them', () => {
  it('reads the standard interpretation where a local coding comes first, and a local one alone as delivered', async () => {
    const ws = await workspace();
    const base = (id: string, extra: Record<string, unknown>) => JSON.parse(potassium(id, 'P-Kalium', extra)) as Record<string, unknown>;
    const v3 = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
    const lines = [
      base('both', { interpretation: [{ coding: [{ system: 'urn:oid:1.2.208.176.2.1', code: 'HØJ' }, { system: v3, code: 'H' }] }] }),
      base('v2', { interpretation: [{ coding: [{ system: 'urn:local', code: 'lav' }, { system: 'http://terminology.hl7.org/CodeSystem/v2-0078', code: 'L' }] }] }),
      base('local', { interpretation: [{ coding: [{ system: 'urn:local', code: 'for_hoej' }] }] }),
    ];
    const file = await ws.put('Observation.ndjson', `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const out = join(ws.root, 'out');
    await runLabQuality({ keepDatabase: true, extracts: [file], out, now, logger: silent });
    const rows = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<{ record_id: string; abnormal_flag: string }>(conn,
      `select record_id, abnormal_flag from lab.results order by record_id`));
    expect(rows).toEqual([{ record_id: 'both', abnormal_flag: 'for_hoej' }, { record_id: 'local', abnormal_flag: 'for_hoej' }, { record_id: 'v2', abnormal_flag: 'for_lav' }]);
  });

  it('reads N as a flag delivered, LOINC by its OID, limits written as strings, shows <5 as <5, names the column of a future result time and rejects hour 24', async () => {
    const ws = await workspace();
    const base = (id: string, extra: Record<string, unknown>) => JSON.parse(potassium(id, 'P-Kalium', extra)) as Record<string, unknown>;
    const lines = [
      base('n1', { interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'N' }] }] }),
      base('oid', { code: { coding: [{ system: 'urn:oid:2.16.840.1.113883.6.1', code: '2823-3' }] } }),
      base('str', { referenceRange: [{ low: { value: '3.5' }, high: { value: '4.6' } }] }),
      // flagged for its missing interval
      base('cens', { valueQuantity: { value: 5, comparator: '<', unit: 'mmol/L' }, interpretation: [{ coding: [{ code: 'H' }] }] }),
      base('late', { issued: '2026-02-01T10:00:00+01:00' }),
      base('h24', { effectiveDateTime: '2025-03-04T24:00:00Z' }),
    ];
    const file = await ws.put('Observation.ndjson', `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true, extracts: [file], out, now, logger: silent });
    const rows = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<Record<string, unknown>>(conn,
      `select record_id, abnormal_flag, code_status, ref_low, ref_high from lab.results order by record_id`));
    const of = (id: string) => rows.find((r) => r.record_id === id);
    expect(of('n1')?.abnormal_flag).toBe('normal');
    expect(of('oid')?.code_status).toBe('loinc');
    expect([of('str')?.ref_low, of('str')?.ref_high]).toEqual([3.5, 4.6]);
    // hour 24 is no FHIR time: the line is rejected, not read as the next midnight
    expect(of('h24')).toBeUndefined();
    expect(result.files[0]).toMatchObject({ read: 6, rejected: 1 });
    const csv = (await readFile(join(out, 'flagged-rows.csv'), 'utf8')).split('\n');
    const line = (n: number) => csv.find((l) => l.startsWith(`Observation.ndjson,${n},`)) ?? '';
    expect(line(4)).toMatch(/,'?<5,mmol\/L,censored,/);
    expect(line(5)).toContain('resulted_at: result time 2026-02-01 10:00');
    expect(line(5)).not.toContain('sampled_at: result time');
    expect(line(6)).toMatch(/sampled_at/);
    // the completeness table counts the flags delivered (count(abnormal_flag), shown suppressed
    // below 5): the N counts, 2 of the 5 results read carry one (n1, cens)
    const [flags] = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<{ present: bigint; rows: bigint }>(conn,
      `select count(abnormal_flag) as present, count(*) as rows from lab.results`));
    expect(flags).toEqual({ present: 2n, rows: 5n });
  });
});

describe('one measurement sent under another spelling', () => {
  it('is a duplicate under a LOINC code linked to the NPU code and as a decimal-comma text, and a repeat specimen or another time is not', async () => {
    const ws = await workspace();
    const k = (id: string, extra: Record<string, unknown>) => JSON.stringify({ ...JSON.parse(potassium(id, 'P-Kalium')), ...extra });
    const npu = { code: { coding: [{ system: 'http://npu-terminology.org', code: 'NPU03230' }] } };
    const lines = [
      k('a', npu),
      k('b', { ...npu, valueQuantity: undefined, valueString: '4,1' }),
      // 2823-3 is the catalogue's LOINC link of NPU03230 (config/reference/npu-catalogue.yaml)
      k('c', {}),
      k('d', { ...npu, effectiveDateTime: '2025-03-04T09:15:00+01:00' }),
      k('e', { ...npu, valueQuantity: { value: 4.2, unit: 'mmol/L' } }),
      k('f', { code: { coding: [{ system: 'urn:local', code: 'KAL' }] } }),
    ];
    const file = await ws.put('Observation.ndjson', `${lines.join('\n')}\n`);
    const out = join(ws.root, 'out');
    await runLabQuality({ keepDatabase: true, extracts: [file], out, now, logger: silent });
    const dups = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<{ source_line: number; detail: string }>(conn,
      `select source_line::int as source_line, detail from lab.row_findings where check_name = 'duplicate' order by source_line`));
    expect(dups).toEqual([
      { source_line: 2, detail: 'same patient, analysis, sampling time and value as Observation.ndjson line 1' },
      { source_line: 3, detail: 'same patient, analysis, sampling time and value as Observation.ndjson line 1' },
    ]);
  });
});
