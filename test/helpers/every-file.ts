import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Every file under `dir` (none when it does not exist). Symbolic links are left out: reports/latest
 * points at a run's folder, which is walked as itself.
 */
export async function everyFile(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isSymbolicLink()) continue;
    if (e.isDirectory()) out.push(...(await everyFile(p)));
    else out.push(p);
  }
  return out;
}
