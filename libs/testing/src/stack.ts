import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { assertTestDatabase } from '@duban/persistence';

/** Where the local stack (npm run stack:up) listens; overridable for other stacks. */
export const stack = {
  kafkaBrokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(','),
  testDatabaseUrl: process.env.TEST_DATABASE_URL ?? 'postgres://duban:duban@127.0.0.1:15432/duban_test',
  gatewayUrl: process.env.GATEWAY_URL ?? 'http://127.0.0.1:8080',
  /** The gateway's own metrics port (not the public one). */
  gatewayMetricsUrl: process.env.GATEWAY_METRICS_URL ?? 'http://127.0.0.1:9080',
  oidcIssuer: process.env.OIDC_ISSUER_URL ?? 'http://127.0.0.1:18080/realms/duban',
  jaegerQueryUrl: process.env.JAEGER_QUERY_URL ?? 'http://127.0.0.1:16686',
};

/**
 * A fresh, empty logical database for one test file (dropped by the returned
 * function), so test files never see each other's rows.
 */
export async function freshDatabase(prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  assertTestDatabase(stack.testDatabaseUrl);
  const name = `duban_test_${prefix.replace(/[^a-z0-9]/g, '_')}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: stack.testDatabaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(stack.testDatabaseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new Client({ connectionString: stack.testDatabaseUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** Polls until `probe` returns a value (not undefined) or the time runs out. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${lastError ? `: ${(lastError as Error).message}` : ''}`);
}

/** A password-grant access token from the identity provider for a demo user. */
export async function tokenFor(username: string, password = 'duban-demo'): Promise<string> {
  const response = await fetch(`${stack.oidcIssuer}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: 'duban-cli', username, password, scope: 'openid' }),
  });
  if (!response.ok) throw new Error(`token for ${username}: HTTP ${response.status} ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** One JSON call to the public API through the gateway; the body is parsed when there is one. */
export async function api<T = any>( // eslint-disable-line @typescript-eslint/no-explicit-any
  path: string,
  init: Omit<RequestInit, 'body'> & { token?: string; body?: unknown } = {},
): Promise<{ status: number; headers: Headers; body: T }> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  if (init.body !== undefined) headers.set('content-type', 'application/json');
  const body = init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
  const response = await fetch(`${stack.gatewayUrl}${path}`, { ...init, headers, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

/**
 * A report text no other test report repeats: intake links near-identical reports of an open
 * case as duplicates, so tests that need a case handled on its own make their text distinct.
 */
export function distinct(text: string): string {
  return `${text} (test ${randomBytes(16).toString('hex')})`;
}

/**
 * What `expected` holds that `actual` does not, counting repeats (a multiset difference):
 * `lacking(['a', 'b', 'b'], ['b', 'a'])` is `['b']`.
 */
export function lacking(expected: readonly string[], actual: readonly string[]): string[] {
  const left = new Map<string, number>();
  for (const a of actual) left.set(a, (left.get(a) ?? 0) + 1);
  return expected.filter((e) => {
    const n = left.get(e) ?? 0;
    if (n > 0) left.set(e, n - 1);
    return n === 0;
  });
}

/** Whether the early-warning board shows `caseId` to the bearer of `token`, walking every page (`query`: more filters). */
export async function onRiskBoard(token: string, caseId: string, query = ''): Promise<boolean> {
  let cursor: string | null = null;
  do {
    const page: { status: number; body: { cases: { caseId: string }[]; next: string | null } } = await api(`/api/v1/risk?limit=1000${query}${cursor ? `&cursor=${cursor}` : ''}`, { token });
    if (page.status !== 200) throw new Error(`GET /api/v1/risk: HTTP ${page.status}`);
    if (page.body.cases.some((c) => c.caseId === caseId)) return true;
    cursor = page.body.next;
  } while (cursor);
  return false;
}

/** Runs `work` with a client of one service's own database on the local stack (e.g. `intake`: duban_intake). */
export async function serviceDb<T>(service: string, work: (c: Client) => Promise<T>): Promise<T> {
  const url = new URL(stack.testDatabaseUrl);
  url.pathname = `/duban_${service}`;
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
