// A comment column the mapping does not read held 20 MB in one cell: the whole record was rejected
// ("line size over maximum"), and the terminal said only "rejected: 1", not that a result was lost
// to a line too long, nor the limit.
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { runLabQuality } from '../../jobs/lab-quality.ts';
import { workspace } from '../helpers/inbox.ts';

describe('a CSV line longer than the reader takes', () => {
  it('is named on the terminal with its file, line and the limit, as a result lost', async () => {
    const ws = await workspace();
    const rows = ['Id;Pt;Code;Val;Kommentar'];
    for (let i = 1; i <= 5; i++) rows.push(`r${i};P${i};NPU02319;8,${i};${i === 3 ? 'x'.repeat(2_100_000) : 'ok'}`);
    await ws.put('export/LIS_2024-10.csv', `${rows.join('\n')}\n`);
    const mapping = await ws.put('m.yaml', ['system: Regional LIS', 'deliveries:', '  - kind: laboratoriesvar', '    files: "LIS_*.csv"', '    format: csv',
      '    delimiter: ";"', '    decimal: ","', '    columns: { record_id: Id, clinic: none, patient: Pt, analysis_code: Code, value: Val }', ''].join('\n'));
    const result = await runLabQuality({ extracts: [join(ws.inbox, 'export')], mapping, out: join(ws.root, 'out'), logger: pino({ level: 'silent' }) });
    expect(result.files[0]).toMatchObject({ read: 5, rejected: 1 });
    const lines = result.outputs.text.split('\n');
    const at = lines.indexOf('lines too long to read, their results lost (rejected): 1 (the limit counts the whole line, columns no mapping reads included)');
    expect(at).toBeGreaterThan(-1);
    expect(lines[at + 1]).toMatch(/^ {2}LIS_2024-10\.csv line 4: line size over maximum: .*2000000 bytes/);
    expect(result.outputs.text).not.toContain('xxxx');
  }, 60_000);
});
