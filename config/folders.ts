// Creating a folder a command writes into (the database's, an --out folder), with an error that
// says which folder it is and what is in the way, not Node's "EEXIST: file already exists, mkdir".
import { statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UsageError } from './errors.ts';

/**
 * mkdir -p of `path`; a failure is a UsageError on `what` (the option or setting that named it):
 * a file where a folder must be, a link to nowhere on the way, no permission.
 */
export async function makeFolder(path: string, what: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const file = code === 'EEXIST' || code === 'ENOTDIR' ? fileInTheWay(path) : null;
    const why = file !== null ? `${file} is a file, not a folder`
      : code === 'ENOENT' ? 'a folder on its way cannot be reached (a link to nowhere?)'
        : code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? `no permission to create it (${code})`
          : code ?? (err as Error).message;
    throw new UsageError(what, path, `a folder that exists or can be created (${why})`);
  }
}

/** The first part of `path` that exists and is no folder, or null. */
function fileInTheWay(path: string): string | null {
  for (let p = path; ; p = dirname(p)) {
    try {
      if (!statSync(p).isDirectory()) return p;
    } catch {
      // not there: look further up
    }
    if (dirname(p) === p) return null;
  }
}
