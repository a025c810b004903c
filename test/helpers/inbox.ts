import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** A scratch workspace with an inbox, an outbox and a database path. */
export interface Workspace {
  readonly root: string;
  readonly inbox: string;
  readonly outbox: string;
  readonly db: string;
  readonly reports: string;
  /** Writes a file into the inbox (relative path); `.gz` names are gzip-compressed. */
  put(file: string, content: string | Buffer, encoding?: 'utf-8' | 'latin-1'): Promise<string>;
}

export async function workspace(): Promise<Workspace> {
  const root = await mkdtemp(join(tmpdir(), 'fangst-test-'));
  const inbox = join(root, 'inbox');
  await mkdir(inbox, { recursive: true });
  return {
    root,
    inbox,
    outbox: join(root, 'outbox'),
    db: join(root, 'fangst.duckdb'),
    reports: join(root, 'reports'),
    async put(file, content, encoding = 'utf-8') {
      const path = join(inbox, file);
      await mkdir(dirname(path), { recursive: true });
      let buf = typeof content === 'string' ? Buffer.from(content, encoding === 'latin-1' ? 'latin1' : 'utf8') : content;
      if (file.endsWith('.gz')) buf = gzipSync(buf);
      await writeFile(path, buf);
      return path;
    },
  };
}

/** A small clinic register: one NOVAX clinic, one EG Clinea clinic, one internal-medicine clinic. */
export const REGISTER = [
  'SOR;Ydernummer;Kliniknavn;Speciale;Journalsystem;Tilmeldt;Underspeciale',
  '61741000016007;004391;Øjenklinikken;19;NOVAX;2024-11-25;',
  '71001000016002;012345;Hudklinikken;4;EG Clinea;2024-11-25;',
  '81001000016009;023456;Maveklinikken;8;NOVAX;2024-12-01;81',
].join('\n') + '\n';
