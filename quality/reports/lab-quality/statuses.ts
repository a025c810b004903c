// What a result's status (or a value standing in for one) says beyond its value, as an evaluation
// reads it. A cancelled result (the analysis was not performed or not completed) is no result:
// FHIR says so with status cancelled, and its Observation is set apart, not counted
// (transforms/ingest/fhir.ts); a laboratory system's export says so in words, in the status
// column or in place of the value, and its record is set apart the same way. A result still to
// come is not yet answered (macros/lab_value_parse.sql). A mapping adds its own spellings of
// either (`statuses:` in mapping.ts).
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows, sqlString } from '../../../transforms/db/connection.ts';
import { FHIR_SET_APART, FHIR_SYSTEM } from '../../../transforms/ingest/fhir.ts';
import { SCRATCH, STAGED_FILES, stagingTable } from '../../../transforms/ingest/stage.ts';
import { statusKey, type StatusSpellings } from './mapping.ts';

/** The reason a delimited file's cancelled record is set apart, before the column and word that say so. */
export const CANCELLED_REASON = 'cancelled: not performed or not completed';

/** statusKey in SQL: lab_value_parse keys a status the same way (macros/lab_value_parse.sql). */
function keySql(col: string): string {
  return `lab_status_key(${col})`;
}

/**
 * Sets apart the staged records (of every file but FHIR ones, whose status was read with the
 * Observation) whose status or value is a cancelled spelling: out of the staging table, into the
 * set-apart table with the reason (naming the column and the word), the analysis code and name.
 * Returns how many each file lost, by file hash.
 */
export async function setApartCancelled(conn: DuckDBConnection, statuses: StatusSpellings | null): Promise<Map<string, number>> {
  // the known spellings (macros/lab_value_parse.sql) and the mapping's own
  const words = `list_concat(lab_cancelled_spellings(), [${(statuses?.cancelled ?? []).map((w) => sqlString(statusKey(w))).join(', ')}]::varchar[])`;
  const table = stagingTable('laboratoriesvar');
  const found = `${SCRATCH}.cancelled_records`;
  // A key is a function of the text alone, and a column holds few distinct texts: each is keyed
  // once (lab_status_key's regular expression on every row's status and value cost more than
  // reading them), and the records are found by the texts that key to a cancelled word.
  await conn.run(`create or replace table ${found} as
    with said as (
      -- offset 0 keeps the key from being pushed into the scans, below the distinct
      select s from (select distinct result_status as s from ${table} union select distinct value from ${table} offset 0)
      where list_contains(${words}, ${keySql('s')})
    )
    select r.file_no, r.source_line, f.file_hash, coalesce(r.source_file, f.source_file) as source_file,
      case when r.result_status in (select s from said) then 'result_status "' || trim(r.result_status) || '"'
        else 'value "' || trim(r.value) || '"' end as said_by,
      r.analysis_code, r.analysis_name
    from ${table} as r join ${STAGED_FILES} as f using (file_no)
    where f.journal_system is distinct from ${sqlString(FHIR_SYSTEM)}
      and (r.result_status in (select s from said) or r.value in (select s from said))`);
  try {
    const perFile = await queryRows<{ file_hash: string; n: bigint }>(conn, `select file_hash, count(*) as n from ${found} group by file_hash`);
    // Most extracts have none: planning the masking below (cpr_mask's patterns) costs more than the rest.
    if (perFile.length === 0) return new Map();
    // the word matched a known spelling, so it holds no identifier; the analysis may
    await conn.run(`insert into ${FHIR_SET_APART}
      select file_hash, source_file, source_line, ${sqlString(`${CANCELLED_REASON} (`)} || said_by || ')', null,
        cpr_mask(analysis_code), cpr_mask(analysis_name), null
      from ${found}`);
    await conn.run(`delete from ${table} as r using ${found} as c where r.file_no = c.file_no and r.source_line = c.source_line`);
    return new Map(perFile.map((r) => [r.file_hash, Number(r.n)]));
  } finally {
    await conn.run(`drop table if exists ${found}`);
  }
}
