// Strict configuration through the real command: a typo in any configuration file is exit 2 with
// one line naming the file, the key and the nearest known key, and --config brings its own checks.
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../jobs/exit-codes.ts';
import { workspace } from '../helpers/inbox.ts';
import { fangst, nightlyArgs } from '../helpers/snapshot.ts';

const quiet = { FANGST_LOG_LEVEL: 'silent' };

/** A copy of config/ with one file edited; returns the copy's folder. */
async function copyWith(file: string, edit: (text: string) => string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fangst-strict-'));
  await cp('config', dir, { recursive: true });
  const path = join(dir, file);
  const before = await readFile(path, 'utf8');
  const after = edit(before);
  expect(after).not.toBe(before);
  await writeFile(path, after);
  return dir;
}

describe('strict configuration, through fangst nightly --config', () => {
  it('a misspelt key in pipeline.yaml is exit 2, naming the key and the nearest known one', async () => {
    const dir = await copyWith('pipeline.yaml', (s) => s.replace(/^memory_limit:/m, 'memory_limt:'));
    const ws = await workspace();
    const r = await fangst([...nightlyArgs(ws), '--config', join(dir, 'pipeline.yaml')], quiet);
    expect(r.code).toBe(EXIT.config);
    expect(r.stderr).toMatch(new RegExp(`^fangst nightly: ${join(dir, 'pipeline.yaml')}: memory_limt: found an unknown key, expected one of inbox, outbox, .* \\(did you mean memory_limit\\?\\)\\n$`));
  });

  it('a misspelt key in a source layout is exit 2, naming the file, the key and the nearest known one', async () => {
    const dir = await copyWith('sources/novax.yaml', (s) => s.replace('    files:', '    fles:'));
    const ws = await workspace();
    const r = await fangst([...nightlyArgs(ws), '--config', join(dir, 'pipeline.yaml')], quiet);
    expect(r.code).toBe(EXIT.config);
    expect(r.stderr).toMatch(/^fangst nightly: .*sources\/novax\.yaml: deliveries\[0\]\.fles: found an unknown key, expected one of kind, files, .* \(did you mean files\?\)\n$/);
  });

  it('--config uses the checks/ beside that pipeline.yaml: a copied check with severity: eror is exit 2', async () => {
    const dir = await copyWith('checks/diagnoser.yaml', (s) => s.replace(/severity: error/, 'severity: eror'));
    const ws = await workspace();
    const r = await fangst([...nightlyArgs(ws), '--config', join(dir, 'pipeline.yaml')], quiet);
    expect(r.code).toBe(EXIT.config);
    expect(r.stderr).toMatch(new RegExp(`^fangst nightly: ${join(dir, 'checks', 'diagnoser.yaml')}: checks\\[\\d+\\] \\([a-z_.]+\\)\\.severity: found "eror", expected one of warn, error \\(did you mean error\\?\\)\\n$`));
  });

  it('a misspelt key of a check is exit 2, naming the nearest known key', async () => {
    const dir = await copyWith('checks/diagnoser.yaml', (s) => s.replace(/severity: error/, 'severty: error'));
    const ws = await workspace();
    const r = await fangst([...nightlyArgs(ws), '--config', join(dir, 'pipeline.yaml')], quiet);
    expect(r.code).toBe(EXIT.config);
    expect(r.stderr).toMatch(/\.severty: found an unknown key, expected a key of a check, one of id, kind, .* \(did you mean severity\?\)\n$/);
  });
});
