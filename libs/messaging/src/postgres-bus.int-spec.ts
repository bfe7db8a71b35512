import { DataSource } from 'typeorm';
import { createDataSource, migrate } from '@duban/persistence';
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
