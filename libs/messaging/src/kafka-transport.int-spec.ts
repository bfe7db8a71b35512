import { stack } from '@duban/testing';
import { KafkaTransport } from './kafka-transport';
import { describeTransportContract, quietLogger } from './transport-contract.int-helper';

jest.setTimeout(90_000);

describeTransportContract('Kafka', async () =>
  new KafkaTransport({ clientId: 'contract-spec', brokers: stack.kafkaBrokers, logger: quietLogger, partitions: 3 }),
);
