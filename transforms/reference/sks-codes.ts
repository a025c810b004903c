// Loads the SKS diagnosis code list configured as reference.sks_file into
// quality.sks_codes, so that code_exists checks can validate codes as of the
// contact date. Two formats: the official SKScomplete.txt (fixed width, Latin-1,
// layout in DOMAIN.md) and a CSV list whose first column is the code, such as the list
// fangst ships as the default (config/reference/sks-diagnosis-codes.csv).
import { readFile } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlString } from '../db/connection.ts';
import { ConfigError, NotFound, shownPath } from '../../config/errors.ts';

export interface SksCode {
  readonly code: string;
  readonly validFrom: string | null; // yyyy-mm-dd
  readonly validTo: string | null; // yyyy-mm-dd, exclusive; null = open
}

/** Parses either format; the fixed-width one is recognised by its `dia` register records. */
export function parseSksFile(bytes: Uint8Array): SksCode[] {
  const latin1 = new TextDecoder('latin1').decode(bytes);
  const lines = latin1.split(/\r?\n/).filter((l) => l.trim() !== '');
  const fixedWidth = lines.length > 0 && lines.slice(0, 20).every((l) => l.length >= 47 && /^[a-z]{3}/.test(l) && !l.slice(0, 23).includes(';'));
  return fixedWidth ? parseFixedWidth(lines) : parseCsvList(new TextDecoder('utf-8').decode(bytes).split(/\r?\n/));
}

function parseFixedWidth(lines: string[]): SksCode[] {
  const out: SksCode[] = [];
  for (const l of lines) {
    if (l.slice(0, 3) !== 'dia') continue; // other registers: procedures, administrative codes, ...
    const code = l.slice(3, 23).trim();
    if (!/^D[A-Z0-9]+$/.test(code)) continue;
    out.push({ code, validFrom: ymd(l.slice(23, 31)), validTo: ymd(l.slice(39, 47)) });
  }
  return out;
}

function ymd(s: string): string | null {
  const t = s.trim();
  if (!/^\d{8}$/.test(t) || t >= '25000101') return null; // 25000101 marks an open end
  return `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}`;
}

function parseCsvList(lines: string[]): SksCode[] {
  const out: SksCode[] = [];
  for (const line of lines) {
    // `#` lines are a list's header: its source and date (config/reference/sks-diagnosis-codes.csv).
    if (line.startsWith('#')) continue;
    const first = firstField(line.replace(/^\uFEFF/, ''));
    const code = normaliseCode(first);
    if (code) out.push({ code, validFrom: null, validTo: null });
  }
  return out;
}

function firstField(line: string): string {
  if (line.startsWith('"')) {
    const end = line.indexOf('"', 1);
    return end < 0 ? line.slice(1) : line.slice(1, end);
  }
  return line.split(/[;,\t]/)[0] ?? '';
}

/** `J45.9` and `DJ459` both become `DJ459`; headers and blank heading rows give null. */
export function normaliseCode(raw: string): string | null {
  const s = raw.trim().toUpperCase().replace('.', '');
  if (/^D[A-Z][0-9]{2}[0-9A-Z]{0,6}$/.test(s)) return s;
  if (/^[A-Z][0-9]{2}[0-9A-Z]{0,6}$/.test(s)) return `D${s}`;
  return null;
}

/** Replaces quality.sks_codes with the codes of `path`; returns how many were loaded. */
export async function loadSksCodes(conn: DuckDBConnection, path: string): Promise<number> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new NotFound('SKS file', path, `${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; named by reference.sks_file`);
  }
  const codes = parseSksFile(bytes);
  if (codes.length === 0) throw new ConfigError(shownPath(path), '(content)', `${bytes.length} bytes without a code`, 'SKS diagnosis codes (D + letter + digits)');
  await conn.run('delete from quality.sks_codes');
  await conn.run('create or replace temp table _sks_load (code varchar, valid_from varchar, valid_to varchar)');
  const app = await conn.createAppender('_sks_load', 'main', 'temp');
  for (const c of codes) {
    app.appendVarchar(c.code);
    if (c.validFrom == null) app.appendNull();
    else app.appendVarchar(c.validFrom);
    if (c.validTo == null) app.appendNull();
    else app.appendVarchar(c.validTo);
    app.endRow();
  }
  app.closeSync();
  await conn.run(`insert into quality.sks_codes select code, cast(valid_from as date), cast(valid_to as date), ${sqlString(path)} from _sks_load`);
  await conn.run('drop table _sks_load');
  return codes.length;
}
