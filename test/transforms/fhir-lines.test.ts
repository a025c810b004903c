// The survey of a FHIR NDJSON file's lines and the copy staging reads in its place, against an
// oracle built from each line's bytes: which lines are UTF-8 (Node's isUtf8), which are too long,
// and what the copy holds at each line number, whatever the chunks the file is read in.
import { isUtf8 } from 'node:buffer';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readableCopy, surveyFhirLines } from '../../transforms/ingest/fhir-lines.ts';
import { workspace } from '../helpers/inbox.ts';

// a line's bytes without its newline: UTF-8 text, or any bytes (Latin-1, cut sequences, a NUL)
const lineBytes = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }).map((t) => Buffer.from(t.replace(/\n/g, ' '), 'utf8')),
  fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b.map((x) => (x === 10 ? 32 : x)))),
);

describe('the survey of a FHIR file\'s lines', () => {
  it('finds exactly the lines that are not UTF-8 or too long, and the copy keeps every other line as it was', async () => {
    const ws = await workspace();
    let n = 0;
    await fc.assert(fc.asyncProperty(fc.array(lineBytes, { maxLength: 12 }), fc.boolean(), fc.integer({ min: 1, max: 64 }), fc.boolean(),
      async (lines, lastNewline, chunkBytes, gzip) => {
        const max = 30;
        const raw = lines.map((l, i) => (i < lines.length - 1 || lastNewline ? Buffer.concat([l, Buffer.from('\n')]) : l));
        const bytes = Buffer.concat(raw);
        const path = join(ws.root, `f${n++}.ndjson${gzip ? '.gz' : ''}`);
        await writeFile(path, gzip ? gzipSync(bytes) : bytes);
        // an empty last line without a newline is no line
        const counted = raw.filter((r, i) => r.length > 0 || i < raw.length - 1);
        const survey = await surveyFhirLines(path, max, chunkBytes);
        expect(survey.tooLong.map((t) => t.line)).toEqual(counted.flatMap((r, i) => (r.length > max ? [i + 1] : [])));
        expect(survey.tooLong.map((t) => t.bytes)).toEqual(counted.filter((r) => r.length > max).map((r) => r.length));
        expect(survey.notUtf8).toEqual(counted.flatMap((r, i) => (r.length <= max && !isUtf8(r) ? [i + 1] : [])));
        const copy = await readableCopy(path, survey, ws.root, chunkBytes);
        try {
          const got = (await readFile(copy.path)).toString('utf8').split('\n');
          // a stream decode: Node 20's one-shot windows-1252 decode drops the bytes 0x80-0x9F (€, dashes)
          const decoder = new TextDecoder('windows-1252');
          counted.forEach((r, i) => {
            const body = r.subarray(0, r.at(-1) === 10 ? -1 : undefined);
            const expected = r.length > max ? '' : isUtf8(r) ? body.toString('utf8') : decoder.decode(body, { stream: true });
            expect(got[i]).toBe(expected);
          });
        } finally {
          await copy.remove();
        }
      }), { numRuns: 150 });
  });

  it('reads a line cut between chunks inside a character as the UTF-8 it is', async () => {
    const ws = await workspace();
    const path = await ws.put('Observation.ndjson', '{"a":"æøå µmol/L"}\n{"b":"Søren"}\n');
    for (let chunk = 1; chunk <= 8; chunk++) expect((await surveyFhirLines(path, 1000, chunk)).notUtf8).toEqual([]);
  });
});
