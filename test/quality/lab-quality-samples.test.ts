// The done-when of the lab evaluation, at the scale of the bundled samples: lab-quality on the
// generator's extract (data-samples/, scale 0.002), then fangst score's measurement against the
// generator's truth. The scale-0.1 figures are in the README; this keeps them honest in CI.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { runLabQuality } from '../../jobs/lab-quality.ts';
import { withDatabase } from '../../transforms/db/connection.ts';
import { loadScoreConfig, scoreFindings } from '../../quality/score.ts';
import { workspace } from '../helpers/inbox.ts';

const samples = 'data-samples/inbox';
const truth = 'data-samples/truth.parquet';

describe.skipIf(!existsSync(truth))('lab-quality on the generator\'s samples, scored against the truth', () => {
  it('catches every injected lab defect kind with full precision and recall, and pins each mix-up to its clinic', async () => {
    const ws = await workspace();
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true, extracts: [samples], out, logger: pino({ level: 'silent' }) });
    const score = await withDatabase(join(out, 'lab-quality.duckdb'), async (_db, conn) => scoreFindings(conn, truth, await loadScoreConfig()));
    const lab = score.kinds.filter((k) => k.kind.startsWith('lab_') && k.scored);
    expect(lab.map((k) => k.kind).sort()).toEqual([
      'lab_implausible', 'lab_missing_reference', 'lab_time_order', 'lab_unit_mixup_hb', 'lab_unit_mixup_hba1c', 'lab_wrong_unit',
    ]);
    for (const k of lab) {
      expect({ kind: k.kind, recall: k.recall, precision: k.precision }).toEqual({ kind: k.kind, recall: 1, precision: 1 });
    }
    const mixups = await withDatabase(join(out, 'lab-quality.duckdb'), async (_db, conn) => {
      const r = await conn.runAndReadAll(`
        select t.kind, s.clinic, s.likely_unit
        from (select distinct kind, sor_code from read_parquet('${truth}') where kind like 'lab_unit_mixup%') as t
        left join lab.clinic_shifts as s on s.clinic = t.sor_code and s.shifted
        order by t.kind`);
      return r.getRowObjectsJS();
    });
    expect(mixups.map((m) => [m.kind, m.likely_unit])).toEqual([['lab_unit_mixup_hb', 'g/dL'], ['lab_unit_mixup_hba1c', '%']]);
    expect(result.outputs.summary.shifts).toHaveLength(2);
  });
});
