// YAML text as the `yaml` library parses it. The configuration files shipped with fangst are
// parsed once at build time (jobs/build.mjs writes .build/yaml.json, keyed by the sha256 of each
// file's text): the library's first, cold parse is a noticeable part of every command's start.
// A file whose text is not among them (edited, or the user's own) is parsed.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const builtFile = new URL('../.build/yaml.json', import.meta.url);
let built: Record<string, string> | null | undefined;

/** The parsed value of `text`, a fresh object each call. */
export function parseYaml(text: string): unknown {
  if (built === undefined) {
    try {
      built = JSON.parse(readFileSync(builtFile, 'utf8')) as Record<string, string>;
    } catch {
      built = null;
    }
  }
  const json = built?.[yamlKey(text)];
  return json === undefined ? parse(text) : JSON.parse(json);
}

export function yamlKey(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
