// Intake steady state: RATE new cases a second for DURATION, as hotline operators file them.
// The thresholds are the SLA it proves (issue 13): POST p99 ≤ P99_MS, POST → assigned
// p99 ≤ ASSIGNED_P99_MS, no error, no dropped iteration (the platform kept up).
import { fileByAnOperator, filingThresholds, operatorsSetup, trendStats } from './lib/cases.js';

const RATE = Number(__ENV.RATE || 200);
const P99_MS = Number(__ENV.P99_MS || 50);
const ASSIGNED_P99_MS = Number(__ENV.ASSIGNED_P99_MS || 1000);
const THRESHOLDS = filingThresholds(P99_MS, ASSIGNED_P99_MS);

export const options = {
  scenarios: {
    intake: {
      executor: 'constant-arrival-rate',
      rate: RATE,
      timeUnit: '1s',
      duration: __ENV.DURATION || '2m',
      // Made up front (one started mid-run drops its iteration); enough for a second of latency
      // at the offered rate, plus the sampled cases being followed for up to 10 s.
      preAllocatedVUs: Number(__ENV.VUS || Math.min(3000, Math.max(100, RATE))),
      maxVUs: Number(__ENV.VUS || Math.min(3000, Math.max(100, RATE))),
    },
  },
  thresholds: THRESHOLDS,
  summaryTrendStats: trendStats,
};

export const setup = operatorsSetup;
export default fileByAnOperator;
