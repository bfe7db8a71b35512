// A mixed working day, the Boston 311 arrival curve compressed into DURATION: filings rise
// and fall hour by hour (peak RATE a second at Boston's busiest hour), while handlers read
// their queues, supervisors open the early-warning board and a unit's KPIs, and an Open311
// client polls the public feed. Each request class has its own limit.
import http from 'k6/http';
import { check } from 'k6';
import { fileCase, GATEWAY, tokensFor, trendStats } from './lib/cases.js';

const RATE = Number(__ENV.RATE || 200);
const HOURS = JSON.parse(open(__ENV.WORKLOAD.replace(/\.json$/, '.hours.json')));
const PEAK = Math.max(...HOURS);
const SECONDS = Number(__ENV.DAY_SECONDS || 240);
const step = `${Math.max(1, Math.round(SECONDS / 24))}s`;
const readers = (rate, exec) => ({ executor: 'constant-arrival-rate', rate, timeUnit: '1s', duration: `${SECONDS}s`, preAllocatedVUs: 20, maxVUs: 20, exec });

export const options = {
  scenarios: {
    filings: {
      executor: 'ramping-arrival-rate',
      startRate: Math.max(1, Math.round((RATE * HOURS[0]) / PEAK)),
      timeUnit: '1s',
      preAllocatedVUs: Math.min(3000, Math.max(100, RATE)),
      maxVUs: Math.min(3000, Math.max(100, RATE)),
      stages: HOURS.map((h) => ({ target: Math.max(1, Math.round((RATE * h) / PEAK)), duration: step })),
      exec: 'file',
    },
    handlers: readers(Number(__ENV.QUEUE_RATE || 20), 'queue'),
    supervisors: readers(Number(__ENV.BOARD_RATE || 2), 'board'),
    open311: readers(Number(__ENV.OPEN311_RATE || 5), 'feed'),
  },
  thresholds: {
    http_req_failed: ['rate<0.0001'],
    'http_req_duration{name:create-case}': [`p(99)<=${Number(__ENV.P99_MS || 200)}`],
    'http_req_duration{name:queue}': [`p(99)<=${Number(__ENV.QUEUE_P99_MS || 300)}`],
    'http_req_duration{name:kpi}': [`p(99)<=${Number(__ENV.KPI_P99_MS || 500)}`],
    'http_req_duration{name:board}': [`p(99)<=${Number(__ENV.BOARD_P99_MS || 3000)}`],
    'http_req_duration{name:open311}': [`p(99)<=${Number(__ENV.OPEN311_P99_MS || 500)}`],
    case_assigned_ms: [`p(99)<=${Number(__ENV.ASSIGNED_P99_MS || 2000)}`],
    dropped_iterations: ['count<1'],
  },
  summaryTrendStats: trendStats,
};

export function setup() {
  return tokensFor(['operator1', 'handler-water-a', 'handler-housing-a', 'supervisor1', 'head-water']);
}

export function file(t) {
  fileCase(t.operator1);
}

export function queue(t) {
  const token = __ITER % 2 ? t['handler-water-a'] : t['handler-housing-a'];
  const res = http.get(`${GATEWAY}/api/v1/workspaces`, { headers: { authorization: `Bearer ${token}` }, tags: { name: 'queue' } });
  check(res, { 'queue read (200)': (r) => r.status === 200 });
}

export function board(t) {
  const auth = { headers: { authorization: `Bearer ${t.supervisor1}` } };
  check(http.get(`${GATEWAY}/api/v1/risk?limit=20`, { ...auth, tags: { name: 'board' } }), { 'board read (200)': (r) => r.status === 200 });
  const kpi = http.get(`${GATEWAY}/api/v1/assessment/units/water`, { headers: { authorization: `Bearer ${t['head-water']}` }, tags: { name: 'kpi' } });
  check(kpi, { 'KPIs read (200)': (r) => r.status === 200 });
}

export function feed() {
  check(http.get(`${GATEWAY}/open311/v2/requests.json`, { tags: { name: 'open311' } }), { 'feed read (200)': (r) => r.status === 200 });
}
