import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { isGzipPath } from './content-stream.ts';

// DuckDB's readers take a path with *, ? or [ as a glob pattern and read every file it matches,
// with no way to escape them. A delivered file whose name holds one is read through a link with a
// plain name instead, so the name is never a pattern. DuckDB also picks gzip by a lower-case .gz
// only: a file named .GZ (or .Gz) is read through a link too, its extensions in lower case.
const GLOB = /[*?[\]{}]/;
let linkDir: string | null = null;
const links = new Map<string, string>();

/**
 * A path DuckDB reads as exactly this file, and as gzip when isGzipPath: the path itself when it
 * holds no glob character and any .gz is lower case, else a symbolic link to it in a private
 * folder of this process, named with the same extensions in lower case (`.csv.gz`: the reader
 * picks its decompression by them), the same link for the same path. The folder goes when the
 * process ends.
 */
export function literalPath(path: string): string {
  if (!GLOB.test(path) && (path.endsWith('.gz') || !isGzipPath(path))) return path;
  const known = links.get(path);
  if (known) return known;
  if (linkDir === null) {
    linkDir = mkdtempSync(join(tmpdir(), 'fangst-links-'));
    const dir = linkDir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  const extensions = (/(\.[A-Za-z0-9]+)*$/.exec(basename(path))?.[0] ?? '').toLowerCase();
  const link = join(linkDir, `f${links.size}${extensions}`);
  symlinkSync(path, link);
  links.set(path, link);
  return link;
}
