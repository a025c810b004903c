// A clinic that sends most of its haemoglobin in g/dL under mmol/L, not all of it (a clinic that
// changed its unit within the period): its median is a mix, and read in g/dL it lands 0.5 SD off
// the rest, outside the cut a whole-clinic mix-up passes. It is named as g/dL all the same, since
// the conversion takes away nearly all of its distance from the rest (ot15 H1: "no known
// conversion matches", and ~64 results in the wrong unit counted usable).
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { runLabQuality } from '../../jobs/lab-quality.ts';
import { queryRows, withDatabase } from '../../transforms/db/connection.ts';
import { lisMapping } from '../fixtures/lab/lis-mapping.ts';
import { workspace } from '../helpers/inbox.ts';

/** Haemoglobin of ordinary patients in mmol/L: a fixed spread around 9, so the figures are known. */
const hb = (i: number) => 9 + 0.6 * Math.sin(i * 1.7) + 0.3 * Math.cos(i * 0.37);

describe('a clinic that sends most, not all, of its haemoglobin in g/dL', () => {
  it('is named as g/dL with the factor, and its g/dL results are unusable', async () => {
    const ws = await workspace();
    const lines = ['Provenr;Afdeling;Patient;Analysekode;Resultat;Enhed;Provetidspunkt'];
    let n = 0;
    const row = (clinic: string, value: number) => {
      n++;
      lines.push(`${n};${clinic};P${String(n).padStart(6, '0')};NPU02319;${value.toFixed(1).replace('.', ',')};mmol/L;0${1 + (n % 9)}-10-2024 10:00`);
    };
    for (const clinic of ['SOR1001', 'SOR1002', 'SOR1003']) for (let i = 0; i < 60; i++) row(clinic, hb(i + clinic.length * 7 + Number(clinic.slice(-1)) * 31));
    // 87 of 104 in g/dL (value / 0.6206), the rest in mmol/L; its patients' haemoglobin a little
    // lower than elsewhere (a kidney clinic), as ot15's was
    const own = (i: number) => hb(i * 3 + 5) - 0.45;
    for (let i = 0; i < 104; i++) row('SOR1004', i < 87 ? own(i) / 0.6206 : own(i));
    await ws.put('export/LIS_2024-10.csv', `${lines.join('\n')}\n`);
    const mapping = await ws.put('mapping.yaml', lisMapping('Patient'));
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true, extracts: [join(ws.inbox, 'export')], mapping, out, logger: pino({ level: 'silent' }) });
    const shift = result.outputs.summary.shifts.find((s) => s.clinic === 'SOR1004');
    expect({ unit: shift?.likelyUnit, factor: shift?.factor }).toEqual({ unit: 'g/dL', factor: 0.6206 });
    expect(result.outputs.summary.shifts.filter((s) => s.clinic !== 'SOR1004')).toEqual([]);
    // the 87 in g/dL are the mix-up (records 181-267); the clinic's 17 in mmol/L are not
    const flagged = await withDatabase(join(out, 'lab-quality.duckdb'), (_d, conn) => queryRows<{ id: number }>(conn,
      `select cast(split_part(record_key, ':', 2) as integer) as id from quality.row_findings where check_id = 'lab.unit_mixup_clinic' order by id`));
    expect(flagged.map((f) => f.id)).toEqual(Array.from({ length: 87 }, (_, i) => 181 + i));
  });
});
