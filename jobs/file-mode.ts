// Who may read what fangst creates (pipeline.yaml file_mode): the process's umask, set before a
// command creates anything. jobs/fangst.js starts at owner-only; a configuration may open the
// files to the owner's group (read, and enter folders), never to others.
import type { FileMode } from '../config/load.ts';

const UMASK: Record<FileMode, number> = {
  // 0600 files, 0700 folders
  'owner-only': 0o077,
  // 0640 files, 0750 folders
  'group-readable': 0o027,
};

/** Files and folders created from now on get `mode`'s permissions. */
export function applyFileMode(mode: FileMode): void {
  process.umask(UMASK[mode]);
}
