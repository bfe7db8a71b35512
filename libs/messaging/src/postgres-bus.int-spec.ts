import { DataSource } from 'typeorm';
import { createDataSource, migrate } from '@duban/persistence';
import { eventually, freshDatabase } from '@duban/testing';
import { IdempotentConsumer } from './consumer';
import { MessagingTables1763900000000 } from './migration';
import { BusTables1763900000050, PostgresBus } from './postgres-bus';
import { describeTransportContract, quietLogger } from './transport-contract.int-helper';

jest.setTimeout(60_000);

const open: DataSource[] = [];
afterAll(async () => {
  for (const ds of open) if (ds.isInitialized) await ds.destroy();
});

describeTransportContract('standalone PostgreSQL bus', async (databaseUrl) => {
  const dataSource = createDataSource({ url: databaseUrl, applicationName: 'bus-spec', migrations: [BusTables1763900000050] });
  await dataSource.initialize();
  await migrate(dataSource);
  open.push(dataSource);
  return new PostgresBus({ dataSource, logger: quietLogger, partitions: 3, pollIntervalMs: 50 });
});

describe('PostgresBus housekeeping', () => {
  it('prunes messages every group consumed a day ago, never unconsumed ones; forgets old applied event ids', async () => {
    const db = await freshDatabase('bus_prune');
    const dataSource = createDataSource({
      url: db.url,
      applicationName: 'bus-prune-spec',
      migrations: [BusTables1763900000050, MessagingTables1763900000000],
    });
    await dataSource.initialize();
    await migrate(dataSource);
    const bus = new PostgresBus({ dataSource, logger: quietLogger, partitions: 1, pollIntervalMs: 50 });
    try {
      await bus.publish('t', ['a', 'b', 'c'].map((value) => ({ key: 'k', value, headers: {} })));
      const seen: string[] = [];
      await bus.subscribe({ groupId: 'g', topics: ['t'], handle: async (m) => void seen.push(m.value) });
      await eventually(async () => (seen.length === 3 ? true : undefined));
      await bus.publish('t', [{ key: 'k', value: 'unconsumed', headers: {} }]);
      await bus.stopConsuming();
      await bus.publish('t', [{ key: 'k', value: 'after stop', headers: {} }]);
      await dataSource.query(`UPDATE bus_messages SET published_at = now() - interval '2 days'`);
      // 'unconsumed' may or may not have been consumed before the stop; 'after stop' never was.
      const consumed = await dataSource.query(`SELECT count(*)::int AS n FROM bus_messages m JOIN bus_offsets o USING (topic, partition) WHERE m.seq <= o.last_seq`);
      expect(await bus.prune()).toBe(consumed[0].n);
      const left = await dataSource.query('SELECT value FROM bus_messages ORDER BY seq');
      expect(left.map((r: { value: string }) => r.value)).toContain('after stop');
      expect(left.map((r: { value: string }) => r.value)).not.toContain('a');

      await dataSource.query(
        `INSERT INTO processed_events (consumer_group, event_id, event_type, processed_at) VALUES
         ('g', gen_random_uuid(), 'x', now() - interval '20 days'), ('g', gen_random_uuid(), 'x', now())`,
      );
      expect(await IdempotentConsumer.prune(dataSource)).toBe(1);
    } finally {
      await bus.close();
      await dataSource.destroy();
      await db.drop();
    }
  });
});
