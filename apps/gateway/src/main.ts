import { startTelemetry } from '@duban/telemetry';

// Tracing hooks into http, pg and kafkajs as they load, so it starts before the service is imported.
startTelemetry('duban-gateway');
void import('@duban/gateway')
  .then(({ main }) => main())
  .catch((error: Error) => {
    process.stderr.write(`${JSON.stringify({ level: 'fatal', service: 'duban-gateway', msg: error.message })}\n`);
    process.exit(1);
  });
