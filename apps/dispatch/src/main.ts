import { startTelemetry } from '@duban/telemetry';

// Tracing hooks into http, pg and kafkajs as they load, so it starts before the service is imported.
startTelemetry('duban-dispatch');
void import('@duban/dispatch')
  .then(({ main }) => main())
  .catch((error: Error) => {
    process.stderr.write(`${JSON.stringify({ level: 'fatal', service: 'duban-dispatch', msg: error.message })}\n`);
    process.exit(1);
  });
