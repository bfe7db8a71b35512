import { Role, ROLES } from '@duban/auth';

export type Upstream = 'intake' | 'dispatch' | 'collaboration' | 'escalation' | 'assessment' | 'notification';

export interface Route {
  prefix: string;
  upstream: Upstream;
  /** False for protocols with their own credentials (Open311: a per-client api_key checked by intake). */
  bearer?: false;
  /**
   * Roles of which the caller must hold one, checked at the edge before the request goes on (403);
   * the owning service checks again, finer (docs/security.md). Absent: any signed-in person.
   */
  roles?: readonly Role[];
}

/** Everyone who works in the organisation: every role but the reporter's. */
const STAFF: readonly Role[] = ROLES.filter((r) => r !== 'reporter');

/** Public API paths and the service that owns each (ARCHITECTURE.md: reads go to the owning service). */
export const ROUTES: readonly Route[] = [
  { prefix: '/api/v1/cases', upstream: 'intake' },
  { prefix: '/api/v1/open311-clients', upstream: 'intake', roles: ['admin'] },
  { prefix: '/api/v1/imports', upstream: 'intake', roles: ['dispatcher', 'admin'] },
  { prefix: '/open311/v2', upstream: 'intake', bearer: false },
  // GeoReport v2 Service Discovery: where a client starts.
  { prefix: '/open311/discovery.json', upstream: 'intake', bearer: false },
  { prefix: '/open311/discovery.xml', upstream: 'intake', bearer: false },
  { prefix: '/api/v1/units', upstream: 'dispatch' },
  { prefix: '/api/v1/assignments', upstream: 'dispatch', roles: STAFF },
  { prefix: '/api/v1/coordination-queue', upstream: 'dispatch', roles: STAFF },
  { prefix: '/api/v1/routing-rules', upstream: 'dispatch', roles: STAFF },
  { prefix: '/api/v1/routing', upstream: 'dispatch', roles: STAFF },
  { prefix: '/api/v1/districts', upstream: 'dispatch', roles: STAFF },
  { prefix: '/api/v1/absences', upstream: 'dispatch', roles: STAFF },
  { prefix: '/api/v1/workspaces', upstream: 'collaboration', roles: STAFF },
  { prefix: '/api/v1/assists', upstream: 'collaboration', roles: STAFF },
  { prefix: '/api/v1/cosigns', upstream: 'collaboration', roles: STAFF },
  { prefix: '/api/v1/task-forces', upstream: 'collaboration', roles: STAFF },
  { prefix: '/api/v1/clocks', upstream: 'escalation', roles: STAFF },
  { prefix: '/api/v1/lights', upstream: 'escalation', roles: STAFF },
  { prefix: '/api/v1/calendars', upstream: 'escalation', roles: STAFF },
  { prefix: '/api/v1/supervision-orders', upstream: 'escalation', roles: STAFF },
  { prefix: '/api/v1/cards', upstream: 'escalation', roles: STAFF },
  { prefix: '/api/v1/rectifications', upstream: 'escalation', roles: STAFF },
  { prefix: '/api/v1/risk', upstream: 'escalation', roles: STAFF },
  { prefix: '/api/v1/sla-policies', upstream: 'escalation', roles: STAFF },
  // The reporter rates their own case here; every other assessment figure is for staff.
  { prefix: '/api/v1/assessment/ratings', upstream: 'assessment' },
  { prefix: '/api/v1/assessment', upstream: 'assessment', roles: STAFF },
  { prefix: '/api/v1/ratings', upstream: 'assessment', bearer: false },
  { prefix: '/api/v1/notifications', upstream: 'notification' },
  // Each service keeps its own hash-chained audit trail.
  ...(['intake', 'dispatch', 'collaboration', 'escalation', 'assessment', 'notification'] as const).map(
    (s): Route => ({ prefix: `/api/v1/audit/${s}`, upstream: s, roles: ['supervisor', 'admin'] }),
  ),
];

/**
 * The owning service of a request path, matching whole path segments only.
 * Paths with dot segments (also percent-encoded) are refused: resolved by the
 * upstream URL, they would step out of the public API (e.g. to /metrics).
 */
export function routeFor(url: string): Route | undefined {
  const path = url.split('?')[0];
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  if (decoded.split(/[/\\]/).some((segment) => segment === '.' || segment === '..')) return undefined;
  return ROUTES.find((r) => path === r.prefix || path.startsWith(`${r.prefix}/`));
}
