// Records with a delimiter too many and every surplus field empty, which DuckDB's CSV reader
// reads one column off without a word (transforms/ingest/surplus-fields.ts): found by their
// field count, quotes respected, on files written the way other systems write them.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { surplusFieldRecords } from '../../transforms/ingest/surplus-fields.ts';

async function file(text: string | Buffer, name = 'f.csv'): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'surplus-')), name);
  await writeFile(path, text);
  return path;
}

describe('surplusFieldRecords', () => {
  it('finds the register row whose clinic name holds an unquoted ";", by its line, in a file with CRLF and an empty line', async () => {
    const path = await file([
      'SOR;Ydernummer;Kliniknavn;Speciale;Journalsystem;Tilmeldt;Underspeciale',
      '9100000000000011;910011;Lægerne Jensen; Hansen;19;NOVAX;2023-01-01;',
      '9100000000000012;910012;Øjenklinikken Nord;19;NOVAX;2023-01-01;',
      '',
      '9100000000000013;910013;"Klinik; med citat";19;NOVAX;2023-01-01;',
      '9100000000000014;910014;"Klinik ""Syd""; to linjer',
      'anden linje";19;NOVAX;2023-01-01;',
      '9100000000000015;910015;A; B; C;19;NOVAX;2023-01-01;81',
    ].join('\r\n') + '\r\n');
    // line 2: 8 fields, the last empty; the quoted ones are 7; line 6 has two too many, one not empty (DuckDB rejects it itself)
    expect(await surplusFieldRecords(path, ';', 7)).toEqual({ records: [{ line: 2, fields: 8 }], most: 0, of: 5 });
  });

  it('reads a file whose every record ends with a delimiter, the header without, as a convention: counted, none listed', async () => {
    const path = await file('a,b,c\n1,2,3,\n4,5,6,\n7,8,9,\n');
    expect(await surplusFieldRecords(path, ',', 3)).toEqual({ records: [], most: 3, of: 3 });
  });

  it('reads gzip content and a last line without a line break', async () => {
    const path = await file(gzipSync('a\tb\tc\n1\t2\t3\n4\tx\t5\t\n6\t7\t8'), 'f.tsv.gz');
    expect(await surplusFieldRecords(path, '\t', 3)).toEqual({ records: [{ line: 3, fields: 4 }], most: 0, of: 3 });
  });

  it('finds exactly the records given a stray delimiter, whatever the values (quoted delimiters, quotes and line breaks included)', async () => {
    const value = fc.oneof(
      fc.stringMatching(/^[A-Za-zæøå0-9 .:-]{0,12}$/),
      // a quoted value may hold the delimiter, a doubled quote and a line break
      fc.stringMatching(/^[A-Za-z;\n" ]{0,12}$/).map((v) => `"${v.replaceAll('"', '""')}"`),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 6 }).chain((columns) => fc.record({
          columns: fc.constant(columns),
          rows: fc.array(fc.record({
            values: fc.array(value, { minLength: columns, maxLength: columns }),
            // a stray ';' in an unquoted value, the record's last field then empty
            stray: fc.boolean(),
          }), { minLength: 1, maxLength: 12 }),
        })),
        async ({ columns, rows }) => {
          const header = Array.from({ length: columns }, (_, i) => `h${i}`).join(';');
          const lines = rows.map(({ values, stray }) => (stray ? ['x;y', ...values.slice(1, -1), ''] : values.slice(0, -1).concat('')).join(';'));
          const path = await file([header, ...lines].join('\n') + '\n');
          const strays = rows.flatMap((r, i) => (r.stray ? [{ line: i + 2, fields: columns + 1 }] : []));
          const found = await surplusFieldRecords(path, ';', columns);
          if (strays.length * 2 > rows.length) expect(found).toEqual({ records: [], most: strays.length, of: rows.length });
          else expect(found).toEqual({ records: strays, most: 0, of: rows.length });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('finds the same records in a file read in many chunks, many lines with quoted delimiters, some with quoted line breaks, LF or CRLF (a month of a lab export whose last column may be empty)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ stray: fc.boolean(), emptyLast: fc.boolean(), quoted: fc.nat(1500), cr: fc.boolean() }), { minLength: 2000, maxLength: 5000 }),
        fc.boolean(),
        async (rows, gzip) => {
          // 5 columns; a record ends with the delimiter when its last value is empty; often a quoted
          // value holding the delimiter ('"P-Koagulation, INR"'), now and then one holding a line
          // break too (a line that starts inside quotes is no record)
          const lines = rows.map((r, i) => {
            const name = r.quoted === 0 ? '"Klinik; med\nlinjeskift"' : r.quoted < 300 ? `"Klinik; ${i}"` : `Klinik ${i}`;
            const values = r.stray ? [`${i}`, 'SOR;1', name, '4,2', ''] : [`${i}`, 'SOR1', name, '4,2', r.emptyLast ? '' : 'svar'];
            return values.join(';') + (r.cr ? '\r' : '');
          });
          const text = ['id;sor;name;value;status', ...lines].join('\n') + '\n';
          const path = await file(gzip ? gzipSync(text) : text, gzip ? 'f.csv.gz' : 'f.csv');
          const strays = rows.flatMap((r, i) => (r.stray ? [{ line: i + 2, fields: 6 }] : []));
          const found = await surplusFieldRecords(path, ';', 5, 10_000);
          if (strays.length * 2 > rows.length) expect(found).toEqual({ records: [], most: strays.length, of: rows.length });
          else expect(found).toEqual({ records: strays, most: 0, of: rows.length });
        },
      ),
      { numRuns: 12 },
    );
  });
});
