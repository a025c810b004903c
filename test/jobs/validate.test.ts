// fangst validate: every configuration, check, mapping and reference file through the loaders a
// run uses; exit 0 with what a run would use, or exit 2 with every problem on its own line.
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../config/errors.ts';
import { EXIT } from '../../jobs/exit-codes.ts';
import { validateConfig } from '../../jobs/validate.ts';
import { fangst } from '../helpers/snapshot.ts';

const quiet = { FANGST_LOG_LEVEL: 'silent' };

async function copyOfConfig(edits: Record<string, (text: string) => string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fangst-validate-'));
  await cp('config', dir, { recursive: true });
  for (const [file, edit] of Object.entries(edits)) {
    const path = join(dir, file);
    const before = await readFile(path, 'utf8');
    const after = edit(before);
    expect(after, file).not.toBe(before);
    await writeFile(path, after);
  }
  return join(dir, 'pipeline.yaml');
}

describe('fangst validate', () => {
  it('on the shipped configuration: exit 0, and prints the sources, kinds, checks and reference files a run would use', async () => {
    const r = await fangst(['validate'], quiet);
    expect([r.code, r.stderr]).toEqual([EXIT.ok, '']);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('config/pipeline.yaml: valid');
    expect(r.stdout).toMatch(/^sources +9 journal systems, \d+ layouts: CGM XMO, .*XMedicus$/m);
    expect(r.stdout).toMatch(/^kinds +diagnoser \(9 systems\), /m);
    expect(r.stdout).toMatch(/^checks +\d+ in config\/checks: /m);
    expect(r.stdout).toMatch(/^reference +SKS codes: config\/reference\/sks-diagnosis-codes\.csv \(19,531 codes, the shipped list\)$/m);
    expect(r.stdout).toMatch(/NPU catalogue: config\/reference\/npu-catalogue\.yaml \(\d+ analyses\)/);
    expect(r.stdout).toMatch(/^mappings +config\/mappings\/example-foreign-lab\.yaml \(1 lab layout\)$/m);
  });

  it('on a broken copy: exit 2, one line per problem in every kind of file, each naming the key and the nearest known one', async () => {
    const file = await copyOfConfig({
      'pipeline.yaml': (s) => s.replace(/^memory_limit:/m, 'memory_limt:').replace(/^  target:/m, '  targt:').replace(/^  cron:/m, '  crn:')
        .replace(/^  sks_file:/m, '  sks_fil:').replace(/^  delimiter:/m, '  delimter:'),
      'sources/novax.yaml': (s) => s.replace('  encoding:', '  encodng:'),
      'checks/diagnoser.yaml': (s) => s.replace('severity: error', 'severity: eror'),
      'mappings/example-foreign-lab.yaml': (s) => s.replace('    files:', '    fles:'),
    });
    const dir = join(file, '..');
    const r = await fangst(['validate', '--config', file], quiet);
    expect(r.code).toBe(EXIT.config);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n').map((l) => l.replace('fangst validate: ', '').replaceAll(dir, 'DIR'));
    const named = lines.map((l) => [l.split(': found ')[0], /\(did you mean (.+)\?\)$/.exec(l)?.[1]]);
    expect(named).toEqual([
      ['DIR/pipeline.yaml: memory_limt', 'memory_limit'],
      ['DIR/pipeline.yaml: register.delimter', 'delimiter'],
      ['DIR/pipeline.yaml: reference.sks_fil', 'sks_file'],
      ['DIR/sources/novax.yaml: defaults.encodng', 'encoding'],
      ['DIR/pipeline.yaml: campaign.targt', 'target'],
      ['DIR/pipeline.yaml: schedule.crn', 'cron'],
      [expect.stringMatching(/^DIR\/checks\/diagnoser\.yaml: checks\[\d+\] \([a-z_.]+\)\.severity$/), 'error'],
      ['DIR/mappings/example-foreign-lab.yaml: deliveries[0].fles', 'files'],
    ]);
  });

  it('prints a problem of a source layout once, also when pipeline.yaml itself is right', async () => {
    const file = await copyOfConfig({ 'sources/novax.yaml': (s) => s.replace('  encoding:', '  encodng:') });
    const r = await fangst(['validate', '--config', file], quiet);
    expect(r.code).toBe(EXIT.config);
    expect(r.stderr.trimEnd().split('\n').map((l) => l.replace('fangst validate: ', '').replaceAll(join(file, '..'), 'DIR').split(': found ')[0]))
      .toEqual(['DIR/sources/novax.yaml: defaults.encodng']);
  });

  it('names a reference file that cannot be read, and the other YAML of the folder', async () => {
    const file = await copyOfConfig({
      'pipeline.yaml': (s) => s.replace(/^  sks_file: null/m, '  sks_file: /nonexistent/SKScomplete.txt'),
      'score.yaml': (s) => `${s}\nextra: 1\n`,
    });
    const err = await validateConfig(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.map((p) => `${p.file.replace(join(file, '..'), 'DIR')}: ${p.key}`)).toEqual([
      'DIR/pipeline.yaml: reference.sks_file', 'DIR/score.yaml: extra']);
    expect((err as ConfigError).problems[0]!.found).toBe('/nonexistent/SKScomplete.txt');
  });
});
