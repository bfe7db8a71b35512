// An incident burst: RATE cases a second, then ten times that for 30 s (a storm, a burst
// main), then back to RATE. Proves that filing stays answered within P99_MS through the
// burst and that the backlog it leaves is worked off: POST → assigned p99 ≤ ASSIGNED_P99_MS.
import { fileCase, tokensFor, trendStats } from './lib/cases.js';

const RATE = Number(__ENV.RATE || 100);
const BURST = Number(__ENV.BURST || 10);
const P99_MS = Number(__ENV.P99_MS || 200);
const ASSIGNED_P99_MS = Number(__ENV.ASSIGNED_P99_MS || 5000);
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
  thresholds: {
    http_req_failed: ['rate<0.0001'],
    checks: ['rate>0.9999'],
    'http_req_duration{name:create-case}': [`p(99)<=${P99_MS}`],
    case_assigned_ms: [`p(99)<=${ASSIGNED_P99_MS}`],
    cases_not_assigned_in_10s: ['count<1'],
    dropped_iterations: ['count<1'],
  },
  summaryTrendStats: trendStats,
};

export function setup() {
  return { tokens: Object.values(tokensFor((__ENV.PEOPLE || 'operator1').split(','))) };
}

export default function (data) {
  fileCase(data.tokens[__VU % data.tokens.length]);
}
