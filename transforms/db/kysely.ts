import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import {
  CompiledQuery, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler,
  type DatabaseConnection, type Dialect, type Driver, type QueryResult,
} from 'kysely';
import type { MetaTables } from './meta-tables.ts';

/**
 * A minimal kysely dialect over one @duckdb/node-api connection. DuckDB speaks
 * PostgreSQL's `$1` placeholders, so kysely's Postgres compiler serves as is.
 * The connection is the caller's: transactions begun on it with plain SQL cover
 * kysely's queries too, which is how the nightly commit stays one transaction.
 */
class DuckDBDialect implements Dialect {
  constructor(private readonly conn: DuckDBConnection) {}
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new DuckDBDriver(this.conn);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
  createIntrospector(db: Kysely<unknown>) {
    return new PostgresIntrospector(db);
  }
}

class DuckDBDriver implements Driver {
  private readonly connection: DatabaseConnection;
  constructor(private readonly conn: DuckDBConnection) {
    this.connection = new DuckDBKyselyConnection(conn);
  }
  async init() {}
  async acquireConnection() {
    return this.connection;
  }
  async beginTransaction() {
    await this.conn.run('begin transaction');
  }
  async commitTransaction() {
    await this.conn.run('commit');
  }
  async rollbackTransaction() {
    await this.conn.run('rollback');
  }
  async releaseConnection() {}
  async destroy() {}
}

class DuckDBKyselyConnection implements DatabaseConnection {
  constructor(private readonly conn: DuckDBConnection) {}
  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const params = query.parameters.map(toDuckValue);
    const reader = await this.conn.runAndReadAll(query.sql, params);
    const rows = reader.getRowObjectsJS() as R[];
    return { rows };
  }
  // eslint-disable-next-line require-yield
  async *streamQuery(): AsyncIterableIterator<QueryResult<never>> {
    throw new Error('streaming is not supported by the duckdb kysely dialect');
  }
}

function toDuckValue(v: unknown): DuckDBValue {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  return v as DuckDBValue;
}

/** A typed query builder over the metadata tables (meta.*), on the caller's connection. */
export function metaDb(conn: DuckDBConnection): Kysely<MetaTables> {
  return new Kysely<MetaTables>({ dialect: new DuckDBDialect(conn) });
}
