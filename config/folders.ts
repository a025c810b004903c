// Creating a folder a command writes into (the database's, an --out folder), with an error that
// says which folder it is and what is in the way, not Node's "EEXIST: file already exists, mkdir".
import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { UsageError } from './errors.ts';

/**
 * mkdir -p of `path`; a failure is a UsageError on `what` (the option or setting that named it):
 * a file where a folder must be, a link to nowhere on the way, no permission.
 */
export async function makeFolder(path: string, what: string): Promise<void> {
  try {
    await makeFolders(path);
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

/**
 * mkdir -p, one folder at a time from the nearest existing one. Node's recursive mkdir loops for
 * ever, at full CPU, on a path where creating the folder fails with ENOENT although its parent
 * exists (/proc/foo), and a nightly spinning there holds the run lock until it is killed.
 */
export async function makeFolders(path: string): Promise<void> {
  const missing: string[] = [];
  for (let p = resolve(path); !existsSync(p); p = dirname(p)) {
    missing.unshift(p);
    if (dirname(p) === p) break;
  }
  for (const p of missing) {
    try {
      await mkdir(p);
    } catch (err) {
      // made meanwhile by another process: fine, as for mkdir -p
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(p).isDirectory()) throw err;
    }
  }
  // an existing path that is a file: what mkdir -p says of it
  if (!statSync(path).isDirectory()) throw Object.assign(new Error(`not a folder: ${path}`), { code: 'ENOTDIR' });
}

/** The first part of `path` that exists and is no folder, or null. */
export function fileInTheWay(path: string): string | null {
  for (let p = path; ; p = dirname(p)) {
    try {
      if (!statSync(p).isDirectory()) return p;
    } catch {
      // not there: look further up
    }
    if (dirname(p) === p) return null;
  }
}
