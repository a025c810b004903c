// The configuration files parsed at build time give what the YAML parser gives, and a file edited
// since (or never shipped) is parsed as it is now.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { existsSync } from 'node:fs';
import { parseYaml, yamlKey } from '../../config/parse-yaml.ts';

describe('parseYaml', () => {
  it('gives every shipped configuration file the value the parser gives it', async () => {
    const files = (await readdir('config', { recursive: true })).filter((f) => /\.ya?ml$/.test(f));
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const text = await readFile(join('config', f), 'utf8');
      expect(parseYaml(text), f).toEqual(parse(text));
    }
  });

  it('finds every shipped file in the build under the key it looks it up by (jobs/build.mjs computes its own)', async (ctx) => {
    if (!existsSync('.build/yaml.json')) ctx.skip('no build (npm install or npm run build makes .build/yaml.json)');
    const built = JSON.parse(await readFile('.build/yaml.json', 'utf8')) as Record<string, string>;
    const files = (await readdir('config', { recursive: true })).filter((f) => /\.ya?ml$/.test(f));
    for (const f of files) {
      const text = await readFile(join('config', f), 'utf8');
      expect(JSON.parse(built[yamlKey(text)] ?? 'null'), f).toEqual(parse(text));
    }
  });

  it('parses an edited file as it is now, and hands out a fresh object each time', async () => {
    const text = await readFile('config/pipeline.yaml', 'utf8');
    const edited = `${text}\n# edited\nedited_key: 1\n`;
    expect((parseYaml(edited) as Record<string, unknown>).edited_key).toBe(1);
    const a = parseYaml(text) as Record<string, unknown>;
    a.inbox = 'changed by a caller';
    expect((parseYaml(text) as Record<string, unknown>).inbox).not.toBe('changed by a caller');
  });

  it('reports a syntax error as the parser does', () => {
    expect(() => parseYaml('a: [1, 2')).toThrow();
  });
});
