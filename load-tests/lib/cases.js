// What every scenario of the load suite shares: tokens of several demo people, real Boston
// 311 cases as request bodies (spread so they do not repeat each other), and the
// user-visible SLA — POST → assigned, clocked and notified, measured by polling a sample of
// the accepted cases' views. Loopback only, bounded in count and time by each scenario.
import http from 'k6/http';
import { check, sleep } from 'k6';
import { Counter, Trend } from 'k6/metrics';
import { SharedArray } from 'k6/data';

export const GATEWAY = __ENV.GATEWAY_URL || 'http://127.0.0.1:8080';
export const ISSUER = __ENV.OIDC_ISSUER_URL || 'http://127.0.0.1:18080/realms/duban';
// One case in SAMPLE is followed until its view shows it assigned, clocked and notified.
const SAMPLE = Number(__ENV.SAMPLE || 50);
// Parsed once and shared by every VU (thousands of VUs would otherwise each hold a copy).
const workload = { cases: new SharedArray('cases', () => JSON.parse(open(__ENV.WORKLOAD)).cases) };

export const assigned = new Trend('case_assigned_ms', true);
export const clocked = new Trend('case_clocked_ms', true);
export const notified = new Trend('case_notified_ms', true);
export const linked = new Counter('cases_linked');
export const unfinished = new Counter('cases_not_assigned_in_10s');

export const trendStats = ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'];

/** Access tokens of the people a scenario acts as (password grant, as `npm run token` does). */
export function tokensFor(usernames) {
  const tokens = {};
  for (const username of usernames) {
    const res = http.post(`${ISSUER}/protocol/openid-connect/token`, {
      grant_type: 'password',
      client_id: 'duban-cli',
      username,
      password: 'duban-demo',
    });
    if (res.status !== 200) throw new Error(`cannot get a token for ${username}: ${res.status} ${res.body}`);
    tokens[username] = res.json('access_token');
  }
  return tokens;
}

const WORDS = ['since', 'morning', 'again', 'outside', 'behind', 'corner', 'school', 'shop', 'neighbour', 'noticed', 'yesterday',
  'evening', 'children', 'elderly', 'urgent', 'please', 'building', 'entrance', 'parking', 'bus', 'stop', 'market', 'bridge', 'river'];
const said = () => Array.from({ length: 8 }, () => WORDS[Math.floor(Math.random() * WORDS.length)]).join(' ');

/** A real Boston case, moved up to ~2 km and told in the caller's own words, so thousands of them are not repeats of each other. */
function body() {
  const c = workload.cases[Math.floor(Math.random() * workload.cases.length)];
  const tag = `${__VU}-${__ITER}-${Math.random().toString(36).slice(2, 8)}`;
  return {
    title: c.title,
    description: `Caller ${tag}: ${said()}, ${Math.floor(Math.random() * 400) + 1} ${said()}. ${c.description}`,
    category: c.category,
    channel: 'hotline',
    caller: { name: `Caller ${tag}` },
    location: { point: { lat: c.lat + (Math.random() - 0.5) * 0.04, lon: c.lon + (Math.random() - 0.5) * 0.04 } },
  };
}

const STAGES = [
  ['case.assigned', assigned],
  ['sla.clock-started', clocked],
  ['notification.delivered', notified],
];

/** Files one case as a hotline operator; follows one in SAMPLE through the case view. */
export function fileCase(token) {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const started = Date.now();
  const res = http.post(`${GATEWAY}/api/v1/cases`, JSON.stringify(body()), { headers, tags: { name: 'create-case' } });
  const ok = check(res, { 'case accepted (201)': (r) => r.status === 201 });
  if (!ok) return;
  const view = res.json();
  if (view.duplicateOf) {
    linked.add(1);
    return;
  }
  if (Math.random() * SAMPLE >= 1) return;
  const seen = {};
  while (Date.now() - started < 10_000 && Object.keys(seen).length < STAGES.length) {
    sleep(0.05);
    const r = http.get(`${GATEWAY}/api/v1/cases/${view.id}`, { headers, tags: { name: 'follow-case' } });
    if (r.status !== 200) continue;
    const types = new Set(r.json('timeline').map((s) => s.type));
    for (const [type, trend] of STAGES) {
      if (!seen[type] && types.has(type)) {
        seen[type] = true;
        trend.add(Date.now() - started);
      }
    }
  }
  if (!seen['case.assigned']) unfinished.add(1);
}

/** The limits every filing scenario proves: no error, POST p99, POST → assigned p99, every followed case assigned, no dropped iteration. */
export function filingThresholds(p99Ms, assignedP99Ms) {
  return {
    http_req_failed: ['rate<0.0001'],
    checks: ['rate>0.9999'],
    'http_req_duration{name:create-case}': [`p(99)<=${p99Ms}`],
    case_assigned_ms: [`p(99)<=${assignedP99Ms}`],
    cases_not_assigned_in_10s: ['count<1'],
    dropped_iterations: ['count<1'],
  };
}

/** k6 setup of the filing scenarios: tokens of the operators in PEOPLE (operator1 by default). */
export function operatorsSetup() {
  return { tokens: Object.values(tokensFor((__ENV.PEOPLE || 'operator1').split(','))) };
}

/** One iteration of a filing scenario: a case filed by one of the operators. */
export function fileByAnOperator(data) {
  fileCase(data.tokens[__VU % data.tokens.length]);
}
