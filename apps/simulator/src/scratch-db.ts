import { assessmentService } from '@duban/assessment';
import { MessagingTables1763900000000 } from '@duban/messaging';
import { createDataSource, migrate } from '@duban/persistence';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';

/** The benchmarks' PostgreSQL server: DATABASE_URL's, default the local stack's. */
export const BENCH_SERVER = process.env.DATABASE_URL ?? 'postgres://duban:duban@127.0.0.1:15432/postgres';

/** Runs `fn` on a database of its own with the assessment schema, created on BENCH_SERVER and dropped afterwards. */
export async function withAssessmentDatabase<T>(prefix: string, fn: (db: DataSource) => Promise<T>): Promise<T> {
  const name = `${prefix}_${Date.now()}`;
  const admin = new Client({ connectionString: BENCH_SERVER });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(BENCH_SERVER);
  url.pathname = `/${name}`;
  const db = createDataSource({ url: url.toString(), applicationName: prefix.replace(/_/g, '-'), migrations: [MessagingTables1763900000000, ...(assessmentService.migrations as unknown as never[])], poolSize: 2 });
  try {
    await db.initialize();
    await migrate(db);
    return await fn(db);
  } finally {
    await db.destroy().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.end();
  }
}
