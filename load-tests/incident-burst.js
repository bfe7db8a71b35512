// An incident burst: RATE cases a second, then ten times that for 30 s (a storm, a burst
// main), then back to RATE. Proves that filing stays answered within P99_MS through the
// burst and that the backlog it leaves is worked off: POST → assigned p99 ≤ ASSIGNED_P99_MS.
import { fileByAnOperator, filingThresholds, operatorsSetup, trendStats } from './lib/cases.js';

const RATE = Number(__ENV.RATE || 100);
const BURST = Number(__ENV.BURST || 10);
const P99_MS = Number(__ENV.P99_MS || 200);
const ASSIGNED_P99_MS = Number(__ENV.ASSIGNED_P99_MS || 5000);
const THRESHOLDS = filingThresholds(P99_MS, ASSIGNED_P99_MS);
const VUS = Number(__ENV.VUS || Math.min(3000, Math.max(200, RATE * BURST)));

export const options = {
  scenarios: {
    burst: {
      executor: 'ramping-arrival-rate',
      startRate: RATE,
      timeUnit: '1s',
      preAllocatedVUs: VUS,
      maxVUs: VUS,
      stages: [
        { target: RATE, duration: '30s' },
        { target: RATE * BURST, duration: '2s' },
        { target: RATE * BURST, duration: '30s' },
        { target: RATE, duration: '2s' },
        { target: RATE, duration: '30s' },
      ],
    },
  },
  thresholds: THRESHOLDS,
  summaryTrendStats: trendStats,
};

export const setup = operatorsSetup;
export default fileByAnOperator;
