import { lstat, open, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import picomatch from 'picomatch';
import { isGzipPath } from './content-stream.ts';
import { hasIdentifier, maskIdentifiers } from '../privacy/identifiers.ts';
import type { Delivery, PipelineConfig } from '../../config/load.ts';

/** What an inbox file is, as far as its name tells. */
export type InboxEntry = {
  readonly file: string;
  readonly path: string;
  /** Bytes on disk. */
  readonly bytes: number;
  /** Bytes of content, decompressed: what reading it costs, and what the run budget counts. */
  readonly contentBytes: number;
  readonly mtimeMs: number;
} & (
  | { readonly role: 'delivery'; readonly delivery: Delivery }
  | { readonly role: 'register' }
  | { readonly role: 'unrecognised'; readonly reason: string }
);

/** Why a file no layout's name pattern matches is not read. */
export const NO_LAYOUT = 'name matches no layout in config/sources';

/**
 * Lists the inbox recursively and matches each file against the layouts.
 * Files are returned in name order: vendors name files by delivery time, so a
 * later name carries the later (corrected) version of a record.
 */
export async function discoverInbox(config: PipelineConfig): Promise<InboxEntry[]> {
  const matchers = config.deliveries.map((d) => ({ delivery: d, match: picomatch(d.files, { dot: false }) }));
  const isRegister = picomatch(config.register.files);
  const out: InboxEntry[] = [];
  for (const { path, raw, folder } of await walk(config.inbox)) {
    const file = relative(config.inbox, path).split(sep).join('/');
    if (folder) {
      // Its files are listed on their own; a folder named as a delivery is one the sender made
      // by mistake (an unpacked archive, a mkdir), and said so rather than passed over.
      if (raw === null && (isRegister(file) || matchers.some((m) => m.match(file)))) {
        const info = await lstat(path);
        out.push({ file: maskIdentifiers(file), path, bytes: 0, contentBytes: 0, mtimeMs: info.mtimeMs, role: 'unrecognised', reason: 'a folder, not a file: not read' });
      }
      continue;
    }
    if (raw !== null) {
      // Named with its bytes read as Latin-1, where a Windows dash or no-break space is a separator.
      const named = maskIdentifiers(file);
      const info = await lstat(raw);
      out.push({ file: named, path, bytes: info.size, contentBytes: info.size, mtimeMs: info.mtimeMs, role: 'unrecognised',
        reason: 'the file name is not UTF-8 (a byte of another encoding, e.g. a Windows dash): not read; rename the file' + (named !== file ? ' without the CPR number in it' : '') });
      continue;
    }
    const info = await lstat(path);
    const bytes = info.size;
    // Size and mtime as listed: staging compares them again to catch a file still being written.
    const mtimeMs = info.mtimeMs;
    const contentBytes = info.isFile() && isGzipPath(path) ? await gzipContentBytes(path, bytes) : bytes;
    if (hasIdentifier(file)) {
      // Its name would reach the ledger, the manifest and the published rows: not loaded, and
      // named only masked from here on.
      out.push({ file: maskIdentifiers(file), path, bytes, contentBytes, mtimeMs, role: 'unrecognised',
        reason: 'the file name holds a CPR number: not loaded; rename the file without it' });
      continue;
    }
    if (info.isSymbolicLink()) {
      out.push({ file, path, bytes, contentBytes, mtimeMs, role: 'unrecognised', reason: 'symbolic link: not followed, deliveries must be regular files' });
      continue;
    }
    if (!info.isFile()) {
      // A named pipe would block the run forever; a socket or device is no delivery.
      out.push({ file, path, bytes, contentBytes, mtimeMs, role: 'unrecognised', reason: 'not a regular file (pipe, socket or device): not read' });
      continue;
    }
    if (isRegister(file)) {
      out.push({ file, path, bytes, contentBytes, mtimeMs, role: 'register' });
      continue;
    }
    const hits = matchers.filter((m) => m.match(file));
    if (hits.length === 1) out.push({ file, path, bytes, contentBytes, mtimeMs, role: 'delivery', delivery: hits[0]!.delivery });
    else if (hits.length === 0) out.push({ file, path, bytes, contentBytes, mtimeMs, role: 'unrecognised', reason: NO_LAYOUT });
    else {
      const names = hits.map((h) => `${h.delivery.system}/${h.delivery.kind}`).join(', ');
      out.push({ file, path, bytes, contentBytes, mtimeMs, role: 'unrecognised', reason: `name matches several layouts (${names})` });
    }
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/**
 * The inbox's files, and its folders (`folder`). A name that is not UTF-8 (a Latin-1 or
 * Windows-1252 byte, as a Windows share or an old zip leaves it) cannot be opened by a string
 * path: Node would read the byte as U+FFFD.
 * Such a file, or one in such a folder, comes with its path as bytes (`raw`) and its name read
 * as Latin-1 (`path`); a file named in UTF-8 has `raw` null.
 */
async function walk(dir: string, raw: Buffer = Buffer.from(dir), utf8 = true): Promise<Array<{ path: string; raw: Buffer | null; folder?: boolean }>> {
  const entries = await readdir(raw, { withFileTypes: true, encoding: 'buffer' });
  const paths: Array<{ path: string; raw: Buffer | null; folder?: boolean }> = [];
  for (const e of entries) {
    // Dot files are partial uploads or editor droppings, never deliveries.
    if (e.name[0] === 0x2e) continue;
    const text = e.name.toString('utf8');
    const named = utf8 && Buffer.from(text, 'utf8').equals(e.name);
    const path = join(dir, named ? text : e.name.toString('latin1'));
    const bytes = Buffer.concat([raw, Buffer.from(sep), e.name]);
    if (e.isDirectory()) paths.push({ path, raw: named ? null : bytes, folder: true }, ...(await walk(path, bytes, named)));
    else paths.push({ path, raw: named ? null : bytes });
  }
  return paths;
}

/**
 * A gzip file's content size from its trailer (ISIZE: the size modulo 2^32 of the last member),
 * never less than the file itself. Enough to plan runs by; staging counts the real bytes and
 * rejects a file over max_file_size, whatever its trailer says. A file that is not gzip (no magic
 * bytes), or whose last four bytes claim more than deflate can make of it (1032 bytes out per
 * byte in at most: zlib's technical notes), has no trailer to believe: in a truncated gzip,
 * text named .gz or a gzip with trailing bytes, the last four bytes can claim hundreds of MB for
 * a few hundred bytes, enough to split a small inbox into several runs. It counts as its size
 * on disk.
 */
export async function gzipContentBytes(path: string, bytes: number): Promise<number> {
  if (bytes < 18) return bytes;
  // Unreadable: hashing reports it as such, with its reason.
  const fh = await open(path, 'r').catch(() => null);
  if (fh === null) return bytes;
  try {
    const head = Buffer.alloc(2);
    await fh.read(head, 0, 2, 0);
    if (head[0] !== 0x1f || head[1] !== 0x8b) return bytes;
    const trailer = Buffer.alloc(4);
    await fh.read(trailer, 0, 4, bytes - 4);
    const claimed = trailer.readUInt32LE(0);
    return claimed > bytes * MAX_DEFLATE_RATIO ? bytes : Math.max(bytes, claimed);
  } finally {
    await fh.close();
  }
}

/** Deflate's largest expansion, bytes out per byte in (zlib, "Technical details": 1032:1). */
const MAX_DEFLATE_RATIO = 1032;
