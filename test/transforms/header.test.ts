// readHeader (transforms/ingest/header.ts) reads a delimited file's header as staging reads the
// file: a UTF-8 byte order mark before it is no part of the first name, and a line that is not
// UTF-8 is Windows-1252, whichever encoding the layout declares. The column names come back as
// written, so a mapping's `Prøvenr` finds the file's.
import { isAscii, isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHeader } from '../../transforms/ingest/header.ts';
import { workspace } from '../helpers/inbox.ts';

// names as Danish exports spell them: letters (æ ø å and ² among them), digits, blanks inside
const name = fc.array(fc.constantFrom(...'abcdeklnoprstuvyzæøåÆØÅé²µ0123456789_ ./'.split('')), { minLength: 1, maxLength: 14 })
  .map((a) => a.join('').trim()).filter((n) => n !== '');

describe('readHeader', () => {
  it('gives the names as written, in Windows-1252 or UTF-8, with or without a byte order mark, CRLF or LF', async () => {
    const ws = await workspace();
    let n = 0;
    await fc.assert(fc.asyncProperty(fc.uniqueArray(name, { minLength: 1, maxLength: 8 }), fc.constantFrom(';', ',', '\t'),
      fc.boolean(), fc.boolean(), fc.boolean(), async (names, delimiter, utf8, bom, crlf) => {
        const line = `${names.join(delimiter)}${crlf ? '\r\n' : '\n'}1${delimiter}2\n`;
        // Latin-1 bytes that happen to be UTF-8 too (æ²µ) are read as UTF-8, by staging as here: no export's names are that
        fc.pre(utf8 || isAscii(Buffer.from(line, 'latin1')) || !isUtf8(Buffer.from(line, 'latin1')));
        const path = join(ws.root, `h${n++}.csv`);
        await writeFile(path, Buffer.concat([Buffer.from(bom ? [0xef, 0xbb, 0xbf] : []), Buffer.from(line, utf8 ? 'utf8' : 'latin1')]));
        expect(await readHeader(path, delimiter)).toEqual(names);
      }), { numRuns: 150 });
  });

  it('reads the bytes 0x80-0x9F as Windows-1252 does (an Excel en dash in a name)', async () => {
    const ws = await workspace();
    const path = join(ws.root, 'dash.csv');
    await writeFile(path, Buffer.concat([Buffer.from('Prøve', 'latin1'), Buffer.from([0x96]), Buffer.from('nr;Værdi\r\n', 'latin1')]));
    expect(await readHeader(path, ';')).toEqual(['Prøve–nr', 'Værdi']);
  });
});
