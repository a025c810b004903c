import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, maskLogLine } from '../../jobs/log.ts';

function capture() {
  const lines: string[] = [];
  const stream = { write: (line: string) => void lines.push(line) };
  return { lines, stream };
}

// the test config silences logs
const level = process.env.FANGST_LOG_LEVEL;
beforeEach(() => void (process.env.FANGST_LOG_LEVEL = 'info'));
afterEach(() => void (process.env.FANGST_LOG_LEVEL = level));

describe('createLogger', () => {
  it('masks CPR and replacement numbers in every part of a line, in any spelling', () => {
    const { lines, stream } = capture();
    const log = createLogger('test', stream);
    log.info({ file: 'inbox/pt_150385-1037_labsvar.csv', headers: ['Dato', '0101901ab2'], rows: 3 }, 'read %s', 'note 15.03.85\t1037');
    log.warn({ err: new Error('bad value "150385\n1037" in column patient') }, 'rejected');
    const child = log.child({ patient: '１５０３８５–１０３７' });
    child.error('clinic 150385 1037 failed');
    const out = lines.join('');
    for (const n of ['150385', '0101901ab2', '１５０３８５']) expect(out).not.toContain(n);
    const parsed = lines.map((l) => JSON.parse(l));
    expect(parsed[0]).toMatchObject({ file: 'inbox/pt_[CPR]_labsvar.csv', headers: ['Dato', '[CPR]'], rows: 3, msg: 'read note [CPR]' });
    expect(parsed[1].err.message).toBe('bad value "[CPR]" in column patient');
    expect(parsed[1].err.stack).toContain('[CPR]');
    expect(parsed[2]).toMatchObject({ patient: '[CPR]', msg: 'clinic [CPR] failed' });
  });

  it('leaves lines without a number as pino wrote them', () => {
    const { lines, stream } = capture();
    createLogger('test', stream).info({ sample: 'c1401616777a', n: 1503851037 }, 'sample id 3213451234, run 2026-03-15 10:37');
    expect(maskLogLine(lines[0]!)).toBe(lines[0]);
    expect(JSON.parse(lines[0]!)).toMatchObject({ sample: 'c1401616777a', msg: 'sample id 3213451234, run 2026-03-15 10:37' });
  });
});
