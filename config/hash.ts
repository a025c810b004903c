// A short fingerprint of the configuration a run used, for the footer of its reports: two
// reports with the same hash were made with the same pipeline.yaml, source layouts and checks.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { PipelineConfig } from './load.ts';

/** SHA-256 over pipeline.yaml, the layouts in sources/ it names and every checks/*.yaml, as 12 hex digits. */
export async function configHash(config: Pick<PipelineConfig, 'file' | 'checksDir' | 'raw'>): Promise<string> {
  const sources = Array.isArray(config.raw.sources) ? (config.raw.sources as unknown[]).map(String) : [];
  const checks = await readdir(config.checksDir).then((fs) => fs.filter((f) => f.endsWith('.yaml')).sort(), () => []);
  const files = [
    config.file,
    ...sources.map((s) => join(dirname(config.file), 'sources', `${s}.yaml`)),
    ...checks.map((f) => join(config.checksDir, f)),
  ];
  const hash = createHash('sha256');
  for (const f of files) {
    // the name as well as the content: a check file renamed is another configuration
    hash.update(`${basename(f)}\0`);
    hash.update(await readFile(f).catch(() => Buffer.alloc(0)));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 12);
}
