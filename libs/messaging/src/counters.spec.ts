import type { EntityManager } from 'typeorm';
import { addToCounters, closeCounterBatch, CounterRow, openCounterBatch } from './counters';

type Key = { unit: string; day: string; note?: string };

describe('counters written once per consumer transaction', () => {
  const written: CounterRow<Key>[][] = [];
  const write = async (_tx: EntityManager, rows: CounterRow<Key>[]) => {
    written.push(rows.map((r) => ({ key: { ...r.key }, add: { ...r.add } })));
  };
  beforeEach(() => (written.length = 0));

  it('sums the additions per row and writes them at the close, rows in key order', async () => {
    const tx = {} as EntityManager;
    openCounterBatch(tx);
    await addToCounters(tx, 'unit_days', 'water|d1', { unit: 'water', day: 'd1' }, { assigned: 1 }, write);
    await addToCounters(tx, 'unit_days', 'housing|d1', { unit: 'housing', day: 'd1' }, { assigned: 1 }, write);
    await addToCounters(tx, 'unit_days', 'water|d1', { unit: 'water', day: 'd1', note: 'later' }, { assigned: 2, resolved: 1 }, write);
    expect(written).toEqual([]);
    await closeCounterBatch(tx);
    expect(written).toEqual([
      [
        { key: { unit: 'housing', day: 'd1' }, add: { assigned: 1 } },
        { key: { unit: 'water', day: 'd1', note: 'later' }, add: { assigned: 3, resolved: 1 } },
      ],
    ]);
    // Closed: nothing is written twice.
    await closeCounterBatch(tx);
    expect(written).toHaveLength(1);
  });

  it('writes at once outside a batch, and each table in its own statement', async () => {
    const tx = {} as EntityManager;
    await addToCounters(tx, 'unit_days', 'a', { unit: 'a', day: 'd' }, { n: 1 }, write);
    expect(written).toHaveLength(1);
    openCounterBatch(tx);
    await addToCounters(tx, 'b_table', 'x', { unit: 'x', day: 'd' }, { n: 1 }, write);
    await addToCounters(tx, 'a_table', 'y', { unit: 'y', day: 'd' }, { n: 1 }, write);
    await closeCounterBatch(tx);
    expect(written.slice(1).map((rows) => rows[0].key.unit)).toEqual(['y', 'x']);
  });
});
