// Soak: RATE cases a second (half the intake target by default) for DURATION (30 minutes).
// Latency must not drift: the p99 of the whole run stays within P99_MS and POST → assigned
// within ASSIGNED_P99_MS; the harness (npm run load) records the memory of each process at
// the start and the end of the run beside it.
import { fileByAnOperator, filingThresholds, operatorsSetup, trendStats } from './lib/cases.js';

const RATE = Number(__ENV.RATE || 100);
const THRESHOLDS = filingThresholds(Number(__ENV.P99_MS || 50), Number(__ENV.ASSIGNED_P99_MS || 1000));
const VUS = Number(__ENV.VUS || Math.min(3000, Math.max(100, RATE)));

export const options = {
  scenarios: {
    soak: { executor: 'constant-arrival-rate', rate: RATE, timeUnit: '1s', duration: __ENV.DURATION || '30m', preAllocatedVUs: VUS, maxVUs: VUS },
  },
  thresholds: THRESHOLDS,
  summaryTrendStats: trendStats,
};

export const setup = operatorsSetup;
export default fileByAnOperator;
