import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

/** The longest header line read: a layout's header is a few hundred bytes. */
export const MAX_HEADER_BYTES = 1 << 20;

/**
 * Reads the header line of a delimited file (gzip-aware) and splits it, honouring
 * double quotes. We read it ourselves so that missing, extra and duplicated column
 * names get a clear message before DuckDB reads a single row. Null when the first line
 * does not end within MAX_HEADER_BYTES: no header, and splitting a piece of it would
 * only give a misleading reason.
 */
export async function readHeader(path: string, delimiter: string, encoding: 'utf-8' | 'latin-1'): Promise<string[] | null> {
  let stream: Readable = createReadStream(path, { highWaterMark: 64 * 1024 });
  if (path.endsWith('.gz')) stream = stream.pipe(createGunzip());
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      const buf = chunk as Buffer;
      chunks.push(buf);
      total += buf.length;
      if (buf.includes(0x0a) || total > MAX_HEADER_BYTES) break;
    }
  } finally {
    stream.destroy();
  }
  let text = Buffer.concat(chunks).toString(encoding === 'latin-1' ? 'latin1' : 'utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const end = text.indexOf('\n');
  if (end === -1 && total > MAX_HEADER_BYTES) return null;
  const line = (end === -1 ? text : text.slice(0, end)).replace(/\r$/, '');
  if (line.trim() === '') return [];
  return splitLine(line, delimiter);
}

function splitLine(line: string, delimiter: string): string[] {
  const fields: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') (cur += '"'), i++;
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) fields.push(cur), (cur = '');
    else cur += ch;
  }
  fields.push(cur);
  return fields.map((f) => f.trim());
}
