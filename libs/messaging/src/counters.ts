import type { EntityManager } from 'typeorm';

/**
 * Counters written once per consumer transaction (issue 13). A roll-up row — a unit's day, a
 * digest's count — is hot: every event of the unit adds to it. Written as each event is applied,
 * the row stays locked from that event to the commit of the whole batch, and the batches of the
 * other partitions, consumed at the same time, wait for it one after the other. So inside a
 * consumer's batch the additions are summed per row and written at the end, just before the
 * commit, in key order (no deadlock between two batches), one multi-row statement per table.
 * Outside a batch (an HTTP request's transaction, a tool) they are written at once. The sums
 * are the same either way, and they commit or roll back with the batch.
 */
export interface CounterRow<K> {
  key: K;
  add: Record<string, number>;
}

/** Writes rows of one table: each row's additions to its key (created when missing). */
export type CounterWriter<K> = (tx: EntityManager, rows: CounterRow<K>[]) => Promise<void>;

interface Pending {
  rows: Map<string, CounterRow<unknown>>;
  write: CounterWriter<unknown>;
}

const batches = new WeakMap<EntityManager, Map<string, Pending>>();

/** The consumer opens this for its transaction: counters added in it wait for closeCounterBatch. */
export function openCounterBatch(tx: EntityManager): void {
  batches.set(tx, new Map());
}

/** Writes what the transaction's handlers added, table by table and row by row in key order. */
export async function closeCounterBatch(tx: EntityManager): Promise<void> {
  const tables = batches.get(tx);
  batches.delete(tx);
  if (!tables) return;
  for (const [, pending] of [...tables].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const rows = [...pending.rows].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
    if (rows.length > 0) await pending.write(tx, rows);
  }
}

/**
 * Adds to the counters of one row of `table`: `id` is the row's identity (its primary key as a
 * string), `key` what the writer needs to write it — where two additions to one row carry
 * different keys (a person's unit), the later one's wins.
 */
export async function addToCounters<K>(tx: EntityManager, table: string, id: string, key: K, add: Record<string, number>, write: CounterWriter<K>): Promise<void> {
  const tables = batches.get(tx);
  if (!tables) return write(tx, [{ key, add }]);
  let pending = tables.get(table);
  if (!pending) {
    pending = { rows: new Map(), write: write as CounterWriter<unknown> };
    tables.set(table, pending);
  }
  const row = pending.rows.get(id);
  if (!row) {
    pending.rows.set(id, { key, add: { ...add } });
    return;
  }
  row.key = key;
  for (const [name, n] of Object.entries(add)) row.add[name] = (row.add[name] ?? 0) + n;
}
