// The folders a command writes into (config/folders.ts): made as mkdir -p makes them, and where
// that cannot be done, an error at once that names what is in the way.
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeFolder, makeFolders } from '../../config/folders.ts';

describe('makeFolders', () => {
  it('makes every missing folder of a path, and leaves an existing one as it is', async () => {
    const root = await mkdtemp(join(tmpdir(), 'folders-'));
    await makeFolders(join(root, 'a', 'b', 'c'));
    expect(statSync(join(root, 'a', 'b', 'c')).isDirectory()).toBe(true);
    await makeFolders(join(root, 'a', 'b', 'c'));
    await makeFolders(`${join(root, 'a')}/`);
  });

  // Node's recursive mkdir spun at full CPU for ever on such a path, a nightly holding the run lock (ot14 M3)
  it.runIf(process.platform === 'linux' && existsSync('/proc/self'))('fails at once where the folder cannot be made although its parent exists (/proc)', async () => {
    await expect(makeFolders('/proc/fangst-no-such-folder/outbox')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('names the file that stands where a folder must be', async () => {
    const root = await mkdtemp(join(tmpdir(), 'folders-'));
    await writeFile(join(root, 'afile'), 'x');
    await expect(makeFolder(join(root, 'afile', 'out'), '--out')).rejects.toThrow(
      `--out: found "${join(root, 'afile', 'out')}", expected a folder that exists or can be created (${join(root, 'afile')} is a file, not a folder)`);
    await expect(makeFolder(join(root, 'afile'), '--out')).rejects.toThrow(`(${join(root, 'afile')} is a file, not a folder)`);
  });
});
