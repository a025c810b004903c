import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.ts';
import { queryRows, withDatabase } from '../../transforms/db/connection.ts';
import { main } from '../../jobs/cli.ts';
import { EXIT } from '../../jobs/exit-codes.ts';
import { inZone, nextRuns, readSchedule, runSchedule } from '../../jobs/schedule.ts';
import { acquireRunLock } from '../../jobs/run-lock.ts';
import { REGISTER, workspace } from '../helpers/inbox.ts';
import { fangst } from '../helpers/snapshot.ts';

const silent = pino({ level: 'silent' });

describe('fangst schedule', () => {
  it('the shipped schedule runs at 02:30 Danish time, once a night, also on the nights the clocks change', async () => {
    const config = await loadConfig('config/pipeline.yaml');
    const schedule = readSchedule(config.file, config.raw);
    expect(schedule).toEqual({ cron: '30 2 * * *', timeZone: 'Europe/Copenhagen' });
    // Spring forward (30 March 2025): 02:30 does not exist, the run moves to 03:00 CEST.
    expect(nextRuns(schedule, 3, new Date('2025-03-29T12:00:00Z')).map((d) => d.toISOString())).toEqual([
      '2025-03-30T01:00:00.000Z', '2025-03-31T00:30:00.000Z', '2025-04-01T00:30:00.000Z',
    ]);
    // Fall back (26 October 2025): 02:30 happens twice, the job runs once.
    expect(nextRuns(schedule, 3, new Date('2025-10-25T12:00:00Z')).map((d) => d.toISOString())).toEqual([
      '2025-10-26T00:30:00.000Z', '2025-10-27T01:30:00.000Z', '2025-10-28T01:30:00.000Z',
    ]);
  });

  it('a broken cron expression or time zone is a configuration error (exit 2), a broken --cron a usage error (exit 64), naming the key and the value', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fangst-schedule-'));
    const shipped = await readFile('config/pipeline.yaml', 'utf8');
    const file = join(dir, 'pipeline.yaml');
    await writeFile(file, shipped.replace(/^sources:[\s\S]*?\n(?=\S)/m, 'sources: []\n').replace('cron: "30 2 * * *"', 'cron: "every night"'));
    expect(() => readSchedule(file, { schedule: { cron: 'every night' } })).toThrow(/schedule\.cron: found "every night", expected a cron expression/);
    expect(() => readSchedule(file, { schedule: { cron: '30 2 * * *', time_zone: 'Europe/Kobenhavn' } }))
      .toThrow('schedule.time_zone: found "Europe/Kobenhavn", expected an IANA time zone');
    await expect(runSchedule({ config: file, logger: silent })).rejects.toThrow(`${file}: schedule.cron: found "every night"`);
    await expect(runSchedule({ config: file, cron: '30 2 * *', logger: silent })).rejects.toThrow('--cron: found "30 2 * *", expected a cron expression');
    expect(await main(['node', 'fangst', 'schedule', '--config', file])).toBe(EXIT.config);
    expect(await main(['node', 'fangst', 'schedule', '--config', file, '--cron', '30 2 * *', '--next', '1'])).toBe(EXIT.usage);
    // well-formed but never due (30 February): said at once, not waited for in silence
    expect(() => readSchedule(file, { schedule: { cron: '0 0 30 2 *' } })).toThrow('schedule.cron: found "0 0 30 2 *", expected a cron expression that fires on some date (this one never does)');
    expect(await main(['node', 'fangst', 'schedule', '--config', file, '--cron', '0 0 30 2 *', '--next', '3'])).toBe(EXIT.usage);
  });

  it('runs the nightly job on its ticks: the first loads the inbox, the second finds nothing new', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    await ws.put('novax/2025-01_diagnoser_1.csv', 'DiagnoseId;SORkode;Ydernr;PatientPseudo;Diagnosekode;Diagnoseart;Kontaktdato\n'
      + 'n1;61741000016007;;P0000001;DH353;A;03-01-2025\n', 'latin-1');
    const code = await runSchedule({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, cron: '* * * * * *', maxRuns: 2, logger: silent });
    expect(code).toBe(EXIT.ok);
    await withDatabase(ws.db, async (_d, conn) => {
      const runs = await queryRows<{ status: string; batch_id: string | null }>(conn, `select status, batch_id from meta.runs order by started_at`);
      expect(runs.map((r) => [r.status, r.batch_id !== null])).toEqual([['succeeded', true], ['succeeded', false]]);
      const [n] = await queryRows<{ n: bigint }>(conn, `select count(*) as n from core.diagnoser`);
      expect(Number(n!.n)).toBe(1);
    });
  });

  it('a tick while another run holds the lock is skipped with exit code 75, and the schedule goes on', async () => {
    const ws = await workspace();
    await ws.put('register/klinikregister.csv', REGISTER);
    const lock = await acquireRunLock(ws.db, 'nightly');
    try {
      const code = await runSchedule({ inbox: ws.inbox, outbox: ws.outbox, db: ws.db, reports: ws.reports, cron: '* * * * * *', maxRuns: 1, logger: silent });
      expect(code).toBe(EXIT.locked);
    } finally {
      await lock.release();
    }
  });
});

describe('schedule --next', () => {
  it('prints run times in the schedule\'s zone, with its offset, beside UTC', () => {
    expect(inZone(new Date('2025-07-01T00:30:00Z'), 'Europe/Copenhagen')).toBe('2025-07-01 02:30 Europe/Copenhagen (GMT+02:00) = 2025-07-01T00:30:00.000Z');
    expect(inZone(new Date('2025-12-01T01:30:00Z'), 'Europe/Copenhagen')).toBe('2025-12-01 02:30 Europe/Copenhagen (GMT+01:00) = 2025-12-01T01:30:00.000Z');
  });

  it('shows seconds when the schedule fires within a minute (a seconds field), so no two lines read the same', async () => {
    const r = await fangst(['schedule', '--cron', '*/10 * * * * *', '--next', '3'], { FANGST_LOG_LEVEL: 'silent' });
    expect(r.code).toBe(EXIT.ok);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d0 Europe\/Copenhagen \(GMT\+0[12]:00\) = \S+Z$/);
    expect(new Set(lines.map((l) => l.split(' = ')[0])).size).toBe(3);
    // a schedule on whole minutes keeps them short
    const daily = await fangst(['schedule', '--cron', '30 2 * * *', '--next', '2'], { FANGST_LOG_LEVEL: 'silent' });
    expect(daily.stdout).toMatch(/^\d{4}-\d\d-\d\d 02:30 Europe\/Copenhagen /);
  });
});
