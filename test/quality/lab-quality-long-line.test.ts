// A comment column the mapping does not read held 20 MB in one cell: the whole record was rejected
// ("line size over maximum", DuckDB's 2,000,000 bytes), and its result was lost to a field nobody
// asked for. An evaluation reads a record as long as a FHIR line may be (40 MB); a longer one is
// still rejected on its own, and the terminal names it as a result lost, with file, line and limit.
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { runLabQuality } from '../../jobs/lab-quality.ts';
import { workspace } from '../helpers/inbox.ts';

const MAPPING = ['system: Regional LIS', 'deliveries:', '  - kind: laboratoriesvar', '    files: "LIS_*.csv"', '    format: csv',
  '    delimiter: ";"', '    decimal: ","', '    columns: { record_id: Id, clinic: none, patient: Pt, analysis_code: Code, value: Val, unit: Enhed }', ''].join('\n');

/** A regional LIS export (`;`, decimal comma) whose free-text Kommentar holds `cell` on record 3 (line 4). */
async function evaluate(cell: string) {
  const ws = await workspace();
  const rows = ['Id;Pt;Code;Val;Enhed;Kommentar'];
  for (let i = 1; i <= 5; i++) rows.push(`r${i};P${i};NPU02319;8,${i};mmol/L;${i === 3 ? cell : 'ok'}`);
  await ws.put('export/LIS_2024-10.csv', `${rows.join('\r\n')}\r\n`);
  const mapping = await ws.put('m.yaml', MAPPING);
  return runLabQuality({ extracts: [join(ws.inbox, 'export')], mapping, out: join(ws.root, 'out'), logger: pino({ level: 'silent' }) });
}

describe('a long CSV record in lab-quality', () => {
  it('is read whole when a column no mapping reads holds 20 MB: its result counts, none is said lost', async () => {
    const result = await evaluate(`"Se vedlagte notat: ${'lang fritekst; '.repeat(1_300_000)}"`);
    expect(result.files[0]).toMatchObject({ read: 5, rejected: 0 });
    expect(result.outputs.summary).toMatchObject({ rowsRead: 5, usable: 5, rejected: 0 });
    expect(result.outputs.text).not.toContain('too long to read');
    expect(result.outputs.text).not.toContain('lang fritekst');
  });

  it('is rejected on its own past 40 MB, named on the terminal with its file, line and the limit, as a result lost', async () => {
    const result = await evaluate('x'.repeat(42_000_000));
    expect(result.files[0]).toMatchObject({ read: 5, rejected: 1 });
    const lines = result.outputs.text.split('\n');
    const at = lines.indexOf('lines too long to read, their results lost (rejected): 1 (the limit counts the whole line, columns no mapping reads included)');
    expect(at).toBeGreaterThan(-1);
    expect(lines[at + 1]).toMatch(/^ {2}LIS_2024-10\.csv line 4: line size over maximum: .*41943040/);
    expect(result.outputs.text).not.toContain('xxxx');
  });
});
