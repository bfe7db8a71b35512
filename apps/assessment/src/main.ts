import { startTelemetry } from '@duban/telemetry';

// Tracing hooks into http, pg and kafkajs as they load, so it starts before the service is imported.
startTelemetry('duban-assessment');
void import('@duban/assessment')
  .then(({ main }) => main())
  .catch((error: Error) => {
    process.stderr.write(`${JSON.stringify({ level: 'fatal', service: 'duban-assessment', msg: error.message })}\n`);
    process.exit(1);
  });
