// A Danish laboratory system's export as Windows writes it: Windows-1252 bytes (æ, ø, å and ² in
// the header and the names), CRLF, and often a UTF-8 byte order mark in front that the exporting
// program adds whatever the encoding. The mapping declares the encoding as the analyst believes
// it (Latin-1, or UTF-8 from the export dialog's default). The header naming `Prøvenr` must be
// read as staging reads the file, or the run stops (exit 2) saying the mapping names a column the
// file lacks, when only the header's bytes were read another way than its rows.
// The fixture is kept as UTF-8 text for reading; each case writes it in the bytes under test.
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { runCheckMapping, runLabQuality, type LabQualityResult } from '../../jobs/lab-quality.ts';
import { workspace } from '../helpers/inbox.ts';
import { here } from '../fixtures/lab/extract.ts';

const silent = pino({ level: 'silent' });
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

const mapping = (encoding: string) => `system: Dansk LIS
time_zone: Europe/Copenhagen
as_of: 2024-06-01
defaults:
  format: csv
  encoding: ${encoding}
  delimiter: ";"
  decimal: ","
  dates: "%d.%m.%Y"
  timestamps: "%d.%m.%Y %H:%M"
deliveries:
  - kind: laboratoriesvar
    files: "lis_results_*.csv"
    columns:
      record_id: Prøvenr
      ydernummer: Ydernr
      patient: Pseudonym
      analysis_code: Analysekode
      code_system: Kodesystem
      analysis_name: Analysenavn
      value: Resultat
      unit: Enhed
      ref_text: Referenceinterval
      abnormal_flag: Flag
      result_status: Status
      sampled_at: Prøvetaget
      resulted_at: Besvaret
`;

/** The fixture as an export of `bytes` (Windows-1252 unless 'utf-8'), and a mapping declaring `encoding`. */
async function exported(encoding: 'latin-1' | 'utf-8', bom: boolean, bytes: 'windows-1252' | 'utf-8' = 'windows-1252'): Promise<{ file: string; m: string; out: string }> {
  const text = (await readFile(join(here, 'lis-windows-1252.csv'), 'utf8')).replace(/\r?\n/g, '\r\n');
  // every character of the fixture is in Latin-1, where Windows-1252 spells it the same byte
  expect([...text].every((c) => c.charCodeAt(0) < 0x80 || (c.charCodeAt(0) >= 0xa0 && c.charCodeAt(0) <= 0xff))).toBe(true);
  const content = Buffer.concat([bom ? BOM : Buffer.alloc(0), Buffer.from(text, bytes === 'utf-8' ? 'utf8' : 'latin1')]);
  const ws = await workspace();
  const file = await ws.put('export/lis_results_202403.csv', content);
  const m = await ws.put('lis.yaml', mapping(encoding));
  return { file, m, out: join(ws.root, 'out') };
}

async function run(encoding: 'latin-1' | 'utf-8', bom: boolean, after = '', logger = silent): Promise<LabQualityResult> {
  const { file, m, out } = await exported(encoding, bom);
  if (after) await appendFile(file, Buffer.from(after, 'latin1'));
  return runLabQuality({ extracts: [file], mapping: m, out, logger });
}

// By hand from the fixture's 17 records: 1009 (value "Annulleret") and 1010 (status "Annulleret")
// are set apart; of the 15 counted, 1008 ("Se note"), 1016 (12,9 past the hard limit 12) and
// 1017 (sampled after the as-of date) are unusable. P-Kalium: 8 counted, 5 usable; 7 numeric with
// an interval (all but "Se note"), 1003 below it, 1002, 1004 and 1016 above; 1002 (H), 1003 (L)
// and 1004 ("*") carry a flag that points their way.
const EXPECTED = { read: 15, usable: 12, unusable: 3, rejected: 0, setApart: 2 };
const KALIUM_OUTSIDE = { withInterval: 7, below: 1, above: 3, outsideFlagged: 3 };

describe('a Windows-1252 LIS export in lab-quality', () => {
  for (const encoding of ['latin-1', 'utf-8'] as const) {
    for (const bom of [false, true]) {
      it(`is read whole, declared ${encoding}, ${bom ? 'with' : 'without'} a UTF-8 byte order mark`, async () => {
        const r = await run(encoding, bom);
        const s = r.outputs.summary;
        expect({ read: s.rowsRead, usable: s.usable, unusable: s.unusable, rejected: s.rejected, setApart: s.setApart.reduce((n, c) => n + c.rows, 0) })
          .toEqual(EXPECTED);
        const k = s.outsideReference.find((o) => o.analysis === 'NPU03230')!;
        expect({ withInterval: k.withInterval, below: k.below, above: k.above, outsideFlagged: k.outsideFlagged }).toEqual(KALIUM_OUTSIDE);
        expect(s.byAnalysis.find((a) => a.key === 'NPU03230')).toMatchObject({ rows: 8, usable: 5 });
        // the names with æ and ø come out as the export spelled them
        expect(s.byAnalysis.find((a) => a.key === 'NPU02319')?.rows).toBe(1);
      });
    }
  }
});

describe('the end-of-file mark of a DOS program (Ctrl-Z) after the last record', () => {
  it('is no result: nothing rejected, the counts of the export without it, and a note that says so', async () => {
    for (const encoding of ['latin-1', 'utf-8'] as const) {
      const logged: string[] = [];
      const s = (await run(encoding, false, '\x1a', pino({ level: 'warn' }, { write: (line: string) => void logged.push(line) }))).outputs.summary;
      expect({ read: s.rowsRead, usable: s.usable, unusable: s.unusable, rejected: s.rejected, setApart: s.setApart.reduce((n, c) => n + c.rows, 0) })
        .toEqual(EXPECTED);
      expect(logged.join('\n')).toMatch(/end-of-file mark \(Ctrl-Z/);
    }
  });

  it('is still a reject where a record follows it, or something else is on its line', async () => {
    const s = (await run('latin-1', false, '\x1a\r\n1018;654321;PT18;NPU03230;NPU;P-Kalium;4,4;mmol/L;3,5-5,0;;Endelig;05.03.2024 08:00;05.03.2024 09:00;\r\n')).outputs.summary;
    expect({ read: s.rowsRead, usable: s.usable, rejected: s.rejected }).toEqual({ read: 17, usable: 13, rejected: 1 });
    const t = (await run('latin-1', false, 'x\x1a')).outputs.summary;
    expect({ read: t.rowsRead, rejected: t.rejected }).toEqual({ read: 16, rejected: 1 });
  });
});

describe('--check-mapping on a LIS export', () => {
  // the samples are the evaluation's reading: the first ten records, the unit of eGFR with its ²
  const cases = [
    ['latin-1', true, 'windows-1252'], ['utf-8', false, 'windows-1252'], ['utf-8', true, 'windows-1252'], ['latin-1', false, 'utf-8'],
  ] as const;
  for (const [encoding, bom, bytes] of cases) {
    it(`samples the rows as the evaluation reads them: ${bytes} declared ${encoding}${bom ? ', with a byte order mark' : ''}`, async () => {
      const { file, m } = await exported(encoding, bom, bytes);
      const { exitCode, text } = await runCheckMapping({ extracts: [file], mapping: m });
      expect(exitCode).toBe(0);
      expect(text).not.toMatch(/malformed/);
      const ids = Array.from({ length: 10 }, (_, i) => `"${1001 + i}"`).join(', ');
      expect(text).toMatch(new RegExp(`record_id +<- column Prøvenr +${ids}`));
      expect(text).toContain('"mL/min/1.73m²"');
    });
  }
});
