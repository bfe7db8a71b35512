// Soak: RATE cases a second (half the intake target by default) for DURATION (30 minutes).
// Latency must not drift: the p99 of the whole run stays within P99_MS and POST → assigned
// within ASSIGNED_P99_MS; the harness (npm run load) records the memory of each process at
// the start and the end of the run beside it.
import { fileCase, tokensFor, trendStats } from './lib/cases.js';

const RATE = Number(__ENV.RATE || 100);
const VUS = Number(__ENV.VUS || Math.min(3000, Math.max(100, RATE)));

export const options = {
  scenarios: {
    soak: { executor: 'constant-arrival-rate', rate: RATE, timeUnit: '1s', duration: __ENV.DURATION || '30m', preAllocatedVUs: VUS, maxVUs: VUS },
  },
  thresholds: {
    http_req_failed: ['rate<0.0001'],
    checks: ['rate>0.9999'],
    'http_req_duration{name:create-case}': [`p(99)<=${Number(__ENV.P99_MS || 50)}`],
    case_assigned_ms: [`p(99)<=${Number(__ENV.ASSIGNED_P99_MS || 1000)}`],
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
