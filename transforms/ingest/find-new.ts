import pLimit from 'p-limit';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { PipelineConfig } from '../../config/load.ts';
import { metaDb } from '../db/kysely.ts';
import type { RunContext } from '../run-context.ts';
import { stepTimer } from '../run-context.ts';
import { discoverInbox, type InboxEntry } from './discover.ts';
import { hashDelivery } from './hash.ts';

/** One hashed inbox file that a run loads. */
export interface Candidate {
  readonly entry: InboxEntry & { role: 'delivery' | 'register' };
  readonly hash: string;
  /** sha256 of a gzip file's decompressed content (null when the file is not gzip): meta.files.content_hash. */
  readonly content: string | null;
}

/** An inbox file a run does not load, and why. */
export interface SkippedFile {
  file: string;
  outcome: 'already_loaded' | 'duplicate_in_run' | 'unrecognised' | 'unreadable';
  detail: string;
}

/**
 * Lists and hashes the inbox and decides, per file, whether it is new: the ledger is keyed on
 * content, so a file delivered again (under any name, gzipped or not) is skipped. The skipped
 * ones are noted under the first run's id.
 */
export async function findNewFiles(
  conn: DuckDBConnection, config: PipelineConfig, ctx: Pick<RunContext, 'runId' | 'now' | 'log' | 'reach' | 'steps'>,
): Promise<{ candidates: Candidate[]; skipped: SkippedFile[] }> {
  const { runId, log } = ctx;
  const meta = metaDb(conn);
  const seenAt = ctx.now.toISOString();
  const step = stepTimer(log, ctx.steps);
  const entries = await discoverInbox(config);
  const limit = pLimit(config.fileConcurrency);

  // Hash everything first: the ledger is keyed on content, not on names.
  const hashed = await Promise.all(
    entries.map((e) => limit(async () => ({ entry: e, ...(e.role === 'unrecognised' ? { hash: null, content: null } : await hashOrError(e.path)) }))),
  );
  ctx.reach('after-hashing');
  step('hash', { files: hashed.length });
  // a loaded file's content is known by its hash and, for a gzip file, its decompressed content's
  const known = new Set(
    (await meta.selectFrom('meta.files').select(['file_hash', 'content_hash']).where('status', '=', 'loaded').execute())
      .flatMap((r) => (r.content_hash === null ? [r.file_hash] : [r.file_hash, r.content_hash])),
  );
  const candidates: Candidate[] = [];
  const thisRun = new Map<string, string>();
  const skipped: SkippedFile[] = [];
  for (const { entry, hash, content, error } of hashed) {
    if (entry.role === 'unrecognised' || hash === null) {
      const reason = entry.role === 'unrecognised' ? entry.reason : error ?? 'not hashed';
      // An unreadable file is not entered in the ledger: the next run tries it again.
      skipped.push({ file: entry.file, outcome: entry.role === 'unrecognised' ? 'unrecognised' : 'unreadable', detail: reason });
      log.warn({ file: entry.file, reason }, 'file not loaded');
      continue;
    }
    if (known.has(hash) || (content !== null && known.has(content))) {
      const detail = known.has(hash) ? 'same content already loaded' : 'same content already loaded (decompressed)';
      skipped.push({ file: entry.file, outcome: 'already_loaded', detail });
      log.debug({ file: entry.file, sha256: hash.slice(0, 12) }, 'already loaded, skipped');
      continue;
    }
    // a plain file's hash is its content's; a gzip file's content is what it decompresses to
    const key = content ?? hash;
    const first = thisRun.get(key);
    if (first !== undefined && entry.bytes === 0) {
      // Two empty files have the same (empty) content, but "same content as" another broken
      // file would not say that this one is broken too: it fails as empty, on its own.
      skipped.push({ file: entry.file, outcome: 'unreadable', detail: 'empty file (0 bytes): nothing to read' });
      log.warn({ file: entry.file, reason: 'empty file (0 bytes)' }, 'file not loaded');
      continue;
    }
    if (first !== undefined) {
      skipped.push({ file: entry.file, outcome: 'duplicate_in_run', detail: `same content as ${first}` });
      log.info({ file: entry.file, same_as: first }, 'same content delivered twice in this run, loaded once');
      continue;
    }
    thisRun.set(key, entry.file);
    candidates.push({ entry: entry as Candidate['entry'], hash, content });
  }
  const already = skipped.filter((x) => x.outcome === 'already_loaded').length;
  if (already) log.info({ files: already }, 'files already loaded (same content), skipped');
  if (skipped.length) {
    // One statement: a row per file and an autocommit each costs seconds on a full inbox.
    const hashOf = new Map(hashed.map((h) => [h.entry.file, h.hash]));
    await meta.insertInto('meta.file_sightings').values(skipped.map((x) => ({
      run_id: runId, file_name: x.file, file_hash: hashOf.get(x.file) ?? null,
      outcome: x.outcome === 'unreadable' ? 'failed' as const : x.outcome, detail: x.detail, seen_at: seenAt,
    }))).execute();
  }
  return { candidates, skipped };
}

/** sha256 of an inbox file (and of a gzip file's content), or why it could not be read (permissions, vanished, I/O error). */
async function hashOrError(path: string): Promise<{ hash: string | null; content: string | null; error?: string }> {
  try {
    return await hashDelivery(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { hash: null, content: null, error: `file could not be read: ${e.code ?? e.message}` };
  }
}
