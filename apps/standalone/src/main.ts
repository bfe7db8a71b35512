import { startTelemetry } from '@duban/telemetry';

// Traces are exported only when a collector is configured; standalone needs none.
if (!process.env.OTEL_EXPORTER_OTLP_ENDPOINT) process.env.OTEL_SDK_DISABLED ??= 'true';
startTelemetry('duban-standalone');
void import('./standalone')
  .then(({ main }) => main())
  .catch((error: Error) => {
    process.stderr.write(`duban: ${error.message}\n`);
    process.exit(1);
  });
