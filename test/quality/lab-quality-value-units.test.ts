// A laboratory system's export that writes the unit into the value field ('8,1 mmol/L',
// '<0,5 mg/L', '120 g/L'), with the unit column filled, empty, or absent from the file. The
// number is read and the unit beside it compared with the unit column (used as the unit where
// the column is empty or missing); where the two disagree the row has a lab.unit_conflict
// finding. What each row should give is worked out here from the fixture's text, with the
// catalogue's factor for Hb in g/L (1 g/dL = 0.6206 mmol/L, so 1 g/L = 0.06206 mmol/L).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { runLabQuality } from '../../jobs/lab-quality.ts';
import { queryRows, withDatabase } from '../../transforms/db/connection.ts';
import { workspace } from '../helpers/inbox.ts';
import { here } from '../fixtures/lab/extract.ts';
import { lisMapping } from '../fixtures/lab/lis-mapping.ts';

const silent = pino({ level: 'silent' });
const NOW = new Date('2024-12-01T00:00:00Z');
// the spellings the fixture uses, as the catalogue spells them, and each in mmol/L or mg/L
const SPELLING: Readonly<Record<string, string>> = { 'mmol/L': 'mmol/L', 'mmol/l': 'mmol/L', 'mg/L': 'mg/L', 'mg/l': 'mg/L', 'g/L': 'g/L' };
const TO_CANONICAL: Readonly<Record<string, number>> = { 'mmol/L': 1, 'mg/L': 1, 'g/L': 0.06206 };

interface Expected { id: string; line: number; state: string; num: number | null; unit: string | null; canonical: number | null; conflict: boolean }

function expectedRows(text: string, withUnitColumn: boolean): Expected[] {
  const [header, ...lines] = text.trimEnd().split('\n');
  const cols = header!.split(';');
  return lines.map((l, i) => {
    const f = l.split(';');
    const value = f[cols.indexOf('Resultat')]!;
    const column = withUnitColumn ? f[cols.indexOf('Enhed')]! : '';
    const m = /^(<?)(\d+(?:,\d+)?) ?(.*)$/.exec(value)!;
    const written = m[3] === '' ? null : SPELLING[m[3]!] ?? undefined;
    if (written === undefined) return { id: f[0]!, line: i + 2, state: 'unparseable', num: null, unit: column ? SPELLING[column]! : null, canonical: null, conflict: false };
    const unit = written ?? (column ? SPELLING[column]! : null);
    const num = Number(m[2]!.replace(',', '.'));
    return {
      id: f[0]!, line: i + 2, state: m[1] ? 'censored' : 'numeric', num, unit,
      canonical: unit === null ? num : num * TO_CANONICAL[unit]!,
      conflict: written !== null && column !== '' && SPELLING[column] !== written,
    };
  });
}

async function evaluate(text: string, withUnitColumn: boolean) {
  const ws = await workspace();
  const file = await ws.put('export/LIS_2024-03.csv', text);
  // without the unit column in the mapping, the file's Enhed is a column no mapping reads
  const mapping = await ws.put('m.yaml', withUnitColumn ? lisMapping('PatientID') : lisMapping('PatientID').replace(/^ {6}unit: Enhed\n/m, ''));
  const out = join(ws.root, 'out');
  const result = await runLabQuality({ keepDatabase: true, extracts: [file], mapping, out, now: NOW, logger: silent });
  return withDatabase(join(out, 'lab-quality.duckdb'), async (_db, conn) => ({
    result,
    rows: await queryRows<{ id: string; state: string; num: number | null; unit: string | null; canonical: number | null }>(conn,
      `select record_id as id, value_state as state, value_num as num, unit_norm as unit, value_canonical as canonical from lab.results order by record_id`),
    findings: await queryRows<{ line: number; check_id: string }>(conn,
      `select source_line::int as line, check_id from lab.row_findings order by line, check_id`),
  }));
}

describe('lab-quality on values written with their unit', () => {
  for (const withUnitColumn of [true, false]) {
    it(`reads the number and the unit beside it (${withUnitColumn ? 'with a unit column' : 'no unit column mapped'})`, async () => {
      const text = await readFile(join(here, 'lis-value-units.csv'), 'utf8');
      const want = expectedRows(text, withUnitColumn);
      const { result, rows, findings } = await evaluate(text, withUnitColumn);
      expect(result.outputs.summary).toMatchObject({ rowsRead: want.length, rejected: 0 });
      expect(rows.map((r) => ({ ...r, canonical: r.canonical === null ? null : Number(r.canonical.toFixed(6)) })))
        .toEqual(want.map((w) => ({ id: w.id, state: w.state, num: w.num, unit: w.unit, canonical: w.state === 'unparseable' ? null : Number(w.canonical!.toFixed(6)) })));
      const lines = (check: string) => findings.filter((f) => f.check_id === check).map((f) => f.line);
      expect(lines('lab.unit_conflict')).toEqual(want.filter((w) => w.conflict).map((w) => w.line));
      expect(lines('lab.value_unparseable')).toEqual(want.filter((w) => w.state === 'unparseable').map((w) => w.line));
      // a unit written in the value is a unit given
      expect(lines('lab.unit_missing')).toEqual(want.filter((w) => w.state !== 'unparseable' && w.unit === null).map((w) => w.line));
    });
  }
});
