import { DataSource, MixedList, EntitySchema } from 'typeorm';

export interface DataSourceOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  /** Shown in pg_stat_activity, so an operator can tell the services apart. */
  applicationName: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities?: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
  poolSize?: number;
}

/** One data source per service: its own database, its own migrations, never `synchronize`. */
export function createDataSource(options: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    applicationName: options.applicationName,
    entities: options.entities ?? [],
    migrations: options.migrations,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'all',
    synchronize: false,
    logging: false,
    extra: { max: options.poolSize ?? 10, connectionTimeoutMillis: 5000 },
  });
}

// Any fixed number works; it only has to be the same for every replica of a service.
const MIGRATION_LOCK = 7_202_611;

/**
 * Runs pending migrations under a session advisory lock so that replicas
 * starting together apply each migration exactly once.
 */
export async function migrate(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await dataSource.runMigrations({ transaction: 'all' });
    return applied.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await runner.release();
  }
}

/** True when the database answers a trivial query. */
export async function databaseReady(dataSource: DataSource): Promise<boolean> {
  if (!dataSource.isInitialized) return false;
  try {
    await dataSource.query('SELECT 1');
    return true;
  } catch {
    return false;
  }
}

/** Tests must never run against a database that is not named as a test database. */
export function assertTestDatabase(url: string): void {
  const name = new URL(url).pathname.replace(/^\//, '');
  if (!/(_test|_test_[a-z0-9_]+)$/.test(name)) {
    throw new Error(`refusing to run tests against database "${name}": its name must end in _test`);
  }
}

/** PostgreSQL errors that mean "the database is not reachable right now", not "this input is bad". */
export function isTransientDatabaseError(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | undefined;
  if (!e) return false;
  const code = e.code ?? '';
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'].includes(code)) return true;
  // 08xxx connection exceptions, 57P0x operator intervention (shutdown), 53xxx insufficient resources, 40001/40P01 retryable
  if (/^(08|57P0|53)/.test(code) || code === '40001' || code === '40P01') return true;
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    e.message ?? '',
  );
}

/**
 * A multi-row `VALUES` list and its parameters, for one INSERT of many rows:
 * `valuesOf([[a, b], [c, d]])` is `{ sql: '($1, $2), ($3, $4)', params: [a, b, c, d] }`.
 * Every row has the same number of values.
 */
export function valuesOf(rows: readonly (readonly unknown[])[]): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const sql = rows
    .map((row) => `(${row.map((value) => {
      params.push(value);
      return `$${params.length}`;
    }).join(', ')})`)
    .join(', ');
  return { sql, params };
}
