import { writeFile } from 'node:fs/promises';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { DuckDBDateValue, DuckDBTimestampTZValue, DuckDBTimestampValue, DuckDBTypeId } from '@duckdb/node-api';
import {
  Bool, DateDay, Float64, Int32, Int64, Field, RecordBatch, Schema, Struct, TimestampMicrosecond, Utf8,
  makeData, tableToIPC, Table, vectorFromArray, type Data, type DataType,
} from 'apache-arrow';

/**
 * @duckdb/node-api has no Arrow export, so Arrow IPC files are built from DuckDB's
 * column chunks with an explicit type map. Dates stay days since the epoch and
 * timestamps stay microseconds (UTC): no detour through JS Date, which would drop
 * the microseconds.
 */
const TYPE_MAP: Partial<Record<DuckDBTypeId, () => DataType>> = {
  [DuckDBTypeId.VARCHAR]: () => new Utf8(),
  [DuckDBTypeId.BIGINT]: () => new Int64(),
  [DuckDBTypeId.INTEGER]: () => new Int32(),
  [DuckDBTypeId.DOUBLE]: () => new Float64(),
  [DuckDBTypeId.BOOLEAN]: () => new Bool(),
  [DuckDBTypeId.DATE]: () => new DateDay(),
  [DuckDBTypeId.TIMESTAMP_TZ]: () => new TimestampMicrosecond('UTC'),
  [DuckDBTypeId.TIMESTAMP]: () => new TimestampMicrosecond(),
};

function validity(values: readonly DuckDBValue[]): { bitmap: Uint8Array; nulls: number } {
  const bitmap = new Uint8Array(Math.ceil(values.length / 8));
  let nulls = 0;
  values.forEach((v, i) => {
    if (v === null) nulls++;
    else bitmap[i >> 3]! |= 1 << (i & 7);
  });
  return { bitmap, nulls };
}

function column(type: DataType, values: DuckDBValue[]): Data {
  const length = values.length;
  const { bitmap, nulls } = validity(values);
  const fixed = (data: ArrayLike<number | bigint> & { buffer: ArrayBufferLike }) =>
    makeData({ type: type as never, length, nullCount: nulls, nullBitmap: bitmap, data: data as never });
  if (type instanceof Int64) return fixed(BigInt64Array.from(values, (v) => (v === null ? 0n : BigInt(v as bigint | number))));
  if (type instanceof Int32) return fixed(Int32Array.from(values, (v) => (v === null ? 0 : Number(v))));
  if (type instanceof Float64) return fixed(Float64Array.from(values, (v) => (v === null ? 0 : Number(v))));
  if (type instanceof DateDay) return fixed(Int32Array.from(values, (v) => (v === null ? 0 : (v as DuckDBDateValue).days)));
  if (type instanceof TimestampMicrosecond) {
    return fixed(BigInt64Array.from(values, (v) => (v === null ? 0n : (v as DuckDBTimestampTZValue | DuckDBTimestampValue).micros)));
  }
  if (type instanceof Bool) return vectorFromArray(values as (boolean | null)[], type).data[0]!;
  return vectorFromArray(values.map((v) => (v === null ? null : String(v))), new Utf8()).data[0]!;
}

/** Runs `sql` and writes its result as an Arrow IPC file; returns the row count. */
export async function writeArrowFile(conn: DuckDBConnection, sql: string, path: string): Promise<number> {
  const result = await conn.stream(sql);
  const names = result.columnNames();
  const types = names.map((name, i) => {
    const id = result.columnTypeId(i);
    const make = TYPE_MAP[id];
    if (!make) throw new Error(`arrow export: column ${name} has type ${DuckDBTypeId[id]}, which has no arrow mapping`);
    return make();
  });
  const schema = new Schema(names.map((n, i) => new Field(n, types[i]!, true)));
  const batches: RecordBatch[] = [];
  let rows = 0;
  for await (const chunk of result) {
    if (chunk.rowCount === 0) continue;
    const children = chunk.getColumns().map((values, i) => column(types[i]!, values));
    const data = makeData({ type: new Struct(schema.fields), length: chunk.rowCount, nullCount: 0, children });
    batches.push(new RecordBatch(schema, data));
    rows += chunk.rowCount;
  }
  const table = batches.length ? new Table(batches) : new Table(schema);
  await writeFile(path, tableToIPC(table, 'file'));
  return rows;
}
