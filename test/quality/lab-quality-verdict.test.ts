// When nothing of an extract is usable, the verdict names the error that made it so: a regional
// laboratory export keyed on the CPR number had every result unusable for that one reason, and
// the terminal and the report said only "nothing is usable: 0 of 1524" (ot15 M1).
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { runLabQuality } from '../../jobs/lab-quality.ts';
import { lisMapping } from '../fixtures/lab/lis-mapping.ts';
import { workspace } from '../helpers/inbox.ts';

describe('an extract of which nothing is usable', () => {
  it('says which error made every result unusable, and in which column', async () => {
    const ws = await workspace();
    // valid CPR numbers (modulus 11 not required since 2007), written as a regional system writes them
    const cprs = ['010203-1234', '0102031235', '150588-2345', '240199 4567'];
    const lines = ['Provenr;Afdeling;CPR-nr;Analysekode;Resultat;Enhed;Provetidspunkt'];
    for (let i = 0; i < 40; i++) lines.push(`${i + 1};SOR1001;${cprs[i % cprs.length]};NPU02319;${(8 + (i % 10) / 5).toFixed(1).replace('.', ',')};mmol/L;0${1 + (i % 9)}-10-2024 10:00`);
    await ws.put('export/LIS_2024-10.csv', `${lines.join('\n')}\n`);
    const mapping = await ws.put('mapping.yaml', lisMapping('CPR-nr'));
    const result = await runLabQuality({ extracts: [join(ws.inbox, 'export')], mapping, out: join(ws.root, 'out'), logger: pino({ level: 'silent' }) });
    expect(result.outputs.summary.usable).toBe(0);
    expect(result.outputs.problems).toEqual([expect.stringMatching(/^nothing is usable: 0 of 40 lab results; every unusable one has privacy\.cpr_laboratoriesvar: .*\(patient\)$/)]);
  });
});
