#!/usr/bin/env node
// The `fangst` command. `npm install` bundles the TypeScript sources into .build/ (jobs/build.mjs);
// that bundle runs while it is newer than every source file it holds. Otherwise (no bundle, or a
// source edited since) the sources run directly through tsx, so a fresh clone needs no build step.
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// The database holds quarantined raw records and the outbox patient rows: everything fangst
// creates (database, WAL, spill files, lock, outbox, reports) is for its owner only.
process.umask(0o077);

function bundleIsFresh() {
  if (process.env.FANGST_NO_BUNDLE) return false;
  try {
    const { built_at: builtAt, sources } = JSON.parse(readFileSync(join(root, '.build', 'sources.json'), 'utf8'));
    return sources.every((f) => statSync(join(root, f)).mtimeMs < builtAt);
  } catch {
    return false;
  }
}

let cli;
if (bundleIsFresh()) {
  cli = await import('../.build/cli.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('./cli.ts');
}
process.exitCode = await cli.main(process.argv);
