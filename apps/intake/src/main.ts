import { startTelemetry } from '@duban/telemetry';

// Tracing hooks into http, pg and kafkajs as they load, so it starts before the service is imported.
startTelemetry('duban-intake');
void import('@duban/intake')
  .then(({ main }) => main())
  .catch((error: Error) => {
    process.stderr.write(`${JSON.stringify({ level: 'fatal', service: 'duban-intake', msg: error.message })}\n`);
    process.exit(1);
  });
